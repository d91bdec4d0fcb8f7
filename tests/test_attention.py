import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gatviz.attention import (
    COLUMNS,
    attention_table,
    dataset_attention,
    entropy,
    explain_alpha,
    write_attention_table,
    extract_attention,
    incoming,
    node_entropy,
    reduce_heads,
    top_k,
)
from gatviz.config import ModelConfig, TrainConfig
from gatviz.csv_graph import load_csv
from gatviz.datasets import load_dataset
from gatviz.model import GAT
from gatviz.training import train


def _assert_sums_to_one(table):
    sums = table.groupby(["layer", "head", "target"])["alpha"].sum()
    assert np.allclose(sums.to_numpy(), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    "name", ["tiny", "karate", "ba-shapes", "planted", "csv", "cora", "citeseer"]
)
def test_alpha_sums_to_one_for_every_target_on_every_dataset(name, tiny, request):
    if name == "tiny":
        dataset = tiny
    elif name == "cora":
        dataset = request.getfixturevalue("cora")
    elif name == "citeseer":
        dataset = load_dataset("citeseer", root=request.getfixturevalue("planetoid_root"))
    elif name == "csv":
        dataset = load_csv(b"source,target\na,b\nb,c\nc,a\nc,d\n")
    else:
        dataset = load_dataset(name)
    classes = max(dataset.num_classes, 2)
    for config in (ModelConfig(), ModelConfig(layers=3, conv="gatv2", heads=3)):
        model = GAT(dataset.num_features, classes, config)
        model.train()  # extraction must switch to eval mode itself
        table = attention_table(dataset_attention(model, dataset))
        _assert_sums_to_one(table)
        assert model.training, "the model's mode is restored"


def test_alpha_matches_the_paper_formula(tiny):
    """e_ij = LeakyReLU(a_src·Wh_j + a_dst·Wh_i), α = softmax over incoming edges of i."""
    model = GAT(tiny.num_features, 2, ModelConfig(heads=2, hidden=3)).eval()
    layers = extract_attention(model, tiny.data.x, tiny.data.edge_index)
    conv = model.convs[0]
    with torch.no_grad():
        wh = conv.lin(tiny.data.x).view(-1, 2, 3)  # (N, H, C)
        score_src = (wh * conv.att_src).sum(-1)  # (N, H)
        score_dst = (wh * conv.att_dst).sum(-1)
    source, target = layers[0].edge_index
    e = F.leaky_relu(score_src[source] + score_dst[target], 0.2)  # (E', H)
    expected = torch.zeros_like(e)
    for i in range(tiny.num_nodes):
        rows = target == i
        expected[rows] = torch.softmax(e[rows], dim=0)
    assert torch.allclose(layers[0].alpha, expected, atol=1e-6)


def test_table_layout_and_self_loops(tiny):
    model = GAT(tiny.num_features, 2, ModelConfig(heads=4))
    table = attention_table(dataset_attention(model, tiny))
    assert list(table.columns) == COLUMNS
    first = table[table["layer"] == 0]
    assert len(first) == (tiny.num_edges + tiny.num_nodes) * 4
    loops = first[first["is_self_loop"] & (first["head"] == 0)]
    assert sorted(loops["source"]) == list(range(tiny.num_nodes))
    assert (loops["source"] == loops["target"]).all()
    no_loops = GAT(tiny.num_features, 2, ModelConfig(self_loops=False))
    assert not attention_table(dataset_attention(no_loops, tiny))["is_self_loop"].any()


def test_helpers(tiny):
    table = attention_table(dataset_attention(GAT(tiny.num_features, 2), tiny))
    mean = reduce_heads(table, "mean")
    assert (mean["head"] == "mean").all()
    assert len(mean) == len(table.drop_duplicates(["layer", "source", "target"]))
    _assert_sums_to_one(mean)
    biggest = reduce_heads(table, "max")
    merged = mean.merge(biggest, on=["layer", "source", "target"])
    assert (merged["alpha_y"] >= merged["alpha_x"] - 1e-7).all()
    with pytest.raises(ValueError, match="'mean' or 'max'"):
        reduce_heads(table, "median")

    mine = incoming(table, 3, layer=0)
    assert set(mine["target"]) == {3} and set(mine["source"]) == {2, 3, 4, 5}
    assert (mine.groupby("head")["alpha"].apply(lambda a: a.is_monotonic_decreasing)).all()

    top = top_k(table, 2)
    assert top.groupby(["layer", "head", "target"]).size().max() == 2
    strongest = table.loc[table.groupby(["layer", "head", "target"])["alpha"].idxmax()]
    assert set(strongest.index) <= set(top.index)


