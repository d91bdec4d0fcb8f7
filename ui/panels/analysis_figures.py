"""How the Analysis page draws each measurement: altair charts (built once per model and
key, see :func:`draw`) and the tables of intervals."""

from __future__ import annotations

from typing import Callable

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from ui.records import ModelRecord

LEARNED, UNIFORM, RANDOM = "#f28e2b", "#bab0ac", "#7f7f7f"
STRATEGIES = {"most attended": "#b3001b", "random": RANDOM, "least attended": "#2166ac"}


def draw(record: ModelRecord, key: tuple, build: Callable[[], alt.TopLevelMixin]) -> None:
    """Show the chart ``build()`` makes, built once per model and ``key`` (which names
    everything the chart depends on): building and validating a spec costs altair ~20 ms a
    chart, on every rerun otherwise, and an unchanged spec is not redrawn by the browser."""
    spec = record.derive(("chart",) + key, lambda: build().to_dict())
    st.vega_lite_chart(spec, width="stretch")


def heatmap(frame: pd.DataFrame, x: str, y: str, value: str, title: str) -> alt.Chart:
    """Cells coloured by ``value``, each labelled with it (two significant digits)."""
    base = alt.Chart(frame).encode(x=alt.X(f"{x}:O"), y=alt.Y(f"{y}:O"))
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=title, scale=alt.Scale(scheme="oranges")),
        tooltip=[x, y, alt.Tooltip(value, format=".4g")],
    )
    labels = base.mark_text(fontSize=10).encode(text=alt.Text(f"{value}:Q", format=".2g"))
    return (cells + labels).properties(width="container")


def entropy_histogram(values: pd.Series) -> alt.Chart:
    """Nodes by normalised entropy H / log|N(i)| in [0, 1], with uniform attention at 1."""
    counts, edges = np.histogram(values.clip(0, 1), bins=40, range=(0, 1))
    bins = pd.DataFrame({"from": edges[:-1], "to": edges[1:], "nodes": counts})
    return (
        alt.Chart(bins)
        .mark_rect()
        .encode(
            x=alt.X("from:Q", title="H / log|N(i)|", scale=alt.Scale(domain=[0, 1])),
            x2="to:Q",
            y=alt.Y("nodes:Q", title="nodes"),
            y2=alt.datum(0),
            tooltip=["from", "to", "nodes"],
        )
        + alt.Chart(pd.DataFrame({"x": [1.0]}))
        .mark_rule(color="#b3001b", strokeDash=[4, 3])
        .encode(x="x:Q")
    ).properties(height=230)


def js_from_uniform_bars(frame: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_bar(color=LEARNED)
        .encode(
            x="head:O",
            y=alt.Y("js_from_uniform:Q", title="mean JS from uniform (nats)"),
            tooltip=["head", alt.Tooltip("js_from_uniform", format=".4f")],
        )
        .properties(height=260)
    )


def same_class_bars(same: pd.DataFrame) -> alt.Chart:
    """Per head: the α mass on same-class neighbours, learned beside uniform."""
    long = pd.concat(
        [
            same.assign(weights="learned α", mass=same["same_class_mass"]),
            same.assign(weights="uniform", mass=same["same_class_mass_uniform"]),
        ]
    )
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("head:O"),
            xOffset="weights:N",
            y=alt.Y("mass:Q", title="same-class mass", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("weights:N", scale=alt.Scale(range=[LEARNED, UNIFORM])),
            tooltip=["head", "weights", alt.Tooltip("mass", format=".3f")],
        )
        .properties(height=220)
    )


def deletion_chart(deletion: pd.DataFrame, value: str, title: str) -> alt.Chart:
    return (
        alt.Chart(deletion)
        .mark_line(point=True)
        .encode(
            x=alt.X("k:O", title="edges removed per node"),
            y=alt.Y(f"{value}:Q", title=title, scale=alt.Scale(zero=False)),
            color=alt.Color(
                "strategy:N",
                scale=alt.Scale(domain=list(STRATEGIES), range=list(STRATEGIES.values())),
            ),
            tooltip=["k", "strategy", alt.Tooltip(value, format=".3f")],
        )
        .properties(height=230)
    )


def ground_truth_bars(truth: pd.DataFrame) -> alt.Chart:
    """AUROC per layer: α (mean over heads) beside 1/|N(i)| and random scores."""
    scores = {
        "auroc_attention": "α (mean over heads)",
        "auroc_inverse_degree": "1/|N(i)|, no model",
        "auroc_random": "random",
    }
    shown = (
        truth[truth["head"] == "mean"]
        .rename(columns=scores)
        .melt(
            id_vars=["layer", "mask"],
            value_vars=list(scores.values()),
            var_name="score",
            value_name="AUROC",
        )
    )
    return (
        alt.Chart(shown)
        .mark_bar()
        .encode(
            x=alt.X("layer:O"),
            xOffset="score:N",
            y=alt.Y("AUROC:Q", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "score:N", sort=None, scale=alt.Scale(range=[LEARNED, "#4e79a7", UNIFORM])
            ),
            tooltip=["layer", "mask", "score", alt.Tooltip("AUROC", format=".3f")],
        )
        .properties(height=220)
    )


def snapshot_bars(incoming: pd.DataFrame) -> alt.Chart:
    """One node's incoming α at one epoch (``from``, ``α``), with the uniform share."""
    n = len(incoming)
    return (
        alt.Chart(incoming)
        .mark_bar(color=LEARNED)
        .encode(
            x=alt.X("from:N", sort="-y", axis=alt.Axis(labels=n <= 40)),
            y=alt.Y(
                "α:Q",
                title="α",
                scale=alt.Scale(domain=[0, max(0.05, float(incoming["α"].max()) if n else 0.05)]),
            ),
            tooltip=["from", alt.Tooltip("α", format=".4f")],
        )
        + alt.Chart(pd.DataFrame({"y": [1 / max(n, 1)]}))
        .mark_rule(color=RANDOM, strokeDash=[4, 3])
        .encode(y="y:Q")
    ).properties(height=230)


def snapshot_curve(curve: pd.DataFrame, epoch: int) -> alt.Chart:
    """Mean KL from uniform over training (``epoch``, ``kl_from_uniform_mean``), ``epoch``
    marked."""
    return (
        alt.Chart(curve)
        .mark_line(color=LEARNED, point=alt.OverlayMarkDef(color=LEARNED))
        .encode(
            x="epoch:Q",
            y=alt.Y("kl_from_uniform_mean:Q", title="mean KL (nats)"),
            tooltip=["epoch", alt.Tooltip("kl_from_uniform_mean", format=".4f")],
        )
        + alt.Chart(pd.DataFrame({"epoch": [epoch]})).mark_rule(color="#333").encode(x="epoch:Q")
    ).properties(height=230)
