"""Do the edges a method ranks first matter? Each attribution method's ranking (and α's) put to
two tests, over the same sample of nodes (or graphs) that :mod:`gatviz.attribution` scored:

* :func:`deletion_curves`: delete each row's k top-ranked edges from what its prediction is
  computed from (the receptive field's cut, or the graph) and count the rows whose prediction
  survives, for each k, beside the same deletions in a random order. A ranking that finds the
  edges the prediction rests on falls faster than random.
* :func:`truth_auroc`: where the dataset marks the edges that matter (``ba-shapes``' house
  motifs, the key each ``dictionary-lookup`` query needs, ``ba-2motif``'s motif), the AUROC of
  each ranking for those edges within each row's edges, beside the model-free 1/|N(i)| and random
  scores.

The α rankings are the mean over layers of each layer's α (mean over heads), and the attention
flow. Every figure is a mean over the sampled rows, with its 95 % interval and the rows it rests
on.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from gatviz.analysis import DOWN_WEIGHTED_MASKS, auroc
from gatviz.attribution import METHODS, NodeAttribution, explained_input
from gatviz.datasets import GraphDataset
from gatviz.model import GAT
from gatviz.uncertainty import mean_interval, wilson

DELETION_STEPS = (0, 1, 2, 3, 5, 10, 20)  # top-ranked edges deleted per row
RANDOM_DRAWS = 5  # seeded random orders per row, averaged
BATCH_ELEMENTS = 4_000_000  # feature values of the copies one deletion pass computes at once


def rankings(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """The edge scores compared: every method in ``table``, the mean over layers of each
    layer's α (``alpha_mean``) and the attention flow (already a method column)."""
    layers = [c for c in table.columns if c.startswith("alpha_layer")]
    scores = {"alpha_mean": table[layers].to_numpy().mean(1)}
    scores.update({m: table[m].to_numpy() for m in METHODS if m in table})
    return scores


