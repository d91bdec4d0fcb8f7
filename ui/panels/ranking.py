"""Static or dynamic attention (Analysis page): do nodes that share neighbours rank them the
same way? GAT must (Brody et al. 2022); GATv2 need not."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gatviz.report import AnalysisReport


def ranking_panel(report: AnalysisReport, layer: int) -> None:
    st.subheader("Static or dynamic attention")
    ranking = report.ranking[report.ranking["layer"] == layer]
    consistency = ranking["consistency"].mean()
    c = st.columns([1, 3])
    c[0].metric(
        "Ranking consistency",
        "n/a" if pd.isna(consistency) else f"{consistency:.3f}",
        delta="GAT always gives 1.000",
        delta_color="off",
    )
    c[1].markdown(
        "GAT scores a neighbour j of i with LeakyReLU(a_srcᵀWh_j + a_dstᵀWh_i), which grows with "
        "a_srcᵀWh_j whatever i is, so every node ranks the neighbours it shares with another node "
        "the same way (*static* attention, Brody et al. 2022); GATv2 can rank them differently. "
        f"Measured over {int(ranking['target_pairs'].iloc[0]):,} pairs of nodes that share at "
        "least two neighbours: the fraction whose rankings of the shared neighbours agree."
    )
