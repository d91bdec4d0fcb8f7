"""Data-parallel mini-batch epochs: one rank against two (torchrun, gloo) on this machine.

For each size, writes bench/scale.py's synthetic graph (SIZE edge rows, SIZE / 10 nodes, 16
features, 5 classes) and runs one training epoch of gatviz's default GAT (8 heads x 8 hidden,
every training node once, fanout 10, --batch seeds per rank) under torchrun: 1 rank with every
core, then 2 ranks with half the cores each (threads per rank = cores / ranks, so that the
ranks do not oversubscribe them). Each rank loads the graph itself, from the CSV files (a copy
per rank) or from a pack (gatviz pack: memory-mapped, one copy in the page cache for all); the
memory printed is each rank's own peak (VmHWM, which counts every mapped page a rank touched, so
the sum counts the shared pages once per rank) and their sum, and each rank's peak proportional
set size (PSS, sampled every 0.5 s: a page shared by the two ranks counts half in each) and
their sum, which counts what the machine holds for them. The epoch is the second one, the
slowest rank's time; the first includes building the model and the in-edge index.

The doubled batch keeps the step count: 1 rank with 2B seeds per step and 2 ranks with B each
take the same steps on the same seeds (tests/test_distributed.py checks the weights agree).

Usage: python bench/ddp_epoch.py [--sizes 1000000] [--batch 512] [--sources csv pack]
                                [--dir /tmp/gatviz-scale]
Run it alone.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from timing import memory_mb  # noqa: E402


def _pss_mb() -> float:
    """This process's proportional set size: each page it maps counted once, divided by the
    processes sharing it (the pack's pages and the libraries' code split between the ranks)."""
    with open("/proc/self/smaps_rollup") as rollup:
        line = next(line for line in rollup if line.startswith("Pss:"))
    return int(line.split()[1]) / 1024


class _PeakPss:
    """The largest PSS seen, sampled every half second in a thread."""

    def __init__(self) -> None:
        import threading

        self.peak, self._done = _pss_mb(), threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while not self._done.wait(0.5):
            self.peak = max(self.peak, _pss_mb())

    def stop(self) -> float:
        self._done.set()
        self.peak = max(self.peak, _pss_mb())
        return self.peak


def rank_main(folder: Path, batch: int, source: str) -> None:
    """One rank: load (the CSV files, or the pack, memory-mapped), two epochs, report the
    second epoch's seconds and the peak memory."""
    import torch
    import torch.distributed as dist

    from gatviz.config import ModelConfig, TrainConfig
    from gatviz.csv_graph import load_csv
    from gatviz.distributed import World, start, stop, world_from_env
    from gatviz.model import GAT
    from gatviz.training import _batch_epoch

    pss = _PeakPss()
    world = world_from_env() or World()
    if world.size > 1:
        start(world, "gloo")
    else:
        torch.set_num_threads(os.cpu_count() or 1)
    if source == "pack":
        from gatviz.pack import load_pack

        dataset = load_pack(folder / "pack")
    else:
        dataset = load_csv(folder / "edges.csv", folder / "nodes.csv", name="scale")
    dataset.in_edges  # built once, as training would
    torch.manual_seed(0)
    model = GAT(dataset.num_features, dataset.num_classes, ModelConfig())
    trainer: torch.nn.Module = model
    if world.size > 1:
        trainer = torch.nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
    config = TrainConfig(batch_size=batch, fanout=10)
    train_idx = dataset.data.train_mask.nonzero().flatten()
    seconds = []
    for epoch in (1, 2):
        model.train()
        if world.size > 1:
            dist.barrier()
        started = time.perf_counter()
        _batch_epoch(
            trainer, optimizer, dataset, train_idx, config, torch.device("cpu"), epoch, world
        )
        seconds.append(time.perf_counter() - started)
    report = torch.tensor(
        [seconds[-1], memory_mb(os.getpid(), "VmHWM"), pss.stop()], dtype=torch.float64
    )
    gathered = [torch.zeros(3, dtype=torch.float64) for _ in range(world.size)]
    if world.size > 1:
        dist.all_gather(gathered, report)
    else:
        gathered = [report]
    if world.main:
        print(
            json.dumps(
                {
                    "ranks": world.size,
                    "source": source,
                    "threads_per_rank": torch.get_num_threads(),
                    "train_nodes": int(train_idx.numel()),
                    "epoch_s": round(max(float(g[0]) for g in gathered), 2),
                    "peak_mb_per_rank": [round(float(g[1])) for g in gathered],
                    "peak_mb_total": round(sum(float(g[1]) for g in gathered)),
                    "peak_pss_mb_per_rank": [round(float(g[2])) for g in gathered],
                    "peak_pss_mb_total": round(sum(float(g[2]) for g in gathered)),
                }
            ),
            flush=True,
        )
    stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--batch", type=int, default=512, help="seeds per rank and step")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/gatviz-scale"))
    parser.add_argument("--rank", nargs=3, help=argparse.SUPPRESS)  # folder, batch, source
    parser.add_argument("--sources", nargs="+", default=["csv", "pack"], choices=["csv", "pack"])
    args = parser.parse_args()
    if args.rank:
        rank_main(Path(args.rank[0]), int(args.rank[1]), args.rank[2])
        return
    from scale import generate

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for size in args.sizes:
        folder = args.dir / str(size)
        generate(size, folder)
        if "pack" in args.sources and not (folder / "pack" / "pack.json").exists():
            from gatviz.csv_graph import load_csv
            from gatviz.pack import write_pack

            write_pack(load_csv(folder / "edges.csv", folder / "nodes.csv", name="scale"),
                       folder / "pack")  # fmt: skip
        for source in args.sources:
            for ranks in (1, 2):
                batch = args.batch * (2 // ranks)  # the same seeds per step in all
                command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                           f"--nproc-per-node={ranks}", __file__, "--rank", str(folder),
                           str(batch), source]  # fmt: skip
                out = subprocess.run(command, env=env, capture_output=True, text=True)
                lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
                if out.returncode or not lines:
                    print(f"{size:,} rows, {ranks} rank(s): failed: {out.stderr.strip()[-400:]}")
                    continue
                print(
                    f"{size:,} edge rows, batch {batch} x {ranks} rank(s): {lines[-1]}", flush=True
                )


if __name__ == "__main__":
    main()
