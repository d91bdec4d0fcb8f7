"""gatviz.uncertainty against the textbook formulas, scipy's where scipy has them."""

import math

import numpy as np
import pytest
import torch
from scipy.stats import binomtest

from gatviz.uncertainty import (
    mcnemar_exact,
    paired_change,
    paired_difference,
    score_interval,
    wilson,
)


@pytest.mark.parametrize("k, n", [(0, 7), (6, 7), (7, 7), (3, 10), (822, 1000), (1, 1)])
def test_wilson_equals_scipys_wilson_interval(k, n):
    ours = wilson(k, n)
    theirs = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert ours.estimate == k / n and ours.n == n
    assert ours.low == pytest.approx(theirs.low, abs=1e-12)
    assert ours.high == pytest.approx(theirs.high, abs=1e-12)


@pytest.mark.parametrize("b, c", [(0, 0), (0, 1), (1, 0), (3, 10), (10, 3), (25, 25), (0, 12)])
def test_exact_mcnemar_equals_a_two_sided_binomial_test_on_the_discordant_rows(b, c):
    expected = 1.0 if b + c == 0 else binomtest(b, b + c, 0.5).pvalue
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-12)


def test_paired_difference_is_the_agresti_min_interval():
    b, c, n = 3, 10, 50
    bt, ct, nt = b + 0.5, c + 0.5, n + 2
    centre = (ct - bt) / nt
    se = math.sqrt(bt + ct - (ct - bt) ** 2 / nt) / nt
    ours = paired_difference(b, c, n)
    assert ours.estimate == pytest.approx((c - b) / n)
    expected = (centre - 1.959964 * se, centre + 1.959964 * se)
    assert (ours.low, ours.high) == pytest.approx(expected, abs=1e-6)


def test_paired_difference_covers_the_truth_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    n, p_before_only, p_after_only, hits = 60, 0.10, 0.20, 0
    for _ in range(2000):
        cells = rng.multinomial(n, [p_before_only, p_after_only, 0.7])
        hits += paired_difference(int(cells[0]), int(cells[1]), n).covers(0.10)
    assert 0.93 <= hits / 2000 <= 0.975


def test_seven_test_nodes_cannot_show_one_more_right():
    """Karate's 7 test nodes: 6 right, then 7 right after an intervention."""
    y = torch.tensor([0, 1, 2, 3, 0, 1, 2])
    before, after = y.clone(), y.clone()
    before[3] = 0
    change = paired_change("node", before, after, y)
    assert change.before.estimate == pytest.approx(6 / 7) and change.after.estimate == 1.0
    assert (change.right_only_before, change.right_only_after) == (0, 1)
    assert change.p_value == 1.0 and change.difference.covers(0.0) and not change.measurable
    assert change.before.small


def test_a_large_change_on_many_rows_is_measurable():
    y = torch.zeros(1000, dtype=torch.long)
    before, after = y.clone(), y.clone()
    after[:200] = 1  # 200 rows wrong after
    change = paired_change("node", before, after, y)
    assert change.measurable and change.p_value < 1e-50
    assert change.difference.high < 0 and change.difference.estimate == pytest.approx(-0.2)


def test_micro_f1_gets_a_seeded_bootstrap_interval():
    generator = torch.Generator().manual_seed(0)
    y = (torch.rand(200, 5, generator=generator) > 0.5).long()
    pred = y.clone()
    pred[:40, 0] = 1 - pred[:40, 0]
    first, again = score_interval("multilabel", pred, y), score_interval("multilabel", pred, y)
    assert first == again  # the same resamples every time
    assert first.low < first.estimate < first.high and first.n == 200
    change = paired_change("multilabel", y, pred, y)
    assert change.right_only_before == 40 and change.right_only_after == 0
    assert change.difference.high < 0 and change.measurable


