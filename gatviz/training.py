"""Training and evaluation of a :class:`~gatviz.model.GAT` on a :class:`GraphDataset`.

Full-batch, as in PyG's ``examples/gat.py``: Adam, cross-entropy on the training nodes, one
evaluation of all splits per epoch. Early stopping keeps the weights of the epoch with the best
validation accuracy (ties go to the lower validation loss), and the test accuracy reported is that
epoch's, which is how the GAT paper and the PyG example report it.

Speed: see :mod:`gatviz.kernels`; mostly-zero feature matrices are kept in CSR.

Graphs too big for a full-batch step train in mini-batches (``TrainConfig.batch_size``): each step
takes a batch of training nodes and their sampled L-hop neighbourhood
(:func:`gatviz.neighbourhood.sample_subgraph`, up to ``fanout`` incoming edges per node and layer,
as PyG's ``NeighborLoader`` samples; PyG's own loader needs pyg-lib or torch-sparse, which do not
install from PyPI on every machine). With ``fanout=0`` a batch's loss and gradients are exactly
the full graph's for those nodes. Evaluation runs on the whole graph, layer by layer and a chunk
of target nodes at a time (:func:`chunked_logits`), so that its memory follows the chunk.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from gatviz import layerwise, tasks
from gatviz.config import ModelConfig, TrainConfig
from gatviz.datasets import GraphDataset
from gatviz.distributed import World, agree, epoch_order, mean_over_ranks, rank_batches
from gatviz.errors import ConfigError, TrainingError
from gatviz.kernels import sparse_features
from gatviz.model import ACTIVATIONS, GAT, LayerAttention, loops_in_place
from gatviz.neighbourhood import hop_counts, sample_subgraph

SPARSE_DENSITY = 0.25  # below this fraction of non-zeros, features are stored sparse
SPARSE_MIN_FEATURES = 64  # with fewer features a dense matrix product is faster (atom types)
MAX_SNAPSHOT_VALUES = 25_000_000  # α values kept over all snapshots (100 MB of float32)
CHUNK_EDGES = 1_000_000  # incoming edges per chunk of targets in chunked inference


@dataclass
class EpochStats:
    """What one epoch measured; the ``*_acc`` scores are the task's metric (accuracy, or micro-F1
    for multi-label tasks, :mod:`gatviz.tasks`) and NaN for an empty split."""

    epoch: int
    train_loss: float
    val_loss: float
    train_acc: float
    val_acc: float
    test_acc: float


@dataclass
class Snapshot:
    """Every layer's α after ``epoch`` epochs (0 = the untrained model), in eval mode."""

    epoch: int
    attention: list[LayerAttention]


@dataclass
class TrainResult:
    """A trained model (best weights restored), its history and final metrics.

    ``snapshots`` hold α at evenly spaced epochs (see ``TrainConfig.snapshots``); where the graph
    is too big to keep them, there are none and ``snapshot_note`` says why.
    """

    model: GAT
    history: list[EpochStats] = field(default_factory=list)
    best_epoch: int = 0
    snapshots: list[Snapshot] = field(default_factory=list)
    snapshot_note: str = ""

    @property
    def metrics(self) -> dict[str, float]:
        best = self.history[self.best_epoch - 1]
        return {
            "best_epoch": self.best_epoch,
            "epochs_run": len(self.history),
            **{k: v for k, v in asdict(best).items() if k != "epoch"},
        }


EpochCallback = Callable[[EpochStats], Optional[bool]]


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was asked for but no GPU is visible; use 'auto' or 'cpu'")
    return torch.device(name)


# A dataset's whole feature matrix, converted once: every pass over Cora (training, α, the
# analyses, the seed study) converted its 15.5 MB again, each conversion ~30 MB at its peak.
# By the tensor's id, with a weak reference that drops the copy when the tensor goes (a
# WeakKeyDictionary would compare tensors with ==). Cuts and batches (new tensors each time)
# are small and not kept.
_CONVERTED: dict[int, tuple[weakref.ref, Tensor]] = {}
KEEP_CONVERTED_ELEMENTS = 1_000_000  # feature matrices at least this big keep their CSR copy


