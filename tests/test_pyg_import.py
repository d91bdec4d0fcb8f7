"""Models trained in PyG, imported from safetensors: same predictions and the same α as PyG."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import torch
import torch.nn.functional as F
from safetensors.torch import save_file, save_model
from torch_geometric.nn import GAT as PygGAT
from torch_geometric.nn import GATConv, GATv2Conv

from gatviz.attention import extract_attention
from gatviz.checkpoint import read_checkpoint
from gatviz.datasets import load_dataset
from gatviz.errors import CheckpointError
from gatviz.pyg_import import GAT_LAYERS, PYG_GAT


@pytest.fixture(scope="module")
def planted():
    return load_dataset("planted")


def _fit(model, dataset, steps=15):
    """A few optimiser steps, so that no weight is left at its initial value (biases start at
    zero) and the attention is not the untrained one."""
    torch.manual_seed(0)
    data = dataset.data
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(
            model(data.x, data.edge_index)[data.train_mask], data.y[data.train_mask]
        ).backward()
        optimizer.step()
    return model.eval()


def _pyg_alpha(convs, act, x, edge_index):
    """α of each layer as PyG itself returns it, running the convs in order."""
    alphas = []
    with torch.no_grad():
        for i, conv in enumerate(convs):
            x, (used, alpha) = conv(x, edge_index, return_attention_weights=True)
            alphas.append((used, alpha))
            if i < len(convs) - 1:
                x = act(x)
    return alphas


def _assert_same(model, checkpoint, dataset, convs, act):
    data = dataset.data
    ours = checkpoint.build_model()
    with torch.no_grad():
        assert torch.allclose(
            ours(data.x, data.edge_index), model(data.x, data.edge_index), atol=1e-5
        )
    for (edges, alpha), (pyg_edges, pyg_alpha) in zip(
        extract_attention(ours, data.x, data.edge_index),
        _pyg_alpha(convs, act, data.x, data.edge_index),
    ):
        assert torch.equal(edges, pyg_edges)
        assert torch.allclose(alpha, pyg_alpha, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(hidden_channels=64, num_layers=2, heads=8, dropout=0.6, act="elu"),
        dict(hidden_channels=12, num_layers=3, heads=3, v2=True, residual=True),
        dict(
            hidden_channels=16,
            num_layers=2,
            heads=2,
            negative_slope=0.1,
            add_self_loops=False,
            bias=False,
        ),
    ],
)
def test_pyg_gat_model_imports_with_the_same_outputs_and_alpha(kwargs, planted, tmp_path):
    kwargs = dict(in_channels=planted.num_features, out_channels=planted.num_classes, **kwargs)
    torch.manual_seed(1)
    model = _fit(PygGAT(**kwargs), planted)
    path = tmp_path / "gat.safetensors"
    save_file(model.state_dict(), path, metadata={PYG_GAT: json.dumps(kwargs)})

    checkpoint = read_checkpoint(path)
    config = checkpoint.model_config
    assert (config.layers, config.heads, config.out_heads) == (
        kwargs["num_layers"],
        kwargs["heads"],
        kwargs["heads"],
    )
    assert config.hidden == kwargs["hidden_channels"] // kwargs["heads"]
    assert config.conv == ("gatv2" if kwargs.get("v2") else "gat")
    assert checkpoint.check_fits(planted) == []  # no dataset named: nothing to note
    _assert_same(model, checkpoint, planted, model.convs, model.act)


class ReferenceNet(torch.nn.Module):
    """PyG's examples/gat.py, as a user writes it: two named layers and ELU."""

    def __init__(self, features, classes, conv=GATConv, **options):
        super().__init__()
        self.conv1 = conv(features, 8, heads=8, dropout=0.6, **options)
        self.conv2 = conv(8 * 8, classes, heads=1, concat=False, dropout=0.6, **options)

    def forward(self, x, edge_index):
        x = F.dropout(x, p=0.6, training=self.training)
        x = F.elu(self.conv1(x, edge_index))
        x = F.dropout(x, p=0.6, training=self.training)
        return self.conv2(x, edge_index)


