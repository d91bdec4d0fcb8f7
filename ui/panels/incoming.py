"""The centre node's incoming α: beside the graph, the chosen layer per head (what the model
said about the node, the entropy against uniform, bars and a table); below it, every layer
and head at a glance."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from gatviz.attention import entropy
from gatviz.datasets import GraphDataset
from gatviz.model import LayerAttention
from gatviz.overlay import select_heads
from gatviz.figures import MAX_BARS, heads_grid_spec, heads_overview
from ui.charts import incoming_bars_spec
from ui.panels.node_summary import node_summary
from ui.records import ModelRecord

MAX_TABLE_ROWS = 300  # neighbours listed in a table; a hub's others are summarised


def incoming_panel(
    record: ModelRecord,
    dataset: GraphDataset,
    layers: list[LayerAttention],
    layer: int,
    node: int,
    head: int | str,
    label: int,
) -> None:
    edge_index, alpha = layers[layer]
    rows = (edge_index[1] == node).nonzero().flatten()
    sources = edge_index[0, rows].tolist()
    heads = [f"head {h}" for h in range(alpha.size(1))]
    per_head = pd.DataFrame(alpha[rows].numpy(), columns=heads)
    names = [f"{s} · {dataset.node_names[s]}" + (" (self)" if s == node else "") for s in sources]
    per_head.insert(0, "from", names)
    shown, _ = select_heads(alpha[rows], head)
    per_head["shown α"] = shown.numpy()
    per_head = per_head.sort_values("shown α", ascending=False)

    st.markdown(node_summary(dataset, record, node, label))
    uniform = math.log(len(sources)) if sources else 0.0
    st.metric(
        "Attention entropy (shown α)",
        f"{entropy(shown):.2f} nats",
        delta=f"uniform would be {uniform:.2f}",
        delta_color="off",
        help="Low entropy: the node listens to few neighbours. Equal to the uniform value: it "
        "averages all of them, as a GCN would.",
    )
    strongest = per_head.head(MAX_BARS)
    long = strongest.melt(id_vars=["from"], value_vars=heads, var_name="head", value_name="α")
    more = len(per_head) > MAX_BARS
    st.markdown(
        f"**Incoming α in layer {layer}**, per head"
        + (f" (the {MAX_BARS} strongest of {len(per_head):,} neighbours)" if more else "")
    )
    st.vega_lite_chart(incoming_bars_spec(long, list(strongest["from"]), 240), width="stretch")
    table = per_head.head(MAX_TABLE_ROWS).style.format(precision=3)
    st.dataframe(table, hide_index=True, width="stretch")
    if len(per_head) > MAX_TABLE_ROWS:
        st.caption(
            f"The {MAX_TABLE_ROWS} strongest of {len(per_head):,} incoming edges; the attention "
            "table download has them all."
        )


def all_heads(layers: list[LayerAttention], node: int) -> None:
    """Small multiples of the node's incoming α, a row per layer and a column per head."""
    st.subheader("All heads at a glance")
    st.caption(
        f"Incoming α of node {node} in every layer (rows) and head (columns), strongest "
        "neighbours first: heads that agree look alike."
    )
    overview, order, total = heads_overview(layers, node)
    if total > MAX_BARS:
        st.caption(f"The {MAX_BARS} neighbours with the highest mean α of {total:,}.")
    st.vega_lite_chart(heads_grid_spec(overview, order), width="content")