def test_the_micro_f1_bootstrap_matches_one_that_resamples_rows_one_by_one():
    """The weighted-count bootstrap against the textbook loop (other draws, same spread)."""
    from gatviz.tasks import micro_f1

    generator = torch.Generator().manual_seed(1)
    y = (torch.rand(300, 6, generator=generator) > 0.6).long()
    pred = torch.where(torch.rand(300, 6, generator=generator) > 0.8, 1 - y, y)
    ours = score_interval("multilabel", pred, y)
    rng = np.random.default_rng(5)
    loop = [
        micro_f1(pred[rows], y[rows])
        for rows in (torch.from_numpy(rng.integers(0, 300, 300)) for _ in range(2000))
    ]
    low, high = np.percentile(loop, [2.5, 97.5])
    assert ours.low == pytest.approx(low, abs=0.01) and ours.high == pytest.approx(high, abs=0.01)


def test_nothing_scored_gives_an_undefined_interval():
    empty = torch.zeros(0, 4, dtype=torch.long)
    change = paired_change("multilabel", empty, empty, empty)
    assert change.difference.n == 0 and change.difference.covers(0.0) and not change.measurable
    assert math.isnan(score_interval("node", torch.zeros(0), torch.zeros(0)).estimate)


def test_mean_interval_is_the_bootstrap_of_the_mean():
    from scipy import stats

    from gatviz.uncertainty import mean_interval

    values = np.random.default_rng(1).normal(0.3, 1.0, 400)
    interval = mean_interval(values)
    assert interval.estimate == pytest.approx(values.mean()) and interval.n == 400
    # For 400 normal values the percentile bootstrap is close to the t interval.
    t_low, t_high = stats.t.interval(0.95, 399, loc=values.mean(), scale=stats.sem(values))
    assert interval.low == pytest.approx(t_low, abs=0.015)
    assert interval.high == pytest.approx(t_high, abs=0.015)
    assert mean_interval(values) == interval  # seeded
    assert mean_interval([np.nan, 0.5]).n == 1 and np.isnan(mean_interval([0.5]).low)


def test_normal_interval_is_mean_plus_minus_z_standard_errors():
    from scipy import stats

    from gatviz.uncertainty import normal_interval

    values = np.random.default_rng(2).exponential(size=500)
    low, high = normal_interval(values.mean(), values.std(ddof=1), values.size)
    z = stats.norm.ppf(0.975)
    assert low == pytest.approx(values.mean() - z * stats.sem(values))
    assert high == pytest.approx(values.mean() + z * stats.sem(values))
    assert np.isnan(normal_interval(1.0, 0.5, 1)[0])


def test_auroc_interval_covers_the_true_auroc_95_percent_of_the_time():
    """Hanley–McNeil on simulated scores (positives N(1, 1), negatives N(0, 1): the true AUROC
    is Φ(1/√2) ≈ 0.760), 400 draws of 40 positives and 60 negatives."""
    from scipy import stats

    from gatviz.analysis import auroc
    from gatviz.uncertainty import auroc_interval

    truth = stats.norm.cdf(1 / np.sqrt(2))
    generator = np.random.default_rng(0)
    covered = 0
    for _ in range(400):
        score = np.concatenate([generator.normal(1, 1, 40), generator.normal(0, 1, 60)])
        positive = np.arange(100) < 40
        low, high = auroc_interval(auroc(score, positive), 40, 60)
        covered += low <= truth <= high
    assert 0.91 <= covered / 400 <= 0.98
    a = 0.8  # the formula itself, at one point
    q1, q2 = a / (2 - a), 2 * a**2 / (1 + a)
    se = np.sqrt((a * (1 - a) + 39 * (q1 - a**2) + 59 * (q2 - a**2)) / (40 * 60))
    assert auroc_interval(a, 40, 60) == pytest.approx((a - 1.959964 * se, a + 1.959964 * se))
    assert np.isnan(auroc_interval(0.7, 0, 10)[0])
