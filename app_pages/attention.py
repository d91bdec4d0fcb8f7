"""Attention: α as an interactive graph around any node, per layer and head, with the numbers."""
import ui  # noqa: F401  (before any other import: see app_pages/home.py)

import math
from functools import partial

import pandas as pd
import streamlit as st
import torch

from gatviz.attention import entropy
from gatviz.config import ModelConfig, TrainConfig
from gatviz.errors import GatvizError
from gatviz.overlay import (LEGEND_HEIGHT, MAX_VIEW_NODES, OverlayOptions, drawable_centre,
                            select_heads)
from ui.charts import heads_grid_spec, incoming_bars_spec
from ui.keys import ATTENTION_PICK, MODEL
from ui.links import current_spec, from_query, pending_link, write_link, write_view
from ui.live import train_live
from ui.records import graph_record, view_attention, whole_attention
from ui.sidebar import sidebar
from ui.state import models_for, unique_name
from ui.text import as_text
from ui.views import attention_csv, cached_overlay, explained_alpha

MAX_TABLE_ROWS = 300  # neighbours listed in a table; a hub's others are summarised
MAX_BARS = 30  # neighbours drawn as bars
MAX_NODE_CHOICES = 10_000  # above this, the centre node is typed as an id, not picked from a list

st.set_page_config(page_title="gatviz · Attention")
dataset, record = sidebar()
spec = current_spec()
st.title("Attention")
if record is None:
    intro = st.empty()  # cleared once a model is trained here, which the view below shows
    link = pending_link(spec)
    with intro.container():
        if link is not None:
            settings = {**link.model_config.to_query(), **link.train_config.to_query()}
            described = (as_text(", ".join(f"{k} = {v}" for k, v in settings.items()))
                         if settings else "the default settings")
            st.info(f"This link shows the model {as_text(link.model_name)} ({described}), which "
                    "this server no longer holds: models are kept while there is room, and not "
                    "across restarts. Training is seeded, so training it again gives the same "
                    "weights and the same attention.")
            label, name = "Train the link's model", link.model_name
            model_config, train_config = link.model_config, link.train_config
        else:
            st.info("No model on this dataset yet. Train the reference GAT right here (8 heads "
                    "× 8 hidden, dropout 0.6, 200 epochs), or set every knob on the **Train** "
                    "page or load a checkpoint there.")
            label, name = "Train the default GAT here", unique_name(f"{dataset.name} GAT")
            model_config, train_config = ModelConfig(task=dataset.task), TrainConfig()
        if st.button(label, type="primary"):
            try:
                record = train_live(dataset, spec, name, model_config, train_config,
                                    curves=False)
            except GatvizError as error:
                st.error(as_text(error))
    if record is None:
        st.stop()
    intro.empty()

def parse_head(text: str):
    return text if text in ("mean", "max") else int(text)


