"""Training on sets of graphs (multi-label nodes, graph classes) and α on graphs never seen."""

import math

import numpy as np
import pytest
import torch
from torch_geometric.data import Data

from gatviz import tasks
from gatviz.attention import attention_table, dataset_attention, layer_inputs
from gatviz.checkpoint import checkpoint_bytes, read_checkpoint
from gatviz.config import ModelConfig, TrainConfig
from gatviz.datasets import load_dataset
from gatviz.errors import CheckpointError, ConfigError, DatasetError
from gatviz.graphset import graph_list, graph_set, stratified_graph_split
from gatviz.training import predict, train

FAST = dict(dropout=0.0, attn_dropout=0.0)


def ring_set(task: str, graphs: int = 12, seed: int = 0):
    """Rings of 4-7 nodes; a node's labels are read off its neighbours' features."""
    g = torch.Generator().manual_seed(seed)
    data = []
    for i in range(graphs):
        n = 4 + i % 4
        ring = torch.arange(n)
        edges = torch.cat(
            [torch.stack([ring, (ring + 1) % n]), torch.stack([(ring + 1) % n, ring])], dim=1
        )
        x = torch.randn(n, 3, generator=g)
        neighbour_sum = x[(ring + 1) % n] + x[(ring - 1) % n]
        if task == "multilabel":
            y = (neighbour_sum > 0).long()
        else:
            y = torch.full((n,), -1)  # node descriptors a graph task never trains on
        data.append(Data(x=x, edge_index=edges, y=y, num_nodes=n))
    graph_y = torch.tensor([i % 2 for i in range(graphs)]) if task == "graph" else None
    return graph_set(
        f"rings-{task}",
        data,
        task=task,
        class_names=["a", "b", "c"] if task == "multilabel" else ["node"],
        description="rings",
        graph_y=graph_y,
        graph_class_names=["even", "odd"] if task == "graph" else None,
        graph_split=stratified_graph_split(graph_y, graphs, seed),
    )


def test_a_single_graph_is_a_set_of_one(karate):
    assert karate.num_graphs == 1 and karate.graph(0) is karate
    assert karate.graph_ptr.tolist() == [0, karate.num_nodes]
    assert karate.task == "node" and karate.batch.unique().tolist() == [0]


def test_graph_list_gives_each_graph_back_in_its_own_ids():
    rings = ring_set("graph")
    graphs = graph_list(rings, torch.arange(rings.num_graphs))
    assert [g.num_nodes for g in graphs] == rings.graph_ptr.diff().tolist()
    for g, graph in enumerate(graphs):
        assert int(graph.edge_index.max()) < graph.num_nodes
        assert graph.target.tolist() == [int(rings.graph_y[g])]


def test_subset_keeps_graphs_labels_and_edges():
    rings = ring_set("graph")
    test = rings.split_graphs("test")
    part = rings.subset(test)
    assert part.num_graphs == test.numel()
    assert part.graph_y.tolist() == rings.graph_y[test].tolist()
    assert part.num_edges == sum(rings.graph(int(g)).num_edges for g in test)
    assert bool((part.batch[part.data.edge_index[0]] == part.batch[part.data.edge_index[1]]).all())


def test_micro_f1_counts_every_node_label_pair():
    pred = torch.tensor([[1, 0], [1, 1]])
    y = torch.tensor([[1, 1], [0, 1]])
    assert tasks.micro_f1(pred, y) == pytest.approx(2 * 2 / (2 * 2 + 2))
    assert math.isnan(tasks.micro_f1(torch.zeros(2, 2), torch.zeros(2, 2)))


def test_multilabel_training_on_graph_batches_learns_from_the_neighbours():
    rings = ring_set("multilabel", graphs=16)
    result = train(
        rings,
        ModelConfig(task="multilabel", hidden=8, heads=2, **FAST),
        TrainConfig(epochs=60, patience=0, graph_batch=4, weight_decay=0.0, lr=0.02, snapshots=3),
    )
    history = result.history
    assert history[-1].train_loss < history[0].train_loss
    assert result.metrics["train_acc"] > 0.7  # micro-F1 on the training graphs
    pred, prob = predict(result.model, rings)
    assert pred.shape == prob.shape == (rings.num_nodes, 3)
    assert len(result.snapshots) == 3


