"""The Dataset page's form: a named, benchmark or synthetic graph with its options, or your
own files (CSV or Parquet: edges, nodes, graph labels), read into the dataset's spec."""

from __future__ import annotations

import streamlit as st

from gatviz.datasets import DATASETS, DOWNLOADED, GraphDataset, data_dir
from gatviz.errors import GatvizError
from gatviz.limits import MAX_TEXT
from gatviz.links import PACK
from ui.specs import NAMED_DATASETS, PACKS_ENV, csv_spec, server_packs, spec_for

CSV = "your CSV"
PACKED = "a pack on this server"


def dataset_form(dataset: GraphDataset) -> tuple | None:
    """The spec of the dataset asked for when *Load dataset* was pressed, else None; a form
    that cannot name one (no edges file) raises GatvizError. ``dataset``: the current one."""
    packs = server_packs()
    choices = NAMED_DATASETS + [CSV] + ([PACKED] if packs else [])
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
                if k == CSV
                else f"a pack on this server: a graph written by gatviz pack (${PACKS_ENV})"
            ),
        )
        with st.expander("Options for the chosen graph"):
            st.caption(
                "Planetoid and the other benchmark graphs are downloaded once into the data "
                "directory."
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
            pack = None
            if packs:
                st.caption(
                    "Packs: graphs written by `python -m gatviz pack` into this server's pack "
                    "folder, memory-mapped rather than read, so a graph bigger than the "
                    "server's memory can be explored around any node."
                )
                pack = st.selectbox("Pack", packs)
        submitted = st.form_submit_button("Load dataset", type="primary")
    if not submitted:
        return None
    if kind == CSV:
        if edges_file is None:
            raise GatvizError("upload an edges CSV first (columns source,target)")
        spec = csv_spec(
            edges_file.name.rsplit(".", 1)[0][:MAX_TEXT],
            edges_file.getvalue(),
            nodes_file.getvalue() if nodes_file else None,
            graphs_file.getvalue() if graphs_file else None,
        )
    elif kind == PACKED:
        spec = (PACK, pack)
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
    return spec
