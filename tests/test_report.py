"""The report: every analysis at once, its JSON summary and its sentences."""

import pandas as pd
import pytest

from gatviz.report import AnalysisReport, analyze, describe
from gatviz.uncertainty import mcnemar_exact, paired_difference, wilson


def test_analyze_report_summary_and_sentences(karate, karate_trained):
    model = karate_trained[0].model
    report = analyze(model, karate)
    summary = report.summary()
    assert summary["test_acc"] == pytest.approx(karate_trained[0].metrics["test_acc"])
    assert len(summary["layers"]) == 2 and len(summary["layers"][0]["heads"]) == 8
    assert summary["layers"][0]["ranking_consistency"] == 1.0
    assert set(report.tables()) >= {"deletion", "kl_from_uniform", "uniform_knockout"}
    sentences = describe(report)
    assert any("forced to uniform" in s for s in sentences)
    assert any("most-attended" in s for s in sentences)
    assert analyze(model, karate, deletion_layer=None).deletion is None


def _change(b: int, c: int, n: int) -> dict:
    """The paired columns of a change in which ``b`` rows were right only before and ``c``
    only after, out of ``n``."""
    interval = paired_difference(b, c, n)
    return {
        "difference": interval.estimate,
        "difference_low": interval.low,
        "difference_high": interval.high,
        "p_value": mcnemar_exact(b, c),
        "n": n,
    }


def _report(deletion: dict[str, tuple[float, int]], n: int = 1000, intact: float = 0.8):
    """A report with hand-set numbers: a uniform knockout that changes nothing, and deletion
    curves that end, for k = 5, at ``deletion``: strategy -> (test accuracy, rows that became
    wrong)."""
    empty = pd.DataFrame()
    rows = [
        {"k": 0, "strategy": s, "test_acc": intact, "changed": 0.0, **_change(0, 0, n)}
        for s in deletion
    ]
    rows += [
        {"k": 5, "strategy": s, "test_acc": a, "changed": 0.1, **_change(lost, 0, n)}
        for s, (a, lost) in deletion.items()
    ]
    score = wilson(round(intact * n), n)
    knockout = pd.DataFrame(
        [
            {"split": split, "learned": score.estimate, "learned_low": score.low,
             "learned_high": score.high, "uniform": score.estimate, "uniform_low": score.low,
             "uniform_high": score.high, **_change(0, 0, n), "changed": 0.0}
            for split in ("train", "val", "test")
        ]
        + [{"split": "all nodes", "n": n, "changed": 0.0}]
    )  # fmt: skip
    kl = pd.DataFrame(
        {
            "layer": [0],
            "head": [0],
            "kl_from_uniform_mean": [0.0],
            "normalised_entropy_mean": [1.0],
            "nodes": [10],
        }
    )
    return AnalysisReport(
        "gat",
        empty,
        kl,
        empty,
        empty,
        pd.DataFrame(columns=["layer", "same_class_mass"]),
        pd.DataFrame({"consistency": [1.0]}),
        knockout,
        pd.DataFrame(columns=["head"]),
        pd.DataFrame(rows),
    )


@pytest.mark.parametrize(
    "deletion, verdict",
    [
        (
            {"most attended": (0.5, 300), "random": (0.7, 100), "least attended": (0.75, 50)},
            "points at edges the predictions depend on",
        ),
        (
            {"most attended": (0.7, 100), "random": (0.7, 100), "least attended": (0.7, 100)},
            "no more than removing random edges",
        ),
        (
            {"most attended": (0.8, 0), "random": (0.8, 0), "least attended": (0.8, 0)},
            "not measurable with 1,000 test nodes",
        ),
    ],
)
def test_describe_judges_deletion_against_random_and_the_intact_graph(deletion, verdict):
    sentences = describe(_report(deletion))
    assert any(verdict in s for s in sentences)
    assert any("nearly uniform" in s for s in sentences)
    assert any("forced to uniform" in s and "is not measurable with 1,000" in s for s in sentences)
    assert not any("Only" in s for s in sentences)


def test_describe_says_what_seven_test_nodes_cannot_show():
    """Karate's 7 test nodes: one node more right after deleting edges is no finding."""
    deletion = {"most attended": (6 / 7, 1), "random": (1.0, 0), "least attended": (1.0, 0)}
    sentences = describe(_report(deletion, n=7, intact=1.0))
    removal = next(s for s in sentences if "most-attended" in s)
    assert "not measurable with 7 test nodes" in removal and "Only 7 test nodes" in removal
    assert "McNemar p = 1" in removal
