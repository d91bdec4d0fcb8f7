"""The embedding view (Attention page): the model's last hidden layer in 2-D, coloured by class,
prediction, correct/wrong, entropy or KL from uniform. Clicking a point makes it the centre
node; the current centre is marked. Off until asked for: its points travel to the browser on
every rerun while it is shown."""

from __future__ import annotations

import streamlit as st

from gatviz.datasets import GraphDataset
from gatviz.embedding import PROJECTIONS, embedding_table
from gatviz.errors import GatvizError
from ui.records import ModelRecord, whole_attention
from ui.text import as_text

CHART, CENTRE = "embedding_chart", "att_node"
COLOURS = {
    "class": "true class",
    "prediction": "prediction",
    "correct": "correct / wrong",
    "entropy": "entropy",
    "kl": "KL from uniform",
}
NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


def _pick() -> None:
    """The clicked point becomes the centre (in a callback: before the widgets are drawn)."""
    event = st.session_state.get(CHART)
    points = (event or {}).get("selection", {}).get("pick", [])
    if points and "node" in points[0]:
        st.session_state[CENTRE] = int(points[0]["node"])


def embedding_panel(record: ModelRecord, dataset: GraphDataset, node: int) -> None:
    if not st.toggle("Embedding: the last hidden layer in 2-D", key="embedding_on"):
        return
    if dataset.task != "node" or not whole_attention(dataset):
        st.caption(
            "The embedding view is drawn for node classification on graphs whose α the app "
            "computes whole."
        )
        return
    c = st.columns([2, 5])
    method = c[0].radio(
        "Projection", PROJECTIONS, horizontal=True, key="embedding_method", format_func=NAMES.get
    )
    colour = c[1].radio(
        "Colour points by",
        list(COLOURS),
        horizontal=True,
        key="embedding_colour",
        format_func=COLOURS.get,
    )
    try:
        with st.spinner(f"Projecting with {NAMES[method]}…"):
            table = record.derive(
                ("embedding", method), lambda: embedding_table(record.model, dataset, method)
            )
    except GatvizError as error:
        st.warning(as_text(error))
        return
    spec = record.derive(("embedding_spec", method, colour), lambda: _spec(table, dataset, colour))
    centre = table[table["node"] == node][["x", "y"]].to_dict("records")
    layered = {**spec, "layer": [*spec["layer"], _centre_layer(centre)]}
    st.vega_lite_chart(layered, on_select=_pick, selection_mode="pick", key=CHART, width="stretch")
    st.caption(
        f"Each point is a node: its input to the last GAT layer, projected by {NAMES[method]}. "
        "Click a point to make it the centre node; the diamond is the current centre."
    )


def _spec(table, dataset: GraphDataset, colour: str) -> dict:
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
    if colour in ("entropy", "kl"):
        encoding = {
            "field": colour,
            "type": "quantitative",
            "scale": {"scheme": "viridis"},
            "title": COLOURS[colour],
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
            "title": COLOURS[colour],
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


def _centre_layer(centre: list[dict]) -> dict:
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
