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

DELETION_STRATEGIES = ("most attended", "random", "least attended")


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


def uniform_knockout(model: GAT, dataset: GraphDataset) -> pd.DataFrame:
    """Accuracy per split with the learned α and with α forced uniform, and what changed.

    Returns:
        one row per split (``train, val, test``) and ``all nodes``, columns ``split, learned,
        uniform, changed`` (the fraction of that split's nodes whose prediction changes)
    """
    learned = _predict(model, dataset)
    with uniform_attention(model):
        uniform = _predict(model, dataset)
    rows = []
    for split in SPLITS:
        scored = dataset.score_rows(split)
        rows.append(
            {
                "split": split,
                "learned": _accuracy(learned, dataset, split),
                "uniform": _accuracy(uniform, dataset, split),
                "changed": _changed(learned[scored], uniform[scored]),
            }
        )
    rows.append(
        {
            "split": "all nodes",
            "learned": math.nan,
            "uniform": math.nan,
            "changed": _changed(learned, uniform),
        }
    )
    return pd.DataFrame(rows)


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
    is the mean of ``draws`` seeded draws.

    Returns:
        columns ``k, strategy, test_acc, changed``
    """
    if not 0 <= layer < len(attention):
        raise GatvizError(f"layer must be 0 to {len(attention) - 1} (got {layer})")
    edge_index, alpha = attention[layer]
    score = alpha.mean(1)
    intact = _predict(model, dataset, edge_index)
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for k in ks:
        for strategy in DELETION_STRATEGIES:
            if strategy == "random":
                scores = [torch.rand(score.shape, generator=generator) for _ in range(draws)]
            else:
                scores = [score if strategy == "most attended" else -score]
            results = []
            for s in scores if k > 0 else scores[:1]:
                pred = _predict(model, dataset, _without_ranked(edge_index, s, k))
                results.append((_accuracy(pred, dataset, "test"), _changed(pred, intact)))
            test_acc, changed = np.mean(results, axis=0)
            rows.append(
                {
                    "k": k,
                    "strategy": strategy,
                    "test_acc": float(test_acc),
                    "changed": float(changed),
                }
            )
    return pd.DataFrame(rows, columns=["k", "strategy", "test_acc", "changed"])
