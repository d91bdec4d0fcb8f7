"""How the Analysis page draws a chart of :mod:`gatviz.figures`: built once per model and key
(see :func:`draw`)."""

from __future__ import annotations

from typing import Callable

import altair as alt
import streamlit as st

from ui.records import ModelRecord


def draw(record: ModelRecord, key: tuple, build: Callable[[], alt.TopLevelMixin]) -> None:
    """Show the chart ``build()`` makes, built once per model and ``key`` (which names
    everything the chart depends on): building and validating a spec costs altair ~20 ms a
    chart, on every rerun otherwise, and an unchanged spec is not redrawn by the browser."""
    spec = record.derive(("chart",) + key, lambda: build().to_dict())
    st.vega_lite_chart(spec, width="stretch")
