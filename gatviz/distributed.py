"""Data-parallel mini-batch training on ``torch.distributed`` (DistributedDataParallel).

A process started by ``torchrun`` finds its place in the job in the environment torchrun sets
(``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``LOCAL_WORLD_SIZE``, ``MASTER_ADDR``/``PORT``):
:func:`world_from_env`. :func:`start` joins the process group (gloo on CPU, nccl on GPU, or the
backend asked for) with a timeout, so that a rank that dies leaves the others a clear error
instead of a hang. gatviz adds no communication of its own: DDP all-reduces the gradients, and
the ranks share the rest (the loss for the progress line, whether to stop) through
``all_reduce`` and ``broadcast``.

The seed nodes are split across ranks as ``DistributedSampler`` splits a dataset
(:func:`epoch_order`, :func:`rank_batches`): one permutation per epoch, drawn from the training
seed plus the epoch and so the same on every rank, padded by repeating its start until every
rank has as many nodes, and interleaved (rank r takes positions r, r + W, r + 2W, ...). Every
rank therefore takes the same number of steps. A one-process run takes its batches from the
same permutation in order, so step k of W ranks with B seeds each uses exactly the seeds of step
k of one process with W·B seeds: with full neighbourhoods (``fanout=0``) and no dropout, the
averaged gradients and so the weights are the same.

Only rank 0 evaluates, keeps the best epoch and writes the checkpoint, the progress and the JSON
line; it broadcasts whether to stop, so the ranks agree on early stopping.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist
from torch import Tensor

from gatviz.errors import ConfigError

BACKENDS = ("auto", "gloo", "nccl")
TIMEOUT_S = 120  # a collective that waits longer than this fails (a rank died or hangs)


@dataclass(frozen=True)
class World:
    """This process's place in the job: ``rank`` of ``size``, ``local_rank`` of
    ``local_size`` on its machine. A single process is ``World()``."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0
    local_size: int = 1

    @property
    def main(self) -> bool:
        """Rank 0: the one that evaluates and writes."""
        return self.rank == 0


def world_from_env() -> World | None:
    """The world torchrun describes in the environment, or None outside torchrun."""
    if "WORLD_SIZE" not in os.environ or "RANK" not in os.environ:
        return None
    try:
        size, rank = int(os.environ["WORLD_SIZE"]), int(os.environ["RANK"])
        local_rank = int(os.environ.get("LOCAL_RANK", rank))
        local_size = int(os.environ.get("LOCAL_WORLD_SIZE", size))
    except ValueError as error:
        raise ConfigError(f"torchrun's environment is not whole numbers: {error}") from error
    return World(rank, size, local_rank, local_size)


def backend_for(name: str) -> str:
    """'auto' is nccl where CUDA is available, else gloo."""
    if name not in BACKENDS:
        raise ConfigError(f"the backend must be one of {', '.join(BACKENDS)} (got {name!r})")
    if name == "auto":
        return "nccl" if torch.cuda.is_available() else "gloo"
    if name == "nccl" and not torch.cuda.is_available():
        raise ConfigError("the nccl backend needs CUDA GPUs; use --backend gloo on CPU")
    return name


def start(world: World, backend: str = "auto", timeout_s: float = TIMEOUT_S) -> str:
    """Join the process group torchrun set up (its rendezvous in the environment) and keep
    this rank to its share of the machine's cores. Returns the backend used."""
    chosen = backend_for(backend)
    threads = max(1, (os.cpu_count() or 1) // max(world.local_size, 1))
    torch.set_num_threads(threads)
    if chosen == "nccl":
        torch.cuda.set_device(world.local_rank)
    dist.init_process_group(
        backend=chosen,
        rank=world.rank,
        world_size=world.size,
        timeout=timedelta(seconds=timeout_s),
    )
    return chosen


def stop() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def epoch_order(count: int, seed: int, epoch: int) -> Tensor:
    """The epoch's permutation of ``count`` seed nodes, the same on every rank (as
    ``DistributedSampler`` draws it: ``randperm`` seeded with seed + epoch)."""
    generator = torch.Generator().manual_seed(seed + epoch)
    return torch.randperm(count, generator=generator)


def rank_batches(order: Tensor, world: World, batch_size: int) -> list[Tensor]:
    """``world.rank``'s batches of ``order``: padded by repeating its start to a multiple of the
    world size, interleaved across ranks, then cut into batches of ``batch_size``. Every rank
    gets the same number of batches, of the same sizes."""
    if batch_size < 1:
        raise ConfigError(f"the batch size must be at least 1 (got {batch_size})")
    count = order.numel()
    total = math.ceil(count / world.size) * world.size
    if total > count:
        repeats = math.ceil((total - count) / max(count, 1))
        order = torch.cat([order, order.repeat(repeats)[: total - count]])
    return list(order[world.rank :: world.size].split(batch_size))


def mean_over_ranks(total: float, count: int, world: World) -> float:
    """``Σ total / Σ count`` over the ranks (a training loss weighted by seeds)."""
    if world.size == 1:
        return total / max(count, 1)
    values = torch.tensor([total, float(count)], dtype=torch.float64)
    dist.all_reduce(values)
    return float(values[0] / values[1].clamp(min=1))


def agree(flag: bool, world: World) -> bool:
    """Rank 0's ``flag`` on every rank (whether to go on training)."""
    if world.size == 1:
        return flag
    value = torch.tensor([1 if flag else 0], dtype=torch.int64)
    dist.broadcast(value, src=0)
    return bool(value.item())
