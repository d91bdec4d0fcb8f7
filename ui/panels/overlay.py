"""The overlay on a page: the cached HTML in an iframe, then what the view left out (its
filters and its edge limit) and, on a big graph, how its α was computed."""

from __future__ import annotations

import streamlit as st

from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from gatviz.overlay import LEGEND_HEIGHT, EdgeValues, OverlayOptions
from ui.records import ModelRecord, whole_attention
from ui.text import as_text
from ui.views import cached_overlay


def overlay_panel(
    record: ModelRecord,
    dataset: GraphDataset,
    options: OverlayOptions,
    values: tuple[tuple, EdgeValues] | None = None,
    marks: tuple[tuple, dict] | None = None,
) -> str | None:
    """Draw the overlay (``values``, ``marks``: see :func:`ui.views.cached_overlay`); its HTML
    (for the download), or None when the view cannot be drawn (what to change is said
    instead)."""
    try:
        page, notes = cached_overlay(record, dataset, options, values, marks)
    except GatvizError as error:
        st.warning(as_text(error))
        return None
    st.iframe(page, height=options.height + LEGEND_HEIGHT)
    for note in notes:
        hint = " Raise 'Most edges drawn' (0 = all) to draw more, or filter above."
        st.caption(f"{note[0].upper()}{note[1:]}." + (hint if "strongest" in note else ""))
    if not whole_attention(dataset):
        st.caption(
            f"{as_text(dataset.name)} has {dataset.num_edges:,} edges, so α is computed around "
            f"the node in view only: from the nodes within {options.hops} + "
            f"{record.model_config.layers} hops, which makes every α drawn here exactly the "
            "model's."
        )
    return page
