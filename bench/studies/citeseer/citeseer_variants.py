"""Which of gatviz's pieces moves CiteSeer's accuracy? gatviz with some of them swapped back.

Trains gatviz's default GAT on CiteSeer for each seed with the named pieces replaced by the
reference's (PyG ``examples/gat.py``) and compares the test accuracy with the reference runs in
``bench/studies/citeseer/citeseer_study_30_seeds.csv`` (same seeds). Pieces, joined with ``+``:

* ``dense``: the input features stay a dense matrix (no CSR features, dense dropout);
* ``plainsum``: PyG's message passing for Σ_j α_ij W h_j instead of gatviz's CSR product;
* ``fdropout``: ``F.dropout`` (bernoulli) instead of gatviz's ``rand`` masks;
* ``pygattdrop``: GATConv's own attention dropout instead of gatviz's hook;
* ``plainadam``: PyTorch's plain (for-loop) Adam instead of the fused kernel gatviz uses; the
  ``same as gatviz`` count says for how many seeds the accuracy equals gatviz's own run in
  ``citeseer_study_30_seeds.csv``.

With all four, gatviz draws the same random numbers as the reference, so each seed should give
the reference's result exactly, read with its rule (first epoch of best validation accuracy):
the printed ``first-best`` column. ``dense`` is slow (about a minute per seed here).

Usage: python bench/studies/citeseer/citeseer_variants.py PIECES [--seeds 30] [--out rows.csv]
       e.g.  dense+plainsum
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
import torch.nn.functional as F
from scipy import stats
from torch_geometric.nn import GATConv

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]  # gatviz, and the benchmarks this study uses
from planetoid_data import planetoid_root  # noqa: E402
import gatviz.kernels as kernels  # noqa: E402
import gatviz.model as model  # noqa: E402
import gatviz.training as training  # noqa: E402
from citeseer_study import first_best_test  # noqa: E402
from gatviz.config import TrainConfig  # noqa: E402
from gatviz.datasets import load_dataset  # noqa: E402

STUDY = Path(__file__).with_name("citeseer_study_30_seeds.csv")


def swap(pieces: set[str]) -> None:
    if "dense" in pieces:
        training.model_input = lambda x, device: x.to(device)
    if "plainsum" in pieces:
        kernels.FusedGATConv.propagate = GATConv.propagate
    if "fdropout" in pieces:
        model.dropout = F.dropout
    if "pygattdrop" in pieces:
        build = model.GAT.__init__

        def init(self, *args, **kwargs):
            build(self, *args, **kwargs)
            for conv in self.convs:
                conv._edge_update_forward_hooks.clear()
                conv.dropout = self.config.attn_dropout

        model.GAT.__init__ = init
    if "plainadam" in pieces:
        adam = training.torch.optim.Adam

        class PlainAdam(adam):
            def __init__(self, params, **kwargs):
                super().__init__(params, **{**kwargs, "fused": False, "foreach": False})

        training.torch.optim.Adam = PlainAdam


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pieces")
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--out", type=Path, help="also write the rows as CSV")
    args = parser.parse_args()
    pieces = set(args.pieces.split("+")) - {"none"}
    unknown = pieces - {"dense", "plainsum", "fdropout", "pygattdrop", "plainadam"}
    if unknown:
        parser.error(f"unknown pieces {sorted(unknown)}")
    swap(pieces)
    study = list(csv.DictReader(STUDY.open()))
    reference = {int(r["seed"]): float(r["reference"]) for r in study}
    gatviz_own = {int(r["seed"]): float(r["gatviz"]) for r in study}
    with planetoid_root() as root:
        dataset = load_dataset("citeseer", root=root)
    rows = ["seed,gatviz,first-best,reference"]
    print(rows[0], flush=True)
    ours = []
    for seed in range(args.seeds):
        result = training.train(
            dataset, train_config=TrainConfig(epochs=200, patience=0, seed=seed, snapshots=0)
        )
        ours.append(result.metrics["test_acc"])
        rows.append(f"{seed},{ours[-1]},{first_best_test(result.history)},{reference[seed]}")
        print(rows[-1], flush=True)
    a, b = np.array(ours), np.array([reference[s] for s in range(args.seeds)])
    print(
        f"{args.pieces}: gatviz {100 * a.mean():.2f} ± {100 * a.std(ddof=1):.2f} %, "
        f"reference {100 * b.mean():.2f} %, difference {100 * (a - b).mean():+.2f} points, "
        f"Welch p = {stats.ttest_ind(a, b, equal_var=False).pvalue:.3g}; same as gatviz on "
        f"{sum(ours[s] == gatviz_own[s] for s in range(args.seeds))} of {args.seeds} seeds"
    )
    if args.out:
        args.out.write_text("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
