"""Would another seed give the same α? The same settings retrained with K seeds, and how much
of what a model shows survives the seed.

Explanations of GNNs are known to change with the training seed. For K models trained with the
same :class:`ModelConfig` and :class:`TrainConfig` but seeds ``s, s + 1, ..., s + K − 1``, this
measures, per layer (α averaged over each model's heads):

* every edge's α across the seeds: mean, standard deviation and their ratio (the coefficient of
  variation, which marks an unstable edge);
* how alike two seeds rank a node's neighbours: Spearman's and Kendall's rank correlation of
  the node's incoming α, averaged over the nodes with at least three incoming edges;
* the share of those nodes whose most-attended neighbour is the same in every seed;
* prediction churn: the fraction of nodes (graphs, for graph tasks) whose prediction differs
  between two seeds;
* the headline statistics of the analysis (test score, mean KL from uniform per layer, the
  uniform-knockout score) as mean ± standard deviation over the seeds.

Everything is seeded, so a study is repeated exactly.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from gatviz.analysis import kl_by_head, node_divergence
from gatviz.attention import dataset_attention
from gatviz.config import ModelConfig, TrainConfig
from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from gatviz.intervention import uniform_knockout
from gatviz.model import LayerAttention
from gatviz.ranks import average_ranks
from gatviz.training import predict, train

MAX_SEEDS = 20  # models a study trains at most
MIN_EDGES = 3  # a node's incoming edges needed for its rank correlation to say anything
UNSTABLE_CV = 0.5  # an edge whose α varies this much across seeds (std / mean) is unstable


@dataclass
class SeedStudy:
    """The K models' agreement (see the module docstring); tables as DataFrames.

    ``edges``: ``layer, source, target, alpha_mean, alpha_std, cv, unstable`` (one row per edge
    and layer, self-loops included); ``agreement``: ``layer, seed_a, seed_b, spearman,
    kendall, nodes``; ``top``: ``layer, same_top_share, nodes``; ``churn``: ``seed_a, seed_b,
    changed, rows``; ``statistics``: ``statistic, mean, std, per_seed``.
    """

    seeds: list[int]
    edges: pd.DataFrame
    agreement: pd.DataFrame
    top: pd.DataFrame
    churn: pd.DataFrame
    statistics: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by file stem, as ``python -m gatviz analyze --seeds K`` writes them."""
        return {
            "seed_edges": self.edges,
            "seed_agreement": self.agreement,
            "seed_top_neighbour": self.top,
            "seed_churn": self.churn,
            "seed_statistics": self.statistics,
        }

    def summary(self) -> dict:
        """JSON-ready headline numbers (NaN becomes None)."""

        def number(value) -> float | None:
            value = float(value)
            return None if math.isnan(value) else value

        layers = []
        for layer, rows in self.agreement.groupby("layer"):
            top = self.top[self.top["layer"] == layer]
            edges = self.edges[self.edges["layer"] == layer]
            layers.append(
                {
                    "layer": int(layer),
                    "spearman_mean": number(rows["spearman"].mean()),
                    "kendall_mean": number(rows["kendall"].mean()),
                    "same_top_share": number(top["same_top_share"].iloc[0]),
                    "unstable_edges_share": number(edges["unstable"].mean()),
                }
            )
        return {
            "seeds": self.seeds,
            "layers": layers,
            "churn_mean": number(self.churn["changed"].mean()) if len(self.churn) else None,
            "statistics": {
                row.statistic: {"mean": number(row.mean), "std": number(row.std)}
                for row in self.statistics.itertuples()
            },
        }


