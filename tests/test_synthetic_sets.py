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
