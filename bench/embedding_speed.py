"""The embedding view's projections on a real graph: seconds per method.

Trains the reference GAT (seed 0), then times the last hidden layer's extraction and each
projection of gatviz.embedding (the PCA view: median of --repeats; each projection twice, as
UMAP's first call in a process also imports numba and compiles its kernels).
UMAP runs where umap-learn is installed (it is not a requirement). Goals (issue 17): Cora under
1 s with PCA, under 15 s with UMAP. Data: $GATVIZ_DATA_DIR if set, else
../shared/datasets/planetoid. Run it alone.

Usage: python bench/embedding_speed.py [--dataset cora] [--repeats 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from planetoid_data import bench_dataset
from timing import timed
from gatviz.embedding import embedding_table, hidden_embedding, project
from gatviz.errors import GatvizError
from gatviz.training import train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="cora")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    dataset = bench_dataset(args.dataset)
    model = train(dataset).model
    view_s, _ = timed(lambda: embedding_table(model, dataset, "pca"), args.repeats)
    print(
        f"{dataset.name} ({dataset.num_nodes:,} nodes): the PCA view end to end (embedding, "
        f"projection, predictions, entropy): median {view_s:.3f} s  (goal < 1 s)"
    )
    hidden = hidden_embedding(model, dataset)
    print(f"last hidden layer: {tuple(hidden.shape)}")
    for method in ("pca", "tsne", "umap"):
        seconds = []
        for _ in range(2):  # the first UMAP call also imports numba and compiles its kernels
            start = time.perf_counter()
            try:
                project(hidden, method)
            except GatvizError as error:
                print(f"{method}: not run ({error})")
                break
            seconds.append(time.perf_counter() - start)
        if seconds:
            goal = {"pca": 1, "umap": 15}.get(method)
            print(
                f"{method}: first call {seconds[0]:.2f} s, second {seconds[1]:.2f} s"
                + (f"  (goal < {goal} s)" if goal else "")
            )


if __name__ == "__main__":
    main()
