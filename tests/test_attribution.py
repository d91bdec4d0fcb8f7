"""gatviz.attribution: every method on a node whose prediction rests on one edge, Integrated
Gradients' completeness, and the agreement measures against scipy."""

import numpy as np
import pytest
import torch
from scipy import stats
from torch_geometric.data import Data
from torch_geometric.explain.algorithm.utils import clear_masks, set_masks

from gatviz.attribution import (
    METHODS,
    agreement,
    graph_attributions,
    node_attributions,
    sample_nodes,
)
from gatviz.config import ModelConfig
from gatviz.datasets import GraphDataset, load_dataset
from gatviz.errors import GatvizError
from gatviz.model import GAT


@pytest.fixture
def one_edge():
    """Node 0 hears from 1, 2 and 3, but only node 1 has features: the messages of 2 and 3
    (and node 0's own) are zero, so node 0's prediction rests on the edge 1 → 0 alone. The
    attention vector is set so that node 1 also gets the most attention."""
    torch.manual_seed(0)
    x = torch.zeros(4, 5)
    x[1] = torch.rand(5) + 0.5
    edge_index = torch.tensor([[1, 2, 3], [0, 0, 0]])
    mask = torch.ones(4, dtype=torch.bool)
    data = Data(
        x=x,
        y=torch.tensor([0, 1, 2, 0]),
        edge_index=edge_index,
        train_mask=mask,
        val_mask=mask,
        test_mask=mask,
    )
    dataset = GraphDataset(
        "one edge", data, ["a", "b", "c"], [f"n{i}" for i in range(4)], "hand-built"
    )
    model = GAT(
        5, 3, ModelConfig(layers=1, heads=1, out_heads=1, dropout=0.0, attn_dropout=0.0)
    ).eval()
    conv = model.convs[0]
    with torch.no_grad():
        if conv.bias is not None:
            conv.bias.zero_()
        message = conv.lin(x[1:2]).view(-1)  # W h_1
        conv.att_src.copy_(message.sign().view_as(conv.att_src))
        # The class explained is the one this message raises most: make it positive.
        if float(message.max()) <= 0:
            conv.lin.weight.neg_()
    return model, dataset


def test_every_method_ranks_the_one_edge_that_matters_first(one_edge):
    model, dataset = one_edge
    result = node_attributions(model, dataset, 0)
    table = result.table
    assert table[["source", "target"]].values.tolist() == [[1, 0], [2, 0], [3, 0]]
    for method in METHODS:
        scores = table[method].to_numpy()
        assert scores.argmax() == 0, method
        assert scores[0] > scores[1:].max(), method
    assert table["alpha_layer0"].argmax() == 0


def test_integrated_gradients_add_up_to_the_change_in_output(karate, karate_trained):
    model = karate_trained[0].model
    node = 0
    result = node_attributions(model, karate, node, methods=("integrated_gradients",))
    from gatviz.neighbourhood import receptive_subgraph

    cut = receptive_subgraph(karate.in_edges, torch.tensor([node]), model.config.layers)
    x, edge_index = karate.data.x[cut.nodes], cut.edge_index

    def output(mask: torch.Tensor) -> float:
        set_masks(model, mask, edge_index, apply_sigmoid=False)
        try:
            with torch.no_grad():
                return float(model(x, edge_index)[0, result.predicted])
        finally:
            clear_masks(model)

    whole = output(torch.ones(edge_index.size(1)))
    none = output(torch.zeros(edge_index.size(1)))
    total = float(result.table["integrated_gradients"].sum())
    assert total == pytest.approx(whole - none, rel=0.01, abs=1e-3)


def test_agreement_equals_scipys_rank_correlations(karate, karate_trained):
    model = karate_trained[0].model
    nodes = sample_nodes(karate, 3)
    results = [
        node_attributions(model, karate, v, methods=("saliency", "attention_flow")) for v in nodes
    ]
    table = agreement(results, k=2)
    row = table[(table["alpha"] == "alpha_layer0") & (table["method"] == "saliency")].iloc[0]
    rhos, taus = [], []
    for result in results:
        a, b = result.table["alpha_layer0"], result.table["saliency"]
        rhos.append(stats.spearmanr(a, b).statistic)
        taus.append(stats.kendalltau(a, b).statistic)
    assert row["spearman"] == pytest.approx(np.mean(rhos))
    assert row["kendall"] == pytest.approx(np.mean(taus))
    assert row["nodes"] == 3 and 0 <= row["top_k_overlap"] <= 1
    assert set(table["alpha"]) >= {"alpha_layer0", "alpha_layer1", "alpha_mean", "attention_flow"}


def test_attributions_refuse_what_they_cannot_explain(karate, karate_trained):
    model = karate_trained[0].model
    with pytest.raises(GatvizError, match="node must be 0 to 33"):
        node_attributions(model, karate, 34)
    with pytest.raises(GatvizError, match="methods must be among"):
        node_attributions(model, karate, 0, methods=("shap",))


def test_graph_attributions_score_every_edge_of_the_graph_and_add_up(tiny_graph_set):
    """Graph classification: one row per edge of the graph explained, the edge masks reachable
    by edge_id, and Integrated Gradients' completeness on the graph's output."""
    model, dataset = tiny_graph_set
    result = graph_attributions(model, dataset, 1)
    one = dataset.graph(1)
    table = result.table
    assert result.level == "graph"
    assert table[["source", "target"]].values.tolist() == one.data.edge_index.t().tolist()
    assert table["edge_id"].tolist() == list(range(one.num_edges))
    x, edge_index = one.data.x, one.data.edge_index
    batch = torch.zeros(x.size(0), dtype=torch.long)

    def output(mask: torch.Tensor) -> float:
        set_masks(model, mask, edge_index, apply_sigmoid=False)
        try:
            with torch.no_grad():
                return float(model(x, edge_index, batch=batch)[0, result.predicted])
        finally:
            clear_masks(model)

    whole, none = output(torch.ones(edge_index.size(1))), output(torch.zeros(edge_index.size(1)))
    total = float(table["integrated_gradients"].sum())
    assert total == pytest.approx(whole - none, rel=0.01, abs=1e-3)
    # The flow starts from the mean readout's 1/n per node: the last layer's edges and loops
    # carry all of it, so the input edges' share of the last layer is below 1.
    assert 0 < table["attention_flow"].max() < 1
    with pytest.raises(GatvizError, match="graph attributions are computed for graph"):
        graph_attributions(model, load_dataset("karate"), 0)
    with pytest.raises(GatvizError, match="node attributions are computed for node"):
        node_attributions(model, dataset, 0)


def test_agreement_means_carry_a_bootstrap_interval(karate, karate_trained):
    model = karate_trained[0].model
    results = [node_attributions(model, karate, v, methods=("saliency",)) for v in (0, 5, 33)]
    row = agreement(results).iloc[0]
    assert row["spearman_low"] <= row["spearman"] <= row["spearman_high"]
    assert row["kendall_low"] <= row["kendall"] <= row["kendall_high"]
