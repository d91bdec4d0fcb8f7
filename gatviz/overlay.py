"""Interactive attention overlays: a pyvis (vis-network) graph as a standalone HTML string.

:func:`build_view` chooses what to draw (the k-hop neighbourhood of a node or the whole graph, one
layer, one head or the mean/max over heads, filtered by an α threshold and top-k per target) and
lays it out; :func:`overlay_html` turns it into HTML with everything inlined, so it draws offline.

Edge width and colour grow with α; nodes are coloured by true class, predicted class or
correct/wrong. Hover texts are plain text (vis-network shows string titles as text, and pyvis
writes the data with ``tojson``, which escapes ``<``), so a node name can never become markup.
Positions are computed here (rings by hop distance, or a seeded spring layout) and physics is off:
the picture does not jitter and is the same on every render.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from gatviz.attention import attended_count, rank_within_target
from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from gatviz.model import LayerAttention, with_self_loops
from gatviz.neighbourhood import edge_positions, hop_distances, receptive_subgraph

COLOR_BY = ("class", "prediction", "correct")
EDGE_SCALES = ("auto", "alpha", "relative")
MAX_VIEW_NODES = 1500  # vis-network stays responsive up to about this many nodes
MAX_VIEW_EDGES = 8000
# A view opens with at most this many edges: Cora's hub (node 1358) in two hops is a two-ring
# hairball of about 2,200 edges in which nothing can be followed. The strongest are drawn and
# the view says how many are hidden; max_edges=None draws them all.
READABLE_EDGES = 400
PALETTE = [
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
]
UNLABELLED = "#c8c8c8"
LEGEND_HEIGHT = 56  # pixels the legend strip adds above the graph
CORRECT, WRONG = "#2e9d5b", "#d62728"
# α colour scale, low to high: pale grey-blue, amber, deep red.
ALPHA_STOPS = [(0.0, (207, 216, 227)), (0.5, (244, 162, 89)), (1.0, (179, 0, 27))]
# α × |N(i)| colour scale, diverging on a log2 axis centred on 1 (the uniform share): blue below,
# grey at uniform, red above, saturating at 1/8× and 8×.
RELATIVE_STOPS = [(0.0, (33, 102, 172)), (0.5, (217, 217, 217)), (1.0, (178, 24, 43))]
RELATIVE_RANGE = 3.0  # log2 of the saturating ratio
# 'auto' draws α relative to uniform when the raw α would all sit low on the 0-1 scale.
AUTO_RELATIVE_QUANTILE, AUTO_RELATIVE_BELOW = 0.5, 0.25


class ViewTooLarge(GatvizError):
    """The requested view has more nodes or edges than a browser can draw smoothly."""


def drawable_centre(in_degree: Tensor) -> int:
    """The best-connected node whose 1-hop neighbourhood can still be drawn: the default centre
    of a view (a hub with more neighbours than MAX_VIEW_NODES would only give an error).
    ``in_degree`` (N,) is each node's number of incoming edges, which callers already have."""
    fits = in_degree < MAX_VIEW_NODES
    if not bool(fits.any()):
        return 0
    return int(torch.where(fits, in_degree, -1).argmax())


@dataclass(frozen=True)
class OverlayOptions:
    """What to draw. ``node=None`` draws the whole graph."""

    node: int | None = None  # centre of the k-hop view; None = whole graph
    hops: int = 2  # 1-3: how far the neighbourhood reaches (messages to the centre)
    layer: int = 0  # which GAT layer's α
    head: int | str = "mean"  # a head index, or 'mean' / 'max' over heads
    threshold: float = 0.0  # hide edges with α below this
    top_k: int | None = None  # keep only the k strongest incoming edges of each node
    self_loops: bool = True  # draw each node's attention to itself
    color_by: str = "class"  # 'class', 'prediction' or 'correct'
    edge_scale: str = "auto"  # 'alpha' (0-1), 'relative' (α × |N(i)|) or 'auto' (see View)
    height: int = 640  # pixels
    label: int = 0  # multi-label data: the label whose truth or probability colours the nodes
    max_edges: int | None = READABLE_EDGES  # draw at most this many (the strongest); None: all

    def __post_init__(self) -> None:
        if not 1 <= self.hops <= 3:
            raise GatvizError(f"hops must be 1, 2 or 3 (got {self.hops})")
        if not 0.0 <= self.threshold <= 1.0:
            raise GatvizError(f"threshold must be between 0 and 1 (got {self.threshold})")
        if self.top_k is not None and self.top_k < 1:
            raise GatvizError(f"top_k must be at least 1 or None (got {self.top_k})")
        if self.max_edges is not None and self.max_edges < 1:
            raise GatvizError(f"max_edges must be at least 1 or None (got {self.max_edges})")
        if self.color_by not in COLOR_BY:
            raise GatvizError(f"color_by must be one of {COLOR_BY} (got {self.color_by!r})")
        if self.edge_scale not in EDGE_SCALES:
            raise GatvizError(f"edge_scale must be one of {EDGE_SCALES} (got {self.edge_scale!r})")


