"""A trained model as the pages hold it (:class:`ModelRecord`) and what is derived from it: its
predictions and α, computed once, and its record on one graph or one split of a set.

No streamlit here: a record is plain data, kept in session state by ``ui.state``.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Callable

import torch

from gatviz.attention import dataset_attention, neighbourhood_attention
from gatviz.config import ModelConfig, TrainConfig
from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from gatviz.limits import WHOLE_ATTENTION_EDGES
from gatviz.model import GAT, LayerAttention
from gatviz.tasks import METRIC_NAMES
from gatviz.training import EpochStats, Snapshot, predict
from gatviz.uncertainty import Interval, score_interval

LOCAL_VIEWS = 16  # neighbourhoods (or graphs of a set) whose α a model keeps (the latest first)


@dataclass
class ModelRecord:
    """A trained model with what the pages show of it, computed once."""

    name: str
    dataset_spec: tuple
    model: GAT
    train_config: TrainConfig
    metrics: dict
    history: list[EpochStats] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    snapshot_note: str = ""
    note: str = ""  # how training ended, when it was not the usual way
    attention: list[LayerAttention] = field(default_factory=list)
    pred: torch.Tensor | None = None
    prob: torch.Tensor | None = None
    source: str = "trained"  # 'trained' here, or CHECKPOINT (a file a link cannot carry)
    stopped: bool = False  # training was stopped before its last epoch
    # Analyses computed on demand, kept with the model: they live and die with this session.
    derived: dict = field(default_factory=dict)
    # Names the model's weights in caches shared by the server's sessions: fresh for every
    # model trained or loaded, the same for the copies of one model from the shared cache.
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def model_config(self) -> ModelConfig:
        return self.model.config

    @property
    def effective_train_config(self) -> TrainConfig:
        """The settings that rebuild these weights: a stopped run counts the epochs it ran."""
        ran = len(self.history)
        if self.stopped and 0 < ran < self.train_config.epochs:
            return replace(self.train_config, epochs=ran)
        return self.train_config

    def derive(self, key: tuple, compute: Callable):
        """``compute()`` the first time ``key`` is asked for, the stored value after that."""
        if key not in self.derived:
            self.derived[key] = compute()
        return self.derived[key]


def whole_attention(dataset: GraphDataset) -> bool:
    """Whether the app computes α for the whole graph (else around the node in view)."""
    return dataset.num_edges <= WHOLE_ATTENTION_EDGES


def prepare(record: ModelRecord, dataset: GraphDataset) -> None:
    """What the views need of a model, computed once: its predictions for every node and, on
    graphs up to WHOLE_ATTENTION_EDGES edges, every layer's α."""
    record.pred, record.prob = predict(record.model, dataset)
    record.attention = dataset_attention(record.model, dataset) if whole_attention(dataset) else []


def view_attention(
    record: ModelRecord, dataset: GraphDataset, node: int | None, hops: int
) -> list[LayerAttention]:
    """Every layer's α for a view: the whole graph's when the app keeps it, else α on the
    edges into the nodes within ``hops`` of ``node``, computed from their receptive field
    (exact) and kept for the latest LOCAL_VIEWS views."""
    if record.attention:
        return record.attention
    if node is None:
        raise GatvizError(
            f"{dataset.name} has {dataset.num_edges:,} edges, more than the "
            f"{WHOLE_ATTENTION_EDGES:,} whose attention the app computes at once; "
            "pick a node and view its neighbourhood"
        )
    views = record.derive(("views",), OrderedDict)
    key = (node, hops)
    if key not in views:
        local = neighbourhood_attention(record.model, dataset, node, hops)
        near = local.nodes[local.distance <= hops]
        inside = torch.zeros(dataset.num_nodes, dtype=torch.bool)
        inside[near] = True
        # Only the edges into the view's nodes: exact, and all that a view or its table uses.
        views[key] = [
            LayerAttention(edges[:, inside[edges[1]]], alpha[inside[edges[1]]])
            for edges, alpha in local.attention
        ]
        while len(views) > LOCAL_VIEWS:
            views.popitem(last=False)
    views.move_to_end(key)
    return views[key]


