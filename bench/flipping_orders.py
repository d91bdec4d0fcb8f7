"""Which order finds the smaller flipping set: α, or an attribution method? Each figure with its
interval, every method on the same nodes.

Trains the reference GAT (seed 0) and, for --nodes test nodes drawn with seed 0 among those with
at least two incoming edges, searches the greedy flipping set (gatviz.whatif.flipping_set, up to
50 removals) in the order of the last layer's α, of each attribution method's score for the
predicted class (gatviz.whatif.attribution_scores), and of a seeded random order. Prints, per
order: the share of nodes whose prediction it flips (Wilson 95 % interval), the mean set size
where it flips (bootstrap interval), and, against α on the nodes both flip, how often its set
is smaller or larger (exact sign test). The random order is one draw per node (seed 0): another
seed gives other sets. Data: $GATVIZ_DATA_DIR if set, else ../shared/datasets/planetoid. Run it
alone.

Usage: python bench/flipping_orders.py [--dataset cora] [--nodes 100]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from planetoid_data import bench_dataset
from gatviz.training import train
from gatviz.uncertainty import interval_text, mcnemar_exact, mean_interval, wilson
from gatviz.whatif import attribution_scores, flipping_set

ORDERS = ("alpha", "integrated_gradients", "saliency", "attention_flow", "alpha_gradient", "random")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="cora")
    parser.add_argument("--nodes", type=int, default=100)
    args = parser.parse_args()
    dataset = bench_dataset(args.dataset)
    model = train(dataset).model.eval()
    degree = dataset.in_edges.ptr.diff()
    test = dataset.data.test_mask.nonzero().flatten().tolist()
    candidates = [v for v in test if int(degree[v]) >= 2]
    nodes = random.Random(0).sample(candidates, min(args.nodes, len(candidates)))
    sizes: dict[str, list[int | None]] = {order: [] for order in ORDERS}
    started = time.perf_counter()
    for node in nodes:
        for order in ORDERS:
            if order == "alpha":
                scores = None
            elif order == "random":
                sources = attribution_scores(model, dataset, node, "attention_flow")
                draw = random.Random(node)
                scores = {edge: draw.random() for edge in sources}
            else:
                scores = attribution_scores(model, dataset, node, order)
            found = flipping_set(model, dataset, node, scores=scores)
            sizes[order].append(None if found is None else len(found))
    print(
        f"{dataset.name}: {len(nodes)} test nodes with in-degree ≥ 2 (median in-degree "
        f"{sorted(int(degree[v]) for v in nodes)[len(nodes) // 2]}), "
        f"{time.perf_counter() - started:.0f} s"
    )
    for order in ORDERS:
        found = [s for s in sizes[order] if s is not None]
        flipped = wilson(len(found), len(nodes))
        mean = mean_interval(found)
        line = (
            f"{order:>21}: flips {interval_text(flipped.estimate, flipped.low, flipped.high)} of "
            f"nodes; mean set {interval_text(mean.estimate, mean.low, mean.high, '.2f')} edges"
        )
        if order != "alpha":
            both = [
                (a, b)
                for a, b in zip(sizes["alpha"], sizes[order])
                if a is not None and b is not None
            ]
            smaller = sum(b < a for a, b in both)
            larger = sum(b > a for a, b in both)
            line += (
                f"; against α on the {len(both)} both flip: smaller {smaller}, larger {larger}, "
                f"equal {len(both) - smaller - larger} (sign test p = "
                f"{mcnemar_exact(smaller, larger):.3g})"
            )
        print(line)


if __name__ == "__main__":
    main()