def _row_correlations(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spearman's rho and Kendall's tau-b of each row of ``x`` against the same row of ``y``
    (rows of equal length d), vectorised: rho is Pearson's r of the average ranks; tau-b is
    Σ sign(x_i − x_j) sign(y_i − y_j) over the pairs i < j, divided by the square root of the
    untied pairs in x times those in y. Shapes: (R, d), (R, d) -> (R,), (R,)."""
    rx, ry = average_ranks(x), average_ranks(y)
    rx, ry = rx - rx.mean(1, keepdims=True), ry - ry.mean(1, keepdims=True)
    rho = (rx * ry).sum(1) / np.sqrt((rx**2).sum(1) * (ry**2).sum(1))
    i, j = np.triu_indices(x.shape[1], k=1)
    sx, sy = np.sign(x[:, i] - x[:, j]), np.sign(y[:, i] - y[:, j])
    tau = (sx * sy).sum(1) / np.sqrt(np.abs(sx).sum(1) * np.abs(sy).sum(1))
    return rho, tau


def _node_correlations(
    first: Tensor, second: Tensor, target: Tensor, num_nodes: int
) -> tuple[float, float, int]:
    """Spearman's and Kendall's correlation of two α vectors over each node's incoming edges,
    averaged over the nodes with at least MIN_EDGES of them (and not constant in either),
    computed for all nodes of one in-degree at once."""
    order = torch.argsort(target, stable=True)
    counts = torch.bincount(target, minlength=num_nodes)
    starts = torch.cumsum(counts, 0) - counts
    a, b = first[order].double().numpy(), second[order].double().numpy()
    spearman, kendall = [], []
    for degree in torch.unique(counts[counts >= MIN_EDGES]).tolist():
        nodes = (counts == degree).nonzero().flatten()
        rows = (starts[nodes, None] + torch.arange(degree)).numpy()  # (R, d) edge positions
        x, y = a[rows], b[rows]
        varied = (np.ptp(x, axis=1) > 0) & (np.ptp(y, axis=1) > 0)
        if varied.any():
            rho, tau = _row_correlations(x[varied], y[varied])
            spearman.append(rho)
            kendall.append(tau)
    if not spearman:
        return math.nan, math.nan, 0
    rho, tau = np.concatenate(spearman), np.concatenate(kendall)
    return float(rho.mean()), float(tau.mean()), int(rho.size)


def _top_neighbour(alpha: Tensor, edge_index: Tensor, num_nodes: int) -> Tensor:
    """Each node's most-attended source (self-loops excluded; of equal α, the lowest id; -1 for
    a node with none). Reductions, not indexed writes: which of several writes to one index
    lands is not defined."""
    source, target = edge_index
    keep = source != target
    values, sources, targets = alpha[keep], source[keep], target[keep]
    best_alpha = torch.full((num_nodes,), -math.inf, dtype=values.dtype)
    best_alpha = best_alpha.scatter_reduce(0, targets, values, "amax")
    top = values == best_alpha[targets]
    none = torch.iinfo(torch.long).max
    best = torch.full((num_nodes,), none, dtype=torch.long)
    best = best.scatter_reduce(0, targets[top], sources[top], "amin")
    return torch.where(best == none, -1, best)


def seed_study(
    dataset: GraphDataset,
    model_config: ModelConfig | None = None,
    train_config: TrainConfig | None = None,
    seeds: int = 5,
    on_seed: Callable[[int, int], None] | None = None,
) -> SeedStudy:
    """Train ``seeds`` models that differ only in their seed (``train_config.seed`` and the
    next ``seeds − 1``) and measure how much their attention and predictions agree.

    Args:
        dataset (GraphDataset): the graph (or set of graphs) to train on.
        model_config (ModelConfig, optional): the model. (default: the reference GAT)
        train_config (TrainConfig, optional): the training; its seed is the first. (default)
        seeds (int): K, 2 to MAX_SEEDS. (default: 5)
        on_seed (callable, optional): called with (models done, K) after each model.
    """
    if not 2 <= seeds <= MAX_SEEDS:
        raise GatvizError(f"seeds must be between 2 and {MAX_SEEDS} (got {seeds})")
    model_config = model_config or ModelConfig(task=dataset.task)
    train_config = train_config or TrainConfig()
    seed_list = [train_config.seed + k for k in range(seeds)]
    n = dataset.num_nodes
    alphas: list[list[LayerAttention]] = []
    preds, rows = [], []
    for k, seed in enumerate(seed_list):
        result = train(dataset, model_config, replace(train_config, seed=seed, snapshots=0))
        attention = dataset_attention(result.model, dataset)
        alphas.append(attention)
        preds.append(predict(result.model, dataset)[0])
        knockout = uniform_knockout(result.model, dataset).set_index("split")
        kl = kl_by_head(node_divergence(attention, n)).groupby("layer")["kl_from_uniform_mean"]
        rows.append(
            {
                "test score": float(knockout.loc["test", "learned"]),
                "test score, uniform α": float(knockout.loc["test", "uniform"]),
                **{f"layer {layer} mean KL from uniform": v for layer, v in kl.mean().items()},
            }
        )
        if on_seed is not None:
            on_seed(k + 1, seeds)
    edges, agreement, top = [], [], []
    for layer in range(len(alphas[0])):
        edge_index = alphas[0][layer].edge_index
        if any(not torch.equal(a[layer].edge_index, edge_index) for a in alphas[1:]):
            raise GatvizError("the models attend over different edges; seeds must share a graph")
        per_seed = torch.stack([a[layer].alpha.mean(1) for a in alphas])  # (K, E)
        mean, std = per_seed.mean(0), per_seed.std(0, unbiased=True)
        cv = std / mean.clamp_min(1e-12)
        edges.append(
            pd.DataFrame(
                {
                    "layer": layer,
                    "source": edge_index[0].numpy(),
                    "target": edge_index[1].numpy(),
                    "alpha_mean": mean.numpy(),
                    "alpha_std": std.numpy(),
                    "cv": cv.numpy(),
                    "unstable": (cv >= UNSTABLE_CV).numpy(),
                }
            )
        )
        for i, j in itertools.combinations(range(seeds), 2):
            rho, tau, nodes = _node_correlations(per_seed[i], per_seed[j], edge_index[1], n)
            agreement.append(
                {"layer": layer, "seed_a": seed_list[i], "seed_b": seed_list[j],
                 "spearman": rho, "kendall": tau, "nodes": nodes}
            )  # fmt: skip
        tops = torch.stack([_top_neighbour(p, edge_index, n) for p in per_seed])  # (K, N)
        degree = torch.bincount(edge_index[1][edge_index[0] != edge_index[1]], minlength=n)
        chooses = degree >= 2  # a node with one neighbour always agrees
        same = (tops == tops[0]).all(0) & chooses
        top.append(
            {
                "layer": layer,
                "same_top_share": float(same.sum() / chooses.sum()) if chooses.any() else math.nan,
                "nodes": int(chooses.sum()),
            }
        )
    churn = [
        {
            "seed_a": seed_list[i],
            "seed_b": seed_list[j],
            "changed": float((preds[i] != preds[j]).double().mean()),
            "rows": int(preds[i].numel()),
        }
        for i, j in itertools.combinations(range(seeds), 2)
    ]
    per_seed_stats = pd.DataFrame(rows)
    statistics = pd.DataFrame(
        {
            "statistic": per_seed_stats.columns,
            "mean": per_seed_stats.mean().to_numpy(),
            "std": per_seed_stats.std(ddof=1).to_numpy(),
            "per_seed": [list(map(float, per_seed_stats[c])) for c in per_seed_stats.columns],
        }
    )
    return SeedStudy(
        seed_list,
        pd.concat(edges, ignore_index=True),
        pd.DataFrame(agreement),
        pd.DataFrame(top),
        pd.DataFrame(churn),
        statistics,
    )
