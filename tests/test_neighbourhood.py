"""Receptive fields and α on demand: the exact part equals the whole graph's α."""

from __future__ import annotations

import pytest
import torch

from gatviz.attention import extract_attention, neighbourhood_attention
from gatviz.config import ModelConfig, TrainConfig
from gatviz.datasets import load_dataset
from gatviz.model import GAT
from gatviz.neighbourhood import (
    exact_within,
    hop_counts,
    hop_distances,
    in_edges,
    receptive_subgraph,
    sample_subgraph,
)
from gatviz.training import predict, train

# A directed path 0 -> 1 -> 2 -> 3 -> 4 plus 5 -> 2 and 6 -> 0: messages flow along the arrows.
PATH = torch.tensor([[0, 1, 2, 3, 5, 6], [1, 2, 3, 4, 2, 0]])


def test_in_edges_groups_sources_by_target():
    index = in_edges(PATH, 7)
    assert index.ptr.tolist() == [0, 1, 2, 4, 5, 6, 6, 6]
    assert sorted(index.source[2:4].tolist()) == [1, 5]  # into node 2
    assert all(
        PATH[1, e] == t
        for t in range(7)
        for e in index.edge_id[index.ptr[t] : index.ptr[t + 1]].tolist()
    )


def test_hop_distances_follow_incoming_edges():
    nodes, distance = hop_distances(in_edges(PATH, 7), torch.tensor([4]), 3)
    assert dict(zip(nodes.tolist(), distance.tolist())) == {4: 0, 3: 1, 2: 2, 1: 3, 5: 3}
    nodes, _ = hop_distances(in_edges(PATH, 7), torch.tensor([4]), 10)
    assert sorted(nodes.tolist()) == [0, 1, 2, 3, 4, 5, 6]


def test_receptive_subgraph_has_every_in_edge_of_its_inner_nodes():
    cut = receptive_subgraph(in_edges(PATH, 7), torch.tensor([4]), 2)
    assert sorted(cut.nodes.tolist()) == [2, 3, 4]
    edges = {(int(cut.nodes[s]), int(cut.nodes[t])) for s, t in cut.edge_index.t().tolist()}
    # 2 sits at the edge of the cut: it only sends, so 1 -> 2 and 5 -> 2 are left out.
    assert edges == {(3, 4), (2, 3)}
    assert sorted(cut.edge_id.tolist()) == [2, 3]
    assert exact_within(2, 0, 2) == 1 and exact_within(2, None, 2) == 0


@pytest.mark.parametrize(
    "config",
    [ModelConfig(), ModelConfig(layers=3, heads=2, hidden=4, conv="gatv2", residual="input")],
)
def test_neighbourhood_attention_equals_the_whole_graph_on_its_exact_part(config):
    dataset = load_dataset("planted")
    model = train(dataset, config, TrainConfig(epochs=5, snapshots=0)).model
    full = extract_attention(model, dataset.data.x, dataset.data.edge_index)
    pred, prob = predict(model, dataset)
    for centre, hops in ((0, 1), (17, 2), (41, 3)):
        local = neighbourhood_attention(model, dataset, centre, hops)
        assert local.centre == centre and int(local.distance.max()) <= hops + config.layers
        for layer, ((edges, alpha), exact) in enumerate(zip(local.attention, local.exact)):
            whole_edges, whole_alpha = full[layer]
            position = {tuple(e): i for i, e in enumerate(whole_edges.t().tolist())}
            rows = exact.nonzero().flatten()
            match = torch.tensor([position[tuple(e)] for e in edges[:, rows].t().tolist()])
            assert torch.allclose(alpha[rows], whole_alpha[match], atol=1e-6)
            # Exact targets have all their incoming edges, so their α sum to 1 ...
            targets = edges[1, rows].unique()
            assert int(torch.isin(whole_edges[1], targets).sum()) == rows.numel()
            # ... and every target within the view's hops is exact.
            near = local.nodes[local.distance <= hops]
            assert bool(exact[torch.isin(edges[1], near)].all())
        known = local.pred >= 0
        assert set(local.nodes[local.distance <= hops].tolist()) == set(
            known.nonzero().flatten().tolist()
        )
        assert torch.equal(local.pred[known], pred[known])
        assert torch.allclose(local.prob[known], prob[known], atol=1e-6)


def test_neighbourhood_attention_leaves_the_model_mode_alone(tiny):
    model = GAT(tiny.num_features, 2, ModelConfig(heads=2))
    model.train()
    local = neighbourhood_attention(model, tiny, 0, 1)
    assert model.training
    assert set(local.nodes.tolist()) <= set(range(7)) and 6 not in local.nodes.tolist()


