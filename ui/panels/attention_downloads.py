"""The Attention page's downloads: the attention table (the whole graph's, or on a big graph
the view's) and the view as a standalone HTML file, each built when clicked."""

from __future__ import annotations

from functools import partial

import streamlit as st

from gatviz.datasets import GraphDataset
from ui.records import ModelRecord, whole_attention
from ui.views import attention_csv


def attention_downloads(
    record: ModelRecord,
    dataset: GraphDataset,
    node: int,
    hops: int,
    graph: int | None,
    page: str | None,
    stem: str,
) -> None:
    """``graph``: the graph's number in its set (a column of the table); ``page``: the view's
    HTML, when it could be drawn; ``stem``: the HTML file's name, without extension."""
    c = st.columns(2)
    whole = whole_attention(dataset)
    c[0].download_button(
        "Download the attention table (CSV)"
        if whole
        else "Download the attention table of this view (CSV)",
        partial(attention_csv, record, dataset, node, hops, graph),
        file_name=f"{dataset.name}_attention.csv"
        if whole
        else f"{dataset.name}_node{node}_{hops}hop_attention.csv",
        mime="text/csv",
        on_click="ignore",
        help=None
        if whole
        else "Every layer's and head's α on the edges into the nodes in view. The whole graph's "
        "table: python -m gatviz attention --out table.parquet",
    )
    if page is not None:
        c[1].download_button(
            "Download this view (standalone HTML)",
            partial(str, page),
            file_name=f"{stem}.html",
            mime="text/html",
            on_click="ignore",
        )
