"""What if this edge were not there? Edits of a graph around a node, and what they change.

An :class:`Edit` removes an edge, adds one, or gives a node another node's features.
:func:`apply_edits` makes the edited dataset (the original is never changed, so undoing an edit
is applying the others); :func:`what_if` recomputes every layer's α around a node on it, exactly
(on the receptive field's cut, :func:`gatviz.attention.neighbourhood_attention`), and sets the α
and the prediction before and after side by side. :func:`flipping_set` searches, greedily, for
the fewest of a node's incoming edges whose removal changes its prediction: it removes them in
the order of their α (or of an attribution method's scores, :func:`attribution_scores`) and
stops at the first change. :func:`edited_overlay` draws the edited graph around the node with
α after the edits, the added edges dashed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import torch
from torch import Tensor
from torch_geometric.data import Data

from gatviz.attention import NeighbourhoodAttention, neighbourhood_attention
from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from gatviz.model import GAT, LayerAttention

KINDS = ("remove", "add", "features")
MAX_EDITS = 100  # edits one what-if holds at most
MAX_FLIP_EDGES = 50  # incoming edges the greedy search removes at most


class EditError(GatvizError):
    """An edit that cannot be applied: it names a node or an edge that is not there."""


@dataclass(frozen=True)
class Edit:
    """``remove`` or ``add`` the edge ``source → target``, or (``features``) give node
    ``target`` the features of node ``source``."""

    kind: str
    source: int
    target: int

    def describe(self) -> str:
        if self.kind == "features":
            return f"node {self.target} gets node {self.source}'s features"
        return f"{self.kind} {self.source} → {self.target}"


CODES = {"remove": "r", "add": "a", "features": "f"}


def edits_text(edits: list[Edit]) -> str:
    """Edits as a link carries them: ``r1-0.a33-5.f3-7`` (remove 1 → 0, add 33 → 5, node 7
    gets node 3's features)."""
    return ".".join(f"{CODES[e.kind]}{e.source}-{e.target}" for e in edits)


def parse_edits(text: str) -> list[Edit]:
    """The edits of :func:`edits_text`'s form; ValueError for anything else."""
    if not text:
        return []
    kinds = {code: kind for kind, code in CODES.items()}
    edits = []
    for part in text.split("."):
        if len(part) < 4 or part[0] not in kinds or "-" not in part[1:]:
            raise ValueError(f"not an edit: {part!r}")
        source, target = part[1:].split("-", 1)
        edits.append(Edit(kinds[part[0]], int(source), int(target)))
    if len(edits) > MAX_EDITS:
        raise ValueError(f"more than {MAX_EDITS} edits")
    return edits


def _check(dataset: GraphDataset, edit: Edit) -> None:
    if edit.kind not in KINDS:
        raise EditError(f"an edit is one of {KINDS} (got {edit.kind!r})")
    n = dataset.num_nodes
    for role, node in (("source", edit.source), ("target", edit.target)):
        if not 0 <= node < n:
            raise EditError(
                f"{edit.describe()}: node {node} does not exist ({dataset.name} has nodes 0 to "
                f"{n - 1}); pick the {role} among them"
            )
    if edit.kind == "add" and dataset.num_graphs > 1:
        graph = torch.searchsorted(
            dataset.graph_ptr, torch.tensor([edit.source, edit.target]), right=True
        )
        if int(graph[0]) != int(graph[1]):
            raise EditError(
                f"{edit.describe()}: the two nodes are in different graphs of the set; an edge "
                "joins two nodes of one graph"
            )


def _edge_position(edge_index: Tensor, source: int, target: int) -> Tensor:
    return ((edge_index[0] == source) & (edge_index[1] == target)).nonzero().flatten()


def apply_edits(dataset: GraphDataset, edits: list[Edit]) -> GraphDataset:
    """The dataset with ``edits`` applied in order (``dataset`` itself is unchanged). Removing an
    edge removes every copy of it; adding one that exists, or removing one that does not, is
    refused with the reason. Edge masks and types follow the edges (an added edge is in no mask
    and has no type)."""
    if len(edits) > MAX_EDITS:
        raise EditError(f"a what-if holds at most {MAX_EDITS} edits (got {len(edits)})")
    if not edits:
        return dataset
    edge_index, x = dataset.data.edge_index, dataset.data.x
    masks = dict(dataset.edge_masks)
    types = dataset.edge_types
    features_changed = False
    for edit in edits:
        _check(dataset, edit)
        if edit.kind == "features":
            if not features_changed:
                x = x.clone()
                features_changed = True
            x[edit.target] = dataset.data.x[edit.source]
            continue
        found = _edge_position(edge_index, edit.source, edit.target)
        if edit.kind == "remove":
            if found.numel() == 0:
                raise EditError(f"{edit.describe()}: there is no such edge to remove")
            keep = torch.ones(edge_index.size(1), dtype=torch.bool)
            keep[found] = False
            edge_index = edge_index[:, keep]
            masks = {name: mask[keep] for name, mask in masks.items()}
            types = None if types is None else types[keep]
        else:
            if found.numel():
                raise EditError(f"{edit.describe()}: the edge is already there")
            edge_index = torch.cat([edge_index, torch.tensor([[edit.source], [edit.target]])], 1)
            masks = {name: torch.cat([m, m.new_zeros(1)]) for name, m in masks.items()}
            types = None if types is None else torch.cat([types, types.new_zeros(1)])
    data = Data(**{key: value for key, value in dataset.data.items()})
    data.edge_index, data.x = edge_index, x
    return replace(dataset, data=data, edge_masks=masks, edge_types=types)


@dataclass
class WhatIf:
    """α and the prediction around ``centre`` before and after the edits.

    ``alpha``: ``layer, source, target, before, after, change`` (mean over heads; NaN where an
    edge exists on one side only); ``before`` and ``after`` are the two
    :class:`~gatviz.attention.NeighbourhoodAttention` (every head, every layer)."""

    centre: int
    edits: list[Edit]
    before: NeighbourhoodAttention
    after: NeighbourhoodAttention
    alpha: pd.DataFrame

    def prediction(self) -> dict:
        """The centre's predicted class and its probability, before and after."""
        out = {}
        for side, view in (("before", self.before), ("after", self.after)):
            pred = int(view.pred[self.centre])
            out[side] = {"class": pred, "probability": float(view.prob[self.centre, pred])}
        return out


def _alpha_frame(view: NeighbourhoodAttention, column: str) -> pd.DataFrame:
    frames = []
    for layer, (edges, alpha) in enumerate(view.attention):
        frames.append(
            pd.DataFrame(
                {
                    "layer": layer,
                    "source": edges[0].numpy(),
                    "target": edges[1].numpy(),
                    column: alpha.double().mean(1).numpy(),
                }
            )[view.exact[layer].numpy()]
        )
    return pd.concat(frames, ignore_index=True)


def _check_task(dataset: GraphDataset) -> None:
    if dataset.task != "node":
        raise GatvizError(
            f"what-if edits look at one node's predicted class (node classification); this "
            f"dataset's task is {dataset.task}"
        )


def what_if(
    model: GAT, dataset: GraphDataset, centre: int, edits: list[Edit], hops: int = 1
) -> WhatIf:
    """Every layer's α on the edges into the nodes within ``hops`` of ``centre``, and the
    centre's prediction, before and after ``edits``.

    Args:
        model (GAT): a trained node-task model.
        dataset (GraphDataset): the graph as it is.
        centre (int): the node looked at.
        edits (list[Edit]): applied in order (see :func:`apply_edits`).
        hops (int): how far around the centre α is compared, 1 to 3. (default: 1)
    """
    _check_task(dataset)
    if not 0 <= centre < dataset.num_nodes:
        raise EditError(
            f"node {centre} does not exist ({dataset.name} has nodes 0 to {dataset.num_nodes - 1})"
        )
    if not 1 <= hops <= 3:
        raise GatvizError(f"hops must be 1, 2 or 3 (got {hops})")
    edited = apply_edits(dataset, edits)
    before = neighbourhood_attention(model, dataset, centre, hops)
    after = neighbourhood_attention(model, edited, centre, hops)
    table = _alpha_frame(before, "before").merge(
        _alpha_frame(after, "after"), on=["layer", "source", "target"], how="outer"
    )
    table["change"] = table["after"] - table["before"]
    table = table.sort_values(["layer", "target", "source"], ignore_index=True)
    return WhatIf(centre, list(edits), before, after, table)


def flipping_set(
    model: GAT,
    dataset: GraphDataset,
    centre: int,
    scores: dict[tuple[int, int], float] | None = None,
    edits: list[Edit] | None = None,
) -> list[Edit] | None:
    """The first prefix of ``centre``'s incoming edges (self-loop aside), removed in order of
    decreasing score, that changes its prediction, as edits; None when removing up to
    MAX_FLIP_EDGES of them changes nothing. A greedy search: a smaller set in another order may
    exist.

    Args:
        scores (dict, optional): a score per (source, centre) edge, e.g. an attribution
            method's. (default: the last layer's α, mean over heads)
        edits (list[Edit], optional): edits already made, searched on top of. (default: none)
    """
    _check_task(dataset)
    edits = list(edits or [])
    base = apply_edits(dataset, edits)
    start = neighbourhood_attention(model, base, centre, 1)
    predicted = int(start.pred[centre])
    if scores is None:
        edges, alpha = start.attention[-1]
        into = (edges[1] == centre) & (edges[0] != centre)
        scores = dict(
            zip(zip(edges[0, into].tolist(), edges[1, into].tolist()), alpha[into].mean(1).tolist())
        )
    order = sorted(scores, key=lambda edge: (-scores[edge], edge))[:MAX_FLIP_EDGES]
    removed: list[Edit] = []
    for source, target in order:
        if source == target or target != centre:
            continue
        removed.append(Edit("remove", source, target))
        view = neighbourhood_attention(model, apply_edits(base, removed), centre, 1)
        if int(view.pred[centre]) != predicted:
            return removed
    return None


def attribution_scores(
    model: GAT,
    dataset: GraphDataset,
    centre: int,
    method: str,
    edits: list[Edit] | None = None,
    seed: int = 0,
) -> dict[tuple[int, int], float]:
    """An attribution method's score of each of ``centre``'s incoming edges (self-loop aside)
    for its predicted class, on the graph after ``edits``: the order :func:`flipping_set`
    removes them in (the largest first: the edges the prediction leans on most). Copies of an
    edge add up.

    Args:
        method (str): one of :data:`gatviz.attribution.METHODS`.
        seed (int): seeds GNNExplainer. (default: 0)
    """
    from gatviz.attribution import node_attributions

    _check_task(dataset)
    edited = apply_edits(dataset, list(edits or []))
    table = node_attributions(model, edited, centre, methods=(method,), seed=seed).table
    into = table[(table["target"] == centre) & (table["source"] != centre)]
    summed = into.groupby("source")[method].sum()
    return {(int(source), centre): float(score) for source, score in summed.items()}


ADDED = "added by a what-if edit"


def edited_overlay(
    result: WhatIf,
    dataset: GraphDataset,
    layer: int = 0,
    head: int | str = "mean",
    **options: Any,
) -> str:
    """The overlay of the edited graph around the centre (its in-neighbours, one hop): α after
    the edits in ``layer`` and ``head``, the predictions after them on hover, the edges an edit
    added dashed. ``dataset`` is the graph before the edits (as given to :func:`what_if`);
    ``options`` are any other :class:`~gatviz.overlay.OverlayOptions` field."""
    from gatviz.overlay import OverlayOptions, overlay_html

    edited = apply_edits(dataset, result.edits)
    after = result.after
    inside = torch.zeros(dataset.num_nodes, dtype=torch.bool)
    inside[after.nodes[after.distance <= 1]] = True  # their α and predictions are exact
    layers = [
        LayerAttention(edges[:, inside[edges[1]]], alpha[inside[edges[1]]])
        for edges, alpha in after.attention
    ]
    chosen = OverlayOptions(node=result.centre, layer=layer, head=head, hops=1, **options)
    added = {(e.source, e.target): ADDED for e in result.edits if e.kind == "add"}
    caption = f"after the edits: layer {layer}, " + (
        f"head {head}" if isinstance(head, int) else f"{head} over heads"
    )
    return overlay_html(
        edited, layers, chosen, after.pred, after.prob, caption=caption, marks=added
    )
