"""ba-2motif: seeded graphs with a house or a 5-cycle, the motif edges marked."""

import torch

from gatviz.datasets import load_dataset


def test_ba_2motif_is_seeded():
    first, second = load_dataset("ba-2motif", graphs=30), load_dataset("ba-2motif", graphs=30)
    assert torch.equal(first.data.edge_index, second.data.edge_index)
    assert torch.equal(first.graph_y, second.graph_y)
    other = load_dataset("ba-2motif", seed=1, graphs=30)
    assert not torch.equal(first.data.edge_index, other.data.edge_index)


def test_ba_2motif_ground_truth_is_aligned_with_the_edges():
    data = load_dataset("ba-2motif", graphs=30, base=12)
    assert data.task == "graph" and data.num_graphs == 30
    assert int(data.graph_y.sum()) == 15  # half houses, half cycles
    motif = data.edge_masks["motif"]
    assert motif.shape == (data.num_edges,)
    source, target = data.data.edge_index
    in_motif = data.data.y.bool()  # node descriptors: base 0, motif 1
    assert torch.equal(motif, in_motif[source] & in_motif[target])
    for g in range(data.num_graphs):
        graph = data.graph(g)
        edges = int(graph.edge_masks["motif"].sum())
        # A house has 6 undirected edges, a 5-cycle 5: both directions are stored.
        assert edges == (10 if int(data.graph_y[g]) == 1 else 12)
        assert graph.num_nodes == 17
        names = [graph.node_names[v] for v in range(12, 17)]
        assert all(name.startswith(("house", "5-cycle")) for name in names)


def test_dictionary_lookup_set_is_the_papers_task():
    import math

    data = load_dataset("dictionary-lookup-set", k=4)
    assert data.num_graphs == math.factorial(4)  # every permutation when k! <= 32,000
    assert data.graph_split.tolist().count(0) == round(0.8 * 24)
    k = 4
    for g in range(data.num_graphs):
        graph = data.graph(g)
        x, y = graph.data.x, graph.data.y
        queries = range(k, 2 * k)
        value = x[:, k:].argmax(1)
        assert (y[:k] == -1).all() and bool((value[k:] == k).all())  # queries: value "empty"
        for q in queries:  # a query's label is the value of the key with its id
            key = int(x[q, :k].argmax())
            assert int(y[q]) == int(value[key])
        source, target = graph.data.edge_index
        assert graph.num_edges == k * k and bool((source < k).all() and (target >= k).all())
        assert torch.equal(graph.edge_masks["lookup"], source == target - k)
    # The test graphs are permutations (key → value combinations) never trained on.
    perms = {
        tuple(data.graph(g).data.y[k:].tolist()): data.graph_split_name(g)
        for g in range(data.num_graphs)
    }
    assert len(perms) == 24


def test_dictionary_lookup_set_samples_32000_permutations_when_k_factorial_is_larger():
    data = load_dataset("dictionary-lookup-set", k=8)  # 8! = 40,320
    assert data.num_graphs == 32_000
    values = data.data.y.view(32_000, 16)[:, 8:]
    assert torch.unique(values, dim=0).size(0) == 32_000


def test_neighbour_colours_needs_the_neighbours():
    from gatviz.baselines import mlp_baseline
    from gatviz.config import ModelConfig, TrainConfig
    from gatviz.training import train

    data = load_dataset("neighbour-colours", graphs=60)
    assert data.task == "node" and data.num_graphs == 60
    source, target = data.data.edge_index
    y, colour = data.data.y, data.data.x.argmax(1)
    for v in (y >= 0).nonzero().flatten()[:50].tolist():  # the label is the commonest colour
        counts = torch.bincount(colour[source[target == v]], minlength=4)
        assert int(counts.argmax()) == int(y[v]) and int((counts == counts.max()).sum()) == 1
    config, schedule = ModelConfig(dropout=0.0, attn_dropout=0.0), TrainConfig(epochs=120)
    gat = train(data, config, TrainConfig(epochs=120, graph_batch=8)).metrics["test_acc"]
    mlp = mlp_baseline(data, config, schedule)["test"]
    assert mlp < 0.45 < 0.7 < gat  # the MLP stays near chance (0.25) on unseen graphs
