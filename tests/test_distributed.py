"""Data-parallel training on torch.distributed, with real torchrun processes (gloo, on this
machine): the seed split is DistributedSampler's, W ranks with B seeds give one process's
weights with W·B seeds, and `torchrun ... -m gatviz train` writes that one checkpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from torch.utils.data import DistributedSampler

from gatviz.cli import main
from gatviz.config import TrainConfig
from gatviz.datasets import load_dataset
from gatviz.distributed import World, backend_for, epoch_order, rank_batches
from gatviz.errors import ConfigError
from gatviz.training import train

ROOT = Path(__file__).resolve().parents[1]
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


@pytest.mark.parametrize("count, world, batch", [(20, 2, 3), (21, 2, 4), (7, 3, 2), (2, 4, 1)])
def test_ranks_take_distributed_samplers_share_in_equal_steps(count, world, batch):
    seed, epoch = 5, 3
    order = epoch_order(count, seed, epoch)
    shares = [rank_batches(order, World(rank, world), batch) for rank in range(world)]
    for rank, batches in enumerate(shares):
        sampler = DistributedSampler(range(count), num_replicas=world, rank=rank, seed=seed)
        sampler.set_epoch(epoch)
        assert torch.cat(batches).tolist() == list(sampler)
    assert len({tuple(b.numel() for b in batches) for batches in shares}) == 1  # same steps
    if count % world == 0:  # step k of the ranks = step k of one process with world × batch
        single = rank_batches(order, World(), world * batch)
        for k, step in enumerate(single):
            together = torch.cat([batches[k] for batches in shares])
            assert sorted(together.tolist()) == sorted(step.tolist())


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return load_file(str(path))


def _max_difference(a: dict, b: dict) -> float:
    assert sorted(a) == sorted(b)
    return max(float((a[k] - b[k]).abs().max()) for k in a)


def test_two_ranks_with_b_seeds_equal_one_process_with_2b(tmp_path):
    worker = str(ROOT / "tests" / "ddp_worker.py")
    ranks = subprocess.run(
        [*TORCHRUN, "--nproc-per-node", "2", worker, "3", f"{tmp_path / 'two.st'}:5"],
        env=_env(),
        capture_output=True,
        text=True,
    )
    assert ranks.returncode == 0, ranks.stderr[-2000:]
    from ddp_worker import run  # the one-process runs, in this process

    two = _weights(tmp_path / "two.st")
    one, half = run(World(), 3, 10), run(World(), 3, 5)
    assert _max_difference(two, one) < 1e-10  # float64, SGD, no dropout, full neighbourhoods
    assert _max_difference(half, one) > 1e-4  # the negative control: B seeds alone differ


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_torchrun_gatviz_train_writes_the_checkpoint_of_one_process_with_the_doubled_batch(
    tmp_path, capsys
):
    """Adam in float32, 14 epochs (patience 1 stops both at the same epoch): under torchrun on
    one machine, and as two machines on 127.0.0.1 (two torchrun agents, c10d rendezvous)."""
    common = ["--dataset", "karate", "--fanout", "0", "--dropout", "0", "--attn-dropout", "0",
              "--epochs", "40", "--patience", "1", "--lr", "0.02"]  # fmt: skip
    ranks = subprocess.run(
        [
            *TORCHRUN,
            "--nproc-per-node",
            "2",
            "-m",
            "gatviz",
            "train",
            *common,
            "--batch-size",
            "5",
            "--out",
            str(tmp_path / "two.safetensors"),
        ],  # fmt: skip
        env=_env(),
        capture_output=True,
        text=True,
    )
    assert ranks.returncode == 0, ranks.stderr[-2000:]
    lines = [line for line in ranks.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1 and json.loads(lines[0])["world_size"] == 2  # rank 0 alone writes
    # Rank 0's early stop ends every rank (the others would wait in DDP's all-reduce).
    assert json.loads(lines[0])["epochs_run"] == 14
    assert sorted(p.name for p in tmp_path.iterdir()) == ["two.safetensors"]
    # The one-process run, in this process (the same command line).
    assert (
        main(["train", *common, "--batch-size", "10", "--out", str(tmp_path / "one.safetensors")])
        == 0
    )
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["epochs_run"] == 14
    two, one = _weights(tmp_path / "two.safetensors"), _weights(tmp_path / "one.safetensors")
    assert _max_difference(two, one) < 1e-5  # float32 Adam: the same steps, rounding apart

    # Two machines on 127.0.0.1: one through gatviz's launcher, one through torchrun itself,
    # meeting at the same c10d rendezvous (the launcher's id is "gatviz").
    endpoint = f"127.0.0.1:{_free_port()}"
    rank_args = [
        "train",
        *common,
        "--batch-size",
        "5",
        "--out",
        str(tmp_path / "nodes.safetensors"),
    ]
    commands = [
        [sys.executable, "-m", "gatviz", *rank_args, "--nproc", "1", "--nnodes", "2",
         "--rdzv-endpoint", endpoint],
        [sys.executable, "-m", "torch.distributed.run", "--nnodes", "2", "--nproc-per-node", "1",
         "--rdzv-backend", "c10d", "--rdzv-endpoint", endpoint, "--rdzv-id", "gatviz",
         "-m", "gatviz", *rank_args],
    ]  # fmt: skip
    nodes = [
        subprocess.Popen(
            command, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for command in commands
    ]
    outputs = [node.communicate(timeout=180) for node in nodes]
    assert [node.returncode for node in nodes] == [0, 0], [err[-1500:] for _, err in outputs]
    assert sum(out.count('"world_size": 2') for out, _ in outputs) == 1  # one rank 0 of two
    assert _max_difference(_weights(tmp_path / "nodes.safetensors"), one) < 1e-5


def test_impossible_distributed_settings_say_what_to_fix(capsys):
    karate = load_dataset("karate")
    with pytest.raises(ConfigError, match="give a batch size"):
        train(karate, train_config=TrainConfig(epochs=1), world=World(0, 2))
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="use --backend gloo on CPU"):
            backend_for("nccl")
    with pytest.raises(ConfigError, match="backend must be one of"):
        backend_for("mpi")
    assert main(["train", "--nproc", "2"]) == 1
    error = capsys.readouterr().err
    assert error.strip().count("\n") == 0 and "give --batch-size" in error


def test_a_rank_that_dies_mid_epoch_ends_the_job_with_one_line(tmp_path):
    """torchrun stops the other ranks when one dies (a rank blocked in a collective would
    also fail after gatviz.distributed.TIMEOUT_S); `gatviz train --nproc` says which, in one
    line."""
    import time

    job = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gatviz",
            "train",
            "--dataset",
            "karate",
            "--nproc",
            "2",
            "--batch-size",
            "2",
            "--fanout",
            "0",
            "--epochs",
            "100000",
            "--patience",
            "0",
        ],  # fmt: skip
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    ranks: list[int] = []
    while len(ranks) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
        ranks = _ranks_of(job.pid)
    assert len(ranks) == 2, "torchrun did not start two ranks"
    time.sleep(4)  # into training
    os.kill(ranks[-1], 9)
    killed = time.monotonic()
    _, err = job.communicate(timeout=60)
    assert time.monotonic() - killed < 30
    assert job.returncode == 1 and err.strip().count("\n") == 0, err[-1500:]
    assert "failed first" in err and "SIGKILL" in err


def _ranks_of(launcher: int) -> list[int]:
    """The rank processes under ``launcher`` (gatviz -> torchrun's agent -> ranks)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    agents = children.get(launcher, [])
    return sorted(pid for agent in agents for pid in children.get(agent, []))


def test_a_rendezvous_that_cannot_be_reached_is_one_line(capsys):
    args = ["--rdzv-endpoint", "nohost.invalid:29400", "--batch-size", "5", "--rdzv-timeout", "5"]
    assert main(["train", "--nproc", "1", "--nnodes", "2", *args]) == 1
    error = capsys.readouterr().err
    assert error.strip().count("\n") == 0
    assert "cannot reach the rendezvous at nohost.invalid:29400" in error