def model_input(x: Tensor, device: torch.device) -> Tensor:
    """The feature matrix as the model should get it: CSR (:func:`sparse_features`) when mostly
    zeros and wide, dense otherwise. A big matrix's CSR copy is made once and kept while the
    matrix lives (features are never changed in place)."""
    x = x.to(device)
    kept = _CONVERTED.get(id(x))
    if kept is not None and kept[0]() is x:
        return kept[1]
    if (
        x.numel()
        and x.size(1) >= SPARSE_MIN_FEATURES
        and (x != 0).sum().item() < SPARSE_DENSITY * x.numel()
    ):
        converted = sparse_features(x)
        if x.numel() >= KEEP_CONVERTED_ELEMENTS:
            key = id(x)
            _CONVERTED[key] = (weakref.ref(x, lambda _: _CONVERTED.pop(key, None)), converted)
        return converted
    return x


def _accuracy(pred: Tensor, y: Tensor, index: Tensor) -> float:
    return (pred[index] == y[index]).sum().item() / index.numel() if index.numel() else math.nan


def _loss(logits: Tensor, y: Tensor, index: Tensor) -> float:
    return F.cross_entropy(logits[index], y[index]).item() if index.numel() else math.nan


@torch.no_grad()
def predict(
    model: GAT, dataset: GraphDataset, edge_index: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """Predictions and probabilities of what the task predicts, in eval mode (on the CPU), on
    the dataset's edges or on ``edge_index`` in their place; on a graph of more than CHUNK_EDGES
    edges, chunk by chunk (:func:`chunked_logits`).

    Shapes:
        node task: pred (N,), prob (N, C); multilabel: pred (N, L) of 0/1, prob (N, L);
        graph task: pred (G,), prob (G, C)
    """
    model.eval()
    device = next(model.parameters()).device
    if edge_index is None and dataset.num_graphs > 1:  # run by run of whole graphs
        from gatviz.inductive import set_logits

        logits = set_logits(model, dataset, device)
    elif edge_index is None and dataset.num_edges > CHUNK_EDGES:
        logits = chunked_logits(model, dataset, device)
    else:
        edges = dataset.data.edge_index if edge_index is None else edge_index
        logits = model(
            model_input(dataset.data.x, device), edges.to(device), batch=dataset.batch.to(device)
        )
    prob = tasks.probabilities(model.config.task, logits).cpu()
    return tasks.predictions(model.config.task, prob), prob


@torch.no_grad()
def chunked_logits(
    model: GAT, dataset: GraphDataset, device: torch.device, chunk_edges: int = CHUNK_EDGES
) -> Tensor:
    """The model's logits for every node, in eval mode, layer by layer and for a chunk of
    target nodes at a time, so that memory follows the chunk rather than the graph.

    The whole-graph forward holds every edge's α, messages and aggregation layout at once (13 GB
    at 20 million edges); here each layer projects every node once (:mod:`gatviz.layerwise`)
    and then attends and sums for targets whose incoming edges add up to about
    ``chunk_edges`` at a time (a layer that module does not take runs its own ``forward`` on the
    chunk's in-neighbours' inputs). Same numbers as ``model(x, edge_index)``.

    Shapes:
        -> (N, num_classes) on the CPU; (G, num_classes) for the graph task
    """
    was_training = model.training
    model.eval()
    try:
        index, n, data = dataset.in_edges, dataset.num_nodes, dataset.data
        loops = model.config.self_loops
        # Chunk boundaries: target ranges [starts[k], starts[k + 1]) of about chunk_edges edges.
        marks = torch.arange(0, int(index.ptr[-1]) + 1, max(chunk_edges, 1))
        starts = torch.unique(
            torch.cat(
                [torch.searchsorted(index.ptr, marks, right=True) - 1, torch.tensor([0, n])]
            ).clamp(0, n)
        )
        act = ACTIVATIONS[model.config.activation]
        h = data.x
        local = torch.empty(n, dtype=torch.long)  # dataset id -> the chunk's source position
        for layer, conv in enumerate(model.convs):
            # Every node projected once for the whole layer, where gatviz.layerwise takes it.
            projected = None
            if layerwise.supports(conv):
                projected = layerwise.project(
                    conv, model_input(h, device) if layer == 0 else h.to(device)
                )
            chunks = []
            for a, b in zip(starts[:-1].tolist(), starts[1:].tolist()):
                source = index.source[index.ptr[a] : index.ptr[b]]
                target = torch.repeat_interleave(
                    torch.arange(a, b), index.ptr[a + 1 : b + 1] - index.ptr[a:b]
                )
                edges = torch.stack([source, target])
                if loops:  # as with_self_loops: existing loops out, one per node
                    edges = loops_in_place(edges, b - a, first=a)
                if projected is not None:
                    edges = torch.stack([edges[0], edges[1] - a]).to(device)
                    out = layerwise.chunk_output(projected, edges, a, b - a)
                else:
                    out = _chunk_from_inputs(conv, h, edges, a, b, layer == 0, local, device)
                chunks.append((out if layer == len(model.convs) - 1 else act(out)).cpu())
            h = torch.cat(chunks)
        if model.skip is not None:
            for a, b in zip(starts[:-1].tolist(), starts[1:].tolist()):
                skip = model.skip(model_input(data.x[a:b], device))
                h[a:b] += (skip.to_dense() if skip.layout != torch.strided else skip).cpu()
        return model.read_out(h.to(device), dataset.batch.to(device)).cpu()
    finally:
        model.train(was_training)


def _chunk_from_inputs(
    conv: torch.nn.Module,
    h: Tensor,
    edges: Tensor,
    a: int,
    b: int,
    first_layer: bool,
    local: Tensor,
    device: torch.device,
) -> Tensor:
    """``conv``'s output for the targets ``a .. b - 1`` by its own ``forward``, on their
    in-neighbours' inputs gathered from ``h`` (for layers :mod:`gatviz.layerwise` does not
    take). ``edges`` name dataset ids; ``local`` is scratch space of one entry per node."""
    # The chunk's sources in id order: a mask over the nodes, not a sort.
    mask = torch.zeros(h.size(0), dtype=torch.bool)
    mask[edges[0]] = True
    needed = mask.nonzero().view(-1)
    local[needed] = torch.arange(needed.numel())
    x_source, x_target = h[needed], h[a:b]
    if first_layer:
        x_source, x_target = model_input(x_source, device), model_input(x_target, device)
    else:
        x_source, x_target = x_source.to(device), x_target.to(device)
    edges = torch.stack([local[edges[0]], edges[1] - a]).to(device)
    return conv((x_source, x_target), edges)  # sizes from the two inputs


def train(
    dataset: GraphDataset,
    model_config: ModelConfig | None = None,
    train_config: TrainConfig | None = None,
    on_epoch: EpochCallback | None = None,
    world: World | None = None,
) -> TrainResult:
    """Train a GAT on ``dataset``'s training nodes.

    Args:
        dataset (GraphDataset): the graph, with labels and split masks.
        model_config (ModelConfig): the architecture. (default: ``ModelConfig()``)
        train_config (TrainConfig): optimiser, epochs, patience, seed. (default: ``TrainConfig()``)
        on_epoch (callable): called with each epoch's :class:`EpochStats`; returning ``False``
            stops training after that epoch. (default: None)
        world (World, optional): this process's rank in a data-parallel job whose process
            group is started (:mod:`gatviz.distributed`); mini-batches only. Only rank 0
            evaluates and holds the result's history and best weights. (default: one process)
    """
    world = world or World()
    if world.size > 1 and not (train_config and train_config.batch_size):
        raise ConfigError(
            "data-parallel training splits the seed nodes into batches across the ranks: "
            "give a batch size (--batch-size)"
        )
    model_config = model_config or ModelConfig(task=dataset.task)
    train_config = train_config or TrainConfig()
    data = dataset.data
    check_task_fits(model_config, dataset)
    if not dataset.has_labels or not bool(data.train_mask.any()):
        raise ConfigError(
            f"{dataset.name} has no labelled training nodes, so a GAT cannot be "
            "trained on it; add labels or load a checkpoint trained elsewhere"
        )
    if dataset.num_graphs > 1 or dataset.task != "node":
        if world.size > 1:
            raise ConfigError(
                "data-parallel training is for one graph's nodes (node classification); "
                f"{dataset.name} is a set of graphs or a graph task: train it in one process"
            )
        from gatviz.inductive import train_on_graphs

        return train_on_graphs(dataset, model_config, train_config, on_epoch)
    device = resolve_device(train_config.device)
    torch.manual_seed(train_config.seed)
    model = GAT(dataset.num_features, dataset.num_classes, model_config).to(device)
    # The fused Adam kernel updates all parameters in one pass (about half the time on CPU).
    optimizer = torch.optim.Adam(
        model.parameters(), lr=train_config.lr, weight_decay=train_config.weight_decay, fused=True
    )
    x, edge_index = model_input(data.x, device), data.edge_index.to(device)
    y = data.y.to(device)
    # Index tensors, not boolean masks: a mask costs a nonzero() on every use.
    train_idx, val_idx, test_idx = (
        m.nonzero().flatten().to(device) for m in (data.train_mask, data.val_mask, data.test_mask)
    )
    has_val = val_idx.numel() > 0

    trainer: torch.nn.Module = model
    if world.size > 1:
        from torch.nn.parallel import DistributedDataParallel

        # Every rank built the same initial weights (the same seed); DDP checks by broadcasting
        # rank 0's. Dropout and neighbour sampling then draw per rank.
        trainer = DistributedDataParallel(model)
        torch.manual_seed(train_config.seed + world.rank)

    result = TrainResult(model)
    snapshot_epochs = _snapshot_epochs(model, edge_index, data.num_nodes, train_config, result)
    if 0 in snapshot_epochs:
        model.eval()
        with torch.inference_mode():
            _, attention = model(x, edge_index, return_attention=True)
            result.snapshots.append(Snapshot(0, _cpu(attention)))
    keeper = BestEpoch(train_config, has_val)
    for epoch in range(1, train_config.epochs + 1):
        model.train()
        if train_config.batch_size:
            loss = _batch_epoch(
                trainer, optimizer, dataset, train_idx, train_config, device, epoch, world
            )
            if not world.main:  # rank 0 evaluates and says whether to go on
                if not agree(False, world):
                    break
                continue
        else:
            optimizer.zero_grad()
            logits = model(x, edge_index)
            step_loss = F.cross_entropy(logits[train_idx], y[train_idx])
            step_loss.backward()
            optimizer.step()
            loss = step_loss.item()

        model.eval()
        with torch.inference_mode():
            if epoch in snapshot_epochs:
                logits, attention = model(x, edge_index, return_attention=True)
                result.snapshots.append(Snapshot(epoch, _cpu(attention)))
            elif train_config.batch_size:  # a graph too big for a whole-graph pass
                logits = chunked_logits(model, dataset, device).to(device)
            else:
                logits = model(x, edge_index)
        pred = logits.argmax(dim=-1)
        stats = EpochStats(
            epoch,
            loss,
            _loss(logits, y, val_idx),
            _accuracy(pred, y, train_idx),
            _accuracy(pred, y, val_idx),
            _accuracy(pred, y, test_idx),
        )
        if not agree(keeper.keep(stats, model, result, on_epoch), world):
            break
    if world.main:
        keeper.finish(model)
    return result


class BestEpoch:
    """Early stopping shared by the training loops: keeps the weights of the best validation
    score (ties to the lower validation loss; without validation rows, the last epoch), stops
    after ``patience`` epochs without a better one, and refuses a diverged loss."""

    def __init__(self, train_config: TrainConfig, has_val: bool):
        self.config, self.has_val = train_config, has_val
        self.best_key: tuple | None = None
        self.best_state: dict[str, Tensor] = {}
        self.waited = 0

    def keep(
        self, stats: EpochStats, model: GAT, result: TrainResult, on_epoch: EpochCallback | None
    ) -> bool:
        """Record one epoch; False when training should stop."""
        if not math.isfinite(stats.train_loss):
            raise TrainingError(
                f"training diverged at epoch {stats.epoch}: the loss became {stats.train_loss}. "
                f"Lower the learning rate (now {self.config.lr}) or check the features for "
                "extreme values"
            )
        result.history.append(stats)
        key = (stats.val_acc, -stats.val_loss) if self.has_val else (stats.epoch,)
        if self.best_key is None or key > self.best_key:
            self.best_key, self.waited, result.best_epoch = key, 0, stats.epoch
            self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            self.waited += 1
        if on_epoch is not None and on_epoch(stats) is False:
            return False
        return not (self.config.patience and self.waited >= self.config.patience)

    def finish(self, model: GAT) -> None:
        """Restore the best weights, in eval mode."""
        model.load_state_dict(self.best_state)
        model.eval()


def check_task_fits(model_config: ModelConfig, dataset: GraphDataset) -> None:
    """Refuse a model set up for another task than the dataset's."""
    if model_config.task != dataset.task:
        raise ConfigError(
            f"the model is set up for {tasks.TASK_NAMES[model_config.task]} but {dataset.name} "
            f"is a {tasks.TASK_NAMES[dataset.task]} dataset; set task={dataset.task!r}"
        )


def _batch_epoch(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    dataset: GraphDataset,
    train_idx: Tensor,
    config: TrainConfig,
    device: torch.device,
    epoch: int,
    world: World,
) -> float:
    """One pass over the training nodes in batches, each on its sampled neighbourhood; returns
    the mean training loss (over every rank's seeds). The order is the epoch's permutation,
    shared by the ranks, each taking its interleaved share (:mod:`gatviz.distributed`); ``model``
    may be wrapped in DistributedDataParallel, which all-reduces the gradients.

    Neighbours are drawn from a generator of their own, seeded by (seed, epoch, rank), apart
    from the one dropout draws from."""
    total, seen = 0.0, 0
    order = train_idx.cpu()[epoch_order(train_idx.numel(), config.seed, epoch)]
    layers = _gat(model).config.layers
    generator = torch.Generator().manual_seed(
        int(np.random.SeedSequence([config.seed, epoch, world.rank]).generate_state(1)[0])
    )
    for batch in rank_batches(order, world, config.batch_size):
        batch = batch.unique()  # sorted; padding can repeat a node only in a tiny split
        sub = sample_subgraph(dataset.in_edges, batch, config.fanout, layers, generator)
        # index_select: ~3x faster than x[sub.nodes] for rows of a big feature matrix.
        x = model_input(dataset.data.x.index_select(0, sub.nodes), device)
        edges = sub.edge_index.to(device)
        # Trimmed to what the seeds need: the logits are the seeds' alone, in sorted order.
        logits = model(x, edges, hops=hop_counts(sub, layers))
        loss = F.cross_entropy(logits, dataset.data.y[batch].to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * batch.numel()
        seen += batch.numel()
    return mean_over_ranks(total, seen, world)


def _gat(model: torch.nn.Module) -> GAT:
    """``model``, or the GAT a DistributedDataParallel wraps."""
    inner = getattr(model, "module", model)
    assert isinstance(inner, GAT)
    return inner


def _snapshot_epochs(
    model: GAT, edge_index: Tensor, num_nodes: int, config: TrainConfig, result: TrainResult
) -> set[int]:
    """Which epochs keep α: ``config.snapshots`` evenly spaced from 0 to ``config.epochs``, or
    none (with a note on ``result``) when they would hold too many values."""
    if config.snapshots == 0:
        return set()
    edges = model.layer_edges(edge_index, num_nodes).size(1)
    values = edges * sum(model.config.layer_heads()) * config.snapshots
    if values > MAX_SNAPSHOT_VALUES:
        result.snapshot_note = (
            f"no α snapshots: {config.snapshots} snapshots of {edges:,} edges × "
            f"{sum(model.config.layer_heads())} heads would keep {values:,} values (limit "
            f"{MAX_SNAPSHOT_VALUES:,}); ask for fewer snapshots"
        )
        return set()
    return {int(e) for e in np.linspace(0, config.epochs, config.snapshots).round()}


def _cpu(attention: list[LayerAttention]) -> list[LayerAttention]:
    """Detached CPU copies; the edge list is shared by every layer and snapshot, so kept once."""
    if not attention:
        return []
    edge_index = attention[0].edge_index.cpu().as_subclass(Tensor)
    return [
        LayerAttention(
            edge_index
            if layer.edge_index is attention[0].edge_index
            else layer.edge_index.cpu().as_subclass(Tensor),
            layer.alpha.detach().cpu().clone(),
        )
        for layer in attention
    ]
