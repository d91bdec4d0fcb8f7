"""Dataset: pick a graph (named, synthetic or your CSV) and see what it looks like."""

import ui  # noqa: F401  (before any other import: see app_pages/home.py)

import altair as alt
import pandas as pd
import streamlit as st

from gatviz.datasets import DATASETS, DOWNLOADED, data_dir
from gatviz.errors import GatvizError
from gatviz.graph_stats import edge_homophily, in_degree_counts, target_counts
from gatviz.limits import MAX_TEXT
from gatviz.tasks import TASK_NAMES
from ui.dataset_preview import dataset_preview
from ui.links import set_dataset
from ui.sidebar import sidebar
from ui.specs import NAMED_DATASETS, csv_spec, spec_for
from ui.text import as_text

st.set_page_config(page_title="gatviz · Dataset")
dataset, _ = sidebar()
st.title("Dataset")

CSV = "your CSV"
MAX_CLASS_BARS = 40  # classes drawn in the distribution chart; more are summarised
choices = NAMED_DATASETS + [CSV]
# A stable key: a default that followed the loaded dataset would make a new widget after every
# load and drop the user's next pick.
st.session_state.setdefault("dataset_choice", dataset.name if dataset.name in choices else CSV)
with st.form("dataset"):
    kind = st.selectbox(
        "Graph",
        choices,
        key="dataset_choice",
        format_func=lambda k: (
            f"{k}: {DATASETS[k]}"
            if k in DATASETS
            else "your CSV: an edge list and an optional node table"
        ),
    )
    params: dict = {}
    with st.expander("Options for the chosen graph"):
        st.caption(
            "Planetoid and the other benchmark graphs are downloaded once into the data directory."
        )
        root = st.text_input("Data directory (downloaded graphs)", str(data_dir()))
        st.caption("Synthetic graphs are generated from a seed.")
        c1, c2, c3, c4 = st.columns(4)
        seed = c1.number_input("Seed", 0, 10_000, 0)
        communities = c2.number_input("planted: communities", 2, 20, 4)
        size = c3.number_input("planted: nodes per community", 2, 500, 40)
        noise = c4.slider("planted: noise edge fraction", 0.0, 0.9, 0.3, 0.05)
        c1, c2, c3, c4 = st.columns(4)
        p_in = c1.slider("planted: p(edge inside)", 0.01, 1.0, 0.15, 0.01)
        signal = c2.slider("planted: feature signal", 0.0, 5.0, 1.0, 0.1)
        base = c3.number_input("ba-shapes: base nodes", 10, 2000, 300)
        motifs = c4.number_input("ba-shapes: house motifs", 1, 400, 80)
        st.caption(
            "CSV: edges need columns source,target; the node table needs id and may "
            "have name, label and numeric feature columns. Many graphs: a graph column "
            "(whole numbers) in either file, and graph labels in a graph_label column "
            "or a third file with columns graph,label."
        )
        edges_file = st.file_uploader("Edges (CSV or Parquet)", type=["csv", "txt", "parquet"])
        nodes_file = st.file_uploader(
            "Nodes (CSV or Parquet, optional)", type=["csv", "txt", "parquet"]
        )
        graphs_file = st.file_uploader(
            "Graph labels (CSV or Parquet, optional)", type=["csv", "txt", "parquet"]
        )
    submitted = st.form_submit_button("Load dataset", type="primary")

if submitted:
    try:
        if kind == CSV:
            if edges_file is None:
                raise GatvizError("upload an edges CSV first (columns source,target)")
            spec = csv_spec(
                edges_file.name.rsplit(".", 1)[0][:MAX_TEXT],
                edges_file.getvalue(),
                nodes_file.getvalue() if nodes_file else None,
                graphs_file.getvalue() if graphs_file else None,
            )
        elif kind in DOWNLOADED:
            spec = spec_for(kind, root=root)
        elif kind == "planted":
            spec = spec_for(
                kind,
                seed=int(seed),
                communities=int(communities),
                size=int(size),
                p_in=float(p_in),
                noise=float(noise),
                signal=float(signal),
            )
        elif kind == "ba-shapes":
            spec = spec_for(kind, seed=int(seed), num_nodes=int(base), num_motifs=int(motifs))
        else:
            spec = spec_for(kind)
        dataset = set_dataset(spec)
        st.success(f"Loaded {as_text(dataset.name)}.")
    except GatvizError as error:
        st.error(
            f"{as_text(error)}. The previous dataset ({as_text(dataset.name)}) is still loaded."
        )

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
