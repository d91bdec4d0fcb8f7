"""Cached library calls the pages render: the overlay HTML, the analyses (kept with the model
that they measure) and the downloads (built when clicked)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gatviz.analysis import compare_attention, kl_by_head, node_divergence
from gatviz.attention import attention_table, explain_alpha
from gatviz.checkpoint import checkpoint_bytes
from gatviz.datasets import GraphDataset
from gatviz.intervention import deletion_curves
from gatviz.limits import WHOLE_ATTENTION_EDGES
from gatviz.overlay import EdgeValues, OverlayOptions, build_view, overlay_html, values_attention
from gatviz.report import AnalysisReport, analyze
from ui.records import ModelRecord, view_attention, whole_attention
from ui.text import as_text


def require_whole_attention(dataset: GraphDataset, what: str) -> None:
    """Stop a page that needs every α of the graph when the graph is too big for that."""
    if not whole_attention(dataset):
        st.info(
            f"{as_text(dataset.name)} has {dataset.num_edges:,} edges, more than the "
            f"{WHOLE_ATTENTION_EDGES:,} whose attention the app computes for the whole graph "
            f"at once (GATVIZ_WHOLE_ATTENTION_EDGES), which {what} needs. The **Attention** "
            "page shows exact α around any node; `python -m gatviz analyze` measures the "
            "whole graph outside the browser."
        )
        st.stop()


@st.cache_data(max_entries=64, show_spinner=False)
def _overlay(
    _record: ModelRecord,
    _dataset: GraphDataset,
    uid: str,
    spec: tuple,
    options: OverlayOptions,
    _values: EdgeValues | None,
    values_key: tuple | None,
    _marks: dict | None,
    marks_key: tuple | None,
) -> tuple[str, list[str]]:
    if _values is None:
        layers = view_attention(_record, _dataset, options.node, options.hops)
    else:
        layers = values_attention(_values)
    view = build_view(_dataset, layers, options, scores=_values is not None)
    page = overlay_html(
        _dataset, layers, options, _record.pred, _record.prob, view, None, _values, _marks
    )
    return page, view.notes


def cached_overlay(
    record: ModelRecord,
    dataset: GraphDataset,
    options: OverlayOptions,
    values: tuple[tuple, EdgeValues] | None = None,
    marks: tuple[tuple, dict] | None = None,
) -> tuple[str, list[str]]:
    """The overlay HTML and the view's notes (what its filters and edge limit hid), cached by
    the model's weights (its uid: two sessions share an entry only for the same model from the
    shared cache), the dataset spec and the options. ``values`` and ``marks``: what the edges
    show instead of α, and the edges drawn dashed, each as (a key naming it, the thing)."""
    values_key, edge_values = values or (None, None)
    marks_key, edge_marks = marks or (None, None)
    return _overlay(
        record,
        dataset,
        record.uid,
        record.dataset_spec,
        options,
        edge_values,
        values_key,
        edge_marks,
        marks_key,
    )


def attention_csv(
    record: ModelRecord, dataset: GraphDataset, node: int, hops: int, graph: int | None = None
) -> bytes:
    """The attention table as CSV bytes: the whole graph's, or on a big graph the view's (the
    edges into the nodes within ``hops`` of ``node``); ``graph``, the graph's number in its
    set, goes in a first column. Downloads are built when clicked (pass
    ``partial(attention_csv, ...)``), so that a page does not hold every file it offers."""
    table = attention_table(view_attention(record, dataset, node, hops))
    if graph is not None:
        table.insert(0, "graph", graph)
    return table.to_csv(index=False).encode()


def analysis_report(record: ModelRecord, dataset: GraphDataset) -> AnalysisReport:
    """Every analysis but the deletion curves, computed once per model."""
    return record.derive(
        ("report",), lambda: analyze(record.model, dataset, None, attention=record.attention)
    )


def deletion_table(record: ModelRecord, dataset: GraphDataset, layer: int) -> pd.DataFrame:
    return record.derive(
        ("deletion", layer), lambda: deletion_curves(record.model, dataset, record.attention, layer)
    )


def snapshot_divergence(
    record: ModelRecord, dataset: GraphDataset, layer: int, head: int
) -> pd.DataFrame:
    """Mean KL from uniform of one layer and head at every α snapshot: ``epoch, kl_...``
    (computed for all the layer's heads at once)."""

    def compute() -> pd.DataFrame:
        return pd.concat(
            [
                kl_by_head(node_divergence([snapshot.attention[layer]], dataset.num_nodes)).assign(
                    epoch=snapshot.epoch
                )
                for snapshot in record.snapshots
            ],
            ignore_index=True,
        )

    every_head = record.derive(("snapshot_kl", layer), compute)
    return every_head[every_head["head"] == head][["epoch", "kl_from_uniform_mean"]]


def attention_difference(
    first: ModelRecord, second: ModelRecord, dataset: GraphDataset
) -> pd.DataFrame:
    """Per-node JS between two models' attention (raises GatvizError if their edges differ)."""
    return first.derive(
        ("compare", second.name),
        lambda: compare_attention(first.attention, second.attention, dataset.num_nodes),
    )


def explained_alpha(
    record: ModelRecord, dataset: GraphDataset, layer: int, node: int, head: int
) -> pd.DataFrame:
    return record.derive(
        ("explain", layer, node, head),
        lambda: explain_alpha(
            record.model,
            dataset.data.x,
            dataset.data.edge_index,
            layer,
            node,
            head,
            dataset.in_edges,
        ),
    )


def table_csv(table: pd.DataFrame) -> bytes:
    """A table as CSV bytes, for a download built when clicked (see :func:`attention_csv`)."""
    return table.to_csv(index=False).encode()


def checkpoint_for(record: ModelRecord, dataset: GraphDataset) -> bytes:
    return checkpoint_bytes(record.model, dataset, record.train_config, record.metrics)
