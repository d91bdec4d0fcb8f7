"""Known-answer tests for gatviz.analysis on tiny graphs with hand-set α."""

import math

import numpy as np
import pytest
import torch

from gatviz.analysis import (
    auroc,
    compare_attention,
    ground_truth_auroc,
    head_agreement,
    kl_by_head,
    node_divergence,
    ranking_consistency,
    same_class_mass,
)
from gatviz.attention import attended_count, dataset_attention
from gatviz.config import ModelConfig, TrainConfig
from gatviz.datasets import load_dataset
from gatviz.errors import GatvizError
from gatviz.model import GAT, LayerAttention, with_self_loops
from gatviz.training import train


def _uniform(edge_index, num_nodes, heads=2):
    looped = with_self_loops(edge_index, num_nodes)
    count = torch.bincount(looped[1], minlength=num_nodes).float()
    return LayerAttention(looped, (1.0 / count[looped[1]]).unsqueeze(1).repeat(1, heads))


def test_uniform_attention_is_zero_kl_and_zero_js(tiny):
    layer = _uniform(tiny.data.edge_index, tiny.num_nodes)
    divergence = node_divergence([layer], tiny.num_nodes)
    assert np.allclose(divergence["kl_from_uniform"], 0.0, atol=1e-9)
    # Node 3 attends over 2, 4, 5 and itself: entropy log 4, normalised 1.
    row = divergence[(divergence["node"] == 3) & (divergence["head"] == 0)].iloc[0]
    assert row["attended"] == 4 and row["entropy"] == pytest.approx(math.log(4))
    isolated = divergence[divergence["node"] == 6]  # only its self-loop: no choice
    assert (isolated["attended"] == 1).all() and isolated["normalised_entropy"].isna().all()
    pairs, from_uniform = head_agreement([layer], tiny.num_nodes)
    assert np.allclose(pairs["js"], 0.0, atol=1e-12)
    assert np.allclose(from_uniform["js_from_uniform"], 0.0, atol=1e-12)
    share = attended_count(layer.edge_index, tiny.num_nodes)[layer.edge_index[1]]
    assert np.allclose(layer.alpha * share.unsqueeze(1), 1.0)  # α × |N(i)| is 1 everywhere


def test_focused_attention_has_kl_log_degree_and_heads_disagree(tiny):
    layer = _uniform(tiny.data.edge_index, tiny.num_nodes)
    source, target = layer.edge_index
    alpha = torch.zeros_like(layer.alpha)
    alpha[source == target, 0] = 1.0  # head 0 listens only to itself
    alpha[:, 1] = layer.alpha[:, 1]  # head 1 stays uniform
    summary = kl_by_head(node_divergence([LayerAttention(layer.edge_index, alpha)], tiny.num_nodes))
    degrees = torch.bincount(target, minlength=tiny.num_nodes).double()
    assert summary.loc[0, "kl_from_uniform_mean"] == pytest.approx(float(degrees.log().mean()))
    assert summary.loc[1, "kl_from_uniform_mean"] == pytest.approx(0.0, abs=1e-9)
    assert summary.loc[0, "normalised_entropy_mean"] == pytest.approx(0.0, abs=1e-9)
    pairs, _ = head_agreement([LayerAttention(layer.edge_index, alpha)], tiny.num_nodes)
    js = pairs.set_index(["head_a", "head_b"])["js"]
    assert js[(0, 1)] == js[(1, 0)] > 0 and js[(0, 0)] == 0
    assert js[(0, 1)] <= math.log(2)


