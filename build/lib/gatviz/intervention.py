"""Does the attention matter to the predictions? Rerun the trained model with it changed.

Attention weights can look meaningful and still not be what the model relies on ("attention is
not explanation"). Two interventions test that directly, with the trained weights unchanged:

* :func:`uniform_knockout`: every layer's α forced to the uniform 1/|N(i)|, a mean aggregator.
  If accuracy barely moves, the learned attention was not needed.
* :func:`deletion_curves`: remove each node's k most-attended incoming edges, k random ones or
  the k least-attended, and see how much more the first hurts (a faithfulness test).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import pandas as pd
import torch
from torch import Tensor
from torch_geometric.nn.conv import MessagePassing

from gatviz import tasks
from gatviz.attention import attended_count, rank_within_target
from gatviz.datasets import SPLITS, GraphDataset
from gatviz.errors import GatvizError
from gatviz.model import GAT, LayerAttention
from gatviz.training import predict
from gatviz.uncertainty import paired_change

DELETION_STRATEGIES = ("most attended", "random", "least attended")
DELETION_COLUMNS = [
    "k", "strategy", "test_acc", "changed", "difference", "difference_low", "difference_high",
    "p_value", "n",
]  # fmt: skip


def _uniform_alpha(conv, inputs, alpha: Tensor) -> Tensor:
    """An ``edge_update`` hook that replaces α by 1/|N(i)| for every head."""
    edge_index = inputs[0]
    count = attended_count(edge_index, 0)
    return (1.0 / count[edge_index[1]].to(alpha.dtype)).unsqueeze(1).expand_as(alpha)


@contextmanager
def uniform_attention(model: GAT) -> Iterator[GAT]:
    """Within the block, every layer of ``model`` attends uniformly: α_ij = 1/|N(i)|.

    Everything else (weights, biases, residuals, activations) is the trained model's. For GAT v1
    this equals zeroing the attention vectors a_src and a_dst (then every e_ij is 0).
    """
    convs: list[MessagePassing] = list(model.convs)  # PyG layers, each a MessagePassing
    handles = [conv.register_edge_update_forward_hook(_uniform_alpha) for conv in convs]
    try:
        yield model
    finally:
        for handle in handles:
            handle.remove()


def _predict(model: GAT, dataset: GraphDataset, edge_index: Tensor | None = None) -> Tensor:
    return predict(model, dataset, edge_index)[0]


def _accuracy(pred: Tensor, dataset: GraphDataset, split: str) -> float:
    """The task's score of ``split`` (accuracy, or micro-F1 for multi-label tasks)."""
    rows = dataset.score_rows(split)
    return tasks.score(dataset.task, pred[rows], dataset.targets[rows])


def _changed(first: Tensor, second: Tensor) -> float:
    """The fraction of predictions (per node, graph or node and label) that differ."""
    return float((first != second).double().mean()) if first.numel() else math.nan


KNOCKOUT_COLUMNS = [
    "split", "learned", "learned_low", "learned_high", "uniform", "uniform_low", "uniform_high",
    "difference", "difference_low", "difference_high", "p_value", "n", "changed",
]  # fmt: skip


def _change_row(task: str, before: Tensor, after: Tensor, y: Tensor) -> dict:
    """Both scores with their 95 % intervals, ``after − before`` with its interval, the exact
    McNemar p-value and the rows scored (gatviz.uncertainty)."""
    change = paired_change(task, before, after, y)
    return {
        "learned": change.before.estimate,
        "learned_low": change.before.low,
        "learned_high": change.before.high,
        "uniform": change.after.estimate,
        "uniform_low": change.after.low,
        "uniform_high": change.after.high,
        "difference": change.difference.estimate,
        "difference_low": change.difference.low,
        "difference_high": change.difference.high,
        "p_value": change.p_value,
        "n": change.before.n,
    }