def test_sample_subgraph_keeps_at_most_fanout_edges_per_node():
    dataset = load_dataset("ba-shapes")
    index = dataset.in_edges
    seeds = torch.arange(0, 300, 7)
    generator = torch.Generator().manual_seed(0)
    sample = sample_subgraph(index, seeds, fanout=3, hops=2, generator=generator)
    targets = sample.nodes[sample.edge_index[1]]
    assert int(torch.bincount(targets).max()) <= 3
    assert set(seeds.tolist()) <= set(sample.nodes.tolist())
    # Every sampled edge is a real edge of the graph, and none is drawn twice.
    edge_index = dataset.data.edge_index
    assert torch.equal(edge_index[:, sample.edge_id], sample.nodes[sample.edge_index])
    assert sample.edge_id.unique().numel() == sample.edge_id.numel()
    # Nodes with at most 3 in-edges keep all of them.
    small = seeds[index.degree(seeds) <= 3]
    for node in small.tolist():
        assert int((targets == node).sum()) == int(index.degree(torch.tensor([node])))


def test_sample_subgraph_without_a_fanout_is_the_receptive_field():
    dataset = load_dataset("planted")
    seeds = torch.tensor([3, 50, 51])
    sample = sample_subgraph(dataset.in_edges, seeds, fanout=0, hops=2)
    cut = receptive_subgraph(dataset.in_edges, seeds, 2)
    assert sorted(sample.nodes.tolist()) == sorted(cut.nodes.tolist())
    assert sorted(sample.edge_id.tolist()) == sorted(cut.edge_id.tolist())


def test_sample_subgraph_draws_each_edge_with_equal_chance():
    # Node 0 has 8 in-neighbours; with fanout 3 each edge is drawn with probability 3/8.
    edge_index = torch.stack([torch.arange(1, 9), torch.zeros(8, dtype=torch.long)])
    index = in_edges(edge_index, 9)
    generator = torch.Generator().manual_seed(0)
    counts = torch.zeros(9)
    for _ in range(3000):
        sample = sample_subgraph(index, torch.tensor([0]), fanout=3, hops=1, generator=generator)
        assert sample.edge_id.numel() == 3 and sample.edge_id.unique().numel() == 3
        counts[sample.nodes[sample.edge_index[0]]] += 1
    # 3000 draws: the standard error of each frequency is 0.009; 0.04 is 4.5 of them.
    assert torch.allclose(counts[1:] / 3000, torch.full((8,), 3 / 8), atol=0.04)


def test_sample_subgraph_draws_every_set_of_neighbours_with_equal_chance():
    """Without replacement and uniform over the subsets: 3 of 8 in-neighbours, 56 sets, for
    2,000 targets at once (each its own 8 sources), and targets at or under the fanout kept."""
    import itertools

    targets = 2000
    edge_index = torch.stack(
        [torch.arange(8 * targets) + targets, torch.arange(targets).repeat_interleave(8)]
    )
    index = in_edges(edge_index, 9 * targets)
    generator = torch.Generator().manual_seed(1)
    seeds = torch.arange(targets)
    counts = dict.fromkeys(itertools.combinations(range(8), 3), 0)
    for _ in range(3):
        sample = sample_subgraph(index, seeds, fanout=3, hops=1, generator=generator)
        source = sample.nodes[sample.edge_index[0]]
        target = sample.nodes[sample.edge_index[1]]
        assert torch.equal(torch.bincount(target, minlength=targets), torch.full((targets,), 3))
        for node in range(targets):
            drawn = sorted((source[target == node] - targets - 8 * node).tolist())
            counts[tuple(drawn)] += 1  # a KeyError would be a repeat or a stranger
    # 6,000 draws over 56 sets: ~107 each, standard deviation ~10; 45 is 4.4 of them.
    assert all(abs(count - 6000 / 56) < 45 for count in counts.values())
    few = in_edges(torch.tensor([[1, 2], [0, 0]]), 3)
    kept = sample_subgraph(few, torch.tensor([0]), fanout=3, hops=1, generator=generator)
    assert sorted(kept.edge_id.tolist()) == [0, 1]


def test_sample_subgraph_lays_out_nodes_by_distance_and_edges_by_hop():
    dataset = load_dataset("ba-shapes")
    seeds = torch.tensor([5, 300, 301, 600])
    sample = sample_subgraph(dataset.in_edges, seeds, fanout=4, hops=3)
    assert torch.equal(sample.distance, sample.distance.sort().values)
    for d in range(4):  # within a distance, by id
        ring = sample.nodes[sample.distance == d]
        assert torch.equal(ring, ring.sort().values)
    target = sample.edge_index[1]
    assert torch.equal(target, target.sort().values)  # so grouped by hop, then by target
    hops = hop_counts(sample, 3)
    assert hops.nodes == torch.bincount(sample.distance, minlength=4).tolist()
    assert sum(hops.edges) == target.numel()
    assert hops.edges[0] == int((sample.distance[target] == 0).sum())
