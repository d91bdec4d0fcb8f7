"""What-if edits in the library: seconds for one recompute around a node, and for the greedy
flipping set.

Trains the reference GAT (seed 0) and, around the default centre of the Attention page (the
best-connected node that can be drawn), times what_if() with one incoming edge removed and
flipping_set() (median of --repeats). Goal (issue 17): a recompute on Cora under 0.3 s.
Data: $GATVIZ_DATA_DIR if set, else ../shared/datasets/planetoid. Run it alone.

Usage: python bench/whatif_speed.py [--dataset cora] [--repeats 5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from planetoid_data import bench_dataset
from timing import timed
from gatviz.overlay import drawable_centre
from gatviz.training import train
from gatviz.whatif import Edit, flipping_set, what_if


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="cora")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    dataset = bench_dataset(args.dataset)
    model = train(dataset).model
    index = dataset.in_edges
    centre = drawable_centre(index.ptr.diff())
    source = int(index.source[index.ptr[centre]])
    edit = Edit("remove", source, centre)
    seconds, result = timed(lambda: what_if(model, dataset, centre, [edit]), args.repeats)
    print(
        f"{dataset.name}, node {centre} (in-degree {int(index.ptr.diff()[centre])}): what_if with "
        f"{edit.describe()}: median {seconds:.3f} s  (goal < 0.3 s); {result.prediction()}"
    )
    seconds, found = timed(lambda: flipping_set(model, dataset, centre), args.repeats)
    print(f"flipping_set: median {seconds:.3f} s; {len(found) if found else 'no'} edge(s)")


if __name__ == "__main__":
    main()