def test_graph_classification_trains_and_predicts_one_class_per_graph():
    data = load_dataset("ba-2motif", graphs=40)
    config = ModelConfig(task="graph", hidden=8, heads=2, pool="mean", **FAST)
    result = train(data, config, TrainConfig(epochs=60, patience=0, graph_batch=8, lr=0.01))
    assert result.history[-1].train_acc > 0.9
    pred, prob = predict(result.model, data)
    assert pred.shape == (40,) and prob.shape == (40, 2)
    assert torch.allclose(prob.sum(1), torch.ones(40))


def test_training_is_seeded_on_sets_of_graphs():
    rings = ring_set("graph")
    config = ModelConfig(task="graph", hidden=4, heads=2)
    first, second = (
        train(rings, config, TrainConfig(epochs=5, patience=0, graph_batch=3)) for _ in range(2)
    )
    assert [h.train_loss for h in first.history] == [h.train_loss for h in second.history]


def test_a_model_of_another_task_is_refused():
    rings = ring_set("graph")
    with pytest.raises(ConfigError, match="task='graph'"):
        train(rings, ModelConfig(task="node"), TrainConfig(epochs=1))


def _paper_alpha(model, x, edge_index, layer):
    """α of one GATConv layer from its saved weights by the paper's formula, in numpy:
    e_ij = LeakyReLU(a_src·W h_j + a_dst·W h_i), softmax over j ∈ N(i) ∪ {i}."""
    conv = model.convs[layer]
    h = x if layer == 0 else layer_inputs(model, x, edge_index)[layer]  # raw features first
    h = h.numpy().astype(np.float64)
    n = h.shape[0]
    w = conv.lin.weight.detach().numpy().astype(np.float64)
    heads, channels = conv.heads, conv.out_channels
    wh = (h @ w.T).reshape(n, heads, channels)
    src = (wh * conv.att_src.detach().numpy()[0]).sum(-1)
    dst = (wh * conv.att_dst.detach().numpy()[0]).sum(-1)
    source, target = edge_index.numpy()
    keep = source != target
    source = np.concatenate([source[keep], np.arange(n)])
    target = np.concatenate([target[keep], np.arange(n)])
    e = src[source] + dst[target]
    e = np.where(e > 0, e, conv.negative_slope * e)
    alpha = np.exp(e - e.max())
    sums = np.zeros((n, heads))
    np.add.at(sums, target, alpha)
    return source, target, alpha / sums[target]


def test_alpha_on_a_test_graph_equals_the_papers_formula_from_the_saved_weights():
    data = load_dataset("ba-2motif", graphs=24)
    train_graphs = data.subset(data.split_graphs("train"))
    config = ModelConfig(task="graph", hidden=6, heads=3, out_heads=2)
    result = train(data, config, TrainConfig(epochs=5, patience=0, graph_batch=4))
    blob = checkpoint_bytes(result.model, data, TrainConfig(), result.metrics)
    checkpoint = read_checkpoint(blob)
    assert checkpoint.model_config.task == "graph"
    assert checkpoint.check_fits(data) == []
    model = checkpoint.build_model()
    test_graph = int(data.split_graphs("test")[0])
    graph = data.graph(test_graph)
    assert graph.graph_split.tolist() == [2]
    assert test_graph not in data.split_graphs("train").tolist() and train_graphs.num_graphs < 24
    attention = dataset_attention(model, graph)
    table = attention_table(attention)
    sums = table.groupby(["layer", "head", "target"])["alpha"].sum()
    assert np.allclose(sums.to_numpy(), 1.0, atol=1e-5)
    for layer in range(config.layers):
        source, target, expected = _paper_alpha(model, graph.data.x, graph.data.edge_index, layer)
        edges, alpha = attention[layer]
        got = {(int(s), int(t)): a for s, t, a in zip(*edges.numpy(), alpha.numpy())}
        for s, t, a in zip(source, target, expected):
            assert np.allclose(got[(int(s), int(t))], a, atol=1e-5)
    # The same α as on the whole set: a GAT's attention depends on the graph alone.
    whole = attention_table(dataset_attention(model, data), graph_of=data.batch)
    sums = whole.groupby(["graph", "layer", "head", "target"])["alpha"].sum()
    assert np.allclose(sums.to_numpy(), 1.0, atol=1e-5)  # in every graph of the set
    assert sums.index.get_level_values("graph").nunique() == 24
    mine = whole[whole["graph"] == test_graph]
    assert len(mine) == len(table)
    assert np.allclose(
        np.sort(mine["alpha"].to_numpy()), np.sort(table["alpha"].to_numpy()), atol=1e-6
    )


