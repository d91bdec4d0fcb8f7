"""The embedding view (Attention page): the model's last hidden layer in 2-D, coloured by class,
prediction, correct/wrong, entropy or KL from uniform. Clicking a point makes it the centre
node; the current centre is marked. Off until asked for: its points travel to the browser on
every rerun while it is shown."""

from __future__ import annotations

import streamlit as st

from gatviz.datasets import GraphDataset
from gatviz.embedding import PROJECTIONS, embedding_table
from gatviz.errors import GatvizError
from gatviz.figures import EMBEDDING_COLOURS, PROJECTION_NAMES, centre_layer, embedding_spec
from ui.records import ModelRecord, whole_attention
from ui.text import as_text

CHART, CENTRE = "embedding_chart", "att_node"
COLOURS, NAMES = EMBEDDING_COLOURS, PROJECTION_NAMES


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
        first = " (a server's first UMAP also compiles its kernels: about 30 s)"
        with st.spinner(f"Projecting with {NAMES[method]}…" + (first if method == "umap" else "")):
            table = record.derive(
                ("embedding", method), lambda: embedding_table(record.model, dataset, method)
            )
    except GatvizError as error:
        st.warning(as_text(error))
        return
    spec = record.derive(
        ("embedding_spec", method, colour), lambda: embedding_spec(table, dataset, colour)
    )
    centre = table[table["node"] == node][["x", "y"]].to_dict("records")
    layered = {**spec, "layer": [*spec["layer"], centre_layer(centre)]}
    st.vega_lite_chart(layered, on_select=_pick, selection_mode="pick", key=CHART, width="stretch")
    st.caption(
        f"Each point is a node: its input to the last GAT layer, projected by {NAMES[method]}. "
        "Click a point to make it the centre node; the diamond is the current centre."
    )