@dataclass
class View:
    """The nodes and edges to draw, with positions and the α shown on each edge.

    ``scale`` is how edges are drawn: ``alpha`` on 0-1, or ``relative``: α × |N(i)|, the
    multiple of the uniform share 1/|N(i)|. ``auto`` options resolve to ``relative`` when half of
    the drawn α are below 0.25 (a hub's α are all small and would look alike), else ``alpha``.

    Shapes:
        nodes: (V,), positions: (V, 2), edge_index: (2, M) in dataset ids,
        alpha: (M,) the value drawn, alpha_heads: (M, heads), attended: (M,) |N(i)| of the target
    """

    nodes: Tensor
    positions: np.ndarray
    hop: dict[int, int]
    edge_index: Tensor
    alpha: Tensor
    alpha_heads: Tensor
    head_label: str
    attended: Tensor
    scale: str
    centre: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def relative(self) -> Tensor:
        """α × |N(i)| of every drawn edge (1 = the uniform share)."""
        return self.alpha * self.attended


def alpha_colour(value: float, stops: list = ALPHA_STOPS) -> str:
    """Hex colour of an α in [0, 1] on the overlay's scale (or on other ``stops``)."""
    value = min(max(float(value), 0.0), 1.0)
    for (x0, c0), (x1, c1) in zip(stops, stops[1:]):
        if value <= x1:
            t = (value - x0) / (x1 - x0)
            return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(c0, c1))
    return "#%02x%02x%02x" % stops[-1][1]


def edge_width(value: float) -> float:
    return 0.5 + 7.5 * min(max(float(value), 0.0), 1.0)


def _relative_position(ratio: float) -> float:
    """Where α × |N(i)| sits on the relative scale: 0 at 1/8×, 0.5 at 1× (uniform), 1 at 8×."""
    log_ratio = math.log2(max(float(ratio), 1e-12))
    return 0.5 + 0.5 * min(max(log_ratio / RELATIVE_RANGE, -1.0), 1.0)


def relative_colour(ratio: float) -> str:
    """Hex colour of α × |N(i)| on the diverging, log-scaled overlay scale centred on 1."""
    return alpha_colour(_relative_position(ratio), RELATIVE_STOPS)


def relative_width(ratio: float) -> float:
    return edge_width(_relative_position(ratio))


def select_heads(alpha: Tensor, head: int | str) -> tuple[Tensor, str]:
    """The α drawn for each edge: one head's, or the mean / max over heads. (E, H) -> (E,)."""
    heads = alpha.size(1)
    if head == "mean":
        return alpha.mean(dim=1), "mean over heads"
    if head == "max":
        return alpha.max(dim=1).values, "max over heads"
    if isinstance(head, str) and head.isdigit():
        head = int(head)
    if not isinstance(head, int) or not 0 <= head < heads:
        raise GatvizError(f"head must be 0 to {heads - 1}, 'mean' or 'max' (got {head!r})")
    return alpha[:, head], f"head {head}"


@dataclass(frozen=True)
class EdgeValues:
    """What the edges show instead of α: a method's score of each edge (an attribution, say).
    ``name`` titles the legend and the hover, ``raw`` holds each scored edge's value by
    ``(source, target)``; the overlay draws |value| / max |value| on the α scale.
    :func:`values_attention` makes the one layer that :func:`build_view` draws them from."""

    name: str
    raw: dict[tuple[int, int], float]