def test_a_graph_task_checkpoint_on_a_node_task_says_so(karate):
    data = load_dataset("ba-2motif", graphs=8)
    result = train(
        data, ModelConfig(task="graph", hidden=4, heads=1), TrainConfig(epochs=1, patience=0)
    )
    checkpoint = read_checkpoint(checkpoint_bytes(result.model, data, TrainConfig()))
    with pytest.raises(
        CheckpointError, match="graph classification model .* node classification dataset"
    ):
        checkpoint.check_fits(karate)


def test_too_many_graphs_are_refused_before_any_work(monkeypatch):
    import gatviz.graphset as graphset

    monkeypatch.setattr(graphset, "MAX_GRAPHS", 1000)
    one = Data(
        x=torch.zeros(1, 1),
        edge_index=torch.zeros(2, 0, dtype=torch.long),
        y=torch.zeros(1, dtype=torch.long),
        num_nodes=1,
    )
    with pytest.raises(DatasetError, match="1,001 graphs, more than the 1,000"):
        graph_set(
            "many",
            [one] * 1001,
            task="node",
            class_names=["c"],
            description="",
            graph_split=torch.zeros(1001, dtype=torch.long),
        )


def test_nodes_of_lists_each_graphs_nodes_in_order():
    rings = ring_set("graph")
    graphs = torch.tensor([5, 0, 3])
    expected = torch.cat(
        [
            torch.arange(int(rings.graph_ptr[g]), int(rings.graph_ptr[g + 1]))
            for g in graphs.tolist()
        ]
    )
    assert torch.equal(rings.nodes_of(graphs), expected)
    assert rings.nodes_of(torch.tensor([], dtype=torch.long)).numel() == 0


def test_train_and_test_graphs_side_by_side_with_intervals():
    from gatviz.inductive_analysis import divergence_by_split

    data = load_dataset("ba-2motif", graphs=40)
    result = train(
        data,
        ModelConfig(task="graph", hidden=4, heads=2),
        TrainConfig(epochs=5, patience=0, graph_batch=8),
    )
    table = divergence_by_split(dataset_attention(result.model, data), data, draws=200)
    assert len(table) == 2 + 1  # layer 0: 2 heads, layer 1: 1 head
    assert (table["train_graphs"] == 32).all() and (table["test_graphs"] == 4).all()
    assert (table["train_low"] <= table["train_kl"]).all()
    assert (table["train_kl"] <= table["train_high"]).all()
    assert (table["difference_low"] <= table["difference_high"]).all()
    # The same graphs on both sides: no difference, and an interval around 0.
    six = data.subset(data.split_graphs("train")[:6])
    graphs = graph_list(six, torch.arange(6))
    for graph, g in zip(graphs, range(6)):
        graph.y = six.data.y[six.graph_ptr[g] : six.graph_ptr[g + 1]]
    same = graph_set(
        "twins",
        graphs * 2,
        task="graph",
        class_names=six.class_names,
        description="",
        graph_split=torch.tensor([0] * 6 + [2] * 6),
        graph_y=torch.cat([six.graph_y] * 2),
        graph_class_names=["a", "b"],
    )
    twin = divergence_by_split(dataset_attention(result.model, same), same, draws=200)
    assert np.allclose(twin["difference"], 0.0, atol=1e-12)
    assert ((twin["difference_low"] <= 0) & (twin["difference_high"] >= 0)).all()
