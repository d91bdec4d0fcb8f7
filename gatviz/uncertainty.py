"""How sure a number is: intervals for a model's scores, and a paired test and interval for the
change an intervention makes to them (α forced uniform, edges deleted).

With 7 test nodes, "0.857 → 1.000" is one node more right: these say so. Scores of node and
graph tasks are proportions of correct rows, with Wilson score intervals; micro-F1 (multi-label
tasks) is not, and gets a seeded bootstrap over nodes. A change between two predictions of the
same rows is tested with the exact McNemar test on the rows whose correctness differs, with the
Agresti–Min interval for the difference of the two paired proportions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from gatviz import tasks

Z95 = 1.959963984540054  # the standard normal's 97.5 % quantile: two-sided 95 %
SMALL_SAMPLE = 30  # fewer scored rows than this: any score is flagged as resting on few
BOOTSTRAP_DRAWS = 2000  # resamples for the bootstrap intervals (seeded: always the same)


def is_measurable(low: float, high: float, p_value: float = 0.0) -> bool:
    """Whether a change is more than its rows can show by chance: its 95 % interval
    ``[low, high]`` excludes 0 and its test's ``p_value`` is below 0.05 (undefined: not)."""
    if math.isnan(low) or math.isnan(high):
        return False
    return (low > 0 or high < 0) and p_value < 0.05


def interval_text(estimate: float, low: float, high: float, fmt: str = ".3f") -> str:
    """``estimate [low, high]``, each formatted with ``fmt`` (e.g. ``+.3f``, ``.2e``)."""
    return f"{estimate:{fmt}} [{low:{fmt}}, {high:{fmt}}]"


@dataclass(frozen=True)
class Interval:
    """An estimate with its 95 % interval, and ``n``, the rows (nodes or graphs) it rests on."""

    estimate: float
    low: float
    high: float
    n: int

    def covers(self, value: float = 0.0) -> bool:
        """Whether ``value`` is inside the interval (or the interval is undefined)."""
        if math.isnan(self.low) or math.isnan(self.high):
            return True
        return self.low <= value <= self.high

    @property
    def small(self) -> bool:
        return self.n < SMALL_SAMPLE

    def as_dict(self, prefix: str) -> dict[str, float | int]:
        return {
            prefix: self.estimate,
            f"{prefix}_low": self.low,
            f"{prefix}_high": self.high,
            f"{prefix}_n": self.n,
        }


def wilson(successes: int, n: int) -> Interval:
    """Wilson's score interval for a proportion ``successes / n`` (95 %).

    .. math::
        \\frac{\\hat p + z^2/2n \\pm z \\sqrt{\\hat p(1 - \\hat p)/n + z^2/4n^2}}{1 + z^2/n}
    """
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    p, z2 = successes / n, Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half), n)


def mcnemar_exact(b: int, c: int) -> float:
    """The exact (binomial) two-sided McNemar p-value for ``b`` rows right only before and
    ``c`` rows right only after: twice the smaller binomial tail of Bin(b + c, 1/2), at most 1;
    1 when no row changed."""
    m = b + c
    if m == 0:
        return 1.0
    tail = sum(math.comb(m, i) for i in range(min(b, c) + 1)) / 2**m
    return min(1.0, 2 * tail)


def paired_difference(b: int, c: int, n: int) -> Interval:
    """The change in a proportion between two paired measurements of the same ``n`` rows, of
    which ``b`` were right only in the first and ``c`` only in the second: (c − b) / n, with
    the Agresti–Min interval (the Wald interval after adding ½ to each of the four cells).

    .. math::
        \\tilde d = \\frac{\\tilde c - \\tilde b}{\\tilde n}, \\quad
        \\mathrm{SE} = \\frac{1}{\\tilde n}\\sqrt{\\tilde b + \\tilde c
        - \\frac{(\\tilde c - \\tilde b)^2}{\\tilde n}}, \\quad
        \\tilde b = b + \\tfrac12, \\tilde c = c + \\tfrac12, \\tilde n = n + 2
    """
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    bt, ct, nt = b + 0.5, c + 0.5, n + 2.0
    centre = (ct - bt) / nt
    se = math.sqrt(max(bt + ct - (ct - bt) ** 2 / nt, 0.0)) / nt
    return Interval((c - b) / n, max(-1.0, centre - Z95 * se), min(1.0, centre + Z95 * se), n)


def _f1_counts(pred: Tensor, y: Tensor) -> np.ndarray:
    """Per row: its true positives and its wrong (node, label) pairs, the two sums micro-F1
    is made of. Shapes: (n, L) -> (n, 2)."""
    pred, y = pred.bool(), y.bool()
    return torch.stack([(pred & y).sum(1), (pred ^ y).sum(1)], 1).double().numpy()


