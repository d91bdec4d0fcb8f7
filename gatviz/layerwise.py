"""A GAT layer over a whole graph, chunk of targets by chunk: what inference runs on big graphs.

Every node's projection (``lin``, and GATConv's attention logits) is computed once per layer
for the whole graph and laid out head by head once; each chunk of targets then attends over its
incoming edges, which name their sources by dataset id, and sums from the projected rows in
place. Nothing per node is gathered or projected again per chunk (a chunk of a million edges
reaches most of a big graph's nodes as sources). PyG's own ``edge_updater`` computes e_ij, the
softmax and α, so that the numbers are those of the layer's ``forward``.

Layers with PyG explain mode or propagate hooks on, or of another class, are left to their own
``forward`` (:func:`supports`).
"""

from __future__ import annotations

from typing import NamedTuple, TypeGuard, Union

import torch
from torch import Tensor, nn

from gatviz.kernels import FusedGATConv, FusedGATv2Conv, aggregation_plan, attention_sum


Layer = Union[FusedGATConv, FusedGATv2Conv]


class Projected(NamedTuple):
    """One layer (``conv``) and its per-node inputs for the whole graph.

    Shapes:
        per_head: (H, N, C), what each source sends, head by head;
        logits: GATConv's (a_src, a_dst), each (N, H); GATv2Conv: ``None``;
        source, target: GATv2Conv's lin_l and lin_r projections, (N, H, C); GATConv: ``None``;
        res: (N, out) the residual, or ``None``
    """

    conv: Layer
    per_head: Tensor
    logits: tuple[Tensor, Tensor] | None
    source: Tensor | None
    target: Tensor | None
    res: Tensor | None


def supports(conv: nn.Module) -> TypeGuard[Layer]:
    """Whether :func:`project` and :func:`chunk_output` compute what ``conv`` computes: gatviz's
    own layers, with neither PyG's explain mode nor propagate hooks (they would be skipped)."""
    return (
        type(conv) in (FusedGATConv, FusedGATv2Conv)
        and not conv.explain
        and not conv._propagate_forward_pre_hooks
        and not conv._propagate_forward_hooks
        and not getattr(conv, "add_self_loops", False)
    )


@torch.no_grad()
def project(conv: Layer, h: Tensor) -> Projected:
    """``conv``'s projections of every node's input ``h`` (N, F), as its ``forward`` makes them."""
    heads, channels = conv.heads, conv.out_channels
    res = conv.res(h) if conv.res is not None else None
    if isinstance(conv, FusedGATv2Conv):
        source = conv.lin_l(h).view(-1, heads, channels)
        target = source if conv.share_weights else conv.lin_r(h).view(-1, heads, channels)
        return Projected(conv, source.transpose(0, 1).contiguous(), None, source, target, res)
    lin_src = conv.lin if conv.lin is not None else conv.lin_src
    lin_dst = conv.lin if conv.lin is not None else conv.lin_dst
    source = lin_src(h).view(-1, heads, channels)
    target = source if lin_dst is lin_src else lin_dst(h).view(-1, heads, channels)
    logits = ((source * conv.att_src).sum(-1), (target * conv.att_dst).sum(-1))
    return Projected(conv, source.transpose(0, 1).contiguous(), logits, None, None, res)


@torch.no_grad()
def chunk_output(projected: Projected, edges: Tensor, first: int, targets: int) -> Tensor:
    """The projected layer's output for the ``targets`` nodes ``first, first + 1, ...``, whose
    incoming edges ``edges`` (2, E) give sources as dataset ids and targets counted from
    ``first``.

    Shapes:
        -> (T, H * C) for concatenated heads, (T, C) for averaged ones
    """
    conv, num_nodes = projected.conv, projected.per_head.size(1)
    rows = slice(first, first + targets)
    if projected.logits is not None:
        a_src, a_dst = projected.logits
        alpha = conv.edge_updater(edges, alpha=(a_src, a_dst[rows]), edge_attr=None, size=None)
    else:
        assert projected.source is not None and projected.target is not None
        pair = (projected.source, projected.target[rows])
        alpha = conv.edge_updater(edges, x=pair, edge_attr=None)
    out = attention_sum(alpha, projected.per_head, aggregation_plan(edges, num_nodes, targets))
    out = out.reshape(targets, -1) if conv.concat else out.mean(dim=1)
    if projected.res is not None:
        out = out + projected.res[rows]
    if conv.bias is not None:
        out = out + conv.bias
    return out
