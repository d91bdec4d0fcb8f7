"""gatviz.seeds: the same settings retrained with K seeds (karate, K = 2) and its measures."""

import numpy as np
import pytest
import torch
from scipy import stats

from gatviz.config import TrainConfig
from gatviz.errors import GatvizError
from gatviz.seeds import _node_correlations, _top_neighbour, seed_study


@pytest.fixture(scope="module")
def study(karate):
    return seed_study(karate, train_config=TrainConfig(epochs=30, patience=0), seeds=2)


def test_a_seed_study_is_deterministic(karate, study):
    again = seed_study(karate, train_config=TrainConfig(epochs=30, patience=0), seeds=2)
    for name, table in study.tables().items():
        assert table.equals(again.tables()[name]), name
    assert study.seeds == [0, 1]


def test_seed_study_tables_hold_their_invariants(karate, study):
    edges = study.edges
    for layer, rows in edges.groupby("layer"):
        sums = rows.groupby("target")["alpha_mean"].sum()
        assert np.allclose(sums, 1.0, atol=1e-5)  # the mean of distributions is one
        assert (rows["alpha_std"] >= 0).all()
    assert set(edges["unstable"].unique()) <= {True, False}
    assert study.agreement["nodes"].gt(0).all()
    assert study.agreement["spearman"].between(-1, 1).all()
    assert study.top["same_top_share"].between(0, 1).all()
    assert len(study.churn) == 1 and 0 <= study.churn["changed"].iloc[0] <= 1
    stats_ = study.statistics.set_index("statistic")
    assert len(stats_.loc["test score", "per_seed"]) == 2
    summary = study.summary()
    assert summary["seeds"] == [0, 1] and len(summary["layers"]) == 2


def test_the_number_of_seeds_is_checked(karate):
    with pytest.raises(GatvizError, match="seeds must be between 2 and"):
        seed_study(karate, seeds=1)


def test_node_rank_correlations_equal_scipys_node_by_node():
    # Node 0 hears from four edges, node 1 from three, node 2 from two (left out: too few).
    target = torch.tensor([0, 1, 0, 1, 0, 2, 1, 0, 2])
    first = torch.tensor([0.1, 0.5, 0.4, 0.2, 0.3, 0.6, 0.3, 0.2, 0.4])
    second = torch.tensor([0.2, 0.1, 0.3, 0.6, 0.4, 0.5, 0.3, 0.1, 0.5])
    rho, tau, nodes = _node_correlations(first, second, target, 3)
    expected_rho, expected_tau = [], []
    for node in (0, 1):
        rows = (target == node).numpy()
        expected_rho.append(stats.spearmanr(first[rows], second[rows]).statistic)
        expected_tau.append(stats.kendalltau(first[rows], second[rows]).statistic)
    assert nodes == 2
    assert rho == pytest.approx(np.mean(expected_rho)) and tau == pytest.approx(
        np.mean(expected_tau)
    )


def test_top_neighbour_ignores_self_loops_and_breaks_ties_by_the_lowest_id():
    edge_index = torch.tensor([[1, 2, 0, 0, 1, 3, 0], [0, 0, 0, 1, 1, 2, 2]])
    alpha = torch.tensor([0.3, 0.2, 0.5, 0.4, 0.6, 0.5, 0.5])
    assert _top_neighbour(alpha, edge_index, 4).tolist() == [1, 0, 0, -1]


def test_node_rank_correlations_equal_scipys_with_ties_and_many_degrees():
    generator = torch.Generator().manual_seed(3)
    degrees = torch.randint(1, 13, (60,), generator=generator)
    target = torch.repeat_interleave(torch.arange(60), degrees)
    # Rounded to one decimal: plenty of ties, and some nodes constant in one seed.
    first = (torch.rand(target.numel(), generator=generator) * 4).round() / 4
    second = (torch.rand(target.numel(), generator=generator) * 4).round() / 4
    rho, tau, nodes = _node_correlations(first, second, target, 60)
    expected_rho, expected_tau = [], []
    for node in range(60):
        rows = (target == node).numpy()
        a, b = first[rows].numpy(), second[rows].numpy()
        if rows.sum() >= 3 and np.ptp(a) > 0 and np.ptp(b) > 0:
            expected_rho.append(stats.spearmanr(a, b).statistic)
            expected_tau.append(stats.kendalltau(a, b).statistic)
    assert nodes == len(expected_rho) > 20
    assert rho == pytest.approx(np.mean(expected_rho), abs=1e-12)
    assert tau == pytest.approx(np.mean(expected_tau), abs=1e-12)
