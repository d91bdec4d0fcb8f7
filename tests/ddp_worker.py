"""A data-parallel training run for tests/test_distributed.py, started by torchrun (or alone):
float64, SGD, no dropout, full neighbourhoods, so that W ranks with B seeds each must give the
weights of one process with W·B seeds. Writes rank 0's weights after each run named on the
command line.

Usage: [torchrun --standalone --nproc-per-node W] tests/ddp_worker.py EPOCHS OUT:BATCH ...
"""

from __future__ import annotations

import sys

import torch
from safetensors.torch import save_file

from gatviz.config import ModelConfig, TrainConfig
from gatviz.datasets import load_dataset
from gatviz.distributed import World, start, stop, world_from_env
from gatviz.model import GAT
from gatviz.training import _batch_epoch


def run(world: World, epochs: int, batch: int) -> dict[str, torch.Tensor]:
    dataset = load_dataset("karate")
    dataset.data.x = dataset.data.x.double()
    torch.manual_seed(0)
    model = GAT(
        dataset.num_features, dataset.num_classes, ModelConfig(dropout=0.0, attn_dropout=0.0)
    )
    model = model.double()
    trainer: torch.nn.Module = model
    if world.size > 1:
        trainer = torch.nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    config = TrainConfig(batch_size=batch, fanout=0, seed=0)
    train_idx = dataset.data.train_mask.nonzero().flatten()
    for epoch in range(1, epochs + 1):
        model.train()
        _batch_epoch(
            trainer, optimizer, dataset, train_idx, config, torch.device("cpu"), epoch, world
        )
    return {key: value.detach().clone() for key, value in model.state_dict().items()}


def main() -> None:
    world = world_from_env() or World()
    if world.size > 1:
        start(world, "gloo")
    epochs = int(sys.argv[1])
    for spec in sys.argv[2:]:
        out, batch = spec.rsplit(":", 1)
        weights = run(world, epochs, int(batch))
        if world.main:
            save_file(weights, out)
    stop()


if __name__ == "__main__":
    main()
