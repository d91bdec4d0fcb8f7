"""Attention over training: one node's incoming α at any α snapshot, and the mean KL from
uniform of one layer and head across the snapshots."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gatviz.datasets import GraphDataset
from gatviz.figures import snapshot_bars, snapshot_curve
from ui.panels.analysis_figures import draw
from ui.records import ModelRecord
from ui.views import snapshot_divergence


def snapshots_panel(record: ModelRecord, dataset: GraphDataset, layer: int, head: int) -> None:
    if not record.snapshots:
        st.caption(
            record.snapshot_note
            or "No α snapshots: this model was loaded from a "
            "checkpoint or trained with snapshots off."
        )
        return
    epochs = [s.epoch for s in record.snapshots]
    c = st.columns([2, 2])
    epoch = c[0].select_slider("Epoch", epochs, value=epochs[-1])
    hub = int(record.attention[layer].edge_index[1].bincount().argmax())
    node = c[1].number_input(
        "Node",
        0,
        dataset.num_nodes - 1,
        hub,
        help="Default: the node that attends over the most edges.",
    )
    snapshot = record.snapshots[epochs.index(epoch)].attention[layer]
    rows = (snapshot.edge_index[1] == node).nonzero().flatten()
    incoming = pd.DataFrame(
        {
            "from": [str(int(s)) for s in snapshot.edge_index[0, rows]],
            "α": snapshot.alpha[rows, head].numpy(),
        }
    )
    curve = snapshot_divergence(record, dataset, layer, head)
    left, right = st.columns(2)
    with left:
        st.markdown(
            f"**Incoming α of node {node}** at epoch {epoch} (head {head}; uniform "
            f"share 1/{len(rows)})"
        )
        draw(record, ("snapshot", layer, head, epoch, node), lambda: snapshot_bars(incoming))
    with right:
        st.markdown(f"**Mean KL from uniform** of layer {layer}, head {head}, over training")
        draw(record, ("snapshot_kl", layer, head, epoch), lambda: snapshot_curve(curve, epoch))