def test_entropy_is_at_most_uniform_and_equals_it_for_equal_weights(karate, karate_trained):
    table = attention_table(dataset_attention(karate_trained[0].model, karate))
    entropy = node_entropy(table)
    assert (entropy["entropy"] <= entropy["uniform_entropy"] + 1e-6).all()
    degrees = entropy[(entropy["layer"] == 0) & (entropy["head"] == 0)]
    assert degrees.set_index("node")["in_degree"][0] == 17  # 16 friends + self-loop
    uniform = table.assign(
        alpha=1.0 / table.groupby(["layer", "head", "target"])["alpha"].transform("size")
    )
    flat = node_entropy(uniform)
    assert np.allclose(flat["entropy"], flat["uniform_entropy"])


def test_gatv2_learns_to_down_weight_planted_noise():
    """On the planted graph, GATv2's output layer gives noise edges clearly less α.

    (GAT's original "static" attention ranks neighbours the same for every target, so it cannot
    prefer same-community neighbours; GATv2's dynamic attention can. Brody et al., 2022.)
    """
    planted = load_dataset("planted", noise=0.3, signal=1.5)
    result = train(planted, ModelConfig(heads=4, conv="gatv2"), TrainConfig(epochs=150, seed=0))
    last = dataset_attention(result.model, planted)[-1]
    alpha, (source, target) = last.alpha.mean(1), last.edge_index
    noise = planted.edge_masks["noise"]
    assert noise.shape[0] == planted.num_edges
    crossing = planted.data.y[source] != planted.data.y[target]
    community = ~crossing & (source != target)
    assert alpha[crossing].mean() < 0.85 * alpha[community].mean()


def test_entropy_of_one_node():
    assert entropy(torch.full((5,), 0.2)) == pytest.approx(np.log(5))
    assert entropy(torch.tensor([1.0, 0.0, 0.0])) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("conv", ["gat", "gatv2"])
def test_explain_alpha_redoes_every_alpha_from_its_terms(karate, conv):
    torch.manual_seed(2)
    model = GAT(karate.num_features, karate.num_classes, ModelConfig(conv=conv, heads=3))
    for layer, head in ((0, 2), (1, 0)):
        table = explain_alpha(model, karate.data.x, karate.data.edge_index, layer, 33, head)
        assert len(table) == 17 + 1  # 17 friends and the self-loop
        assert np.allclose(table["alpha"], table["alpha_model"], atol=1e-5)
        assert table["alpha"].sum() == pytest.approx(1.0)
        assert np.allclose(table["alpha"], table["exp_e"] / table["exp_e"].sum())
        if conv == "gat":
            slope = 0.2
            raw = table["a_src·Wh_j"] + table["a_dst·Wh_i"]
            assert np.allclose(table["e_ij"], np.where(raw > 0, raw, slope * raw), atol=1e-6)
        else:
            parts = table["channels adding"] + table["channels subtracting"]
            assert np.allclose(table["e_ij"], parts, atol=1e-5)
    with pytest.raises(ValueError, match="head must be 0 to 2"):
        explain_alpha(model, karate.data.x, karate.data.edge_index, 0, 0, 5)


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_attention_table_streams_to_a_file_in_chunks(suffix, tmp_path):
    import pandas as pd

    dataset = load_dataset("planted")
    model = GAT(dataset.num_features, dataset.num_classes, ModelConfig(heads=3))
    layers = dataset_attention(model, dataset)
    expected = attention_table(layers)
    seen = []
    path = tmp_path / f"alpha.{suffix}"
    rows = write_attention_table(
        layers, path, lambda done, total: seen.append((done, total)), chunk_edges=100
    )
    assert rows == len(expected) and seen[-1] == (rows, rows)
    assert len(seen) > 10 and all(a < b for (a, _), (b, _) in zip(seen, seen[1:]))
    table = pd.read_parquet(path) if suffix == "parquet" else pd.read_csv(path)
    assert list(table.columns) == COLUMNS
    for column in ("layer", "head", "source", "target", "is_self_loop"):
        assert (table[column].to_numpy() == expected[column].to_numpy()).all(), column
    assert np.allclose(table["alpha"], expected["alpha"], rtol=1e-6)
