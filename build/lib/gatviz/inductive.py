"""Training a GAT on a set of graphs: batches of whole training graphs, scored on unseen graphs.

The inductive setting of the GAT paper (PPI): the model learns from the training graphs only,
stops early on the validation graphs and is scored on test graphs it never saw. Each step takes
``TrainConfig.graph_batch`` shuffled training graphs as one disjoint graph with a ``batch``
vector, through PyG's ``torch_geometric.loader.DataLoader``. The same loop trains the three
tasks of :mod:`gatviz.tasks`: node labels (a single class or a multi-label vector) on the
labelled nodes of each batch, or one class per graph from a pooled readout.

Every epoch evaluates the whole set in one pass (a GAT's output on the disjoint union equals its
output on each graph) and reports each split's score; the weights kept are those of the best
validation score, ties to the lower validation loss, as in :func:`gatviz.training.train`.
"""

from __future__ import annotations

import math
from typing import Iterator

import torch
from torch import Tensor
from torch_geometric.loader import DataLoader

from gatviz import tasks
from gatviz.config import ModelConfig, TrainConfig
from gatviz.datasets import SPLITS, GraphDataset
from gatviz.errors import ConfigError
from gatviz.graphset import graph_list
from gatviz.model import GAT
from gatviz.training import (
    BestEpoch,
    EpochCallback,
    EpochStats,
    Snapshot,
    TrainResult,
    _cpu,
    _snapshot_epochs,
    model_input,
    resolve_device,
)


def evaluate(model: GAT, dataset: GraphDataset, logits: Tensor) -> dict[str, tuple[float, float]]:
    """(loss, score) of every split from the model's output on the whole set."""
    task, y = dataset.task, dataset.targets.to(logits.device)
    pred = tasks.predictions(task, tasks.probabilities(task, logits))
    out = {}
    for split in SPLITS:
        rows = dataset.score_rows(split).to(logits.device)
        loss = tasks.loss(task, logits[rows], y[rows]).item() if rows.numel() else math.nan
        out[split] = (loss, tasks.score(task, pred[rows], y[rows]))
    return out


SET_CHUNK_EDGES = 25_000  # edges of the graphs evaluated together (fastest here: 10-50 k)


def graph_chunks(
    dataset: GraphDataset, max_edges: int = SET_CHUNK_EDGES
) -> Iterator[tuple[slice, slice, Tensor]]:
    """Runs of whole graphs with about ``max_edges`` edges together: (their nodes, their graphs,
    their edges in the run's own node ids). A GAT's output on each run is its output on the
    union there."""
    ptr, edge_index = dataset.graph_ptr, dataset.data.edge_index
    graph_of_edge = dataset.batch[edge_index[1]]
    order = torch.argsort(graph_of_edge, stable=True)
    edge_ptr = torch.zeros(dataset.num_graphs + 1, dtype=torch.long)
    edge_ptr[1:] = torch.bincount(graph_of_edge, minlength=dataset.num_graphs).cumsum(0)
    marks = torch.arange(0, int(edge_ptr[-1]) + 1, max(max_edges, 1))
    starts = torch.unique(
        torch.cat(
            [
                torch.searchsorted(edge_ptr, marks, right=True) - 1,
                torch.tensor([0, dataset.num_graphs]),
            ]
        ).clamp(0, dataset.num_graphs)
    ).tolist()
    for a, b in zip(starts[:-1], starts[1:]):
        nodes = slice(int(ptr[a]), int(ptr[b]))
        edges = edge_index[:, order[edge_ptr[a] : edge_ptr[b]]] - nodes.start
        yield nodes, slice(a, b), edges


