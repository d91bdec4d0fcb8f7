"""GATs trained in a user's own PyG code, read from a safetensors file into a gatviz model.

Two kinds of model come in, each described by one entry of the file's safetensors metadata:

* ``torch_geometric.nn.models.GAT``: the keyword arguments it was built with, as JSON
  (``in_channels``, ``hidden_channels``, ``num_layers``, ``out_channels``, ``heads``, ``v2``,
  ``act``, ``dropout``, ``negative_slope``, ``add_self_loops``, ``residual``, ...);
* ``gat_layers``: for a module of its own built from ``GATConv`` / ``GATv2Conv`` layers, the
  names of the layers in the order they run (``{"layers": ["conv1", "conv2"], "act": "elu"}``),
  optionally ``negative_slope`` and ``add_self_loops``. Everything else (heads, channels,
  GAT or GATv2, residual, bias, concatenation) is read off the weights' shapes.

The weights are renamed to gatviz's (``convs.{i}.*``) and checked against the
:class:`~gatviz.config.ModelConfig` they describe before any tensor is read, exactly like a
gatviz checkpoint; the file is never unpickled. A model gatviz cannot rebuild exactly (normalisation
layers, jumping knowledge, edge features, hidden layers of different widths, an output layer that
concatenates heads) is refused with the reason.

Shapes read, per layer (H heads, C channels, F inputs): GAT ``att_src``/``att_dst`` (1, H, C) and
``lin.weight`` (H·C, F); GATv2 ``att`` (1, H, C), ``lin_l.weight`` and ``lin_r.weight`` (H·C, F);
``bias`` (H·C) when the layer concatenates its heads, (C) when it averages them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from gatviz.config import ACTIVATIONS, ModelConfig
from gatviz.errors import CheckpointError, GatvizError
from gatviz.limits import MAX_TEXT

PYG_GAT = "torch_geometric.nn.models.GAT"
GAT_LAYERS = "gat_layers"
KEYS = (PYG_GAT, GAT_LAYERS)
# GAT(...) arguments that change nothing gatviz computes in eval mode, or that it maps.
PYG_GAT_ARGS = {
    "in_channels",
    "hidden_channels",
    "num_layers",
    "out_channels",
    "heads",
    "v2",
    "act",
    "dropout",
    "negative_slope",
    "add_self_loops",
    "residual",
    "bias",
    "concat",
    "act_first",
    "norm",
    "jk",
    "act_kwargs",
    "norm_kwargs",
    "share_weights",
    "fill_value",
    "edge_dim",
}


class Imported(NamedTuple):
    """What an import yields: the model's config, the renaming of the file's tensors to
    gatviz's, its sizes, whether GATv2's lin_r shares lin_l, and the dataset it names."""

    config: ModelConfig
    rename: dict[str, str]
    features: int
    classes: int
    share_weights: bool
    dataset: str


def describe(header: dict[str, Any], key: str, spec: Any) -> Imported:
    """Read the model's description (``spec``, the parsed JSON of metadata entry ``key``) and
    the tensors' shapes from the header (nothing is allocated), or raise
    :class:`CheckpointError` saying what to change."""
    shapes = {
        name: info.get("shape")
        for name, info in header.items()
        if name != "__metadata__" and isinstance(info, dict)
    }
    if not isinstance(spec, dict):
        raise CheckpointError(
            f"the metadata entry {key!r} must be a JSON object, e.g. json.dumps(dict(...))"
        )
    layers, options = (_pyg_gat_layers if key == PYG_GAT else _named_layers)(spec)
    dataset = spec.get("dataset", "")
    if not isinstance(dataset, str) or len(dataset) > MAX_TEXT:
        raise CheckpointError(f"'dataset' must be a dataset name of at most {MAX_TEXT} characters")
    return _from_shapes(layers, shapes, options, dataset)


def _pyg_gat_layers(spec: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    unknown = sorted(set(spec) - PYG_GAT_ARGS - {"dataset"})
    if unknown:
        raise CheckpointError(
            f"GAT arguments gatviz cannot rebuild: {unknown}; it reads "
            f"{sorted(PYG_GAT_ARGS - {'norm', 'jk', 'edge_dim'})}"
        )
    for name, allowed in (
        ("norm", None),
        ("jk", None),
        ("edge_dim", None),
        ("act_kwargs", None),
        ("norm_kwargs", None),
    ):
        if spec.get(name, allowed) not in (allowed, {}):
            raise CheckpointError(
                f"GAT(..., {name}={spec[name]!r}) has no gatviz equivalent; "
                f"gatviz imports GATs built with {name}=None"
            )
    if spec.get("out_channels") is None:
        raise CheckpointError(
            "GAT(...) was built without out_channels: its last layer gives "
            "embeddings, not classes; gatviz needs a classifier (set "
            "out_channels to the number of classes)"
        )
    layers = spec.get("num_layers")
    if isinstance(layers, bool) or not isinstance(layers, int) or not 1 <= layers <= 4:
        raise CheckpointError(f"num_layers must be 1 to 4 for gatviz (got {layers!r})")
    options = {
        "act": spec.get("act", "relu"),
        "negative_slope": spec.get("negative_slope", 0.2),
        "add_self_loops": spec.get("add_self_loops", True),
        "dropout": spec.get("dropout", 0.0),
        "share_weights": spec.get("share_weights", False),
        "fill_value": spec.get("fill_value", "mean"),
    }
    return [f"convs.{i}" for i in range(layers)], options


def _named_layers(spec: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    known = {
        "layers",
        "act",
        "negative_slope",
        "add_self_loops",
        "dropout",
        "share_weights",
        "dataset",
    }
    unknown = sorted(set(spec) - known)
    if unknown:
        raise CheckpointError(f"{GAT_LAYERS} has no setting(s) {unknown}; known: {sorted(known)}")
    layers = spec.get("layers")
    if (
        not isinstance(layers, list)
        or not 1 <= len(layers) <= 4
        or not all(isinstance(name, str) and 0 < len(name) <= MAX_TEXT for name in layers)
    ):
        raise CheckpointError(
            f"{GAT_LAYERS}['layers'] must list the names of 1 to 4 GATConv or "
            "GATv2Conv layers in the order they run, e.g. ['conv1', 'conv2']"
        )
    options = {
        "act": spec.get("act", "elu"),
        "negative_slope": spec.get("negative_slope", 0.2),
        "add_self_loops": spec.get("add_self_loops", True),
        "dropout": spec.get("dropout", 0.6),
        "share_weights": spec.get("share_weights", False),
        "fill_value": "mean",
    }
    return layers, options


def _shape(shapes: dict[str, Any], name: str) -> list[int] | None:
    shape = shapes.get(name)
    if shape is None:
        return None
    if not isinstance(shape, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        raise CheckpointError(f"the file's header gives {name} an invalid shape")
    return shape


def _layer(shapes: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Heads, channels, inputs and kind of one layer, read off its tensors' shapes."""
    att_src, att = _shape(shapes, f"{prefix}.att_src"), _shape(shapes, f"{prefix}.att")
    if att_src is not None:
        conv, lin = "gat", _shape(shapes, f"{prefix}.lin.weight")
        if lin is None:
            raise CheckpointError(
                f"{prefix} has separate source and target projections "
                "(GATConv on a bipartite graph); gatviz imports GATConv with "
                "one in_channels"
            )
        att_shape = att_src
    elif att is not None:
        conv, lin, att_shape = "gatv2", _shape(shapes, f"{prefix}.lin_l.weight"), att
        if lin is None:
            raise CheckpointError(f"the file has no {prefix}.lin_l.weight for GATv2 layer {prefix}")
    else:
        found = sorted({name.rsplit(".", 2)[0] for name in shapes})[:8]
        raise CheckpointError(
            f"the file has no GATConv or GATv2Conv layer named {prefix!r} "
            f"(no {prefix}.att_src or {prefix}.att); the tensors found "
            f"belong to {found}"
        )
    if len(att_shape) != 3 or att_shape[0] != 1 or len(lin) != 2:
        raise CheckpointError(f"{prefix}'s attention vector or projection has an unexpected shape")
    heads, channels = att_shape[1], att_shape[2]
    if lin[0] != heads * channels:
        raise CheckpointError(
            f"{prefix}: the projection gives {lin[0]} values, not heads × "
            f"channels = {heads} × {channels}"
        )
    if _shape(shapes, f"{prefix}.lin_edge.weight") is not None:
        raise CheckpointError(f"{prefix} uses edge features (edge_dim); gatviz has none")
    bias = _shape(shapes, f"{prefix}.bias")
    if bias is not None and bias not in ([heads * channels], [channels]):
        raise CheckpointError(
            f"{prefix}.bias has shape {bias}; expected [{heads * channels}] "
            f"(heads concatenated) or [{channels}] (averaged)"
        )
    # Whether the heads are concatenated shows in the bias; with one head it makes no difference.
    concat = None if bias is None or heads == 1 else bias == [heads * channels]
    return {
        "conv": conv,
        "heads": heads,
        "channels": channels,
        "in": lin[1],
        "concat": concat,
        "residual": _shape(shapes, f"{prefix}.res.weight") is not None,
        "bias": bias is not None,
    }


