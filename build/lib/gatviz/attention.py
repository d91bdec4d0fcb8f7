"""Pulling α out of a trained GAT and putting it in a tidy table.

:func:`extract_attention` runs the model in eval mode without gradients (in train mode PyG's α has
dropout applied and a node's weights no longer sum to 1) and pairs each layer's α with the
``edge_index`` that layer returned, self-loops included. :func:`attention_table` flattens that to
one row per (layer, head, edge); the helpers below reduce it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from gatviz import tasks
from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from gatviz.model import GAT, LayerAttention
from gatviz.neighbourhood import InEdges, exact_within, in_edges, receptive_subgraph
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
    return [
        LayerAttention(
            layer.edge_index.detach().cpu().as_subclass(Tensor), layer.alpha.detach().cpu()
        )
        for layer in layers
    ]


def dataset_attention(model: GAT, dataset: GraphDataset) -> list[LayerAttention]:
    return extract_attention(model, dataset.data.x, dataset.data.edge_index)


def attention_table(layers: list[LayerAttention], graph_of: Tensor | None = None) -> pd.DataFrame:
    """One row per layer, head and edge: ``layer, head, source, target, alpha, is_self_loop``.

    ``source`` is j and ``target`` is i in α_ij: the message flows from source to target, and a
    target's α over its incoming edges sums to 1 for every head. With ``graph_of`` (the graph of
    every node, :attr:`GraphDataset.batch`, for a set of many graphs) a first column ``graph``
    says which graph each edge belongs to.
    """
    table = _attention_rows(layers)
    if graph_of is not None:
        table.insert(0, "graph", graph_of.numpy()[table["target"].to_numpy()])
    return table


def _attention_rows(layers: list[LayerAttention]) -> pd.DataFrame:
    frames = []
    for layer, (edge_index, alpha) in enumerate(layers):
        num_edges, heads = alpha.shape
        source, target = edge_index.numpy()
        frames.append(
            pd.DataFrame(
                {
                    "layer": np.full(num_edges * heads, layer, dtype=np.int64),
                    "head": np.tile(np.arange(heads), num_edges),
                    "source": np.repeat(source, heads),
                    "target": np.repeat(target, heads),
                    "alpha": alpha.numpy().reshape(-1),  # (E, H) -> (E * H,), edge-major like above
                    "is_self_loop": np.repeat(source == target, heads),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)


def write_attention_table(
    layers: list[LayerAttention],
    path: str | Path,
    progress: Callable[[int, int], None] | None = None,
    chunk_edges: int = 1_000_000,
    graph_of: Tensor | None = None,
) -> int:
    """Write :func:`attention_table`'s rows to ``path`` in chunks of ``chunk_edges`` edges, as
    CSV or, for a ``.parquet`` path, Parquet; never the whole table in memory at once.
    ``graph_of`` adds the ``graph`` column as in :func:`attention_table`.

    Args:
        progress (callable, optional): called with (rows written, rows in all) after each chunk.

    Returns:
        the number of rows written
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    total = sum(alpha.numel() for _, alpha in layers)
    schema = pa.schema(
        ([("graph", pa.int64())] if graph_of is not None else [])
        + [
            ("layer", pa.int64()),
            ("head", pa.int64()),
            ("source", pa.int64()),
            ("target", pa.int64()),
            ("alpha", pa.float32()),
            ("is_self_loop", pa.bool_()),
        ]
    )
    parquet = str(path).lower().endswith(".parquet")
    writer = pq.ParquetWriter(str(path), schema) if parquet else pa_csv.CSVWriter(str(path), schema)
    written = 0
    try:
        for layer, (edge_index, alpha) in enumerate(layers):
            heads = alpha.size(1)
            for start in range(0, alpha.size(0), chunk_edges):
                source, target = edge_index[:, start : start + chunk_edges].numpy()
                values = alpha[start : start + chunk_edges].numpy().reshape(-1)  # edge-major
                rows = values.size
                graph = (
                    {}
                    if graph_of is None
                    else {"graph": np.repeat(graph_of.numpy()[target], heads)}
                )
                writer.write_table(
                    pa.table(
                        {
                            **graph,
                            "layer": np.full(rows, layer, dtype=np.int64),
                            "head": np.tile(np.arange(heads), source.size),
                            "source": np.repeat(source, heads),
                            "target": np.repeat(target, heads),
                            "alpha": values,
                            "is_self_loop": np.repeat(source == target, heads),
                        },
                        schema=schema,
                    )
                )
                written += rows
                if progress is not None:
                    progress(written, total)
    finally:
        writer.close()
    return written


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


