"""Does the reference's CiteSeer accuracy depend on which generator draws its dropout masks?

Trains PyG's ``examples/gat.py`` recipe (``bench/train_speed.py``'s reference) for each seed with
its feature dropout (on the dense input and on the hidden layer) drawn by another sampler, and
compares the test accuracy with the reference's own runs in ``citeseer_study_*.csv`` beside it
(drawn by PyTorch's ``bernoulli_``), seed by seed. The attention dropout stays GATConv's own.
Samplers:

* ``pcg64``: numpy's PCG64 (``default_rng(seed)``), an independent, well-tested generator;
* ``rand``: PyTorch's ``rand`` (mt19937), the mask gatviz draws.

Usage: python bench/studies/citeseer/citeseer_sampler.py pcg64 [--seeds 30] [--first-seed 0]
                                                       [--out rows.csv]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from scipy import stats

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]  # gatviz, and the benchmarks this study uses
import train_speed  # noqa: E402
from planetoid_data import planetoid_root  # noqa: E402
from gatviz.datasets import load_dataset  # noqa: E402

STUDIES = [
    Path(__file__).with_name(name)
    for name in ("citeseer_study_30_seeds.csv", "citeseer_study_seeds_30_49.csv")
]


class Masks:
    """Inverted-dropout masks from one sampler, re-seeded per training run."""

    def __init__(self, kind: str):
        self.kind, self.rng = kind, None

    def seed(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def __call__(self, x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
        if not training:
            return x
        if self.kind == "pcg64":
            keep = torch.from_numpy(self.rng.random(x.shape, dtype=np.float32) >= p)
        else:
            keep = torch.rand_like(x) >= p
        return x * keep / (1.0 - p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sampler", choices=("pcg64", "rand"))
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument(
        "--first-seed",
        type=int,
        default=0,
        help="0-49: seeds with reference runs in bench/studies/citeseer/citeseer_study_*.csv",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    masks = Masks(args.sampler)

    def forward(self, x, edge_index):
        x = masks(x, 0.6, self.training)
        x = F.elu(self.conv1(x, edge_index))
        x = masks(x, 0.6, self.training)
        return self.conv2(x, edge_index)

    train_speed.ReferenceGAT.forward = forward
    reference = {
        int(r["seed"]): float(r["reference"])
        for study in STUDIES
        for r in csv.DictReader(study.open())
    }
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    with planetoid_root() as root:
        dataset = load_dataset("citeseer", root=root)
    rows = ["seed,sampler,reference"]
    print(rows[0], flush=True)
    ours = []
    for seed in seeds:
        masks.seed(seed)
        _, accuracy = train_speed.run_reference(dataset, seed, 200)
        ours.append(accuracy)
        rows.append(f"{seed},{accuracy},{reference[seed]}")
        print(rows[-1], flush=True)
    if args.out:
        args.out.write_text("\n".join(rows) + "\n")
    a, b = np.array(ours), np.array([reference[s] for s in seeds])
    diff = a - b
    half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
    print(
        f"reference with {args.sampler} masks {100 * a.mean():.2f} ± {100 * a.std(ddof=1):.2f} %"
        f", with bernoulli_ {100 * b.mean():.2f} ± {100 * b.std(ddof=1):.2f} %; difference "
        f"{100 * diff.mean():+.2f} points, 95 % CI [{100 * (diff.mean() - half):+.2f}, "
        f"{100 * (diff.mean() + half):+.2f}], paired t p = {stats.ttest_rel(a, b).pvalue:.3g}"
    )


if __name__ == "__main__":
    main()
