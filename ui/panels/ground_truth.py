"""Ground truth, where the dataset marks the edges that matter (ba-shapes' house motifs, say):
the AUROC of α as a score for them, beside the model-free 1/|N(i)| and random scores."""

from __future__ import annotations

import streamlit as st

from gatviz.report import AnalysisReport
from gatviz.figures import ground_truth_bars
from ui.panels.analysis_figures import draw
from ui.records import ModelRecord


def ground_truth_panel(record: ModelRecord, report: AnalysisReport) -> None:
    if report.ground_truth.empty:
        return
    st.subheader("Ground truth")
    truth = report.ground_truth
    st.caption(
        "AUROC of α as a score for the known edges (0.5 = chance), always beside the "
        "model-free score 1/|N(i)| and random scores: low-degree structure alone can "
        "reach a high AUROC."
    )
    draw(record, ("truth",), lambda: ground_truth_bars(truth))
    st.dataframe(truth.style.format(precision=3), hide_index=True)