def incoming_alpha(layers: list[LayerAttention], node: int) -> pd.DataFrame:
    """``node``'s incoming α in every layer and head, one row per (layer, head, edge), in
    each layer's edge order: columns ``layer, head, source, alpha``. Unlike :func:`incoming`
    it needs no whole-graph table, only the layers' tensors.

    Shapes:
        layers: L × (edge_index (2, E_l), alpha (E_l, H_l)) -> rows: Σ_l in-degree_l × H_l
    """
    frames = []
    for layer, (edge_index, alpha) in enumerate(layers):
        rows = (edge_index[1] == node).nonzero().flatten()
        sources = edge_index[0, rows].numpy()
        for head in range(alpha.size(1)):
            frames.append(
                pd.DataFrame(
                    {
                        "layer": layer,
                        "head": head,
                        "source": sources,
                        "alpha": alpha[rows, head].numpy(),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def top_k(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """The ``k`` strongest incoming edges of every target, per layer and head."""
    if k < 1:
        raise GatvizError(f"k must be at least 1 (got {k})")
    ordered = table.sort_values("alpha", ascending=False, kind="stable")
    return ordered.groupby(["layer", "head", "target"], sort=False).head(k).sort_index()


def attended_count(edge_index: Tensor, num_nodes: int) -> Tensor:
    """|N(i)|: how many edges each node attends over in a layer (its self-loop included when the
    layer has one). Shapes: edge_index (2, E') -> (N,)."""
    return torch.bincount(edge_index[1], minlength=num_nodes)


def rank_within_target(edges: Tensor, target: Tensor, score: Tensor) -> tuple[Tensor, Tensor]:
    """Order ``edges`` (indices into ``target`` and ``score``) by target, highest score first,
    and give each its rank among its target's edges (0 = highest; ties keep the input order).

    Returns:
        (ordered edges, rank of each ordered edge)
    """
    order = edges[torch.argsort(score[edges], descending=True, stable=True)]
    order = order[torch.argsort(target[order], stable=True)]  # grouped by target, best first
    targets = target[order]
    starts = torch.ones_like(targets, dtype=torch.bool)
    starts[1:] = targets[1:] != targets[:-1]
    group_start = torch.cummax(torch.where(starts, torch.arange(targets.numel()), 0), 0).values
    return order, torch.arange(targets.numel()) - group_start


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


@torch.no_grad()
def layer_inputs(model: GAT, x: Tensor, edge_index: Tensor) -> list[Tensor]:
    """The node features each layer receives (``h`` in the formula), from one eval-mode pass."""
    captured: list[Tensor] = []
    handles = [
        conv.register_forward_pre_hook(lambda conv, args: captured.append(args[0]))
        for conv in model.convs
    ]
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        model(model_input(x, device), edge_index.to(device))
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return captured


@torch.no_grad()
def explain_alpha(
    model: GAT,
    x: Tensor,
    edge_index: Tensor,
    layer: int,
    node: int,
    head: int,
    index: InEdges | None = None,
) -> pd.DataFrame:
    """Every term of one node's α in one layer and head, so that each α can be redone by hand.

    GAT:   e_ij = LeakyReLU(a_srcᵀWh_j + a_dstᵀWh_i),   α_ij = exp(e_ij) / Σ_k exp(e_ik)
    GATv2: e_ij = aᵀ LeakyReLU(W_s h_j + W_t h_i),      same softmax

    For GATv2 the score is a sum over channels; it is split into the channels that add to it and
    those that take away. ``exp_e`` is exp(e_ij − max_k e_ik) when exp(e_ij) would overflow (the
    softmax is the same). ``alpha_model`` is the α the model itself returned, for comparison.
    Only the node's ``layer + 1``-hop receptive field is computed (``index``: the graph's
    :func:`~gatviz.neighbourhood.in_edges`, built here when not given), so a node of a big graph
    is explained as fast as one of a small graph, with the same numbers.

    Returns:
        one row per incoming edge j → ``node``, strongest first
    """
    convs = model.convs
    if not 0 <= layer < len(convs):
        raise GatvizError(f"layer must be 0 to {len(convs) - 1} (got {layer})")
    # PyG's GATConv or GATv2Conv (or gatviz's fused ones), whose parameters differ: read by
    # name below, hence Any.
    conv: Any = convs[layer]
    if not 0 <= head < conv.heads:
        raise GatvizError(f"head must be 0 to {conv.heads - 1} in layer {layer} (got {head})")
    index = index if index is not None else in_edges(edge_index, x.size(0))
    cut = receptive_subgraph(index, torch.tensor([node]), layer + 1)
    x, edge_index, node = x[cut.nodes], cut.edge_index, 0  # the node comes first in the cut
    h = layer_inputs(model, x, edge_index)[layer]
    used = extract_attention(model, x, edge_index)[layer]
    rows = (used.edge_index[1] == node).nonzero().flatten()
    source = used.edge_index[0, rows]
    slope, channels = conv.negative_slope, conv.out_channels
    if hasattr(conv, "att_src"):  # GAT: two scalar scores per node, added, then LeakyReLU
        wh = conv.lin(h).view(-1, conv.heads, channels)[:, head]  # (N, C)
        score_j = (wh[source] * conv.att_src[0, head]).sum(-1)
        score_i = (wh[node] * conv.att_dst[0, head]).sum(-1).expand_as(score_j)
        raw = score_j + score_i
        e = torch.nn.functional.leaky_relu(raw, slope)
        terms = {"a_src·Wh_j": score_j, "a_dst·Wh_i": score_i, "sum (before LeakyReLU)": raw}
    else:  # GATv2: LeakyReLU of the summed projections, then the attention vector
        w_source = conv.lin_l(h).view(-1, conv.heads, channels)[:, head]
        w_target = conv.lin_r(h).view(-1, conv.heads, channels)[:, head]
        contribution = conv.att[0, head] * torch.nn.functional.leaky_relu(
            w_source[source] + w_target[node], slope
        )  # (K, C)
        e = contribution.sum(-1)
        terms = {
            "channels adding": contribution.clamp_min(0).sum(-1),
            "channels subtracting": contribution.clamp_max(0).sum(-1),
        }
    e64 = e.double()
    shift = e64.max() if e64.numel() and float(e64.max()) > 80 else 0.0
    exp_e = (e64 - shift).exp()
    frame = pd.DataFrame(
        {
            "source": cut.nodes[source].numpy(),
            **{name: value.numpy() for name, value in terms.items()},
            "e_ij": e.numpy(),
            "exp_e": exp_e.numpy(),
            "alpha": (exp_e / exp_e.sum()).numpy(),
            "alpha_model": used.alpha[rows, head].numpy(),
        }
    )
    frame.attrs["shifted_by"] = float(shift)
    return frame.sort_values("alpha", ascending=False, ignore_index=True)


@dataclass
class NeighbourhoodAttention:
    """α and predictions around one node, computed from its receptive field only.

    ``attention`` is in dataset ids and holds every edge the model used in the cut
    (:func:`gatviz.neighbourhood.receptive_subgraph`); ``exact[l]`` marks the rows of layer l
    whose α equals what the model computes on the whole graph (their target lies within
    ``hops`` of the centre, or nearer the cut's edge than the layer's receptive field reaches).
    The others are truncated: their target has in-neighbours outside the cut. ``pred`` and
    ``prob`` are exact for ``nodes`` within ``hops`` of the centre and ``-1`` / 0 elsewhere.

    Shapes:
        nodes: (S,), distance: (S,), attention[l].alpha: (E_l, heads_l), exact[l]: (E_l,),
        pred: (N,), prob: (N, C)
    """

    centre: int
    hops: int
    nodes: Tensor
    distance: Tensor
    attention: list[LayerAttention]
    exact: list[Tensor]
    pred: Tensor
    prob: Tensor


@torch.no_grad()
def neighbourhood_attention(
    model: GAT, dataset: GraphDataset, centre: int, hops: int
) -> NeighbourhoodAttention:
    """Every layer's α on the edges into the nodes within ``hops`` of ``centre``, exactly as the
    whole-graph :func:`extract_attention` gives them, computed on the ``hops + layers``-hop
    receptive field instead of the whole graph (found through ``dataset.in_edges``, indexed
    once per graph), so that its cost follows the neighbourhood's size, not the graph's.
    """
    data = dataset.data
    index = dataset.in_edges
    layers = model.config.layers
    depth = hops + layers
    cut = receptive_subgraph(index, torch.tensor([centre]), depth)
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        logits, used = model(
            model_input(data.x[cut.nodes], device), cut.edge_index.to(device), return_attention=True
        )
    finally:
        model.train(was_training)
    attention, exact = [], []
    for layer, (edge_index, alpha) in enumerate(used):
        edge_index = edge_index.cpu().as_subclass(Tensor)
        exact.append(cut.distance[edge_index[1]] <= exact_within(depth, layer, layers))
        attention.append(LayerAttention(cut.nodes[edge_index], alpha.cpu()))
    full_pred = torch.full((dataset.num_nodes,), -1, dtype=torch.long)
    full_prob = torch.zeros(dataset.num_nodes, logits.size(1))
    if model.config.task != "graph":  # a graph task predicts graphs, not the nodes in view
        prob = tasks.probabilities(model.config.task, logits).cpu()
        known = cut.distance <= exact_within(depth, None, layers)
        if model.config.task == "multilabel":
            full_pred = torch.zeros(dataset.num_nodes, logits.size(1), dtype=torch.long)
        full_pred[cut.nodes[known]] = tasks.predictions(model.config.task, prob[known])
        full_prob[cut.nodes[known]] = prob[known]
    return NeighbourhoodAttention(
        centre, hops, cut.nodes, cut.distance, attention, exact, full_pred, full_prob
    )
