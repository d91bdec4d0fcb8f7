"""What a GAT predicts and how it is scored: one place for the three tasks.

* ``node``: one class per node (Cora, karate). Softmax, cross-entropy, accuracy.
* ``multilabel``: a 0/1 vector of labels per node (PPI's 121 gene ontology sets). Sigmoid per
  label, binary cross-entropy, micro-averaged F1 over every (node, label) pair, as the GAT paper
  reports PPI.
* ``graph``: one class per graph (MUTAG's molecules). The node embeddings are pooled into one
  vector per graph (:mod:`torch_geometric.nn.pool`); softmax, cross-entropy, accuracy.

The training loops, the knockout and the pages all score through these functions, so a metric is
computed one way everywhere.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from gatviz.errors import ConfigError

TASKS = ("node", "multilabel", "graph")
TASK_NAMES = {
    "node": "node classification",
    "multilabel": "multi-label node classification",
    "graph": "graph classification",
}
METRIC_NAMES = {"node": "accuracy", "multilabel": "micro-F1", "graph": "accuracy"}


def check_task(task: str) -> None:
    if task not in TASKS:
        allowed = "{" + ", ".join(repr(t) for t in TASKS) + "}"
        raise ConfigError(f"task must be one of {allowed} (got {task!r})")


def loss(task: str, logits: Tensor, y: Tensor) -> Tensor:
    """The training loss of ``logits`` against ``y`` (class ids, or 0/1 rows for multilabel).

    Shapes:
        logits: (M, C), y: (M,) or (M, C) -> ()
    """
    if task == "multilabel":
        return F.binary_cross_entropy_with_logits(logits, y.float())
    return F.cross_entropy(logits, y)


def probabilities(task: str, logits: Tensor) -> Tensor:
    """Per-label sigmoid for multilabel, softmax over classes otherwise. Shapes: (M, C)."""
    return logits.sigmoid() if task == "multilabel" else logits.softmax(dim=-1)


def predictions(task: str, prob: Tensor) -> Tensor:
    """Labels above 1/2 (multilabel, (M, C) of 0/1), else the most likely class ((M,))."""
    return (prob > 0.5).long() if task == "multilabel" else prob.argmax(dim=-1)


def micro_f1(pred: Tensor, y: Tensor) -> float:
    """F1 over every (node, label) pair: 2·TP / (2·TP + FP + FN); NaN with nothing to score."""
    pred, y = pred.bool(), y.bool()
    tp = (pred & y).sum().item()
    wrong = (pred ^ y).sum().item()
    return 2 * tp / (2 * tp + wrong) if tp + wrong else math.nan


def score(task: str, pred: Tensor, y: Tensor) -> float:
    """Accuracy (node, graph) or micro-F1 (multilabel) of ``pred`` on the rows given; NaN when
    there are none."""
    if y.size(0) == 0:
        return math.nan
    if task == "multilabel":
        return micro_f1(pred, y)
    return (pred == y).sum().item() / y.size(0)


def labelled(task: str, y: Tensor) -> Tensor:
    """Which rows of ``y`` carry a label (``-1`` marks none; multi-label rows always do)."""
    if task == "multilabel":
        return torch.ones(y.size(0), dtype=torch.bool, device=y.device)
    return y >= 0