def test_same_class_mass_is_one_when_all_attention_goes_to_the_own_class(tiny):
    layer = _uniform(tiny.data.edge_index, tiny.num_nodes, heads=1)
    source, target = layer.edge_index
    y = tiny.data.y
    same = (y[source] == y[target]) & (source != target)
    alpha = same.float() + (source == target).float()  # self-loop weight is ignored
    result = same_class_mass([LayerAttention(layer.edge_index, alpha.unsqueeze(1))], y)
    assert result.loc[0, "same_class_mass"] == pytest.approx(1.0)
    # Uniform: nodes 2 and 3 have one cross edge out of 3 neighbours; node 6 has none.
    expected = (4 * 1.0 + 2 * (2 / 3)) / 6
    assert result.loc[0, "same_class_mass_uniform"] == pytest.approx(expected)
    assert result.loc[0, "nodes"] == 6
    flat = same_class_mass([layer], y)
    assert flat.loc[0, "same_class_mass"] == pytest.approx(expected)


def test_gat_ranks_shared_neighbours_alike_and_gatv2_need_not(karate):
    torch.manual_seed(0)
    gat = GAT(karate.num_features, karate.num_classes, ModelConfig(heads=4)).eval()
    consistency = ranking_consistency(dataset_attention(gat, karate), karate.num_nodes)
    assert (consistency["consistency"] == 1.0).all()
    assert (consistency["target_pairs"] > 100).all()
    lookup = load_dataset("dictionary-lookup", graphs=10)
    result = train(
        lookup,
        ModelConfig(layers=1, heads=1, dropout=0, attn_dropout=0, conv="gatv2"),
        TrainConfig(epochs=150, patience=0),
    )
    v2 = ranking_consistency(dataset_attention(result.model, lookup), lookup.num_nodes)
    assert v2.loc[0, "consistency"] < 0.5


def test_ranking_consistency_counts_opposite_orders():
    # Targets 2 and 3 both hear from 0 and 1; target 2 prefers 0, target 3 prefers 1.
    edge_index = torch.tensor([[0, 1, 0, 1], [2, 2, 3, 3]])
    alpha = torch.tensor([[0.7], [0.3], [0.4], [0.6]])
    result = ranking_consistency([LayerAttention(edge_index, alpha)], 4)
    assert result.loc[0, "target_pairs"] == 1 and result.loc[0, "consistency"] == 0.0
    alpha = torch.tensor([[0.7], [0.3], [0.6], [0.4]])
    result = ranking_consistency([LayerAttention(edge_index, alpha)], 4)
    assert result.loc[0, "consistency"] == 1.0
    sampled = ranking_consistency([LayerAttention(edge_index, alpha)], 4, max_triples=1)
    assert sampled.loc[0, "sampled"]


def test_auroc_known_answers():
    positive = np.array([1, 1, 0, 0, 0], dtype=bool)
    assert auroc(np.array([5, 4, 3, 2, 1]), positive) == 1.0
    assert auroc(np.array([1, 2, 3, 4, 5]), positive) == 0.0
    assert auroc(np.ones(5), positive) == 0.5
    assert auroc(np.array([3, 1, 2, 0, 0]), positive) == pytest.approx(5 / 6)
    assert math.isnan(auroc(np.ones(3), np.zeros(3, dtype=bool)))


def test_ground_truth_auroc_stands_beside_its_baselines():
    ba = load_dataset("ba-shapes")
    perfect = _uniform(ba.data.edge_index, ba.num_nodes, heads=1)
    position = {(int(s), int(t)): i for i, (s, t) in enumerate(perfect.edge_index.t())}
    alpha = torch.zeros(perfect.edge_index.size(1), 1)
    for (s, t), motif in zip(ba.data.edge_index.t().tolist(), ba.edge_masks["motif"].tolist()):
        alpha[position[(s, t)]] = float(motif)
    table = ground_truth_auroc([LayerAttention(perfect.edge_index, alpha)], ba)
    mean = table[table["head"] == "mean"].iloc[0]
    assert mean["mask"] == "motif" and mean["auroc_attention"] == 1.0
    assert mean["positives"] == int(ba.edge_masks["motif"].sum())
    assert mean["auroc_inverse_degree"] > 0.9  # why a bare AUROC misleads
    assert abs(mean["auroc_random"] - 0.5) < 0.05
    planted = load_dataset("planted")
    table = ground_truth_auroc([_uniform(planted.data.edge_index, planted.num_nodes)], planted)
    assert set(table["mask"]) == {"not noise"}
    # α is 1/|N(i)|: the two AUROCs are the same up to float rounding (α is float32)
    assert np.allclose(table["auroc_attention"], table["auroc_inverse_degree"], atol=1e-9)
    assert ground_truth_auroc([perfect], load_dataset("karate")).empty