def uniform_knockout(model: GAT, dataset: GraphDataset) -> pd.DataFrame:
    """The score per split with the learned α and with α forced uniform, what changed, and how
    sure that is.

    Returns:
        one row per split (``train, val, test``) and ``all nodes``, columns
        ``split, learned, learned_low, learned_high, uniform, uniform_low, uniform_high,
        difference, difference_low, difference_high, p_value, n, changed``: each score with its
        95 % interval (Wilson; a bootstrap for micro-F1), the change ``uniform − learned`` with
        its paired interval and exact McNemar p-value, the rows scored, and the fraction of
        them whose prediction changes (``all nodes``: of every node, with no score)
    """
    learned = _predict(model, dataset)
    with uniform_attention(model):
        uniform = _predict(model, dataset)
    rows = []
    for split in SPLITS:
        scored = dataset.score_rows(split)
        y = dataset.targets[scored]
        rows.append(
            {
                "split": split,
                **_change_row(dataset.task, learned[scored], uniform[scored], y),
                "changed": _changed(learned[scored], uniform[scored]),
            }
        )
    every = dict.fromkeys(KNOCKOUT_COLUMNS[1:-2], math.nan)
    rows.append(
        {"split": "all nodes", **every, "n": len(learned), "changed": _changed(learned, uniform)}
    )
    return pd.DataFrame(rows, columns=KNOCKOUT_COLUMNS)


def _without_ranked(edge_index: Tensor, score: Tensor, k: int) -> Tensor:
    """``edge_index`` without each target's ``k`` highest-scoring edges; self-loops are kept."""
    candidates = (edge_index[0] != edge_index[1]).nonzero().flatten()
    ordered, rank = rank_within_target(candidates, edge_index[1], score)
    keep = torch.ones(edge_index.size(1), dtype=torch.bool)
    keep[ordered[rank < k]] = False
    return edge_index[:, keep]


def deletion_curves(
    model: GAT,
    dataset: GraphDataset,
    attention: list[LayerAttention],
    layer: int = 0,
    ks: range = range(6),
    draws: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Test accuracy after removing each node's k most-attended, k random or k least-attended
    incoming edges (self-loops kept), for every k in ``ks``.

    Attention is the chosen layer's, averaged over its heads; the edges are removed from the
    graph, so every layer of the model then attends over what remains. ``changed`` is the
    fraction of all nodes whose prediction differs from the intact graph's; the random strategy
    is the mean of ``draws`` seeded draws. Each row also compares its test predictions with
    the intact graph's (its first draw, for random): the change in test score with its paired
    95 % interval and exact McNemar p-value (gatviz.uncertainty), on ``n`` test rows.

    Returns:
        columns ``k, strategy, test_acc, changed, difference, difference_low, difference_high,
        p_value, n``
    """
    if not 0 <= layer < len(attention):
        raise GatvizError(f"layer must be 0 to {len(attention) - 1} (got {layer})")
    edge_index, alpha = attention[layer]
    score = alpha.mean(1)
    intact = _predict(model, dataset, edge_index)
    test = dataset.score_rows("test")
    y = dataset.targets[test]
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for k in ks:
        for strategy in DELETION_STRATEGIES:
            if strategy == "random":
                scores = [torch.rand(score.shape, generator=generator) for _ in range(draws)]
            else:
                scores = [score if strategy == "most attended" else -score]
            predictions = [
                _predict(model, dataset, _without_ranked(edge_index, s, k))
                for s in (scores if k > 0 else scores[:1])
            ]
            measured = [(_accuracy(p, dataset, "test"), _changed(p, intact)) for p in predictions]
            test_acc, changed = np.mean(measured, axis=0)
            change = paired_change(dataset.task, intact[test], predictions[0][test], y)
            rows.append(
                {
                    "k": k,
                    "strategy": strategy,
                    "test_acc": float(test_acc),
                    "changed": float(changed),
                    "difference": change.difference.estimate,
                    "difference_low": change.difference.low,
                    "difference_high": change.difference.high,
                    "p_value": change.p_value,
                    "n": change.difference.n,
                }
            )
    return pd.DataFrame(rows, columns=DELETION_COLUMNS)
