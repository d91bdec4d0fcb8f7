"""Does α behave the same on graphs the model never saw? Train graphs beside test graphs.

A GAT's attention depends only on a node and its neighbours, so it can be computed on any graph;
whether it *behaves* the same on unseen graphs is a question for the data. Here each node's KL
divergence from uniform (:func:`gatviz.analysis.node_divergence`) is averaged over the nodes of
each split's graphs, with a 95 % interval from a bootstrap over whole graphs (nodes of one graph
are not independent draws), and the difference test − train with its own interval. A difference
whose interval covers 0 is not a finding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from gatviz.analysis import node_divergence
from gatviz.datasets import SPLITS, GraphDataset
from gatviz.model import LayerAttention


def _graph_sums(values: np.ndarray, graphs: np.ndarray, count: int) -> tuple[np.ndarray, ...]:
    return (
        np.bincount(graphs, weights=values, minlength=count),
        np.bincount(graphs, minlength=count).astype(float),
    )


def _bootstrap_mean(
    sums: np.ndarray, counts: np.ndarray, draws: int, rng: np.random.Generator
) -> np.ndarray:
    """Node-weighted means of ``draws`` resamples of the graphs (with replacement)."""
    picks = rng.integers(0, sums.size, size=(draws, sums.size))
    return sums[picks].sum(1) / np.maximum(counts[picks].sum(1), 1)


def divergence_by_split(
    attention: list[LayerAttention],
    dataset: GraphDataset,
    splits: tuple[str, str] = ("train", "test"),
    draws: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Mean KL from uniform on the graphs of two splits, per layer and head, with intervals.

    Args:
        attention (list[LayerAttention]): α on the whole set (``dataset``'s node ids).
        splits (tuple): the two splits compared; the difference is second − first.
        draws (int): bootstrap resamples of the graphs. (default: 1000)

    Returns:
        one row per layer and head: ``layer, head``, then for each split ``{split}_graphs,
        {split}_kl, {split}_low, {split}_high``, then ``difference, difference_low,
        difference_high`` (95 % percentile intervals)
    """
    divergence = node_divergence(attention, dataset.num_nodes)
    graph_of = dataset.batch.numpy()
    split_of = (
        dataset.graph_split
        if dataset.graph_split is not None
        else torch.zeros(dataset.num_graphs, dtype=torch.long)
    ).numpy()
    rng = np.random.default_rng(seed)
    rows = []
    for (layer, head), part in divergence.groupby(["layer", "head"], sort=True):
        graphs = graph_of[part["node"].to_numpy()]
        sums, counts = _graph_sums(part["kl_from_uniform"].to_numpy(), graphs, dataset.num_graphs)
        row: dict[str, float] = {"layer": int(layer), "head": int(head)}
        boots = []
        for split in splits:
            mine = (split_of == SPLITS.index(split)) & (counts > 0)
            boot = (
                _bootstrap_mean(sums[mine], counts[mine], draws, rng)
                if mine.any()
                else np.full(draws, np.nan)
            )
            boots.append(boot)
            row.update(
                {
                    f"{split}_graphs": int(mine.sum()),
                    f"{split}_kl": float(sums[mine].sum() / max(counts[mine].sum(), 1))
                    if mine.any()
                    else np.nan,
                    f"{split}_low": float(np.percentile(boot, 2.5)),
                    f"{split}_high": float(np.percentile(boot, 97.5)),
                }
            )
        difference = boots[1] - boots[0]
        row.update(
            {
                "difference": row[f"{splits[1]}_kl"] - row[f"{splits[0]}_kl"],
                "difference_low": float(np.percentile(difference, 2.5)),
                "difference_high": float(np.percentile(difference, 97.5)),
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)
