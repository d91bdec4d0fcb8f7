"""Attributions and seeds on a real graph: time per method and node, and what they find.

Trains the reference GAT (seed 0; ``--preset`` and ``--conv`` choose another), then for
``--nodes`` sampled test nodes (test graphs, for a graph task) scores each one's edges with
every method of gatviz.attribution, printing the median seconds per node of each method, the
agreement between α and each method (Spearman, Kendall, top-3 overlap, with intervals), each
ranking's deletion curve beside random and, where the dataset marks the edges that matter, each
ranking's ground-truth AUROC beside 1/|N(i)| (gatviz.faithfulness). Then the seed study of
gatviz.seeds with ``--seeds`` K (0: none), timed. Goals (issue 16): every method for one node
under 2 s, 100 nodes under 60 s, K = 5 seeds on Cora under 30 s. Data: $GATVIZ_DATA_DIR if set,
else ../shared/datasets/planetoid. Run it alone.

Usage: python bench/attribution_speed.py [--dataset cora] [--nodes 100] [--seeds 5]
           [--preset NAME] [--conv gat|gatv2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from planetoid_data import bench_dataset
from dataclasses import replace

from gatviz.attribution import (
    METHODS,
    agreement,
    graph_attributions,
    node_attributions,
    sample_nodes,
)
from gatviz.faithfulness import deletion_curves, truth_auroc
from gatviz.presets import PRESETS, preset
from gatviz.seeds import seed_study
from gatviz.training import train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="cora")
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--preset", default="reference", choices=list(PRESETS))
    parser.add_argument("--conv", choices=("gat", "gatv2"))
    args = parser.parse_args()
    dataset = bench_dataset(args.dataset)
    chosen = preset(args.preset)
    model_config = replace(chosen.model, task=dataset.task, conv=args.conv or chosen.model.conv)
    train_config = chosen.train
    result = train(dataset, model_config, train_config)
    explain = node_attributions if dataset.task == "node" else graph_attributions
    print(
        f"{dataset.name}, preset {args.preset}, {model_config.conv}: test accuracy "
        f"{result.metrics['test_acc']:.3f}"
    )
    nodes = sample_nodes(dataset, args.nodes)
    seconds: dict[str, list[float]] = {method: [] for method in METHODS}
    results = []
    together = []
    for node in nodes:
        for method in METHODS:
            begin = time.perf_counter()
            one = explain(result.model, dataset, node, methods=(method,))
            seconds[method].append(time.perf_counter() - begin)
        begin = time.perf_counter()
        results.append(explain(result.model, dataset, node))
        together.append(time.perf_counter() - begin)
    print(
        f"{len(nodes)} nodes, every method in one call per node (as the app and analyze do): "
        f"{sum(together):.1f} s, median {statistics.median(together):.3f} s per node, at most "
        f"{max(together):.3f} s  (goals: < 60 s for 100, < 2 s per node)"
    )
    print(f"{'method':22} {'median s/node':>14} {'max':>7}")
    for method, times in seconds.items():
        print(f"{method:22} {statistics.median(times):14.3f} {max(times):7.3f}")
    total = [sum(seconds[m][i] for m in METHODS) for i in range(len(nodes))]
    print(f"{'sum of the five':22} {statistics.median(total):14.3f} {max(total):7.3f}")
    table = agreement(results)
    print(table[["alpha", "method", "spearman", "spearman_low", "spearman_high", "kendall",
                 "top_k_overlap", "top_k_overlap_low", "top_k_overlap_high", "nodes"]]
          .round(3).to_string(index=False))  # fmt: skip
    _ = one
    start = time.perf_counter()
    curves = deletion_curves(result.model, dataset, results)
    truth = truth_auroc(results, dataset)
    print(f"deletion curves and ground truth: {time.perf_counter() - start:.1f} s")
    print("share of predictions unchanged after deleting the k top-ranked edges:")
    cells = curves.assign(
        cell=[f"{r.kept:.2f} [{r.kept_low:.2f}, {r.kept_high:.2f}]" for r in curves.itertuples()]
    )
    print(cells.pivot(index="ranking", columns="k", values="cell").to_string())
    if not truth.empty:
        print(truth.round(3).to_string(index=False))
    if not args.seeds:
        return
    start = time.perf_counter()
    study = seed_study(dataset, model_config, train_config, seeds=args.seeds)
    print(f"seed study, K = {args.seeds}: {time.perf_counter() - start:.1f} s  (goal < 30 s)")
    print(study.statistics.drop(columns="per_seed").round(4).to_string(index=False))
    summary = study.summary()
    for layer in summary["layers"]:
        print(layer)
    print(f"prediction churn (mean over pairs): {summary['churn_mean']:.3f}")


if __name__ == "__main__":
    main()