def values_attention(values: EdgeValues) -> list[LayerAttention]:
    """The scored edges as a one-layer, one-head 'attention' of |value| / max |value|: draw it
    with ``OverlayOptions(layer=0, head=0, edge_scale='alpha')``."""
    pairs = list(values.raw)
    edge_index = torch.tensor(pairs, dtype=torch.long).t().reshape(2, len(pairs))
    magnitude = torch.tensor([abs(v) for v in values.raw.values()], dtype=torch.float)
    largest = float(magnitude.max()) if magnitude.numel() else 0.0
    drawn = magnitude / largest if largest > 0 else magnitude
    return [LayerAttention(edge_index, drawn.unsqueeze(1))]


def build_view(
    dataset: GraphDataset,
    attention: list[LayerAttention],
    options: OverlayOptions,
    scores: bool = False,
) -> View:
    """Choose the nodes and edges to draw, the α of each edge, and a stable layout.
    ``scores``: the "attention" is :func:`values_attention`'s, so a crowded view keeps the
    largest |score| rather than the largest α × |N(i)|."""
    if not 0 <= options.layer < len(attention):
        raise GatvizError(f"layer must be 0 to {len(attention) - 1} (got {options.layer})")
    edge_index, alpha_heads = attention[options.layer]
    alpha, head_label = select_heads(alpha_heads, options.head)
    n = dataset.num_nodes

    centre = None
    if options.node is None:
        if n > MAX_VIEW_NODES:
            raise ViewTooLarge(
                f"the whole {dataset.name} graph has {n:,} nodes, more than the "
                f"browser can draw smoothly ({MAX_VIEW_NODES:,}); pick a node and "
                "view its neighbourhood instead"
            )
        subset = torch.arange(n)
        hop = {}
    else:
        centre = dataset.node_index(options.node)
        # Nodes whose messages reach the centre within `hops` layers: its receptive field.
        reached, distance = hop_distances(dataset.in_edges, torch.tensor([centre]), options.hops)
        subset, order = torch.sort(reached)
        hop = dict(zip(subset.tolist(), distance[order].tolist()))
        if subset.numel() > MAX_VIEW_NODES:
            raise ViewTooLarge(
                f"the {options.hops}-hop neighbourhood of node {centre} has "
                f"{subset.numel():,} nodes (limit {MAX_VIEW_NODES:,}); use fewer "
                "hops"
            )

    inside = torch.zeros(n, dtype=torch.bool)
    inside[subset] = True
    in_view = inside[edge_index[0]] & inside[edge_index[1]]
    keep = in_view.clone()
    if not options.self_loops:
        keep &= edge_index[0] != edge_index[1]
    keep &= alpha >= options.threshold
    kept = keep.nonzero().flatten()
    if options.top_k is not None:
        kept = _top_k_per_target(kept, edge_index[1], alpha, options.top_k)
    notes = []
    if options.threshold > 0 or options.top_k is not None:
        notes.append(f"{kept.numel():,} of {int(in_view.sum()):,} edges pass the filters")
    if options.max_edges is not None and kept.numel() > options.max_edges:
        by = "|score|" if scores else "α × |N(i)|, the multiple of the uniform share"
        notes.append(
            f"the {options.max_edges:,} strongest of these {kept.numel():,} edges are "
            f"drawn (by {by}; the centre's own first)"
        )
        kept = _strongest(kept, edge_index, alpha, n, centre, options.max_edges, scores)
    if kept.numel() > MAX_VIEW_EDGES:
        raise ViewTooLarge(
            f"the view has {kept.numel():,} edges (limit {MAX_VIEW_EDGES:,}); "
            "raise the α threshold, set a top-k or use fewer hops"
        )
    positions = (
        _ring_layout(subset, hop, dataset)
        if options.node is not None
        else _spring_layout(subset, edge_index, n)
    )
    attended = attended_count(edge_index, n)[edge_index[1, kept]]
    scale = options.edge_scale
    if scale == "auto":
        low = (
            kept.numel()
            and float(alpha[kept].quantile(AUTO_RELATIVE_QUANTILE)) < AUTO_RELATIVE_BELOW
        )
        scale = "relative" if low else "alpha"
    return View(
        subset,
        positions,
        hop,
        edge_index[:, kept],
        alpha[kept],
        alpha_heads[kept],
        head_label,
        attended,
        scale,
        centre,
        notes,
    )


