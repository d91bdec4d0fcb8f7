"""The Attention page's drawing controls: hops, filters, how many edges, colours, whole graph,
what the edges show.

Each is carried by the page's link: (URL key, widget key, parse, default, valid), and only a
value that differs from its default is written to the URL.
"""

from __future__ import annotations

import streamlit as st

from gatviz.datasets import GraphDataset
from gatviz.overlay import MAX_VIEW_EDGES, MAX_VIEW_NODES, READABLE_EDGES, OverlayOptions
from ui.links import from_query, one_of, parse_bool
from ui.panels.edge_modes import MODES, explainable, mode_name
from ui.records import whole_attention


def view_keys(dataset: GraphDataset) -> list[tuple]:
    """Where α is computed per view, one hop is the default: the exact α of a 2-hop view
    needs the 2 + layers hop neighbourhood, most of a big graph with a high average degree.
    A molecule (graph task) is drawn whole."""
    return [
        ("hops", "att_hops", int, 2 if whole_attention(dataset) else 1, {1, 2, 3}.__contains__),
        ("threshold", "att_threshold", float, 0.0, lambda t: 0.0 <= t <= 1.0),
        ("top_k", "att_top_k", int, 0, lambda k: 0 <= k <= 100),
        ("max_edges", "att_max_edges", int, READABLE_EDGES, lambda k: 0 <= k <= MAX_VIEW_EDGES),
        ("show_loops", "att_loops", parse_bool, True, None),
        ("color_by", "att_color_by", one_of("class", "prediction", "correct"), "class", None),
        ("edge_scale", "att_edge_scale", one_of("auto", "relative", "alpha"), "auto", None),
        ("whole", "att_whole", parse_bool, dataset.task == "graph", None),
        ("label", "att_label", int, 0, lambda k: 0 <= k < max(dataset.num_classes, 1)),
        ("edges", "att_edges", one_of(*MODES), "alpha", None),
        ("unstable", "att_unstable", parse_bool, False, None),
    ]


def seed_view(dataset: GraphDataset) -> dict:
    """Every control's state from the URL (once) and its default: ``{URL key: default}``."""
    keys = view_keys(dataset)
    for key, state_key, parse, default, valid in keys:
        from_query(key, state_key, parse, default, valid)
    return {key: default for key, _, _, default, _ in keys}


def drawing_controls(dataset: GraphDataset, seeds_known: bool) -> dict:
    """Draw the controls in two rows; their values by URL key. ``seeds_known``: a seed study
    of the model exists, whose unstable edges can be dashed."""
    graph_task, multilabel = dataset.task == "graph", dataset.task == "multilabel"
    c = st.columns([1.3, 1, 1, 1, 1, 1.2])
    hops = c[0].radio("Hops", [1, 2, 3], horizontal=True, key="att_hops")
    threshold = c[1].slider("Hide α below", 0.0, 1.0, step=0.01, key="att_threshold")
    top_k = c[2].number_input(
        "Top-k per node",
        0,
        100,
        key="att_top_k",
        help="Keep each node's k strongest incoming edges; 0 keeps all.",
    )
    max_edges = c[3].number_input(
        "Most edges drawn",
        0,
        MAX_VIEW_EDGES,
        key="att_max_edges",
        step=100,
        help="A view with more edges than this draws the strongest (by α × |N(i)|, the centre's "
        "own first) and says how many are hidden: thousands of edges are a hairball. "
        "0 draws them all.",
    )
    self_loops = c[4].checkbox("Self-loops", key="att_loops")
    whole = c[5].checkbox(
        "Whole graph",
        key="att_whole",
        disabled=dataset.num_nodes > MAX_VIEW_NODES,
        help=f"Up to {MAX_VIEW_NODES:,} nodes; larger graphs are shown as neighbourhoods.",
    )
    c = st.columns([3, 2, 3, 2] if multilabel else [3, 3, 2])
    if graph_task:  # nodes carry no prediction: they are coloured by their type
        st.session_state["att_color_by"] = "class"
    color_by = c[0].radio(
        "Colour nodes by",
        ["class", "prediction", "correct"],
        horizontal=True,
        key="att_color_by",
        disabled=graph_task,
        format_func={
            "class": "node type" if graph_task else "true label" if multilabel else "true class",
            "prediction": "prediction",
            "correct": "correct / wrong",
        }.get,
    )
    label = 0
    if multilabel:
        label = c[1].selectbox(
            "Label shown",
            list(range(dataset.num_classes)),
            key="att_label",
            format_func=lambda k: f"{k} · {dataset.class_names[k]}",
            help="A node has any number of labels: the colours show this one (true: has it or "
            "not; prediction: its probability).",
        )
    edge_scale = c[-2].radio(
        "Colour edges by",
        ["auto", "relative", "alpha"],
        horizontal=True,
        key="att_edge_scale",
        format_func={"auto": "auto", "relative": "× uniform", "alpha": "raw α"}.get,
        help="× uniform: α_ij · |N(i)|, the multiple of the uniform share 1/|N(i)|, on a log "
        "scale centred on 1. Raw α: 0 to 1. Auto picks × uniform when most α in view are "
        "below 0.25, where raw α would all look alike. Hovering an edge always gives the "
        "raw α.",
    )
    if not explainable(dataset):
        st.session_state["att_edges"] = "alpha"
    edges = c[-1].selectbox(
        "Edges show",
        MODES,
        key="att_edges",
        format_func=mode_name,
        disabled=not explainable(dataset),
        help="α of the layer and head chosen, or an attribution method's score of each edge "
        "for the centre node's predicted class (the graph's, for a graph task), summed over "
        "layers and computed on a click of the mode (a second or two). Attention flow is α "
        "multiplied along every path into the node.",
    )
    unstable = c[-1].checkbox(
        "Dash unstable edges",
        key="att_unstable",
        disabled=not seeds_known,
        help="Edges whose α varies across retrained seeds are drawn dashed. Needs the seed "
        "study of the Analysis page ('Across seeds').",
    )
    return {
        "hops": hops,
        "threshold": threshold,
        "top_k": top_k,
        "max_edges": max_edges,
        "show_loops": self_loops,
        "color_by": color_by,
        "edge_scale": edge_scale,
        "whole": whole,
        "label": label,
        "edges": edges,
        "unstable": unstable and seeds_known,
    }


def overlay_options(view: dict, node: int, layer: int, head: int | str) -> OverlayOptions:
    return OverlayOptions(
        node=None if view["whole"] else node,
        hops=view["hops"],
        layer=layer,
        head=head,
        threshold=view["threshold"],
        top_k=view["top_k"] or None,
        self_loops=view["show_loops"],
        color_by=view["color_by"],
        edge_scale=view["edge_scale"],
        height=620,
        label=view["label"],
        max_edges=view["max_edges"] or None,
    )
