"""Does the model need its learned α? The uniform-attention knockout (the same weights with
every α_ij = 1/|N(i)|) and the deletion curves (a node's most-, least- or randomly attended
edges removed), each beside what would show no effect."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gatviz.datasets import GraphDataset
from gatviz.report import AnalysisReport
from ui.panels.analysis_figures import deletion_chart, draw
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
        f"model did not need its learned attention. Scores are {metric_name(dataset)}; the "
        f"test row counts {scored_test:,} {unit}"
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
    c = st.columns([2, 1])
    c[0].dataframe(
        knockout.drop(index="all nodes")
        .rename(
            columns={
                "learned": "learned α",
                "uniform": "uniform α",
                "changed": "predictions changed",
            }
        )
        .style.format(precision=3)
    )
    c[1].metric(
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
