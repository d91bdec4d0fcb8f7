"""The Analysis page's tables as CSV downloads, each built when clicked."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from gatviz.datasets import GraphDataset
from gatviz.report import AnalysisReport
from ui.views import table_csv


def analysis_export(
    report: AnalysisReport,
    dataset: GraphDataset,
    layer: int,
    extra: dict[str, pd.DataFrame] | None = None,
) -> None:
    """``extra``: more tables by file stem (the seed and attribution studies', once run)."""
    st.subheader("Export")
    tables = report.tables()
    tables[f"deletion_layer{layer}"] = tables.pop("deletion")
    tables.update(extra or {})
    columns = st.columns(4)
    for k, (stem, table) in enumerate(tables.items()):
        columns[k % 4].download_button(
            f"{stem}.csv",
            partial(table_csv, table),
            file_name=f"{dataset.name}_{stem}.csv",
            mime="text/csv",
            on_click="ignore",
            key=f"export_{stem}",
        )
