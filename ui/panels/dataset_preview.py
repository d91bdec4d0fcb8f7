"""The Dataset page's preview: the graph (or a neighbourhood of it, or one graph of a set) drawn
with uniform edges, before any model."""

from __future__ import annotations

import streamlit as st

from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from gatviz.overlay import (
    LEGEND_HEIGHT,
    MAX_VIEW_NODES,
    OverlayOptions,
    drawable_centre,
    structure_html,
)
from ui.panels.set_pickers import first_test_graph
from ui.text import as_text

WHOLE_UP_TO = 400  # nodes: a graph this small is previewed whole


def dataset_preview(dataset: GraphDataset) -> None:
    if dataset.num_graphs > 1:  # one graph of the set: the first test graph
        shown = first_test_graph(dataset)
        st.caption(
            f"Graph {shown} of {dataset.num_graphs:,} "
            f"({as_text(dataset.graph_names[shown])}, a "
            f"{dataset.graph_split_name(shown)} graph)."
        )
        dataset = dataset.graph(shown)
    degrees = dataset.in_edges.ptr.diff()
    if dataset.num_nodes <= min(MAX_VIEW_NODES, WHOLE_UP_TO):
        options, note = OverlayOptions(head=0, height=460), "the whole graph"
    else:
        hub = drawable_centre(degrees)
        options = OverlayOptions(node=hub, hops=1, head=0, height=460)
        note = f"the neighbourhood of node {hub}, the best connected"
        if int(degrees.max()) >= MAX_VIEW_NODES:
            note += (
                f" with fewer than {MAX_VIEW_NODES:,} neighbours (the browser cannot draw "
                f"{int(degrees.max()):,} neighbours smoothly)"
            )
    st.caption(
        f"Showing {note}, coloured by class. Edges are drawn with uniform weight until "
        "a model is trained."
    )
    try:
        st.iframe(structure_html(dataset, options), height=options.height + LEGEND_HEIGHT)
    except GatvizError as error:
        st.info(as_text(error))
