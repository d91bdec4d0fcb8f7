"""The report: every analysis at once, its JSON summary and its sentences."""

import math

import pandas as pd
import pytest

from gatviz.report import AnalysisReport, analyze, describe


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


def _report(deletion: dict[str, float], intact: float = 0.8) -> AnalysisReport:
    """A report with hand-set numbers: a uniform knockout that changes nothing, and deletion
    curves that end at ``deletion`` for k = 5."""
    empty = pd.DataFrame()
    rows = [{"k": 0, "strategy": s, "test_acc": intact, "changed": 0.0} for s in deletion]
    rows += [{"k": 5, "strategy": s, "test_acc": a, "changed": 0.1} for s, a in deletion.items()]
    knockout = pd.DataFrame(
        {
            "split": ["train", "val", "test", "all nodes"],
            "learned": [1.0, intact, intact, math.nan],
            "uniform": [1.0, intact, intact, math.nan],
            "changed": [0.0, 0.0, 0.0, 0.0],
        }
    )
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
        ({"most attended": 0.5, "random": 0.7, "least attended": 0.75}, "points at edges"),
        ({"most attended": 0.7, "random": 0.7, "least attended": 0.7}, "hurts no more than"),
        ({"most attended": 0.8, "random": 0.9, "least attended": 0.9}, "does not lower accuracy"),
    ],
)
def test_describe_judges_deletion_against_random_and_the_intact_graph(deletion, verdict):
    sentences = describe(_report(deletion))
    assert any(verdict in s for s in sentences)
    assert any("nearly uniform" in s for s in sentences)
    assert any("about as well without its learned attention" in s for s in sentences)
