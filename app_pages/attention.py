"""Attention: α as an interactive graph around any node, per layer and head, with the numbers."""

import ui  # noqa: F401  (before any other import: see app_pages/home.py)

import math
from functools import partial

import pandas as pd
import streamlit as st

from gatviz.attention import entropy, incoming_alpha
from gatviz.errors import GatvizError
from gatviz.overlay import LEGEND_HEIGHT, drawable_centre, select_heads
from ui.charts import heads_grid_spec, incoming_bars_spec
from ui.explain_panel import explain_panel
from ui.first_model import offer_training
from ui.keys import ATTENTION_PICK, MODEL
from ui.links import current_spec, from_query, write_link, write_view
from ui.node_summary import misclassified, node_summary
from ui.records import view_attention, whole_attention
from ui.set_pickers import pick_graph
from ui.sidebar import sidebar
from ui.state import models_for
from ui.text import as_text
from ui.view_controls import drawing_controls, overlay_options, seed_view
from ui.views import attention_csv, cached_overlay

MAX_TABLE_ROWS = 300  # neighbours listed in a table; a hub's others are summarised
MAX_BARS = 30  # neighbours drawn as bars
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
view = drawing_controls(dataset)
write_link(spec, record)
write_view(
    {
        "layer": layer,
        "head": head,
        "node": node,
        **view,
        **({} if graph_choice is None else {"graph": graph_choice}),
    },
    defaults,
)

options = overlay_options(view, node, layer, head)
graph, side = st.columns([3, 2])
with graph:
    try:
        page, notes = cached_overlay(record, dataset, options)
        st.iframe(page, height=options.height + LEGEND_HEIGHT)
        for note in notes:
            st.caption(
                f"{note[0].upper()}{note[1:]}."
                + (
                    " Raise 'Most edges drawn' (0 = all) to draw more, or filter above."
                    if "strongest" in note
                    else ""
                )
            )
    except GatvizError as error:
        page = None
        st.warning(as_text(error))
if not whole_attention(dataset):
    st.caption(
        f"{as_text(dataset.name)} has {dataset.num_edges:,} edges, so α is computed "
        f"around the node in view only: from the nodes within {view['hops']} + {layers} "
        "hops, which makes every α drawn here exactly the model's."
    )

# The centre node's incoming α in the chosen layer, per head, beside the graph.
layer_views = view_attention(record, dataset, node, view["hops"])
edge_index, alpha = layer_views[layer]
rows = (edge_index[1] == node).nonzero().flatten()
sources = edge_index[0, rows].tolist()
per_head = pd.DataFrame(alpha[rows].numpy(), columns=[f"head {h}" for h in range(heads)])
per_head.insert(
    0,
    "from",
    [f"{s} · {dataset.node_names[s]}" + (" (self)" if s == node else "") for s in sources],
)
shown, _ = select_heads(alpha[rows], head)
per_head["shown α"] = shown.numpy()
per_head = per_head.sort_values("shown α", ascending=False)
with side:
    st.markdown(node_summary(dataset, record, node, view["label"]))
    uniform = math.log(len(sources)) if sources else 0.0
    st.metric(
        "Attention entropy (shown α)",
        f"{entropy(shown):.2f} nats",
        delta=f"uniform would be {uniform:.2f}",
        delta_color="off",
        help="Low entropy: the node listens to few neighbours. Equal to the uniform "
        "value: it averages all of them, as a GCN would.",
    )
    strongest = per_head.head(MAX_BARS)
    long = strongest.melt(
        id_vars=["from"],
        value_vars=[f"head {h}" for h in range(heads)],
        var_name="head",
        value_name="α",
    )
    st.markdown(
        f"**Incoming α in layer {layer}**, per head"
        + (
            f" (the {MAX_BARS} strongest of {len(per_head):,} neighbours)"
            if len(per_head) > MAX_BARS
            else ""
        )
    )
    st.vega_lite_chart(incoming_bars_spec(long, list(strongest["from"]), 240), width="stretch")
    st.dataframe(
        per_head.head(MAX_TABLE_ROWS).style.format(precision=3), hide_index=True, width="stretch"
    )
    if len(per_head) > MAX_TABLE_ROWS:
        st.caption(
            f"The {MAX_TABLE_ROWS} strongest of {len(per_head):,} incoming edges; the "
            "attention table download has them all."
        )

explain_panel(record, dataset, layer, node, head)

st.subheader("All heads at a glance")
st.caption(
    f"Incoming α of node {node} in every layer (rows) and head (columns), strongest "
    "neighbours first: heads that agree look alike."
)
overview = incoming_alpha(layer_views, node).rename(columns={"alpha": "α"})
overview["from"] = overview.pop("source").astype(str)
order = overview.groupby("from")["α"].mean().sort_values(ascending=False).index.tolist()
if len(order) > MAX_BARS:
    st.caption(f"The {MAX_BARS} neighbours with the highest mean α of {len(order):,}.")
    order = order[:MAX_BARS]
    overview = overview[overview["from"].isin(order)]
st.vega_lite_chart(heads_grid_spec(overview, order), width="content")

c = st.columns(2)
whole_table, hops = whole_attention(dataset), view["hops"]
c[0].download_button(
    "Download the attention table (CSV)"
    if whole_table
    else "Download the attention table of this view (CSV)",
    partial(attention_csv, record, dataset, node, hops, graph_choice),
    file_name=f"{dataset.name}_attention.csv"
    if whole_table
    else f"{dataset.name}_node{node}_{hops}hop_attention.csv",
    mime="text/csv",
    on_click="ignore",
    help=None
    if whole_table
    else "Every layer's and head's α on the edges into the nodes in view. The whole "
    "graph's table: python -m gatviz attention --out table.parquet",
)
if page is not None:
    c[1].download_button(
        "Download this view (standalone HTML)",
        partial(str, page),
        file_name=f"{dataset.name}_node{node}_layer{layer}_{head}.html",
        mime="text/html",
        on_click="ignore",
    )
