"""Pulling α out of a trained GAT and putting it in a tidy table.

:func:`extract_attention` runs the model in eval mode without gradients (in train mode PyG's α has
dropout applied and a node's weights no longer sum to 1) and pairs each layer's α with the
``edge_index`` that layer returned, self-loops included. :func:`attention_table` flattens that to
one row per (layer, head, edge); the helpers below reduce it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from gatviz.model import GAT, LayerAttention
from gatviz.training import model_input

COLUMNS = ["layer", "head", "source", "target", "alpha", "is_self_loop"]


@torch.no_grad()
def extract_attention(model: GAT, x: Tensor, edge_index: Tensor) -> list[LayerAttention]:
    """α of every layer, on the CPU, computed in eval mode (the model's mode is restored).

    Shapes:
        x: (N, F), edge_index: (2, E) -> per layer: edge_index (2, E'), alpha (E', heads)
    """
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        _, layers = model(model_input(x, device), edge_index.to(device), return_attention=True)
    finally:
        model.train(was_training)
    return [LayerAttention(layer.edge_index.detach().cpu().as_subclass(Tensor),
                           layer.alpha.detach().cpu()) for layer in layers]


def dataset_attention(model: GAT, dataset: GraphDataset) -> list[LayerAttention]:
    return extract_attention(model, dataset.data.x, dataset.data.edge_index)


def attention_table(layers: list[LayerAttention]) -> pd.DataFrame:
    """One row per layer, head and edge: ``layer, head, source, target, alpha, is_self_loop``.

    ``source`` is j and ``target`` is i in α_ij: the message flows from source to target, and a
    target's α over its incoming edges sums to 1 for every head.
    """
    frames = []
    for layer, (edge_index, alpha) in enumerate(layers):
        num_edges, heads = alpha.shape
        source, target = edge_index.numpy()
        frames.append(pd.DataFrame({
            "layer": np.full(num_edges * heads, layer, dtype=np.int64),
            "head": np.tile(np.arange(heads), num_edges),
            "source": np.repeat(source, heads),
            "target": np.repeat(target, heads),
            "alpha": alpha.numpy().reshape(-1),  # (E, H) -> (E * H,), edge-major like above
            "is_self_loop": np.repeat(source == target, heads),
        }))
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)


def reduce_heads(table: pd.DataFrame, how: str = "mean") -> pd.DataFrame:
    """Collapse the heads of each edge with ``mean`` or ``max``; ``head`` becomes the method."""
    if how not in ("mean", "max"):
        raise GatvizError(f"heads can be reduced by 'mean' or 'max' (got {how!r})")
    keys = ["layer", "source", "target", "is_self_loop"]
    reduced = table.groupby(keys, sort=False, as_index=False)["alpha"].agg(how)
    reduced.insert(1, "head", how)
    return reduced[COLUMNS]


def incoming(table: pd.DataFrame, node: int, layer: int | None = None) -> pd.DataFrame:
    """The rows of ``node``'s incoming attention (``target == node``), strongest first."""
    rows = table[table["target"] == node]
    if layer is not None:
        rows = rows[rows["layer"] == layer]
    return rows.sort_values(["layer", "head", "alpha"], ascending=[True, True, False])


def top_k(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """The ``k`` strongest incoming edges of every target, per layer and head."""
    if k < 1:
        raise GatvizError(f"k must be at least 1 (got {k})")
    ordered = table.sort_values("alpha", ascending=False, kind="stable")
    return ordered.groupby(["layer", "head", "target"], sort=False).head(k).sort_index()


def entropy(alpha: Tensor) -> float:
    """Entropy -Σ α log α of one node's attention weights (natural log, in nats). Shapes: (K,)."""
    alpha = alpha.clamp_min(1e-12)
    return float(-(alpha * alpha.log()).sum())


def node_entropy(table: pd.DataFrame) -> pd.DataFrame:
    """Entropy of each target's attention beside the uniform entropy log(in-degree).

    .. math::
        H_i = -\\sum_{j \\in \\mathcal{N}(i)} \\alpha_{ij} \\log \\alpha_{ij}
        \\le \\log |\\mathcal{N}(i)|

    A ratio ``entropy / uniform_entropy`` near 1 means the node spreads its attention evenly, as
    a GCN-like mean would; near 0 means it focuses on few neighbours. In-degree counts the edges
    the layer attends over (self-loop included).
    """
    alpha = table["alpha"].to_numpy()
    terms = -alpha * np.log(np.clip(alpha, 1e-12, None))
    grouped = table.assign(term=terms).groupby(["layer", "head", "target"], sort=True)
    out = grouped.agg(entropy=("term", "sum"), in_degree=("alpha", "size")).reset_index()
    out = out.rename(columns={"target": "node"})
    out["uniform_entropy"] = np.log(out["in_degree"].to_numpy())
    return out[["layer", "head", "node", "in_degree", "entropy", "uniform_entropy"]]