def _outputs(model: GAT, x: Tensor, edge_index: Tensor, keeps: list[Tensor], level: str) -> Tensor:
    """The output of each edge subset ``keeps[v]`` (a boolean mask over ``edge_index``) of one
    input, computed as a disjoint union of copies, a few at a time: row 0 of each copy for a
    node, each copy's readout for a graph. Shapes: -> (len(keeps), C)."""
    n = x.size(0)
    per_pass = max(1, BATCH_ELEMENTS // max(1, x.numel()))
    rows = []
    for start in range(0, len(keeps), per_pass):
        chunk = keeps[start : start + per_pass]
        edges = torch.cat([edge_index[:, keep] + i * n for i, keep in enumerate(chunk)], dim=1)
        xs = x.repeat(len(chunk), 1)
        if level == "node":
            rows.append(model(xs, edges)[torch.arange(len(chunk)) * n])
        else:
            batch = torch.arange(len(chunk)).repeat_interleave(n)
            rows.append(model(xs, edges, batch=batch))
    return torch.cat(rows)


def deletion_curves(
    model: GAT,
    dataset: GraphDataset,
    attributions: list[NodeAttribution],
    steps: tuple[int, ...] = DELETION_STEPS,
    seed: int = 0,
) -> pd.DataFrame:
    """For each ranking and each k of ``steps``: the share of rows whose prediction is unchanged
    after deleting their k top-ranked edges (all of them, when a row has fewer), and the mean
    probability left on the class first predicted.

    ``random`` deletes in RANDOM_DRAWS seeded random orders per row; its share is the mean over
    the draws, and its interval Wilson's for that share of the rows.

    Returns:
        columns ``ranking, k, kept, kept_low, kept_high, probability, rows``
    """
    model.eval()
    generator = np.random.default_rng(seed)
    kept: dict[tuple[str, int], list[float]] = {}
    probability: dict[tuple[str, int], list[float]] = {}
    for attribution in attributions:
        x, edge_index, _ = explained_input(model, dataset, attribution.node, attribution.level)
        edges = edge_index.size(1)
        orders = [
            (name, np.argsort(-score, kind="stable"))
            for name, score in rankings(attribution.table).items()
        ]
        orders += [("random", generator.permutation(edges)) for _ in range(RANDOM_DRAWS)]
        variants, keeps = [], []
        for k in steps:
            for name, order in orders:
                keep = torch.ones(edges, dtype=torch.bool)
                keep[torch.from_numpy(order[:k].copy())] = False
                variants.append((name, k))
                keeps.append(keep)
        with torch.no_grad():
            out = _outputs(model, x, edge_index, keeps, attribution.level)
        same = (out.argmax(-1) == attribution.predicted).tolist()
        left = out.softmax(-1)[:, attribution.predicted].tolist()
        for key, unchanged, p in zip(variants, same, left):
            kept.setdefault(key, []).append(float(unchanged))
            probability.setdefault(key, []).append(p)
    rows = []
    for (name, k), values in kept.items():
        n = len(attributions)
        share = float(np.mean(values))
        interval = wilson(round(share * n), n)
        rows.append(
            {
                "ranking": name,
                "k": k,
                "kept": share,
                "kept_low": interval.low,
                "kept_high": interval.high,
                "probability": float(np.mean(probability[(name, k)])),
                "rows": n,
            }
        )
    columns = ["ranking", "k", "kept", "kept_low", "kept_high", "probability", "rows"]
    return pd.DataFrame(rows, columns=columns)


def _in_degree(edge_index: torch.Tensor, num_nodes: int) -> np.ndarray:
    """|N(i)| with the self-loop the layers add, per node."""
    return (torch.bincount(edge_index[1], minlength=num_nodes) + 1).numpy()


def truth_auroc(
    attributions: list[NodeAttribution], dataset: GraphDataset, seed: int = 0
) -> pd.DataFrame:
    """Per ground-truth mask and ranking: the AUROC of the ranking for the mask's edges among
    each row's edges, averaged over the rows that have edges of both kinds, with its bootstrap
    interval; beside it, on the same rows and edges, 1/|N(i)| of the edge's target (no model)
    and random scores (RANDOM_DRAWS seeded draws per row). Empty without ground truth.

    Returns:
        columns ``mask, ranking, auroc, auroc_low, auroc_high, inverse_degree, random, rows``
    """
    generator = np.random.default_rng(seed)
    per_row: dict[tuple[str, str], list[float]] = {}
    baseline: dict[str, dict[str, list[float]]] = {}
    for attribution in attributions:
        table = attribution.table
        if attribution.level == "node":
            masks, edges, n = dataset.edge_masks, dataset.data.edge_index, dataset.num_nodes
        else:
            one = dataset.graph(attribution.node)
            masks, edges, n = one.edge_masks, one.data.edge_index, one.num_nodes
        edge_id = torch.from_numpy(table["edge_id"].to_numpy().copy())
        inverse_degree = 1.0 / _in_degree(edges, n)[table["target"].to_numpy()]
        for name, mask in masks.items():
            positive = mask[edge_id].numpy().astype(bool)
            if name in DOWN_WEIGHTED_MASKS:
                positive, name = ~positive, f"not {name}"
            if positive.all() or not positive.any():
                continue
            for ranking, score in rankings(table).items():
                per_row.setdefault((name, ranking), []).append(auroc(score, positive))
            base = baseline.setdefault(name, {"inverse_degree": [], "random": []})
            base["inverse_degree"].append(auroc(inverse_degree, positive))
            base["random"].append(
                float(
                    np.mean(
                        [
                            auroc(generator.random(positive.size), positive)
                            for _ in range(RANDOM_DRAWS)
                        ]
                    )
                )
            )
    rows = []
    for (name, ranking), values in per_row.items():
        interval = mean_interval(values, seed)
        rows.append(
            {
                "mask": name,
                "ranking": ranking,
                "auroc": interval.estimate,
                "auroc_low": interval.low,
                "auroc_high": interval.high,
                "inverse_degree": float(np.nanmean(baseline[name]["inverse_degree"])),
                "random": float(np.nanmean(baseline[name]["random"])),
                "rows": interval.n,
            }
        )
    columns = [
        "mask",
        "ranking",
        "auroc",
        "auroc_low",
        "auroc_high",
        "inverse_degree",
        "random",
        "rows",
    ]
    return pd.DataFrame(rows, columns=columns)


def summary(curves: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """JSON-ready: per ranking, the share kept at each k; per mask and ranking, the AUROC."""

    def number(value) -> float | None:
        value = float(value)
        return None if math.isnan(value) else value

    return {
        "deletion": {
            name: {int(r.k): number(r.kept) for r in group.itertuples()}
            for name, group in curves.groupby("ranking", sort=False)
        },
        "ground_truth_auroc": [
            {key: (number(v) if isinstance(v, float) else v) for key, v in row.items()}
            for row in truth.to_dict("records")
        ],
    }
