"""Dataset: pick a graph (named, synthetic or your CSV) and see what it looks like."""

import ui  # noqa: F401  (before any other import: see app_pages/home.py)

import altair as alt
import pandas as pd
import streamlit as st

from gatviz.errors import GatvizError
from gatviz.graph_stats import edge_homophily, in_degree_counts, target_counts
from gatviz.tasks import TASK_NAMES
from ui.panels.dataset_preview import dataset_preview
from ui.panels.dataset_form import dataset_form
from ui.links import set_dataset
from ui.sidebar import sidebar
from ui.text import as_text

st.set_page_config(page_title="gatviz · Dataset")
dataset, _ = sidebar()
st.title("Dataset")

MAX_CLASS_BARS = 40  # classes drawn in the distribution chart; more are summarised
try:
    spec = dataset_form(dataset)
    if spec is not None:
        dataset = set_dataset(spec)
        st.success(f"Loaded {as_text(dataset.name)}.")
except GatvizError as error:
    st.error(f"{as_text(error)}. The previous dataset ({as_text(dataset.name)}) is still loaded.")

data = dataset.data
multilabel = dataset.task == "multilabel"
homophily = edge_homophily(dataset)

st.subheader(as_text(dataset.name), anchor=False)  # no link made of a file's name
st.markdown(as_text(dataset.description))
many = dataset.num_graphs > 1
cols = st.columns(6)
if many:  # the split of whole graphs goes in a caption below: the row has no room for it
    cols[0].metric("Graphs", f"{dataset.num_graphs:,}")
    cols = cols[1:] + [None]
cols[0].metric("Nodes", f"{dataset.num_nodes:,}")
cols[1].metric("Edges (directed)", f"{dataset.num_edges:,}")
cols[2].metric("Features", f"{dataset.num_features:,}")
cols[3].metric(
    "Labels per node" if multilabel else "Classes",
    dataset.num_classes,
    help=TASK_NAMES[dataset.task],
)
cols[4].metric(
    "Edge homophily" if dataset.task != "graph" else "Same node type",
    f"{homophily:.2f}",
    help=(
        "The share of a target's labels that the source has too"
        if multilabel
        else "Fraction of edges joining two nodes of the same type (atoms, say)"
        if dataset.task == "graph"
        else "Fraction of edges joining two nodes of the "
        "same class: high means neighbours are informative."
    ),
)
if dataset.graph_split is not None:
    counts = [int(dataset.split_graphs(split).numel()) for split in ("train", "val", "test")]
    st.caption(
        f"Split of whole graphs: {counts[0]:,} train, {counts[1]:,} validation, "
        f"{counts[2]:,} test. The model never sees the validation and test graphs in "
        "training."
    )
else:  # the test count in the row (it bounds what a score can tell), the split below it
    train, val, test = (
        int(mask.sum()) for mask in (data.train_mask, data.val_mask, data.test_mask)
    )
    cols[5].metric(
        "Test nodes",
        f"{test:,}",
        help="With few test nodes, one more right or "
        f"wrong moves the test accuracy by 1/{max(test, 1):,}.",
    )
    st.caption(f"Split of the labelled nodes: {train:,} train, {val:,} validation, {test:,} test.")
for name, mask in dataset.edge_masks.items():
    st.caption(
        f"Ground truth: {int(mask.sum()):,} of {dataset.num_edges:,} edges are marked '{name}'."
    )

left, right = st.columns(2)
with left:
    unit = "graphs" if dataset.task == "graph" else "nodes"
    st.markdown(
        "**Label frequency**"
        if multilabel
        else "**Class distribution**" + (" (graphs)" if dataset.task == "graph" else "")
    )
    if dataset.num_classes:
        frame = pd.DataFrame({"class": dataset.target_names, unit: target_counts(dataset)})
        if len(frame) > MAX_CLASS_BARS:
            st.caption(f"The {MAX_CLASS_BARS} largest of {len(frame):,} classes.")
            frame = frame.nlargest(MAX_CLASS_BARS, unit)
        st.altair_chart(
            alt.Chart(frame)
            .mark_bar()
            .encode(
                x=alt.X(f"{unit}:Q", axis=alt.Axis(labelFlush=True)),
                y=alt.Y("class:N", sort=None),
                tooltip=["class", unit],
            ),
            width="stretch",
        )
    else:
        st.info("This graph has no labels.")
with right:
    st.markdown("**Degree distribution** (incoming edges per node)")
    st.altair_chart(
        alt.Chart(in_degree_counts(dataset))
        .mark_bar()
        .encode(
            x=alt.X("degree:Q", axis=alt.Axis(labelFlush=True)),
            y=alt.Y("nodes:Q"),
            tooltip=["degree", "nodes"],
        ),
        width="stretch",
    )

st.markdown("**Preview**")
dataset_preview(dataset)