@pytest.mark.parametrize("conv, options", [(GATConv, {}), (GATv2Conv, {"share_weights": True})])
def test_a_stack_of_named_layers_imports_with_the_same_outputs_and_alpha(
    conv, options, planted, tmp_path
):
    torch.manual_seed(2)
    model = _fit(ReferenceNet(planted.num_features, planted.num_classes, conv, **options), planted)
    path = tmp_path / "net.safetensors"
    spec = {"layers": ["conv1", "conv2"], "act": "elu", "dataset": "planted", **options}
    # save_model drops the tensors that share_weights makes identical (save_file refuses them).
    save_model(model, str(path), metadata={GAT_LAYERS: json.dumps(spec)})
    checkpoint = read_checkpoint(path)
    assert checkpoint.dataset == "planted" and checkpoint.check_fits(planted) == []
    assert (checkpoint.model_config.hidden, checkpoint.model_config.heads) == (8, 8)
    _assert_same(model, checkpoint, planted, [model.conv1, model.conv2], F.elu)


def _saved(tmp_path, model, key, spec):
    path = tmp_path / "m.safetensors"
    save_file(model.state_dict(), path, metadata={key: json.dumps(spec)})
    return path


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(norm="batch_norm"), "norm='batch_norm'.* has no gatviz equivalent"),
        (dict(jk="cat"), "jk='cat'.* has no gatviz equivalent"),
        (dict(num_layers=6), "num_layers must be 1 to 4"),
        (dict(act="sigmoid"), "activation must be one of"),
    ],
)
def test_pyg_gat_models_gatviz_cannot_rebuild_are_refused(kwargs, message, tmp_path):
    full = dict(in_channels=5, hidden_channels=8, num_layers=2, out_channels=3, heads=2)
    full.update(kwargs)
    with pytest.raises(CheckpointError, match=message):
        read_checkpoint(_saved(tmp_path, PygGAT(**full), PYG_GAT, full))


def test_embeddings_and_concatenated_outputs_are_refused(tmp_path):
    args = dict(in_channels=5, hidden_channels=8, num_layers=2, heads=2)
    with pytest.raises(CheckpointError, match="without out_channels"):
        read_checkpoint(_saved(tmp_path, PygGAT(**args), PYG_GAT, args))

    class Concat(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = GATConv(5, 4, heads=2), GATConv(8, 3, heads=2, concat=True)

    with pytest.raises(CheckpointError, match="concatenates its 2 heads"):
        read_checkpoint(_saved(tmp_path, Concat(), GAT_LAYERS, {"layers": ["a", "b"]}))
    with pytest.raises(CheckpointError, match="no GATConv or GATv2Conv layer named 'c'"):
        read_checkpoint(_saved(tmp_path, Concat(), GAT_LAYERS, {"layers": ["a", "c"]}))


def test_extra_tensors_and_plain_state_dicts_are_refused(tmp_path):
    class WithNorm(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = GATConv(5, 4, heads=2), GATConv(8, 3, concat=False)
            self.norm = torch.nn.LayerNorm(8)

    with pytest.raises(CheckpointError, match="unexpected norm.weight"):
        read_checkpoint(_saved(tmp_path, WithNorm(), GAT_LAYERS, {"layers": ["conv1", "conv2"]}))
    path = tmp_path / "plain.safetensors"
    save_file(WithNorm().state_dict(), path)
    with pytest.raises(CheckpointError, match="Models trained elsewhere"):
        read_checkpoint(path)
    with pytest.raises(CheckpointError, match="must be a JSON object"):
        read_checkpoint(_saved(tmp_path, WithNorm(), GAT_LAYERS, ["conv1"]))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
PYG_ARGS = dict(in_channels=5, hidden_channels=8, num_layers=2, out_channels=3, heads=2)
PYG_STATE = PygGAT(**PYG_ARGS).state_dict()
STACK_STATE = ReferenceNet(5, 3).state_dict()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=JSON,
    edits=st.dictionaries(
        st.sampled_from(
            sorted(PYG_ARGS)
            + [
                "v2",
                "act",
                "dropout",
                "negative_slope",
                "add_self_loops",
                "residual",
                "norm",
                "jk",
                "layers",
                "dataset",
                "share_weights",
                "fill_value",
            ]
        ),
        JSON,
        max_size=4,
    ),
)
def test_any_description_gives_a_model_or_a_checkpoint_error(spec, edits):
    """Whatever a stranger writes as the model's description, reading it ends in a model or a
    CheckpointError, never another exception."""
    from safetensors.torch import save

    cases = [
        (PYG_STATE, PYG_GAT, spec),
        (STACK_STATE, GAT_LAYERS, spec),
        (PYG_STATE, PYG_GAT, {**PYG_ARGS, **edits}),
        (STACK_STATE, GAT_LAYERS, {"layers": ["conv1", "conv2"], "act": "elu", **edits}),
    ]
    for state, key, description in cases:
        data = save(state, metadata={key: json.dumps(description)})
        try:
            read_checkpoint(data).build_model()
        except CheckpointError:
            pass
