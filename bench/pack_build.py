"""Building a pack: in memory (load_csv, then write_pack) beside out of core (build_pack).

For each size, bench/scale.py's synthetic CSV files (SIZE edge rows, SIZE / 10 nodes, 16
features) are packed both ways, each in a fresh process, and it prints the seconds and the peak
anonymous memory (RssAnon, sampled every 20 ms: the process's own heap, not the pages of the
files it maps and writes, which the kernel can write back and drop), and checks that the two
packs hold the same arrays. Out of core, the peak should not grow with the edges: the edges pass
through chunks and buckets of ``--memory-mb``; what grows is per node (ids, names, labels).

Usage: python bench/pack_build.py [--sizes 1000000 10000000] [--memory-mb 256]
Run it alone.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from timing import memory_mb  # noqa: E402


def one(way: str, folder: Path, out: Path, bucket_mb: int) -> None:
    peak = [memory_mb(os.getpid(), "RssAnon")]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], memory_mb(os.getpid(), "RssAnon"))

    threading.Thread(target=sample, daemon=True).start()
    start = time.perf_counter()
    if way == "memory":
        from gatviz.csv_graph import load_csv
        from gatviz.pack import write_pack

        write_pack(load_csv(folder / "edges.csv", folder / "nodes.csv", name="scale"), out)
    else:
        from gatviz.pack_build import build_pack

        build_pack(folder / "edges.csv", folder / "nodes.csv", out, name="scale",
                   memory_mb=bucket_mb)  # fmt: skip
    seconds = time.perf_counter() - start
    done.set()
    print(json.dumps({"seconds": round(seconds, 1), "peak_anon_mb": round(peak[0])}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--memory-mb", type=int, default=256)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/gatviz-scale"))
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)  # way, folder, out
    args = parser.parse_args()
    if args.one:
        one(args.one[0], Path(args.one[1]), Path(args.one[2]), args.memory_mb)
        return
    from scale import generate

    for size in args.sizes:
        folder = args.dir / str(size)
        generate(size, folder)
        outs = {}
        for way in ("memory", "streamed"):
            out = args.dir / f"pack-bench-{size}-{way}"
            shutil.rmtree(out, ignore_errors=True)
            command = [sys.executable, __file__, "--one", way, str(folder), str(out),
                       "--memory-mb", str(args.memory_mb)]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True)
            lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
            if done.returncode or not lines:
                print(f"{size:,} {way}: failed: {done.stderr.strip()[-300:]}", flush=True)
                continue
            result = json.loads(lines[-1])
            print(f"{size:>11,} rows  {way:9} {result['seconds']:6.1f} s  "
                  f"peak anonymous memory {result['peak_anon_mb']:5,} MB", flush=True)  # fmt: skip
            outs[way] = out
        if len(outs) == 2:
            same = all(
                np.array_equal(
                    np.load(f, mmap_mode="r"), np.load(outs["streamed"] / f.name, mmap_mode="r")
                )  # fmt: skip
                for f in outs["memory"].glob("*.npy")
            )
            print(f"{size:>11,} rows  the two packs' arrays are {'equal' if same else 'NOT equal'}")
        for out in outs.values():
            shutil.rmtree(out)


if __name__ == "__main__":
    main()