def record_bytes(record: ModelRecord) -> int:
    """Memory held by a model's tensors: weights, α (with its snapshots) and predictions."""
    tensors = list(record.model.state_dict().values()) + [record.pred, record.prob]
    for layers in [record.attention] + [snapshot.attention for snapshot in record.snapshots]:
        for layer in layers:
            tensors += [layer.edge_index, layer.alpha]
    storages = {}
    for tensor in tensors:
        if tensor is not None:
            storage = tensor.untyped_storage()
            storages[storage.data_ptr()] = storage.nbytes()
    return sum(storages.values())


def graph_record(
    record: ModelRecord, dataset: GraphDataset, g: int
) -> tuple[GraphDataset, ModelRecord]:
    """Graph ``g`` of a set of many graphs alone, and the model's record on it: its own α
    (computed on the graph alone, which equals its part of the whole set's), node predictions
    (node tasks) or the graph's prediction (graph task), kept with the model. The views then
    treat the graph as any single graph."""
    if dataset.num_graphs == 1:
        return dataset, record
    graphs = record.derive(("graphs",), OrderedDict)  # the latest LOCAL_VIEWS graphs viewed
    if g not in graphs:
        graphs[g] = _part(record, dataset, dataset.graph(g), torch.tensor([g]), f"g{g}")
        while len(graphs) > LOCAL_VIEWS:
            graphs.popitem(last=False)
    graphs.move_to_end(g)
    return graphs[g]


def split_record(
    record: ModelRecord, dataset: GraphDataset, split: str
) -> tuple[GraphDataset, ModelRecord]:
    """The graphs of ``split`` ('train', 'val', 'test' or 'all') of a set, and the model's
    record on them, as :func:`graph_record` does for one graph."""
    if dataset.num_graphs == 1 or split == "all":
        return dataset, record
    graphs = dataset.split_graphs(split)
    return record.derive(
        ("split", split),
        lambda: _part(
            record,
            dataset,
            dataset.subset(graphs, f"{dataset.name} ({split} graphs)"),
            graphs,
            split,
        ),
    )


def _part(
    record: ModelRecord, dataset: GraphDataset, part: GraphDataset, graphs: torch.Tensor, tag: str
) -> tuple[GraphDataset, ModelRecord]:
    nodes = dataset.nodes_of(graphs)
    rows = graphs if dataset.task == "graph" else nodes
    new_id = torch.full((dataset.num_nodes,), -1, dtype=torch.long)
    new_id[nodes] = torch.arange(nodes.numel())

    def cut(layers: list[LayerAttention]) -> list[LayerAttention]:
        """The part's edges of α taken on the whole set, in the part's node ids."""
        kept = [new_id[edges[1]] >= 0 for edges, _ in layers]
        return [
            LayerAttention(new_id[edges[:, keep]], alpha[keep])
            for (edges, alpha), keep in zip(layers, kept)
        ]

    view = replace(
        record,
        pred=record.pred[rows],
        prob=record.prob[rows],
        attention=dataset_attention(record.model, part) if whole_attention(part) else [],
        derived={},
        uid=f"{record.uid}-{tag}",
        snapshots=[Snapshot(s.epoch, cut(s.attention)) for s in record.snapshots],
    )
    return part, view


def split_score(record: ModelRecord, dataset: GraphDataset, split: str) -> Interval:
    """The model's score on ``split`` with its 95 % interval (gatviz.uncertainty), kept with
    the model: micro-F1's bootstrap takes a moment on PPI."""

    def compute() -> Interval:
        rows = dataset.score_rows(split)
        return score_interval(dataset.task, record.pred[rows], dataset.targets[rows])

    return record.derive(("score", split), compute)


def metric_name(dataset: GraphDataset) -> str:
    """What the scores of a model on ``dataset`` measure: accuracy or micro-F1."""
    return METRIC_NAMES[dataset.task]
