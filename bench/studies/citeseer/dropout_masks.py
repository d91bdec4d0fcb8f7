"""Are the dropout masks that each sampler draws over CiteSeer's features alike? Statistics only.

For 200 epochs' masks (keep probability 0.4) at the positions of CiteSeer's non-zero features,
the masks of ``F.dropout`` (``bernoulli_``), of ``rand`` (gatviz's) and of numpy's PCG64 give:
the fraction kept; the variance of each paper's kept count over the binomial variance; the
correlation between consecutive epochs at the same position, between consecutive non-zeros of a
paper, and the largest between any two epochs. Independent masks give 0.4, 1 and correlations
within a few times 1/sqrt(samples) of 0.

Usage: python bench/studies/citeseer/dropout_masks.py [--epochs 200]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]  # gatviz, and the benchmarks this study uses
from planetoid_data import planetoid_root  # noqa: E402
from gatviz.datasets import load_dataset  # noqa: E402

KEEP = 0.4


def masks(kind: str, shape: tuple[int, int], rows, cols, epochs: int) -> torch.Tensor:
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    out = []
    for _ in range(epochs):
        if kind == "F.dropout":
            mask = F.dropout(torch.ones(shape), 1 - KEEP, True) > 0
        elif kind == "rand":
            mask = torch.rand(shape) >= 1 - KEEP
        else:
            mask = torch.from_numpy(rng.random(shape, dtype=np.float32) >= 1 - KEEP)
        out.append(mask[rows, cols].float())
    return torch.stack(out)  # (epochs, non-zeros)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    epochs = parser.parse_args().epochs
    with planetoid_root() as root:
        x = load_dataset("citeseer", root=root).data.x
    rows, cols = x.nonzero(as_tuple=True)
    words = torch.bincount(rows, minlength=x.size(0)).float()
    has = words > 0
    same_paper = rows[1:] == rows[:-1]
    print(
        f"{'sampler':10} {'kept':>8} {'var/binom':>10} {'epoch lag-1':>12} "
        f"{'in-paper':>9} {'max between epochs':>19}"
    )
    for kind in ("F.dropout", "rand", "pcg64"):
        m = masks(kind, tuple(x.shape), rows, cols, epochs)
        kept = torch.zeros(epochs, x.size(0)).index_add_(1, rows, m)
        ratio = (kept[:, has].var(0) / (words[has] * KEEP * (1 - KEEP))).mean()
        c = m - m.mean()
        lag = (c[1:] * c[:-1]).mean() / c.var()
        within = (c[:, 1:][:, same_paper] * c[:, :-1][:, same_paper]).mean() / c.var()
        between = torch.corrcoef(m)
        between = between[~torch.eye(epochs, dtype=torch.bool)].abs().max()
        print(
            f"{kind:10} {float(m.mean()):8.5f} {float(ratio):10.4f} {float(lag):+12.5f} "
            f"{float(within):+9.5f} {float(between):19.4f}"
        )
    print(f"1/sqrt(non-zeros) = {1 / np.sqrt(rows.numel()):.4f}")


if __name__ == "__main__":
    main()