def test_compare_attention(karate):
    model = GAT(karate.num_features, karate.num_classes)
    attention = dataset_attention(model, karate)
    same = compare_attention(attention, attention, karate.num_nodes)
    assert np.allclose(same["js"], 0.0, atol=1e-12) and len(same) == 2 * karate.num_nodes
    other = dataset_attention(
        GAT(karate.num_features, karate.num_classes, ModelConfig(conv="gatv2")), karate
    )
    assert (compare_attention(attention, other, karate.num_nodes)["js"] > 0).any()
    no_loops = dataset_attention(
        GAT(karate.num_features, karate.num_classes, ModelConfig(self_loops=False)), karate
    )
    with pytest.raises(GatvizError, match="different edges"):
        compare_attention(attention, no_loops, karate.num_nodes)


def test_same_label_mass_per_label_on_a_hand_built_graph():
    """Node 0 has labels {a, b} and attends to 1 (labels {a}) with α 0.75 and to 2 ({b}) with
    0.25 (self-loop excluded); node 1 ({a}) attends only to 0."""
    from gatviz.analysis import same_label_by_label, same_label_mass
    from gatviz.model import LayerAttention

    edge_index = torch.tensor([[1, 2, 0], [0, 0, 1]])
    alpha = torch.tensor([[0.75], [0.25], [1.0]])
    y = torch.tensor([[1, 1], [1, 0], [0, 1]])
    by_label = same_label_by_label([LayerAttention(edge_index, alpha)], y).set_index("label")
    # label a: node 0 puts 0.75 on neighbours with a (uniform 1/2), node 1 puts 1.0 (uniform 1)
    assert by_label.loc[0, "pairs"] == 2
    assert by_label.loc[0, "same_class_mass"] == pytest.approx((0.75 + 1.0) / 2)
    assert by_label.loc[0, "same_class_mass_uniform"] == pytest.approx((0.5 + 1.0) / 2)
    # label b: only node 0 has it with a neighbour: 0.25 on node 2, uniform 1/2
    assert by_label.loc[1, "pairs"] == 1
    assert by_label.loc[1, "same_class_mass"] == pytest.approx(0.25)
    overall = same_label_mass([LayerAttention(edge_index, alpha)], y)
    assert overall["nodes"].item() == 3
    assert overall["same_class_mass"].item() == pytest.approx((0.75 + 1.0 + 0.25) / 3)


def test_mean_kl_and_same_class_mass_carry_intervals_over_nodes(karate):
    """The mean KL's interval is mean ± z · sd / √n over the nodes; same-class mass minus
    uniform has its paired interval around the difference of the two means."""
    model = GAT(karate.num_features, karate.num_classes, ModelConfig(heads=2)).eval()
    attention = dataset_attention(model, karate)
    divergence = node_divergence(attention, karate.num_nodes)
    table = kl_by_head(divergence)
    one = divergence[(divergence["layer"] == 0) & (divergence["head"] == 1)]["kl_from_uniform"]
    row = table[(table["layer"] == 0) & (table["head"] == 1)].iloc[0]
    half = 1.959964 * one.std(ddof=1) / math.sqrt(len(one))
    assert row["kl_from_uniform_low"] == pytest.approx(one.mean() - half)
    assert row["kl_from_uniform_high"] == pytest.approx(one.mean() + half)
    same = same_class_mass(attention, karate.data.y)
    difference = same["same_class_mass"] - same["same_class_mass_uniform"]
    assert (same["difference_low"] <= difference + 1e-12).all()
    assert (difference <= same["difference_high"] + 1e-12).all()
