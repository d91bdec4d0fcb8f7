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