def _resampled_f1(counts: list[np.ndarray], seed: int = 0) -> list[np.ndarray]:
    """Micro-F1 of each of ``counts`` on BOOTSTRAP_DRAWS resamples of the rows, the same
    resamples for all: each resample's totals are the rows' counts weighted by how often the
    resample drew them (one matrix product per chunk instead of a pass per resample)."""
    n = counts[0].shape[0]
    if n == 0:
        return [np.full(BOOTSTRAP_DRAWS, math.nan) for _ in counts]
    rng = np.random.default_rng(seed)
    out: list[list[np.ndarray]] = [[] for _ in counts]
    chunk = max(1, min(BOOTSTRAP_DRAWS, 2_000_000 // max(n, 1)))
    for start in range(0, BOOTSTRAP_DRAWS, chunk):
        draws = min(chunk, BOOTSTRAP_DRAWS - start)
        weights = rng.multinomial(n, np.full(n, 1.0 / n), size=draws)  # (draws, n)
        for k, count in enumerate(counts):
            tp, wrong = (weights @ count).T
            with np.errstate(invalid="ignore", divide="ignore"):
                out[k].append(2 * tp / (2 * tp + wrong))
    return [np.concatenate(parts) for parts in out]


def _percentiles(values: np.ndarray) -> tuple[float, float]:
    """The 95 % percentile interval, NaN when every resample is NaN (no positive label)."""
    if np.isnan(values).all():
        return math.nan, math.nan
    low, high = np.nanpercentile(values, [2.5, 97.5])
    return float(low), float(high)


def normal_interval(mean, std, n) -> tuple[np.ndarray, np.ndarray]:
    """The 95 % interval of a mean over ``n`` rows from their standard deviation, mean ± z ·
    std / √n (the central limit theorem: for means over many nodes, where a bootstrap would
    cost seconds). Works elementwise on arrays; undefined (NaN) below two rows.

    Returns:
        (low, high)
    """
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = np.where(n >= 2, Z95 * np.asarray(std, dtype=float) / np.sqrt(n), np.nan)
    return np.asarray(mean) - half, np.asarray(mean) + half


def auroc_interval(auroc: float, positives: int, negatives: int) -> tuple[float, float]:
    """The 95 % interval of an AUROC from Hanley and McNeil's (1982) standard error:
    SE² = (A(1 − A) + (P − 1)(Q₁ − A²) + (N − 1)(Q₂ − A²)) / (P N), with Q₁ = A / (2 − A) and
    Q₂ = 2A² / (1 + A), clipped to [0, 1]. NaN without positives or negatives."""
    if positives == 0 or negatives == 0 or math.isnan(auroc):
        return math.nan, math.nan
    a = auroc
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    variance = (a * (1 - a) + (positives - 1) * (q1 - a * a) + (negatives - 1) * (q2 - a * a)) / (
        positives * negatives
    )
    half = Z95 * math.sqrt(max(variance, 0.0))
    return max(0.0, a - half), min(1.0, a + half)


def mean_interval(values, seed: int = 0) -> Interval:
    """The mean of per-row ``values`` (one per node or graph: a rank correlation, an AUROC, a
    share) with the 95 % percentile bootstrap interval over the rows (BOOTSTRAP_DRAWS seeded
    resamples). NaN values are left out; with fewer than two rows the interval is undefined."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = int(values.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    if n == 1:
        return Interval(float(values[0]), math.nan, math.nan, 1)
    generator = np.random.default_rng(seed)
    chunk = max(1, 4_000_000 // n)  # resamples drawn at once: memory stays bounded on big graphs
    means = np.concatenate(
        [
            values[generator.integers(0, n, size=(min(chunk, BOOTSTRAP_DRAWS - start), n))].mean(1)
            for start in range(0, BOOTSTRAP_DRAWS, chunk)
        ]
    )
    low, high = _percentiles(means)
    return Interval(float(values.mean()), low, high, n)


def score_interval(task: str, pred: Tensor, y: Tensor) -> Interval:
    """The task's score of ``pred`` against ``y`` (the scored rows only), with its interval:
    Wilson for accuracy, a bootstrap over rows for micro-F1."""
    n = int(y.size(0))
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    if task != "multilabel":
        return wilson(int((pred == y).sum()), n)
    low, high = _percentiles(_resampled_f1([_f1_counts(pred, y)])[0])
    return Interval(tasks.micro_f1(pred, y), low, high, n)


@dataclass(frozen=True)
class PairedChange:
    """Two predictions of the same rows compared: each score with its interval, the change
    ``after − before`` with its interval, and the exact McNemar test on the rows whose
    correctness differs (multi-label: on every (node, label) pair)."""

    before: Interval
    after: Interval
    difference: Interval
    right_only_before: int
    right_only_after: int
    p_value: float

    @property
    def measurable(self) -> bool:
        """Whether the change is more than these rows can show by chance: its interval
        excludes 0 and the test rejects no change at 5 %."""
        return is_measurable(self.difference.low, self.difference.high, self.p_value)

    def as_dict(self, prefix: str) -> dict[str, float | int]:
        return {
            **self.before.as_dict(f"{prefix}_before"),
            **self.after.as_dict(f"{prefix}_after"),
            **self.difference.as_dict(f"{prefix}_difference"),
            f"{prefix}_right_only_before": self.right_only_before,
            f"{prefix}_right_only_after": self.right_only_after,
            f"{prefix}_p_value": self.p_value,
        }


def paired_change(task: str, before: Tensor, after: Tensor, y: Tensor) -> PairedChange:
    """Compare two predictions ``before`` and ``after`` of the same scored rows ``y``."""
    first, second = score_interval(task, before, y), score_interval(task, after, y)
    right_before, right_after = before == y, after == y  # (n,) or (n, labels)
    b = int((right_before & ~right_after).sum())
    c = int((~right_before & right_after).sum())
    n = int(y.size(0))
    if task != "multilabel":
        difference = paired_difference(b, c, n)
    else:  # micro-F1 is no proportion: a paired bootstrap over nodes
        f1_before, f1_after = _resampled_f1([_f1_counts(before, y), _f1_counts(after, y)])
        low, high = _percentiles(f1_after - f1_before)
        difference = Interval(second.estimate - first.estimate, low, high, n)
    return PairedChange(first, second, difference, b, c, mcnemar_exact(b, c))


def fewer_than(interval: Interval, unit: str) -> str:
    """A sentence's tail saying how few rows a number rests on, or nothing."""
    return f" (only {interval.n} test {unit}: read it as a rough guide)" if interval.small else ""
