"""What the graph adds: an MLP on each node's own features, trained and scored like the GAT.

A GAT that beats this MLP uses its neighbours; one that does not may only be reading the
features. The MLP has the GAT's hidden width and depth, the same optimiser settings, seed and
early stopping on the same validation rows, and is scored on the same test rows with the task's
metric (:mod:`gatviz.tasks`). For a graph task its node outputs are pooled per graph like the
GAT's readout.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from gatviz import tasks
from gatviz.config import ModelConfig, TrainConfig
from gatviz.datasets import GraphDataset
from gatviz.model import ACTIVATIONS, POOLING


class MLP(nn.Module):
    """``layers`` linear layers of ``hidden × heads`` units, the GAT's widths without edges."""

    def __init__(self, features: int, classes: int, config: ModelConfig):
        super().__init__()
        width = config.hidden * config.heads
        sizes = [features] + [width] * (config.layers - 1) + [classes]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.config = config

    def forward(self, x: torch.Tensor, batch: torch.Tensor) -> torch.Tensor:
        act = ACTIVATIONS[self.config.activation]
        for i, linear in enumerate(self.linears):
            x = nn.functional.dropout(x, self.config.dropout, self.training)
            x = linear(x)
            if i < len(self.linears) - 1:
                x = act(x)
        if self.config.task == "graph":
            x = POOLING[self.config.pool](x, batch)
        return x


def mlp_baseline(
    dataset: GraphDataset, model_config: ModelConfig, train_config: TrainConfig
) -> dict[str, float]:
    """Train the MLP on the training rows (full batch) and score every split.

    Returns:
        ``{"train": score, "val": score, "test": score}`` of the epoch with the best
        validation score (the last epoch without validation rows)
    """
    torch.manual_seed(train_config.seed)
    task = dataset.task
    model = MLP(dataset.num_features, dataset.num_classes, model_config)
    optimizer = torch.optim.Adam(
        model.parameters(), lr=train_config.lr, weight_decay=train_config.weight_decay
    )
    x, y, batch = dataset.data.x.float(), dataset.targets, dataset.batch
    rows = {split: dataset.score_rows(split) for split in ("train", "val", "test")}
    best, best_scores, waited = None, {}, 0
    for epoch in range(1, train_config.epochs + 1):
        model.train()
        optimizer.zero_grad()
        loss = tasks.loss(task, model(x, batch)[rows["train"]], y[rows["train"]])
        loss.backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            logits = model(x, batch)
        pred = tasks.predictions(task, tasks.probabilities(task, logits))
        scores = {split: tasks.score(task, pred[r], y[r]) for split, r in rows.items()}
        key = scores["val"] if rows["val"].numel() and not math.isnan(scores["val"]) else epoch
        if best is None or key > best:
            best, best_scores, waited = key, scores, 0
        else:
            waited += 1
        if train_config.patience and waited >= train_config.patience:
            break
    return best_scores
