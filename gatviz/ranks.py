"""Rank statistics in numpy: average ranks, Spearman's rho and Kendall's tau-b.

The same numbers as scipy.stats' ``rankdata``, ``spearmanr`` and ``kendalltau`` (tested against
them), without importing scipy.stats: that import alone costs the app's server about 54 MB, a
twelfth of the hosted demo's memory.
"""

from __future__ import annotations

import math

import numpy as np

PAIR_BLOCK = 4_000_000  # (i, j) pairs compared at once by kendall_tau


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..d of each row of ``x``, ties given the mean of the ranks they span (scipy's
    ``rankdata(x, axis=-1)``). Shapes: (d,) or (R, d), the same out."""
    values = np.atleast_2d(np.asarray(x, dtype=float))
    d = values.shape[1]
    order = np.argsort(values, axis=1, kind="stable")
    ordered = np.take_along_axis(values, order, 1)
    position = np.broadcast_to(np.arange(d), ordered.shape)
    starts = np.ones(ordered.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    ends = np.ones(ordered.shape, dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    first = np.maximum.accumulate(np.where(starts, position, 0), axis=1)
    last = np.minimum.accumulate(np.where(ends, position, d)[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty_like(ordered)
    np.put_along_axis(ranks, order, (first + last) / 2 + 1, 1)
    return ranks.reshape(np.shape(x))


def spearman(a: np.ndarray, b: np.ndarray) -> np.ndarray | float:
    """Spearman's rho of each row of ``a`` against the same row of ``b``: Pearson's r of the
    average ranks (NaN where either is constant). Shapes: (d,) -> float, (R, d) -> (R,)."""
    ra, rb = np.atleast_2d(average_ranks(a)), np.atleast_2d(average_ranks(b))
    ra, rb = ra - ra.mean(1, keepdims=True), rb - rb.mean(1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (ra * rb).sum(1) / np.sqrt((ra**2).sum(1) * (rb**2).sum(1))
    return float(rho[0]) if np.ndim(a) == 1 else rho


def kendall_tau(a: np.ndarray, b: np.ndarray) -> float:
    """Kendall's tau-b of two vectors: Σ sign(a_i − a_j) sign(b_i − b_j) over the pairs, over
    the square root of the pairs untied in a times those untied in b (NaN where either is
    constant). Compared in blocks of rows, so memory stays bounded for long vectors."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    n = a.size
    block = max(1, PAIR_BLOCK // max(n, 1))
    both = untied_a = untied_b = 0.0
    for start in range(0, n, block):
        sa = np.sign(a[start : start + block, None] - a[None, :])
        sb = np.sign(b[start : start + block, None] - b[None, :])
        both += float((sa * sb).sum())
        untied_a += float(np.abs(sa).sum())
        untied_b += float(np.abs(sb).sum())
    if untied_a == 0 or untied_b == 0:
        return math.nan
    return both / math.sqrt(untied_a * untied_b)
