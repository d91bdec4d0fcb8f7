"""gatviz.ranks equals scipy.stats on the same vectors, ties included."""

import math

import numpy as np
import pytest
from scipy import stats

from gatviz import ranks


@pytest.mark.parametrize("ties", [False, True])
def test_rank_statistics_equal_scipys(ties, monkeypatch):
    generator = np.random.default_rng(3)
    for n in (2, 3, 7, 60, 501):
        a, b = generator.normal(size=n), generator.normal(size=n)
        if ties:
            a, b = np.round(a, 0), np.round(b * 2, 0)
        if np.ptp(a) == 0 or np.ptp(b) == 0:
            continue
        assert ranks.average_ranks(a) == pytest.approx(stats.rankdata(a))
        assert ranks.spearman(a, b) == pytest.approx(stats.spearmanr(a, b).statistic)
        assert ranks.kendall_tau(a, b) == pytest.approx(stats.kendalltau(a, b).statistic)
    rows = np.round(generator.normal(size=(5, 9)), 0)
    assert ranks.average_ranks(rows) == pytest.approx(stats.rankdata(rows, axis=1))
    # Blocks of a few rows give the same tau as one block.
    a, b = generator.normal(size=300), generator.normal(size=300)
    whole = ranks.kendall_tau(a, b)
    monkeypatch.setattr(ranks, "PAIR_BLOCK", 1000)
    assert ranks.kendall_tau(a, b) == pytest.approx(whole)


def test_constant_vectors_have_no_rank_correlation():
    assert math.isnan(ranks.kendall_tau(np.ones(4), np.arange(4)))
    with np.errstate(invalid="ignore"):
        assert math.isnan(ranks.spearman(np.ones(4), np.arange(4.0)))