def parse_bool(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(text)
    return text == "true"


def choice(*allowed):
    def parse(text: str):
        if text not in allowed:
            raise ValueError(text)
        return text
    return parse


# The view controls a link keeps besides layer, head and node: (URL key, widget key, parse,
# default). Only values that differ from the default are written.
# On a graph whose α is computed per view, one hop is the default: the exact α of a 2-hop view
# needs the 2 + layers hop neighbourhood, most of a big graph with a high average degree.
VIEW = [("hops", "att_hops", int, 2 if whole_attention(dataset) else 1),
        ("threshold", "att_threshold", float, 0.0),
        ("top_k", "att_top_k", int, 0), ("show_loops", "att_loops", parse_bool, True),
        ("color_by", "att_color_by", choice("class", "prediction", "correct"), "class"),
        ("edge_scale", "att_edge_scale", choice("auto", "relative", "alpha"), "auto"),
        ("whole", "att_whole", parse_bool, dataset.task == "graph"),  # a molecule is drawn whole
        ("label", "att_label", int, 0)]

available = models_for(spec)
names = list(available)
from_query("model", ATTENTION_PICK, str, record.name)
if st.session_state[ATTENTION_PICK] not in names:
    st.session_state[ATTENTION_PICK] = record.name
from_query("layer", "att_layer", int, 0)
from_query("head", "att_head", parse_head, "mean")
for key, state_key, parse, default in VIEW:
    from_query(key, state_key, parse, default)
if st.session_state["att_hops"] not in (1, 2, 3):
    st.session_state["att_hops"] = VIEW[0][3]
if not 0.0 <= st.session_state["att_threshold"] <= 1.0:
    st.session_state["att_threshold"] = 0.0
if not 0 <= st.session_state["att_top_k"] <= 100:
    st.session_state["att_top_k"] = 0

many = dataset.num_graphs > 1
controls = st.columns([2, 2, 1, 1, 3] if many else [2, 1, 1, 3])
model_name = controls[0].selectbox("Model", names, key=ATTENTION_PICK)
record = available[model_name]
st.session_state[MODEL] = model_name
graph_choice = None
if many:  # a set of many graphs: one graph at a time, the test graphs first
    whole_set, set_pred = dataset, record.pred
    default_graph = int(torch.cat([dataset.split_graphs("test"), torch.tensor([0])])[0])
    from_query("graph", "att_graph", int, default_graph)
    if not 0 <= st.session_state["att_graph"] < dataset.num_graphs:
        st.session_state["att_graph"] = default_graph

    def graph_label(g: int) -> str:
        text = f"{g} · {whole_set.graph_names[g]} · {whole_set.graph_split_name(g)}"
        if whole_set.task == "graph":
            truth = whole_set.graph_class_names[int(whole_set.graph_y[g])]
            guess = whole_set.graph_class_names[int(set_pred[g])]
            text += f" · true {truth} · predicted {guess}"
        return text

    about = ("Each graph shows its split: the model learned from the train graphs only, so "
             "the test graphs are graphs it never saw.")
    if dataset.num_graphs <= MAX_NODE_CHOICES:
        graph_choice = controls[1].selectbox(
            "Graph", list(range(dataset.num_graphs)), key="att_graph", format_func=graph_label,
            help=about)
    else:  # tens of thousands of labels would take seconds to send on every rerun
        graph_choice = controls[1].number_input(
            f"Graph (0 to {dataset.num_graphs - 1:,})", 0, dataset.num_graphs - 1,
            key="att_graph", help=about)
        controls[1].caption(as_text(graph_label(graph_choice)))
    dataset, record = graph_record(record, whole_set, graph_choice)
    controls = controls[:1] + controls[2:]
n = dataset.num_nodes
in_degree = dataset.in_edges.ptr.diff()
default_node = drawable_centre(in_degree)
from_query("node", "att_node", int, default_node)
if not 0 <= st.session_state["att_node"] < n:
    st.session_state["att_node"] = default_node
multilabel = dataset.task == "multilabel"
if not 0 <= st.session_state["att_label"] < max(dataset.num_classes, 1):
    st.session_state["att_label"] = 0
if dataset.task == "graph":  # the graph has one label: nodes are never misclassified
    wrong = []
elif multilabel:
    wrong = (record.pred != dataset.data.y).any(1).nonzero().flatten().tolist()
else:
    wrong = ((record.pred != dataset.data.y) & (dataset.data.y >= 0)).nonzero().flatten().tolist()


def jump_to_misclassified() -> None:
    later = [v for v in wrong if v > st.session_state["att_node"]]
    st.session_state["att_node"] = (later or wrong)[0]


layers = record.model_config.layers
if st.session_state["att_layer"] not in range(layers):
    st.session_state["att_layer"] = 0
layer = controls[1].selectbox("Layer", list(range(layers)), key="att_layer")
heads = record.model.convs[layer].heads
head_choices = ["mean", "max"] + list(range(heads))
if st.session_state["att_head"] not in head_choices:
    st.session_state["att_head"] = "mean"
head = controls[2].selectbox("Head", head_choices, key="att_head",
                             format_func=lambda h: f"{h} of all" if isinstance(h, str)
                             else f"head {h}")
if n <= MAX_NODE_CHOICES:
    node = controls[3].selectbox(
        "Centre node (type to search by id or name)", list(range(n)), key="att_node",
        format_func=lambda v: f"{v} · {dataset.node_names[v]} · in-degree {int(in_degree[v])}")
else:  # a list of a million names would take seconds to send on every rerun
    node = controls[3].number_input(f"Centre node (0 to {n - 1:,})", 0, n - 1, key="att_node",
                                    help="Type a node id; the name and in-degree show below.")
    controls[3].caption(f"{as_text(dataset.node_names[node])} · in-degree "
                        f"{int(in_degree[node])}")

controls = st.columns([1, 1, 1, 1, 2, 2, 2])
hops = controls[0].radio("Hops", [1, 2, 3], horizontal=True, key="att_hops")
threshold = controls[1].slider("Hide α below", 0.0, 1.0, step=0.01, key="att_threshold")
top_k = controls[2].number_input("Top-k per node (0 = all)", 0, 100, key="att_top_k")
self_loops = controls[3].checkbox("Self-loops", key="att_loops")
if dataset.task == "graph":  # nodes carry no prediction: they are coloured by their type
    st.session_state["att_color_by"] = "class"
color_by = controls[4].radio("Colour nodes by", ["class", "prediction", "correct"],
                             horizontal=True, key="att_color_by",
                             disabled=dataset.task == "graph",
                             format_func={"class": "node type" if dataset.task == "graph" else
                                          "true label" if multilabel else "true class",
                                          "prediction": "prediction",
                                          "correct": "correct / wrong"}.get)
label_choice = 0
if multilabel:
    label_choice = controls[4].selectbox(
        "Label shown", list(range(dataset.num_classes)), key="att_label",
        format_func=lambda k: f"{k} · {dataset.class_names[k]}",
        help="A node has any number of labels: the colours show this one (true: has it or "
             "not; prediction: its probability).")
edge_scale = controls[5].radio(
    "Colour edges by", ["auto", "relative", "alpha"], horizontal=True, key="att_edge_scale",
    format_func={"auto": "auto", "relative": "× uniform", "alpha": "raw α"}.get,
    help="× uniform: α_ij · |N(i)|, the multiple of the uniform share 1/|N(i)|, on a log scale "
         "centred on 1. Raw α: 0 to 1. Auto picks × uniform when most α in view are below "
         "0.25, where raw α would all look alike. Hovering an edge always gives the raw α.")
whole = controls[6].checkbox("Whole graph", key="att_whole", disabled=n > MAX_VIEW_NODES,
                             help=f"Up to {MAX_VIEW_NODES:,} nodes; larger graphs are shown as "
                                  "neighbourhoods.")
controls[6].button(f"Next misclassified ({len(wrong)})", on_click=jump_to_misclassified,
                   disabled=not wrong, help="Jump to the next node whose prediction is wrong.")

write_link(spec, record)
write_view({"layer": layer, "head": head, "node": node, "hops": hops, "threshold": threshold,
            "top_k": top_k, "show_loops": self_loops, "color_by": color_by,
            "edge_scale": edge_scale, "whole": whole, "label": label_choice,
            **({} if graph_choice is None else {"graph": graph_choice})},
           {key: default for key, _, _, default in VIEW})

options = OverlayOptions(node=None if whole else node, hops=hops, layer=layer, head=head,
                         threshold=threshold, top_k=top_k or None, self_loops=self_loops,
                         color_by=color_by, edge_scale=edge_scale, height=620,
                         label=label_choice)
graph, side = st.columns([3, 2])
with graph:
    try:
        page = cached_overlay(record, dataset, options)
        st.iframe(page, height=options.height + LEGEND_HEIGHT)
    except GatvizError as error:
        page = None
        st.warning(as_text(error))

if not whole_attention(dataset):
    st.caption(f"{as_text(dataset.name)} has {dataset.num_edges:,} edges, so α is computed "
               f"around the node in view only: from the nodes within {hops} + {layers} hops, "
               "which makes every α drawn here exactly the model's.")
# The centre node's incoming attention in the chosen layer, per head.
view = view_attention(record, dataset, node, hops)
edge_index, alpha = view[layer]
incoming = (edge_index[1] == node).nonzero().flatten()
sources = edge_index[0, incoming].tolist()
per_head = pd.DataFrame(alpha[incoming].numpy(), columns=[f"head {h}" for h in range(heads)])
per_head.insert(0, "from", [f"{s} · {dataset.node_names[s]}" + (" (self)" if s == node else "")
                            for s in sources])
shown, _ = select_heads(alpha[incoming], head)
per_head["shown α"] = shown.numpy()
per_head = per_head.sort_values("shown α", ascending=False)

with side:
    if dataset.task == "graph":
        truth, guess = int(dataset.graph_y[0]), int(record.pred[0])
        names_ = dataset.graph_class_names
        verdict = ":green[**correct**]" if guess == truth else ":red[**wrong**]"
        st.markdown(f"**{as_text(dataset.graph_names[0])}** "
                    f"({as_text(dataset.graph_split_name(0))} graph): true class "
                    f"**{as_text(names_[truth])}** · predicted **{as_text(names_[guess])}** "
                    f"(p = {float(record.prob[0, guess]):.2f}) {verdict}  \n"
                    f"Node {node} · {as_text(dataset.node_names[node])} (node type "
                    f"{as_text(dataset.class_names[int(dataset.data.y[node])])})")
    elif multilabel:
        has, said = dataset.data.y[node].bool(), record.pred[node].bool()
        k = label_choice
        st.markdown(f"**Node {node} · {as_text(dataset.node_names[node])}**  \n"
                    f"{int(has.sum())} of {dataset.num_classes} labels true, {int(said.sum())} "
                    f"predicted, {int((has & said).sum())} of them right · label "
                    f"{as_text(dataset.class_names[k])}: {'true' if has[k] else 'false'}, "
                    f"p = {float(record.prob[node, k]):.2f}")
    else:
        truth = int(dataset.data.y[node])
        guess = int(record.pred[node])
        label = dataset.class_names[truth] if truth >= 0 else "unlabelled"
        verdict = (":green[**correct**]" if guess == truth else ":red[**wrong**]") \
            if truth >= 0 else "(no label)"
        st.markdown(f"**Node {node} · {as_text(dataset.node_names[node])}**  \n"
                    f"True class: **{as_text(label)}** · predicted: "
                    f"**{as_text(dataset.class_names[guess])}** "
                    f"(p = {float(record.prob[node, guess]):.2f}) {verdict}")
    uniform = math.log(len(sources)) if sources else 0.0
    st.metric("Attention entropy (shown α)", f"{entropy(shown):.2f} nats",
              delta=f"uniform would be {uniform:.2f}", delta_color="off",
              help="Low entropy: the node listens to few neighbours. Equal to the uniform "
                   "value: it averages all of them, as a GCN would.")
    strongest = per_head.head(MAX_BARS)
    long = strongest.melt(id_vars=["from"], value_vars=[f"head {h}" for h in range(heads)],
                          var_name="head", value_name="α")
    st.markdown(f"**Incoming α in layer {layer}**, per head"
                + (f" (the {MAX_BARS} strongest of {len(per_head):,} neighbours)"
                   if len(per_head) > MAX_BARS else ""))
    st.vega_lite_chart(incoming_bars_spec(long, list(strongest["from"]), 240), width="stretch")
    st.dataframe(per_head.head(MAX_TABLE_ROWS).style.format(precision=3), hide_index=True,
                 width="stretch")
    if len(per_head) > MAX_TABLE_ROWS:
        st.caption(f"The {MAX_TABLE_ROWS} strongest of {len(per_head):,} incoming edges; the "
                   "attention table download has them all.")

with st.expander(f"Explain this α: every term of node {node}'s attention in layer {layer}"):
    conv = record.model_config.conv
    explain_head = st.selectbox("Head", list(range(heads)), key="explain_head",
                                index=head if isinstance(head, int) else 0,
                                format_func=lambda h: f"head {h}")
    terms = explained_alpha(record, dataset, layer, node, explain_head)
    if conv == "gat":
        st.markdown("GAT: e_ij = LeakyReLU(a_srcᵀWh_j + a_dstᵀWh_i) with slope "
                    f"{record.model_config.negative_slope}; α_ij = exp(e_ij) / Σ_k exp(e_ik). "
                    "a_dstᵀWh_i is the same for every neighbour: only a_srcᵀWh_j orders them.")
    else:
        st.markdown("GATv2: e_ij = aᵀ LeakyReLU(W_s h_j + W_t h_i) with slope "
                    f"{record.model_config.negative_slope}, a sum over channels, split here "
                    "into the channels that add to e_ij and those that subtract; "
                    "α_ij = exp(e_ij) / Σ_k exp(e_ik).")
    shifted = terms.attrs.get("shifted_by", 0.0)
    exp_label = f"exp(e_ij − {shifted:.2f})" if shifted else "exp(e_ij)"
    shown_terms = terms.rename(columns={"exp_e": exp_label, "alpha": "α = exp / Σ exp",
                                        "alpha_model": "α from the model"})
    shown_terms.insert(1, "name", [dataset.node_names[v] for v in terms["source"]])
    shown_terms = shown_terms.sort_values("α = exp / Σ exp", ascending=False)
    st.dataframe(shown_terms.head(MAX_TABLE_ROWS).style.format(precision=4), hide_index=True,
                 width="stretch")
    st.caption(f"Σ {exp_label} = {terms['exp_e'].sum():.4f} over {len(terms):,} edges "
               f"(self-loop included); α sums to {terms['alpha'].sum():.4f}."
               + (f" The {MAX_TABLE_ROWS} largest α are listed." if len(terms) > MAX_TABLE_ROWS
                  else ""))

st.subheader("All heads at a glance")
st.caption(f"Incoming α of node {node} in every layer (rows) and head (columns), strongest "
           "neighbours first: heads that agree look alike.")
frames = []
for k, (edges, values) in enumerate(view):
    rows = (edges[1] == node).nonzero().flatten()
    for h in range(values.size(1)):
        frames.append(pd.DataFrame({"layer": k, "head": h, "α": values[rows, h].numpy(),
                                    "from": [str(int(s)) for s in edges[0, rows]]}))
overview = pd.concat(frames, ignore_index=True)
order = (overview.groupby("from")["α"].mean().sort_values(ascending=False).index.tolist())
if len(order) > MAX_BARS:
    st.caption(f"The {MAX_BARS} neighbours with the highest mean α of {len(order):,}.")
    order = order[:MAX_BARS]
    overview = overview[overview["from"].isin(order)]
st.vega_lite_chart(heads_grid_spec(overview, order), width="content")

c = st.columns(2)
whole_table = whole_attention(dataset)
c[0].download_button("Download the attention table (CSV)" if whole_table else
                     "Download the attention table of this view (CSV)",
                     partial(attention_csv, record, dataset, node, hops, graph_choice),
                     file_name=f"{dataset.name}_attention.csv" if whole_table else
                     f"{dataset.name}_node{node}_{hops}hop_attention.csv", mime="text/csv",
                     on_click="ignore",
                     help=None if whole_table else
                     "Every layer's and head's α on the edges into the nodes in view. The whole "
                     "graph's table: python -m gatviz attention --out table.parquet")
if page is not None:
    c[1].download_button("Download this view (standalone HTML)", partial(str, page),
                         file_name=f"{dataset.name}_node{node}_layer{layer}_{head}.html",
                         mime="text/html", on_click="ignore")