def _strongest(
    kept: Tensor,
    edge_index: Tensor,
    alpha: Tensor,
    n: int,
    centre: int | None,
    limit: int,
    scores: bool = False,
) -> Tensor:
    """The ``limit`` edges of ``kept`` with the largest α × |N(i)| (``scores``: the largest
    value), the centre's incoming edges first: raw α would favour the edges of low-degree
    nodes, whose α are large only because they have few neighbours."""
    target = edge_index[1]
    score = (alpha if scores else alpha * attended_count(edge_index, n)[target])[kept]
    if centre is not None:
        score = torch.where(target[kept] == centre, torch.inf, score)
    return kept[score.argsort(descending=True, stable=True)[:limit]].sort().values


def _top_k_per_target(kept: Tensor, target: Tensor, alpha: Tensor, k: int) -> Tensor:
    order, rank = rank_within_target(kept, target, alpha)
    return order[rank < k].sort().values


def _ring_layout(subset: Tensor, hop: dict[int, int], dataset: GraphDataset) -> np.ndarray:
    """Centre in the middle, each hop on its own ring, grouped by class around the ring."""
    positions = np.zeros((subset.numel(), 2))
    index = {int(v): i for i, v in enumerate(subset)}
    y = dataset.data.y
    if y.dim() > 1:  # multi-label: no single class to group by, so no grouping
        y = torch.zeros(y.size(0), dtype=torch.long)
    rings: dict[int, list[int]] = {}
    for v in subset.tolist():
        rings.setdefault(hop.get(v, 0), []).append(v)
    radius = 0.0
    for distance in sorted(rings):
        members = sorted(rings[distance], key=lambda v: (int(y[v]), v))
        if distance == 0:
            continue
        # Rings far enough apart, and wide enough that neighbours sit ~45 px apart.
        radius = max(radius + 220.0, 45.0 * len(members) / (2 * math.pi))
        for k, v in enumerate(members):
            angle = 2 * math.pi * k / len(members)
            positions[index[v]] = (radius * math.cos(angle), radius * math.sin(angle))
    return positions


