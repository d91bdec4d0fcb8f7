"""Attention: α as an interactive graph around any node, per layer and head, with the numbers."""

import ui  # noqa: F401  (before any other import: see app_pages/home.py)

from dataclasses import replace

import streamlit as st

from gatviz.overlay import drawable_centre
from ui.panels.attention_downloads import attention_downloads
from ui.panels.edge_modes import (
    attribution_of,
    beside_alpha,
    edge_values,
    explainable,
    seed_study_of,
    unstable_caption,
    unstable_marks,
)
from ui.panels.embedding import embedding_panel
from ui.panels.explain import explain_panel
from ui.panels.whatif import link_value, seed_edits, whatif_panel
from ui.panels.first_model import offer_training
from ui.keys import ATTENTION_PICK, MODEL
from ui.panels.incoming import all_heads, incoming_panel
from ui.links import current_spec, from_query, write_link, write_view
from ui.panels.node_summary import misclassified
from ui.panels.overlay import overlay_panel
from ui.records import view_attention
from ui.panels.set_pickers import pick_graph
from ui.sidebar import sidebar
from ui.state import models_for
from ui.text import as_text
from ui.panels.view_controls import drawing_controls, overlay_options, seed_view

MAX_NODE_CHOICES = 10_000  # above this, the centre node is typed as an id, not picked from a list

st.set_page_config(page_title="gatviz · Attention")
dataset, record = sidebar()
spec = current_spec()
st.title("Attention")
if record is None:
    record = offer_training(dataset, spec)

defaults = seed_view(dataset)
available = models_for(spec)
from_query("model", ATTENTION_PICK, str, record.name, available.__contains__)
many = dataset.num_graphs > 1
controls = st.columns([2, 2, 1, 1.4, 3] if many else [2, 1, 1.4, 3])
record = available[controls[0].selectbox("Model", list(available), key=ATTENTION_PICK)]
st.session_state[MODEL] = record.name
graph_choice = None
if many:  # a set of many graphs: one graph at a time, the test graphs first
    dataset, record, graph_choice = pick_graph(controls.pop(1), dataset, record)
n, in_degree = dataset.num_nodes, dataset.in_edges.ptr.diff()
from_query("node", "att_node", int, drawable_centre(in_degree), lambda v: 0 <= v < n)
wrong = misclassified(dataset, record)


def jump_to_misclassified() -> None:
    later = [v for v in wrong if v > st.session_state["att_node"]]
    st.session_state["att_node"] = (later or wrong)[0]


layers = record.model_config.layers
from_query("layer", "att_layer", int, 0, range(layers).__contains__)
layer = controls[1].selectbox("Layer", list(range(layers)), key="att_layer")
heads = record.model.convs[layer].heads
choices = ["mean", "max", *range(heads)]
from_query(
    "head",
    "att_head",
    lambda h: h if h in ("mean", "max") else int(h),
    "mean",
    choices.__contains__,
)
head = controls[2].selectbox(
    "Head",
    choices,
    key="att_head",
    format_func=lambda h: f"{h} of all" if isinstance(h, str) else f"head {h}",
)
if n <= MAX_NODE_CHOICES:
    node = controls[3].selectbox(
        "Centre node (type to search by id or name)",
        list(range(n)),
        key="att_node",
        format_func=lambda v: f"{v} · {dataset.node_names[v]} · in-degree {int(in_degree[v])}",
    )
else:  # a list of a million names would take seconds to send on every rerun
    node = controls[3].number_input(
        f"Centre node (0 to {n - 1:,})",
        0,
        n - 1,
        key="att_node",
        help="Type a node id; the name and in-degree show below.",
    )
    controls[3].caption(f"{as_text(dataset.node_names[node])} · in-degree {int(in_degree[node])}")
controls[3].button(
    f"Next misclassified ({len(wrong)})",
    on_click=jump_to_misclassified,
    disabled=not wrong,
    help="Jump to the next node whose prediction is wrong.",
)
study = seed_study_of(record) if dataset.num_graphs == 1 and not many else None
view = drawing_controls(dataset, study is not None)
seed_edits(dataset)
write_link(spec, record)
write_view(
    {
        "layer": layer,
        "head": head,
        "node": node,
        **view,
        **({} if graph_choice is None else {"graph": graph_choice}),
        "edits": link_value(),
    },
    {**defaults, "edits": ""},
)

options = overlay_options(view, node, layer, head)
mode = view["edges"] if explainable(dataset) else "alpha"
marks = unstable_marks(study, layer) if study is not None and view["unstable"] else None
graph, side = st.columns([3, 2])
with graph:
    if mode == "alpha":
        page = overlay_panel(record, dataset, options, marks=marks)
    else:  # an attribution method's scores, summed over layers, on the same layout
        attribution = attribution_of(record, dataset, node)
        scored = replace(options, layer=0, head=0, edge_scale="alpha", self_loops=False)
        page = overlay_panel(record, dataset, scored, edge_values(attribution, mode), marks)
    unstable_caption(study if view["unstable"] else None, None if marks is None else marks[1])
layer_views = view_attention(record, dataset, node, view["hops"])
with side:
    incoming_panel(record, dataset, layer_views, layer, node, head, view["label"])
if mode != "alpha":
    beside_alpha(dataset, attribution, mode)
explain_panel(record, dataset, layer, node, head)
whatif_panel(record, dataset, node, layer, head)
embedding_panel(record, dataset, node)
all_heads(layer_views, node)
attention_downloads(
    record,
    dataset,
    node,
    view["hops"],
    graph_choice,
    page,
    f"{dataset.name}_node{node}_layer{layer}_{head}",
)
