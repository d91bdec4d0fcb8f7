"""What the graph adds, on a set of many graphs: an MLP with the GAT's widths, settings, seed
and splits trained on the node features alone, trained on a click and kept with the model."""

from __future__ import annotations

import streamlit as st

from gatviz.baselines import mlp_baseline
from gatviz.datasets import GraphDataset
from ui.records import ModelRecord, metric_name


def baseline_panel(record: ModelRecord, dataset: GraphDataset) -> None:
    baseline = record.derived.get(("mlp",))
    if baseline is None and st.button(
        "Train an MLP on the node features alone (baseline)",
        help="A GAT that does no better than this reads only the features, not the "
        "neighbours. Same widths, settings, seed and splits; no edges.",
    ):
        with st.spinner("Training the MLP…"):
            baseline = record.derive(
                ("mlp",), lambda: mlp_baseline(dataset, record.model_config, record.train_config)
            )
    if baseline is not None:
        unit = "graphs" if dataset.task == "graph" else "nodes"
        st.caption(
            f"MLP on the features alone: train {baseline['train']:.3f} · validation "
            f"{baseline['val']:.3f} · test {baseline['test']:.3f} "
            f"({metric_name(dataset)}; test on "
            f"{int(dataset.score_rows('test').numel()):,} {unit})."
        )