def _spring_layout(subset: Tensor, edge_index: Tensor, n: int) -> np.ndarray:
    """A seeded force-directed layout of the whole graph (networkx), scaled to pixels."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from((int(s), int(t)) for s, t in edge_index.t().tolist() if s != t)
    layout = nx.spring_layout(graph, seed=0, iterations=100)
    scale = 120.0 * math.sqrt(n)
    return np.array([layout[int(v)] for v in subset]) * scale


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _node_colours(
    dataset: GraphDataset, color_by: str, pred: Tensor | None, nodes: Tensor, label: int = 0
) -> list[str]:
    """The colour of each of ``nodes`` (only those: a big graph has millions of others).
    Multi-label data show one label (``label``): true or not, predicted or not."""
    multilabel = dataset.task == "multilabel"
    if multilabel and not 0 <= label < dataset.num_classes:
        raise GatvizError(f"label must be 0 to {dataset.num_classes - 1} (got {label})")
    y = (dataset.data.y[nodes, label] if multilabel else dataset.data.y[nodes]).tolist()
    if color_by == "class":
        return (
            [PALETTE[3] if v else UNLABELLED for v in y]
            if multilabel
            else [PALETTE[c % len(PALETTE)] if c >= 0 else UNLABELLED for c in y]
        )
    if pred is None:
        raise GatvizError(f"colouring by {color_by} needs the model's predictions")
    p = (pred[nodes, label] if multilabel else pred[nodes]).tolist()
    if color_by == "prediction":
        return (
            [PALETTE[3] if v else UNLABELLED for v in p]
            if multilabel
            else [PALETTE[c % len(PALETTE)] for c in p]
        )
    return [UNLABELLED if t < 0 else CORRECT if t == q else WRONG for t, q in zip(y, p)]


def _class_name(dataset: GraphDataset, c: int) -> str:
    return dataset.class_names[c] if 0 <= c < dataset.num_classes else "unlabelled"


def _node_title(
    dataset: GraphDataset,
    v: int,
    hop: dict[int, int],
    pred: Tensor | None,
    prob: Tensor | None,
    label: int = 0,
) -> str:
    if dataset.task == "multilabel":
        has = dataset.data.y[v].bool()
        lines = [
            f"{dataset.node_names[v]} (node {v})",
            f"{int(has.sum())} of {dataset.num_classes} labels true",
        ]
        name = _class_name(dataset, label)
        lines.append(
            f"{name}: {'true' if has[label] else 'false'}"
            + (f", p = {float(prob[v, label]):.2f}" if prob is not None else "")
        )
        if pred is not None:
            lines.append(
                f"{int((pred[v].bool() & has).sum())} of {int(pred[v].sum())} "
                "predicted labels right"
            )
        if v in hop:
            lines.append(f"hops from centre: {hop[v]}")
        return "\n".join(lines)
    lines = [
        f"{dataset.node_names[v]} (node {v})",
        f"{'type' if dataset.task == 'graph' else 'label'}: "
        f"{_class_name(dataset, int(dataset.data.y[v]))}",
    ]
    if dataset.task == "graph":
        pred = None  # a graph task predicts the graph, not its nodes
    if pred is not None:
        confidence = f" (p = {float(prob[v, pred[v]]):.2f})" if prob is not None else ""
        lines.append(f"prediction: {_class_name(dataset, int(pred[v]))}{confidence}")
    if v in hop:
        lines.append(f"hops from centre: {hop[v]}")
    return "\n".join(lines)


def _edge_types(dataset: GraphDataset, edges: Tensor) -> list[str | None]:
    """The type name (a molecule's bond) of each drawn edge, None for edges without one (the
    self-loops the layers add)."""
    if dataset.edge_types is None or not dataset.edge_type_names:
        return [None] * edges.size(1)
    position = edge_positions(dataset.data.edge_index, edges, dataset.num_nodes)
    types = dataset.edge_types[position.clamp(min=0)]
    return [
        dataset.edge_type_names[int(t)] if p >= 0 else None
        for p, t in zip(position.tolist(), types.tolist())
    ]


def _edge_title(
    dataset: GraphDataset,
    source: int,
    target: int,
    value: float,
    per_head: Tensor,
    head_label: str,
    attended: int,
    edge_type: str | None = None,
) -> str:
    names = dataset.node_names
    kind = f" ({edge_type}{' bond' if dataset.task == 'graph' else ''})" if edge_type else ""
    lines = [
        f"{names[source]} → {names[target]}" + (" (self-loop)" if source == target else kind),
        f"α ({head_label}) = {value:.4g}",
        f"= {value * attended:.2f}× the uniform share 1/|N(i)| = 1/{attended}",
    ]
    if per_head.numel() > 1:
        lines.append(
            "per head: " + ", ".join(f"h{h} {a:.3f}" for h, a in enumerate(per_head.tolist()))
        )
    return "\n".join(lines)


def _value_title(
    dataset: GraphDataset, source: int, target: int, values: EdgeValues, drawn: float
) -> str:
    names = dataset.node_names
    raw = values.raw[(source, target)]
    return "\n".join(
        [
            f"{names[source]} → {names[target]}",
            f"{values.name} = {raw:+.4g}",
            f"|score| = {drawn:.2f} of the largest around this node",
        ]
    )


def _legend(
    dataset: GraphDataset,
    options: OverlayOptions,
    title: str,
    scale: str,
    value_name: str | None = None,
) -> str:
    """A one-line HTML legend above the graph: the edge scale and what node colours mean
    (names escaped). ``value_name``: the edges show that score, not α."""
    if value_name is not None:
        stops = ", ".join(f"{alpha_colour(x)} {round(100 * x)}%" for x, _ in ALPHA_STOPS)
        low, high = "0", "max"
        what = (html.escape(value_name), "|score| ÷ the largest")
    elif scale == "relative":
        stops = ", ".join(
            f"{alpha_colour(x, RELATIVE_STOPS)} {round(100 * x)}%" for x, _ in RELATIVE_STOPS
        )
        low, high = f"1/{2**RELATIVE_RANGE:g}×", f"{2**RELATIVE_RANGE:g}×"
        what = ("α × |N(i)|", "1× = uniform")
    else:
        stops = ", ".join(f"{alpha_colour(x)} {round(100 * x)}%" for x, _ in ALPHA_STOPS)
        low, high = "0", "1"
        what = ("α", "wider, redder edge = more attention")
    if dataset.task == "multilabel":
        label = _class_name(dataset, options.label)
        entries = (
            [("correct", CORRECT), ("wrong", WRONG)]
            if options.color_by == "correct"
            else [
                (f"{label}: {'true' if options.color_by == 'class' else 'predicted'}", PALETTE[3]),
                ("not", UNLABELLED),
            ]
        )
    elif options.color_by == "correct":
        entries = [("correct", CORRECT), ("wrong", WRONG), ("unlabelled", UNLABELLED)]
    else:
        entries = [
            (name, PALETTE[c % len(PALETTE)])
            for c, name in enumerate(dataset.class_names[: len(PALETTE)])
        ]
    swatches = "".join(
        f'<span style="white-space:nowrap;margin-right:10px"><span style="display:inline-block;'
        f'width:9px;height:9px;border-radius:5px;background:{colour};margin-right:4px"></span>'
        f"{html.escape(name)}</span>"
        for name, colour in entries
    )
    nodes = {
        "class": "node type" if dataset.task == "graph" else "true class",
        "prediction": "predicted class",
        "correct": "prediction",
    }
    return (
        f'<div id="gatviz-legend" data-scale="{scale}" style="height:{LEGEND_HEIGHT - 8}px;'
        'overflow:hidden;font:12px sans-serif;color:#333;padding:2px 4px;line-height:20px">'
        f'<b>{what[0]}</b> ({html.escape(title)}): <span>{low}</span> <span style="display:'
        "inline-block;width:120px;height:9px;vertical-align:middle;background:linear-gradient("
        f'to right,{stops})"></span> <span>{high}</span> <span style="color:#666">· {what[1]}'
        # One line for the node colours: a legend that wrapped to a third line was clipped at
        # the strip's edge and seemed to overlap the canvas. What does not fit ends in "…", and
        # the hover names every entry.
        f'</span><div style="white-space:nowrap;overflow:hidden;text-overflow:ellipsis" '
        f'title="{html.escape(", ".join(name for name, _ in entries))}"><b>nodes</b> '
        f"({nodes[options.color_by]}): {swatches}</div></div>"
    )


def overlay_html(
    dataset: GraphDataset,
    attention: list[LayerAttention],
    options: OverlayOptions | None = None,
    pred: Tensor | None = None,
    prob: Tensor | None = None,
    view: View | None = None,
    caption: str | None = None,
    values: EdgeValues | None = None,
    marks: dict[tuple[int, int], str] | None = None,
) -> str:
    """The overlay as one standalone HTML document (vis-network inlined, no CDN).

    Args:
        dataset (GraphDataset): names, labels and the graph.
        attention (list[LayerAttention]): from :func:`gatviz.attention.extract_attention`.
        options (OverlayOptions): what to draw. (default: whole graph, layer 0, mean)
        pred (Tensor, optional): predicted class per node, for colouring and hover. (N,)
        prob (Tensor, optional): class probabilities, for the hover's confidence. (N, C)
        view (View, optional): a view already built with the same options.
        caption (str, optional): the legend's title. (default: layer and head)
        values (EdgeValues, optional): the edges show these scores, not α (the attention
            given is then :func:`values_attention` of them).
        marks (dict, optional): edges drawn dashed, each with a line for its hover (the edges
            unstable across seeds, say), by ``(source, target)``.
    """
    from pyvis.network import Network

    options = options or OverlayOptions()
    view = view or build_view(dataset, attention, options, scores=values is not None)
    colours = _node_colours(dataset, options.color_by, pred, view.nodes, options.label)
    net = Network(
        height=f"{options.height}px",
        width="100%",
        directed=True,
        cdn_resources="in_line",
        notebook=False,
    )
    for i, v in enumerate(view.nodes.tolist()):
        is_centre = v == view.centre
        net.add_node(
            v,
            label=_short(dataset.node_names[v]),
            title=_node_title(dataset, v, view.hop, pred, prob, options.label),
            color={"background": colours[i], "border": "#222222" if is_centre else colours[i]},
            borderWidth=4 if is_centre else 1,
            size=22 if is_centre else 11,
            x=float(view.positions[i, 0]),
            y=float(view.positions[i, 1]),
            shape="star" if is_centre else "dot",
        )
    # Edges go straight into pyvis's edge list: add_edge() scans every node per call, which
    # made large views quadratic; the dicts are exactly what add_edge would store.
    relative = view.scale == "relative" and values is None
    marks = marks or {}
    for (source, target), value, per_head, attended, edge_type in zip(
        view.edge_index.t().tolist(),
        view.alpha.tolist(),
        view.alpha_heads,
        view.attended.tolist(),
        _edge_types(dataset, view.edge_index),
    ):
        drawn = value * attended if relative else value
        if values is None:
            title = _edge_title(
                dataset, source, target, value, per_head, view.head_label, attended, edge_type
            )
        else:
            title = _value_title(dataset, source, target, values, value)
        edge = {
            "from": source,
            "to": target,
            "arrows": "to",
            "width": relative_width(drawn) if relative else edge_width(drawn),
            "color": {"color": relative_colour(drawn) if relative else alpha_colour(drawn)},
            "title": title,
        }
        if (source, target) in marks:
            edge["dashes"] = True
            edge["title"] += "\n" + marks[(source, target)]
        net.edges.append(edge)
    net.set_options(VIS_OPTIONS)
    page = _offline(net.generate_html(notebook=False))
    title = caption or (
        f"layer {options.layer}, {view.head_label}" if values is None else "all layers"
    )
    legend = _legend(dataset, options, title, view.scale, None if values is None else values.name)
    page = re.sub(r"<body>", lambda m: m.group(0) + legend, page, count=1)
    return with_script(page, REFIT)


def with_script(page: str, script: str) -> str:
    """``page`` with ``script`` added at the end of its body, after vis-network's own, so that
    it can use ``network``."""
    at = page.rindex("</body>")
    return page[:at] + script + page[at:]


def _offline(page: str) -> str:
    """Drop what pyvis's template adds beyond the graph: Bootstrap from a CDN (even with
    ``in_line``; offline it would only stall the page) and an empty heading."""
    page = re.sub(r"<link[^>]*?bootstrap[^>]*?>", "", page, flags=re.S)
    page = re.sub(r"<script[^>]*?bootstrap[^>]*?>\s*</script>", "", page, flags=re.S)
    return re.sub(r"<center>\s*<h1>\s*</h1>\s*</center>", "", page)


VIS_OPTIONS = """{
  "physics": {"enabled": false},
  "interaction": {"hover": true, "tooltipDelay": 80, "multiselect": false},
  "edges": {"smooth": false, "selfReference": {"size": 14},
            "arrows": {"to": {"enabled": true, "scaleFactor": 0.4}}},
  "nodes": {"font": {"size": 11, "color": "#333333"}}
}"""


# vis-network fits the graph to its canvas once, when it is made. A page made while hidden (a
# closed tab or expander, a notebook cell out of view) or in a window resized later keeps that
# first fit: the graph off in a corner, or half outside. So whenever a drawing finds the canvas
# at a size it was not fitted to, it fits again, until the person zooms or pans the view.
# (vis-network's own "resize" event is not enough: a frame laid out late is sized without one.)
REFIT = """<script>
(function () {
  var moved = false, width = 0, height = 0;
  network.on("zoom", function () { moved = true; });
  network.on("dragEnd", function (params) { if (params.nodes.length === 0) moved = true; });
  network.on("afterDrawing", function () {
    var canvas = document.querySelector("canvas");
    if (moved || !canvas.clientWidth || !canvas.clientHeight) return;
    if (canvas.clientWidth === width && canvas.clientHeight === height) return;
    width = canvas.clientWidth;
    height = canvas.clientHeight;
    // after the drawing, not in it: vis-network restores its camera once a resize is handled
    setTimeout(function () { if (!moved) network.fit({animation: false}); }, 0);
  });
})();
</script>"""


def uniform_attention(edge_index: Tensor, num_nodes: int) -> list[LayerAttention]:
    """α = 1 / in-degree over the edges plus self-loops: what a mean aggregator would use."""
    from torch_geometric.utils import degree

    looped = with_self_loops(edge_index, num_nodes)
    alpha = 1.0 / degree(looped[1], num_nodes)[looped[1]]
    return [LayerAttention(looped, alpha.unsqueeze(1))]


def structure_html(dataset: GraphDataset, options: OverlayOptions | None = None) -> str:
    """A preview of the graph before any model: edges drawn with uniform α, nodes by class.
    Around a node only its neighbourhood's edges are weighed (every in-edge of the nodes in
    view, so their 1 / in-degree is exact), however big the graph."""
    options = options or OverlayOptions(head=0)
    if options.node is None:
        layers = uniform_attention(dataset.data.edge_index, dataset.num_nodes)
    else:
        cut = receptive_subgraph(dataset.in_edges, torch.tensor([options.node]), options.hops + 1)
        edge_index, alpha = uniform_attention(cut.edge_index, cut.nodes.numel())[0]
        layers = [LayerAttention(cut.nodes[edge_index], alpha)]
    return overlay_html(dataset, layers, options, caption="uniform, 1 / in-degree (no model yet)")