@torch.inference_mode()
def set_logits(model: GAT, dataset: GraphDataset, device: torch.device) -> Tensor:
    """The model's output on every graph of a set, a run of graphs at a time
    (:func:`graph_chunks`): the same numbers as one pass over the union, several times faster
    on a big set (the whole pass holds every edge's messages at once: 15 s against 1-2 s for
    the 32,000 graphs of DictionaryLookup)."""
    model.eval()
    outs = []
    for nodes, graphs, edges in graph_chunks(dataset):
        batch = (dataset.batch[nodes] - graphs.start).to(device)
        outs.append(
            model(model_input(dataset.data.x[nodes], device), edges.to(device), batch=batch)
        )
    return torch.cat(outs)


@torch.inference_mode()
def whole_set_logits(
    model: GAT,
    dataset: GraphDataset,
    x: Tensor,
    edge_index: Tensor,
    batch: Tensor,
    return_attention: bool = False,
):
    """The model's output on every graph of the set (run by run when α is not needed)."""
    model.eval()
    if not return_attention:
        return set_logits(model, dataset, x.device)
    return model(x, edge_index, return_attention=return_attention, batch=batch)


def train_on_graphs(
    dataset: GraphDataset,
    model_config: ModelConfig,
    train_config: TrainConfig,
    on_epoch: EpochCallback | None = None,
) -> TrainResult:
    """Train on the training graphs of ``dataset`` in batches of whole graphs.

    Args and result as :func:`gatviz.training.train`, which calls this for every set of more
    than one graph and for every multi-label or graph task.
    """
    train_graphs = dataset.split_graphs("train")
    if train_graphs.numel() == 0:
        raise ConfigError(
            f"{dataset.name} has no training graphs; give some graphs the split 'train'"
        )
    device = resolve_device(train_config.device)
    torch.manual_seed(train_config.seed)
    model = GAT(dataset.num_features, dataset.num_classes, model_config).to(device)
    optimizer = torch.optim.Adam(
        model.parameters(), lr=train_config.lr, weight_decay=train_config.weight_decay, fused=True
    )
    task = model_config.task
    loader = DataLoader(
        graph_list(dataset, train_graphs),
        batch_size=train_config.graph_batch,
        shuffle=True,
        generator=torch.Generator().manual_seed(train_config.seed),
    )
    data = dataset.data
    x, edge_index = model_input(data.x, device), data.edge_index.to(device)
    batch_all = dataset.batch.to(device)
    has_val = dataset.score_rows("val").numel() > 0

    result = TrainResult(model)
    snapshot_epochs = _snapshot_epochs(model, edge_index, dataset.num_nodes, train_config, result)
    if 0 in snapshot_epochs:
        _, attention = whole_set_logits(model, dataset, x, edge_index, batch_all, True)
        result.snapshots.append(Snapshot(0, _cpu(attention)))
    keeper = BestEpoch(train_config, has_val)
    for epoch in range(1, train_config.epochs + 1):
        model.train()
        total, count = 0.0, 0
        for batch in loader:
            batch = batch.to(device)
            logits = model(model_input(batch.x, device), batch.edge_index, batch=batch.batch)
            target = batch.target
            if task != "graph":  # the labelled nodes of the batch (a lookup's queries, say)
                logits, target = logits[batch.labelled], target[batch.labelled]
            if target.size(0) == 0:
                continue
            step_loss = tasks.loss(task, logits, target)
            optimizer.zero_grad()
            step_loss.backward()
            optimizer.step()
            total += step_loss.item() * target.size(0)
            count += target.size(0)

        if epoch in snapshot_epochs:
            logits, attention = whole_set_logits(model, dataset, x, edge_index, batch_all, True)
            result.snapshots.append(Snapshot(epoch, _cpu(attention)))
        else:
            logits = whole_set_logits(model, dataset, x, edge_index, batch_all)
        scores = evaluate(model, dataset, logits)
        stats = EpochStats(
            epoch,
            total / max(count, 1),
            scores["val"][0],
            scores["train"][1],
            scores["val"][1],
            scores["test"][1],
        )
        if not keeper.keep(stats, model, result, on_epoch):
            break
    keeper.finish(model)
    return result
