"""Big graphs on one machine: load, train, view and export at 100 k, 1 M and 10 M edges.

For each size, a synthetic graph is written as CSV: ``SIZE`` rows in the edges file (undirected
edges, so twice as many directed ones once loaded), ``SIZE / 10`` nodes with 16 features and 5
classes, 70 % of the edges inside a class. Each size then runs in a fresh process, so that the
peak memory printed is that size's alone, and prints (peaks are the process's peak so far):

* load: ``load_csv`` of both files, and building the in-edge index once;
* full-batch epoch: one training step plus the whole-graph evaluation of gatviz's default GAT
  (8 heads x 8 hidden), the second epoch's time;
* mini-batch epoch: every training node once in batches of 1,024 on sampled neighbourhoods
  (fanout 10 per layer), plus the whole-graph evaluation, chunk by chunk;
* evaluation: ``predict`` for every node (chunk by chunk above a million edges; with
  ``--one-pass``, the whole graph in one pass instead, as gatviz evaluated before chunking:
  run it with ``--skip full mini reference table`` so that the peak is the pass's own);
* view: from choosing a node to finished HTML, 1 hop, the median over 5 nodes (lowest to
  highest in-degree; after one warm-up view, as in a running app), with α computed on demand
  from the node's receptive field, beside (the reference, same run) the way gatviz
  drew it before: α and predictions for the whole graph, then the view;
* table: the whole graph's attention table streamed to Parquet (and to CSV up to 1 M edges).

A step whose allocation fails is reported as such and the later steps still run (a process the
kernel kills for memory is reported by its exit code). ``--skip`` leaves steps out: ``full``, so
that the peak after the mini-batch epoch is its own; ``mini`` (an untrained model then serves
the evaluation and the views); ``reference`` and ``table``, which need the whole graph's α.

Usage: python bench/scale.py [--sizes 100000 1000000 10000000] [--dir /tmp/gatviz-scale]
                             [--skip full mini reference table] [--one-pass]
Run it alone: two PyTorch processes on two cores slow each other down many times over.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FEATURES, CLASSES, HOMOPHILY = 16, 5, 0.7


def generate(edges: int, folder: Path, seed: int = 0) -> None:
    """Write ``edges.csv`` and ``nodes.csv`` for a graph with ``edges`` undirected edges."""
    import pandas as pd

    if (folder / "nodes.csv").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n = max(edges // 10, 100)
    y = rng.integers(0, CLASSES, n)
    source = rng.integers(0, n, edges)
    target = rng.integers(0, n, edges)
    inside = rng.random(edges) < HOMOPHILY
    for c in range(CLASSES):
        members = np.flatnonzero(y == c)
        pick = inside & (y[source] == c)
        target[pick] = members[rng.integers(0, members.size, int(pick.sum()))]
    pd.DataFrame({"source": source, "target": target}).to_csv(folder / "edges.csv", index=False)
    centres = rng.normal(0, 1, (CLASSES, FEATURES))
    x = (0.5 * centres[y] + rng.normal(0, 1, (n, FEATURES))).astype(np.float32)
    nodes = pd.DataFrame(x, columns=[f"f{i}" for i in range(FEATURES)])
    nodes.insert(0, "label", [f"c{c}" for c in y])
    nodes.insert(0, "id", np.arange(n))
    nodes.to_csv(folder / "nodes.csv", index=False, float_format="%.4f")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(results: dict, name: str, step):
    """Run ``step()``, recording its seconds and the peak memory after it (or why it failed)."""
    start = time.perf_counter()
    try:
        value = step()
    except (MemoryError, RuntimeError) as error:  # torch reports a failed allocation as either
        results[name] = f"failed: {type(error).__name__}: {str(error)[:120]}"
        return None
    results[name] = round(time.perf_counter() - start, 2)
    results[f"{name}_peak_mb"] = round(peak_mb())
    return value


STEPS = ("full", "mini", "reference", "table")  # the steps that --skip can leave out


def run_one(size: int, folder: Path, skip: tuple[str, ...] = (), one_pass: bool = False) -> dict:
    import torch

    from gatviz.attention import dataset_attention, neighbourhood_attention, write_attention_table
    from gatviz.config import ModelConfig, TrainConfig
    from gatviz.csv_graph import load_csv
    from gatviz.overlay import OverlayOptions, overlay_html
    from gatviz.training import predict, train

    results: dict = {"edges_rows": size, "torch_threads": torch.get_num_threads()}
    dataset = timed(
        results,
        "load_s",
        lambda: load_csv(folder / "edges.csv", folder / "nodes.csv", name="scale"),
    )
    results.update(nodes=dataset.num_nodes, directed_edges=dataset.num_edges)
    timed(results, "index_s", lambda: dataset.in_edges)

    epochs: list[float] = []

    def clock(_stats) -> None:
        epochs.append(time.perf_counter())

    def full_batch():
        start = time.perf_counter()
        train(
            dataset, ModelConfig(), TrainConfig(epochs=2, patience=0, snapshots=0), on_epoch=clock
        )
        return [b - a for a, b in zip([start] + epochs, epochs)]

    per_epoch = timed(results, "full_batch_train_s", full_batch) if "full" not in skip else None
    if per_epoch:
        results["full_batch_epoch_s"] = round(per_epoch[-1], 2)

    def mini_batch():
        result = train(
            dataset,
            ModelConfig(),
            TrainConfig(epochs=1, patience=0, snapshots=0, batch_size=1024, fanout=10),
        )
        return result.model

    if "mini" in skip:  # an untrained model: the same work for evaluation and views
        from gatviz.model import GAT

        model = GAT(dataset.num_features, dataset.num_classes, ModelConfig()).eval()
    else:
        model = timed(results, "mini_batch_epoch_s", mini_batch)
    if model is None:
        return results
    if one_pass:  # every edge's α, messages and aggregation layout held at once
        edges = dataset.data.edge_index
        timed(results, "whole_graph_eval_one_pass_s", lambda: predict(model, dataset, edges))
    else:
        timed(results, "whole_graph_eval_s", lambda: predict(model, dataset))

    in_degree = torch.bincount(dataset.data.edge_index[1], minlength=dataset.num_nodes)
    nodes = torch.argsort(in_degree)[torch.linspace(0, dataset.num_nodes - 1, 5).long()]
    options = [OverlayOptions(node=int(v), hops=1, color_by="prediction") for v in nodes]

    warm = OverlayOptions(node=int(nodes[0]), hops=1)  # pyvis's template loads once per process
    overlay_html(dataset, neighbourhood_attention(model, dataset, warm.node, 1).attention, warm)

    def on_demand_views():
        seconds = []
        for option in options:
            start = time.perf_counter()
            local = neighbourhood_attention(model, dataset, option.node, option.hops)
            overlay_html(dataset, local.attention, option, local.pred, local.prob)
            seconds.append(time.perf_counter() - start)
        return seconds

    seconds = timed(results, "views_on_demand_s", on_demand_views)
    if seconds:
        results["view_on_demand_median_s"] = round(statistics.median(seconds), 3)
        results["view_on_demand_max_s"] = round(max(seconds), 3)
        results["view_in_degrees"] = [int(in_degree[v]) for v in nodes]

    def whole_graph_view():
        layers = dataset_attention(model, dataset)
        pred, prob = predict(model, dataset)
        overlay_html(dataset, layers, options[2], pred, prob)
        return layers

    if "reference" in skip:
        return results
    layers = timed(results, "view_whole_graph_reference_s", whole_graph_view)
    if layers is None or "table" in skip:
        return results
    out = folder / "attention.parquet"
    rows = timed(results, "table_parquet_s", lambda: write_attention_table(layers, out))
    results.update(table_rows=rows, table_parquet_mb=round(out.stat().st_size / 2**20))
    out.unlink()
    if size <= 1_000_000:
        out = folder / "attention.csv"
        timed(results, "table_csv_s", lambda: write_attention_table(layers, out))
        results["table_csv_mb"] = round(out.stat().st_size / 2**20)
        out.unlink()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/gatviz-scale"))
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=STEPS,
        help="steps to leave out: 'full' (so that the peak after the mini-batch "
        "epoch is its own), 'mini' (evaluation and views then use an "
        "untrained model), 'reference' and 'table' (whole-graph α, which "
        "does not fit in memory for the largest graphs)",
    )
    parser.add_argument(
        "--one-pass",
        action="store_true",
        help="evaluate the whole graph in one pass instead of chunk by chunk",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        results = run_one(args.one, args.dir / str(args.one), tuple(args.skip), args.one_pass)
        print(json.dumps(results), flush=True)
        return
    for size in args.sizes:
        start = time.perf_counter()
        generate(size, args.dir / str(size))
        print(f"# {size:,} edge rows generated in {time.perf_counter() - start:.1f} s", flush=True)
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--dir", str(args.dir)]
            + (["--skip", *args.skip] if args.skip else [])
            + (["--one-pass"] if args.one_pass else []),
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode or not lines:
            print(
                f"{size:,}: the process ended with {done.returncode} (killed for memory when "
                f"-9); {done.stderr.strip()[-300:]}",
                flush=True,
            )
            continue
        for key, value in json.loads(lines[-1]).items():
            print(f"{size:>11,}  {key:32} {value}", flush=True)


if __name__ == "__main__":
    main()
