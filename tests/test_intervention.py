"""Interventions: uniform attention and edge deletion, against independent constructions."""

import copy

import pytest
import torch

from gatviz.attention import dataset_attention
from gatviz.config import ModelConfig
from gatviz.intervention import (
    _without_ranked,
    deletion_curves,
    uniform_attention,
    uniform_knockout,
)
from gatviz.model import GAT
from gatviz.training import model_input


def _zeroed_attention_vectors(model: GAT) -> GAT:
    """The same model with every attention vector zeroed: all e_ij = 0, so α is uniform."""
    clone = copy.deepcopy(model)
    with torch.no_grad():
        for conv in clone.convs:
            for name in ("att_src", "att_dst", "att"):
                if getattr(conv, name, None) is not None:
                    getattr(conv, name).zero_()
    return clone


@pytest.mark.parametrize("conv", ["gat", "gatv2"])
def test_knockout_equals_a_model_whose_attention_vectors_are_zero(karate, conv):
    torch.manual_seed(1)
    config = ModelConfig(conv=conv, heads=3, residual="input")
    model = GAT(karate.num_features, karate.num_classes, config).eval()
    x, edges = model_input(karate.data.x, torch.device("cpu")), karate.data.edge_index
    with torch.no_grad():
        with uniform_attention(model):
            knocked = model(x, edges)
        zeroed = _zeroed_attention_vectors(model)(x, edges)
        learned = model(x, edges)
    assert torch.allclose(knocked, zeroed, atol=1e-5)
    assert not torch.allclose(knocked, learned, atol=1e-3)  # the hook is gone afterwards
    with torch.no_grad(), uniform_attention(model):
        alpha = dataset_attention(model, karate)[0].alpha
    counts = torch.bincount(dataset_attention(model, karate)[0].edge_index[1]).float()
    assert torch.allclose(
        alpha[:, 0] * counts[dataset_attention(model, karate)[0].edge_index[1]],
        torch.ones(alpha.size(0)),
    )


def test_uniform_knockout_table(karate, karate_trained):
    table = uniform_knockout(karate_trained[0].model, karate).set_index("split")
    assert list(table.index) == ["train", "val", "test", "all nodes"]
    assert table.loc["test", "learned"] == pytest.approx(karate_trained[0].metrics["test_acc"])
    assert 0 <= table.loc["all nodes", "changed"] <= 1
    test = table.loc["test"]
    assert test["n"] == 7 and test["learned_low"] <= test["learned"] <= test["learned_high"]
    assert test["difference"] == pytest.approx(test["uniform"] - test["learned"])
    # 7 test nodes cannot show a change of one or two nodes: the interval covers 0.
    assert test["difference_low"] <= 0 <= test["difference_high"] and test["p_value"] > 0.05


def test_without_ranked_removes_exactly_the_top_k_incoming_edges_but_never_self_loops():
    # Node 0 hears from 1, 2, 3 and itself; node 1 from 0 and itself.
    edge_index = torch.tensor([[1, 2, 3, 0, 0, 1], [0, 0, 0, 0, 1, 1]])
    score = torch.tensor([0.5, 0.1, 0.3, 0.9, 0.2, 0.8])
    kept = _without_ranked(edge_index, score, 2)
    assert kept.t().tolist() == [[2, 0], [0, 0], [1, 1]]
    assert _without_ranked(edge_index, -score, 1).t().tolist() == [[1, 0], [3, 0], [0, 0], [1, 1]]
    assert _without_ranked(edge_index, score, 0).equal(edge_index)


def test_deletion_curves(karate, karate_trained):
    model = karate_trained[0].model
    attention = dataset_attention(model, karate)
    curves = deletion_curves(model, karate, attention, layer=1, ks=range(4), draws=3)
    assert list(curves.columns) == [
        "k", "strategy", "test_acc", "changed", "difference", "difference_low",
        "difference_high", "p_value", "n",
    ]  # fmt: skip
    assert (curves["n"] == 7).all()  # karate's test nodes
    assert (curves[curves["k"] == 0][["difference", "p_value"]] == [0.0, 1.0]).all().all()
    assert len(curves) == 4 * 3
    start = curves[curves["k"] == 0]
    assert (start["changed"] == 0).all()
    assert (start["test_acc"] == karate_trained[0].metrics["test_acc"]).all()
    assert (curves[curves["k"] > 0]["changed"] > 0).any()
    again = deletion_curves(model, karate, attention, layer=1, ks=range(4), draws=3)
    assert again.equals(curves)  # seeded