def _from_shapes(
    names: list[str], shapes: dict[str, Any], options: dict[str, Any], dataset: str
) -> Imported:
    layers = [_layer(shapes, prefix) for prefix in names]
    first, last = layers[0], layers[-1]
    for kind in ("conv", "residual"):
        if len({layer[kind] for layer in layers}) > 1:
            kinds = [layer[kind] for layer in layers]
            raise CheckpointError(
                f"the layers differ in {kind} ({kinds}); gatviz builds every layer alike"
            )
    hidden = layers[:-1]
    if len({(layer["heads"], layer["channels"]) for layer in hidden}) > 1:
        widths = [(layer["heads"], layer["channels"]) for layer in hidden]
        raise CheckpointError(
            f"the hidden layers differ in heads or channels ({widths}); "
            "gatviz builds every hidden layer alike"
        )
    for before, after, name in zip(layers, layers[1:], names[1:]):
        if before["concat"] is False or after["in"] != before["heads"] * before["channels"]:
            raise CheckpointError(
                f"layer {name} reads {after['in']} values, but the layer "
                "before it gives heads × channels = "
                f"{before['heads'] * before['channels']}: gatviz's hidden "
                "layers concatenate their heads"
            )
    if last["concat"] and last["heads"] > 1:
        raise CheckpointError(
            f"the output layer {names[-1]} concatenates its {last['heads']} "
            "heads; gatviz imports output layers that average them "
            "(concat=False), as PyG's GAT model builds them"
        )
    if options.get("fill_value", "mean") != "mean":
        raise CheckpointError(
            "fill_value other than 'mean' only matters with edge features, "
            "which gatviz does not have"
        )
    activation = options["act"]
    if isinstance(activation, str):
        activation = activation.lower().replace("leakyrelu", "leaky_relu")
    try:
        config = ModelConfig(
            layers=len(layers),
            hidden=hidden[0]["channels"] if hidden else 8,
            heads=hidden[0]["heads"] if hidden else 8,
            out_heads=last["heads"],
            dropout=options["dropout"],
            attn_dropout=options["dropout"],
            activation=activation,
            negative_slope=options["negative_slope"],
            self_loops=options["add_self_loops"],
            residual="layer" if first["residual"] else "none",
            conv=first["conv"],
        )
    except GatvizError as error:
        raise CheckpointError(
            f"the model's settings have no gatviz equivalent: {error} "
            f"(gatviz's activations: {', '.join(ACTIVATIONS)})"
        ) from None
    rename = {}
    for i, prefix in enumerate(names):
        for name in shapes:
            if name.startswith(prefix + "."):
                rename[name] = f"convs.{i}." + name[len(prefix) + 1 :]
    return Imported(
        config, rename, first["in"], last["channels"], bool(options.get("share_weights")), dataset
    )
