"""Does the model need its learned α? The uniform-attention knockout (the same weights with
every α_ij = 1/|N(i)|) and the deletion curves (a node's most-, least- or randomly attended
edges removed), each beside what would show no effect."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gatviz.datasets import GraphDataset
from gatviz.report import AnalysisReport
from gatviz.uncertainty import interval_text, is_measurable
from gatviz.figures import deletion_chart
from ui.panels.analysis_figures import draw
from ui.records import ModelRecord, metric_name


def intervention_panel(
    record: ModelRecord,
    report: AnalysisReport,
    dataset: GraphDataset,
    deletion: pd.DataFrame,
    layer: int,
    ppi: bool = False,
) -> None:
    """``ppi``: the set is PPI, whose paper reports a model trained with constant attention."""
    st.subheader("Uniform-attention knockout")
    scored_test = int(dataset.score_rows("test").numel())
    unit = "graphs" if dataset.task == "graph" else "nodes"
    st.caption(
        "The same trained weights with every α forced to 1/|N(i)|: if the score holds, the "
        f"model did not need its learned attention. Scores are {metric_name(dataset)} with "
        "95 % intervals (Wilson; a bootstrap for micro-F1); the change is paired on the same "
        f"{unit}, with the exact McNemar test. The test row counts {scored_test:,} {unit}"
        + (
            f", so one {unit[:-1]} more or less right moves it by {1 / scored_test:.3f}"
            if 0 < scored_test and dataset.task != "multilabel"
            else ""
        )
        + "."
        + (
            " The GAT paper's PPI figures: micro-F1 0.973 ± 0.002 with learned attention, "
            "0.934 ± 0.006 for a model trained with constant attention (here the trained "
            "weights are kept and only α is made uniform, a different test)."
            if ppi
            else ""
        )
    )
    knockout = report.knockout.set_index("split")
    shown = knockout.drop(index="all nodes").reset_index()
    st.dataframe(
        pd.DataFrame(
            {
                "split": shown["split"],
                f"{unit} scored": shown["n"].astype(int),
                "learned α [95 % CI]": _with_interval(shown, "learned"),
                "uniform α [95 % CI]": _with_interval(shown, "uniform"),
                "uniform − learned [95 % CI]": _with_interval(shown, "difference", "+"),
                "McNemar p": shown["p_value"].map("{:.2g}".format),
                "measurable": _measurable(shown),
                "predictions changed": shown["changed"].map("{:.1%}".format),
            }
        ),
        hide_index=True,
    )
    st.metric(
        "Predictions changed, all nodes",
        f"{knockout.loc['all nodes', 'changed']:.1%}",
        delta="no change if α did not matter",
        delta_color="off",
    )

    st.subheader("Deletion curves")
    st.caption(
        f"Each node loses its k most-attended incoming edges (layer {layer}, mean over "
        "heads; self-loop kept), k random ones (mean of 5 draws) or its k least-attended. "
        "If α is faithful, the most-attended should hurt most."
    )
    for column, value, title in zip(
        st.columns(2), ("test_acc", "changed"), ("test accuracy", "predictions changed")
    ):
        with column:
            draw(record, ("deletion", layer, value), lambda: deletion_chart(deletion, value, title))
    top = deletion[deletion["k"] == deletion["k"].max()].reset_index(drop=True)
    st.caption(
        f"At k = {int(top['k'].iloc[0])}, each strategy's test predictions against the intact "
        "graph's (random: its first draw), paired on the same test "
        f"{unit}: the change with its 95 % interval and the exact McNemar test."
    )
    st.dataframe(
        pd.DataFrame(
            {
                "strategy": top["strategy"],
                "test accuracy": top["test_acc"].map("{:.3f}".format),
                "change vs intact [95 % CI]": _with_interval(top, "difference", "+"),
                "McNemar p": top["p_value"].map("{:.2g}".format),
                "measurable": _measurable(top),
                f"{unit} scored": top["n"].astype(int),
            }
        ),
        hide_index=True,
    )


def _with_interval(frame: pd.DataFrame, column: str, sign: str = "") -> list[str]:
    """``estimate [low, high]`` per row, three decimals."""
    return [
        interval_text(v, lo, hi, f"{sign}.3f")
        for v, lo, hi in zip(frame[column], frame[f"{column}_low"], frame[f"{column}_high"])
    ]


def _measurable(frame: pd.DataFrame) -> list[str]:
    """'yes' where the change's interval excludes 0 and McNemar's p < 0.05, else 'no'."""
    return [
        "yes" if is_measurable(lo, hi, p) else "no"
        for lo, hi, p in zip(frame["difference_low"], frame["difference_high"], frame["p_value"])
    ]
