"""Is α the explanation? (Analysis page) Every attribution method on a sample of test nodes,
on a click, kept with the model: how far α (each layer, their mean, the flow) agrees with each
method, as a heatmap of Spearman's correlation and a table with Kendall and the top-k
overlap."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from gatviz.attribution import TOP_K, agreement, node_attributions, sample_nodes
from gatviz.datasets import GraphDataset
from ui.panels.analysis_figures import draw
from ui.records import ModelRecord

NAMES = {
    "integrated_gradients": "Integrated Gradients",
    "saliency": "Saliency",
    "gnnexplainer": "GNNExplainer",
    "alpha_gradient": "α ⊙ ∂y/∂α",
}


def attributions_panel(record: ModelRecord, dataset: GraphDataset) -> None:
    st.subheader("Is α the explanation?")
    if dataset.task != "node" or dataset.num_graphs > 1:
        st.caption("Edge attributions are computed for node classification on one graph.")
        return
    st.caption(
        "Each method scores the edges of a node's receptive field for the class the model "
        "predicts there: Integrated Gradients and Saliency (captum, through PyG's explain), "
        "GNNExplainer, and α ⊙ ∂y/∂α; attention flow multiplies α along every path into the "
        "node (attention rollout). Per node, Spearman's and Kendall's rank correlation and the "
        f"overlap of the top {TOP_K} edges between α and each method, averaged over the sampled "
        "test nodes: 1 means α ranks the edges as the method does."
    )
    c = st.columns([1, 3])
    count = int(c[0].number_input("Test nodes sampled", 2, 200, 20, key="attribution_nodes"))
    table = record.derived.get(("attributions", count))
    if table is None:
        if not c[1].button(f"Score {count} test nodes with every method"):
            return
        nodes = sample_nodes(dataset, count)
        progress = st.progress(0.0, text="Scoring…")
        results = []
        for done, node in enumerate(nodes, 1):
            results.append(node_attributions(record.model, dataset, node))
            progress.progress(done / len(nodes), text=f"{done} of {len(nodes)} nodes scored")
        progress.empty()
        table = record.derive(("attributions", count), lambda: agreement(results))
    if table.empty:
        st.caption("No sampled node had scores that vary: nothing to rank.")
        return
    shown = table.assign(method=table["method"].map(NAMES))
    draw(record, ("attribution_heatmap", count), lambda: _heatmap(shown))
    st.dataframe(shown.style.format(precision=3), hide_index=True)


def _heatmap(table: pd.DataFrame) -> alt.Chart:
    # Horizontal labels: rotated ones took most of the chart's height from the cells.
    base = alt.Chart(table).encode(
        x=alt.X("method:N", title=None, axis=alt.Axis(labelAngle=0, labelLimit=180)),
        y=alt.Y("alpha:N", title=None, sort=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("spearman:Q", scale=alt.Scale(scheme="redblue", domain=[-1, 1])),
        tooltip=["alpha", "method", alt.Tooltip("spearman", format=".3f"), "nodes"],
    )
    labels = base.mark_text(fontSize=11).encode(text=alt.Text("spearman:Q", format=".2f"))
    return (cells + labels).properties(height=36 * table["alpha"].nunique() + 30, width="container")
