import pytest
import torch
from torch_geometric.nn import GATConv, GATv2Conv

from gatviz.config import ModelConfig
from gatviz.model import GAT, parameter_count

CONFIGS = [
    ModelConfig(),
    ModelConfig(layers=1),
    ModelConfig(layers=3, conv="gatv2", residual="layer"),
    ModelConfig(layers=4, hidden=4, heads=2, activation="relu"),
    ModelConfig(out_heads=3, out_concat=True, residual="input"),
    ModelConfig(self_loops=False, residual="input", out_heads=2),
]


@pytest.mark.parametrize("config", CONFIGS)
def test_shapes_and_attention_per_layer(tiny, config):
    model = GAT(tiny.num_features, tiny.num_classes, config).eval()
    logits, layers = model(tiny.data.x, tiny.data.edge_index, return_attention=True)
    assert logits.shape == (tiny.num_nodes, tiny.num_classes)
    assert len(layers) == config.layers
    loops = tiny.num_nodes if config.self_loops else 0
    for layer, heads in zip(layers, config.layer_heads()):
        assert layer.alpha.shape == (tiny.num_edges + loops, heads)
        is_loop = layer.edge_index[0] == layer.edge_index[1]
        assert int(is_loop.sum()) == loops


def test_uses_real_pyg_layers():
    assert isinstance(GAT(3, 2).convs[0], GATConv)
    assert isinstance(GAT(3, 2, ModelConfig(conv="gatv2")).convs[1], GATv2Conv)


def test_parameter_count_matches_the_reference():
    # PyG examples/gat.py on Cora: 1433 -> 8x8 -> 7 has 92,373 parameters.
    assert parameter_count(1433, 7, ModelConfig()) == 92_373
    assert parameter_count(5, 3, ModelConfig(layers=3)) == sum(
        p.numel() for p in GAT(5, 3, ModelConfig(layers=3)).parameters()
    )


def test_attention_dropout_only_while_training(tiny):
    model = GAT(tiny.num_features, 2, ModelConfig(attn_dropout=0.5))
    torch.manual_seed(0)
    model.train()
    _, layers = model(tiny.data.x, tiny.data.edge_index, return_attention=True)
    assert bool((layers[0].alpha == 0).any())
    model.eval()
    _, layers = model(tiny.data.x, tiny.data.edge_index, return_attention=True)
    assert bool((layers[0].alpha > 0).all())


def test_input_residual_keeps_isolated_nodes_alive(tiny):
    # Without self-loops node 6 has no incoming edges: the GAT layers give it nothing (bias
    # only), but the input residual carries its own features through.
    config = ModelConfig(self_loops=False, residual="input", layers=1)
    model = GAT(tiny.num_features, 2, config).eval()
    torch.nn.init.zeros_(model.convs[0].bias)
    with torch.no_grad():
        out = model(tiny.data.x, tiny.data.edge_index)
        plain = GAT(tiny.num_features, 2, ModelConfig(self_loops=False, layers=1)).eval()
        torch.nn.init.zeros_(plain.convs[0].bias)
        assert torch.count_nonzero(plain(tiny.data.x, tiny.data.edge_index)[6]) == 0
    assert torch.count_nonzero(out[6]) > 0


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("sparse", [False, True])
def test_a_trimmed_pass_gives_the_seeds_the_untrimmed_logits_and_gradients(config, sparse):
    from dataclasses import replace

    from gatviz.datasets import load_dataset
    from gatviz.kernels import sparse_features
    from gatviz.neighbourhood import hop_counts, sample_subgraph

    dataset = load_dataset("planted")
    sub = sample_subgraph(
        dataset.in_edges,
        torch.tensor([2, 9, 70, 71, 150]),
        fanout=3,
        hops=config.layers,
        generator=torch.Generator().manual_seed(0),
    )
    x = dataset.data.x[sub.nodes]
    x = sparse_features(x * (x > 1)) if sparse else x  # mostly zeros, stored in CSR
    torch.manual_seed(0)
    model = GAT(16, 4, replace(config, dropout=0.0, attn_dropout=0.0)).train()
    hops = hop_counts(sub, config.layers)
    assert hops.nodes[0] == 5 and sum(hops.nodes) == sub.nodes.numel()
    trimmed = model(x, sub.edge_index, hops=hops)
    whole = model(x, sub.edge_index)
    assert trimmed.shape == (5, 4)
    assert torch.allclose(trimmed, whole[:5], atol=1e-6)
    grads = torch.autograd.grad(trimmed.square().sum(), list(model.parameters()))
    grads_whole = torch.autograd.grad(whole[:5].square().sum(), list(model.parameters()))
    for a, b in zip(grads, grads_whole):
        assert torch.allclose(a, b, atol=1e-5)


def test_a_trimmed_pass_refuses_a_neighbourhood_too_shallow():
    from gatviz.neighbourhood import HopCounts

    model = GAT(3, 2, ModelConfig(layers=3))
    with pytest.raises(ValueError, match="3 hops deep"):
        model(torch.randn(4, 3), torch.tensor([[1, 2], [0, 0]]), hops=HopCounts([1, 2, 1], [2, 1]))


def test_loops_in_place_are_with_self_loops_grouped_by_target():
    from gatviz.model import loops_in_place, with_self_loops

    edges = torch.tensor([[3, 0, 4, 1, 2, 5, 1], [0, 0, 1, 1, 2, 2, 3]])  # 3 loops among them
    placed = loops_in_place(edges, 5)
    assert placed.tolist() == [[3, 0, 4, 1, 5, 2, 1, 3, 4], [0, 0, 1, 1, 2, 2, 3, 3, 4]]
    appended = with_self_loops(edges, 5)
    order = torch.argsort(appended[1], stable=True)  # the plan's order: by target, stable
    assert torch.equal(placed, appended[:, order])
    shuffled = edges[:, [4, 0, 6, 2, 1, 5, 3]]  # not grouped: falls back to appending
    assert torch.equal(loops_in_place(shuffled, 5), with_self_loops(shuffled, 5))
