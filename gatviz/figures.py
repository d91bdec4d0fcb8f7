"""The charts gatviz draws, as altair charts and Vega-Lite specs: the Analysis page's figures,
the heads grid and the embedding view. The app's pages show them with Streamlit; in a notebook,
:mod:`gatviz.notebook` shows the same charts as self-contained pages. Each takes the tables the
library computes (:mod:`gatviz.report`, :mod:`gatviz.embedding`, :mod:`gatviz.attention`) and
only draws them."""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from gatviz.attention import incoming_alpha
from gatviz.datasets import GraphDataset
from gatviz.model import LayerAttention

VEGA_LITE = "https://vega.github.io/schema/vega-lite/v5.json"  # the schema's name, not a fetch
ALPHA_RANGE = ["#cfd8e3", "#f4a259", "#b3001b"]  # the overlay's α colours, low to high
LEARNED, UNIFORM, RANDOM = "#f28e2b", "#bab0ac", "#7f7f7f"
STRATEGIES = {"most attended": "#b3001b", "random": RANDOM, "least attended": "#2166ac"}
MAX_BARS = 30  # neighbours drawn in the heads grid
EMBEDDING_COLOURS = {
    "class": "true class",
    "prediction": "prediction",
    "correct": "correct / wrong",
    "entropy": "entropy",
    "kl": "KL from uniform",
}
PROJECTION_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


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


HEADS_GRID_WIDTH = 520  # pixels for all the heads' plots of a row: fits a 1,280 px window


def heads_grid_spec(overview: pd.DataFrame, order: list[str]) -> dict:
    """Vega-Lite small multiples of α by neighbour, a row per layer and a column per head
    (``layer``, ``head``, ``from``, ``α`` columns), coloured like the overlay. A facet's
    width cannot follow its container, so the heads share HEADS_GRID_WIDTH: eight heads of
    110 px ran off the right edge."""
    heads = int(overview["head"].nunique()) if len(overview) else 1
    width = max(36, min(110, HEADS_GRID_WIDTH // heads))
    return {
        "$schema": VEGA_LITE,
        "data": {"values": overview.to_dict("records")},
        "facet": {
            "row": {"field": "layer", "type": "nominal"},
            "column": {"field": "head", "type": "nominal"},
        },
        "spec": {
            "width": width,
            "height": 90,
            "mark": "bar",
            "encoding": {
                "x": {
                    "field": "from",
                    "type": "nominal",
                    "sort": order,
                    "title": "neighbour",
                    "axis": {"labels": len(order) <= width // 8},
                },
                "y": {"field": "α", "type": "quantitative"},
                "color": {
                    "field": "α",
                    "type": "quantitative",
                    "scale": {"range": ALPHA_RANGE},
                    "legend": None,
                },
                "tooltip": [
                    {"field": "layer", "type": "nominal"},
                    {"field": "head", "type": "nominal"},
                    {"field": "from", "type": "nominal"},
                    {"field": "α", "type": "quantitative", "format": ".3f"},
                ],
            },
        },
    }


def heads_overview(
    layers: list[LayerAttention], node: int, limit: int = MAX_BARS
) -> tuple[pd.DataFrame, list[str], int]:
    """``node``'s incoming α for :func:`heads_grid_spec`: the rows (``layer``, ``head``,
    ``from``, ``α``; ``from`` is the neighbour's id as text) of the ``limit`` neighbours with the
    highest mean α over every layer and head, those neighbours strongest first, and how many
    neighbours there are in all."""
    overview = incoming_alpha(layers, node).rename(columns={"alpha": "α"})
    overview["from"] = overview.pop("source").astype(str)
    order = overview.groupby("from")["α"].mean().sort_values(ascending=False).index.tolist()
    shown = overview[overview["from"].isin(order[:limit])].reset_index(drop=True)
    return shown, order[:limit], len(order)


def embedding_spec(table: pd.DataFrame, dataset: GraphDataset, colour: str) -> dict:
    """A scatter of :func:`gatviz.embedding.embedding_table`'s points coloured by ``colour``
    (a key of EMBEDDING_COLOURS); a click selects the nearest point (parameter ``pick``)."""
    names = dataset.class_names
    rows = []
    for r in table.itertuples():
        label = names[r.label] if 0 <= r.label < len(names) else "unlabelled"
        rows.append(
            {
                "node": int(r.node),
                "x": float(r.x),
                "y": float(r.y),
                "class": label,
                "prediction": names[r.prediction] if 0 <= r.prediction < len(names) else "?",
                "correct": "unlabelled"
                if r.correct is None
                else ("correct" if r.correct else "wrong"),
                "entropy": None if r.entropy != r.entropy else float(r.entropy),
                "kl": None if r.kl != r.kl else float(r.kl),
                "name": dataset.node_names[int(r.node)],
            }
        )
    encoding: dict[str, Any]
    if colour in ("entropy", "kl"):
        encoding = {
            "field": colour,
            "type": "quantitative",
            "scale": {"scheme": "viridis"},
            "title": EMBEDDING_COLOURS[colour],
        }
    elif colour == "correct":
        encoding = {
            "field": "correct",
            "type": "nominal",
            "scale": {
                "domain": ["correct", "wrong", "unlabelled"],
                "range": ["#2e9d5b", "#d62728", "#c8c8c8"],
            },
            "title": None,
        }
    else:
        encoding = {
            "field": colour,
            "type": "nominal",
            "title": EMBEDDING_COLOURS[colour],
            "legend": {"labelLimit": 160},
        }
    return {
        "height": 420,
        "data": {"values": rows},
        "layer": [
            {
                "params": [
                    {
                        "name": "pick",
                        "select": {"type": "point", "fields": ["node"], "nearest": True},
                    }
                ],
                "mark": {"type": "circle", "size": 30, "opacity": 0.75},
                "encoding": {
                    "x": {
                        "field": "x",
                        "type": "quantitative",
                        "title": None,
                        "axis": {"labels": False},
                    },
                    "y": {
                        "field": "y",
                        "type": "quantitative",
                        "title": None,
                        "axis": {"labels": False},
                    },
                    "color": encoding,
                    "tooltip": [
                        {"field": "node"},
                        {"field": "name"},
                        {"field": "class"},
                        {"field": "prediction"},
                        {"field": "entropy", "format": ".3f"},
                        {"field": "kl", "format": ".4f"},
                    ],
                },
            }
        ],
    }


def centre_layer(centre: list[dict]) -> dict:
    """A diamond on the current centre's point (``x``, ``y``), layered over the scatter."""
    return {
        "data": {"values": centre},
        "mark": {
            "type": "point",
            "shape": "diamond",
            "size": 260,
            "filled": False,
            "stroke": "#111",
            "strokeWidth": 2.5,
        },
        "encoding": {
            "x": {"field": "x", "type": "quantitative"},
            "y": {"field": "y", "type": "quantitative"},
        },
    }


def embedding_chart(table: pd.DataFrame, dataset: GraphDataset, colour: str, node: int) -> dict:
    """:func:`embedding_spec` with the diamond on ``node``."""
    spec = embedding_spec(table, dataset, colour)
    centre = table[table["node"] == node][["x", "y"]].to_dict("records")
    return {**spec, "layer": [*spec["layer"], centre_layer(centre)]}
