"""The sidebar's status: the current dataset and model with their key numbers.

Drawn once per run by ``ui.sidebar`` and again when a page changes the dataset or the model
within the run, so that it needs no second run to catch up.
"""

from __future__ import annotations

import threading

import streamlit as st

from gatviz.datasets import GraphDataset
from gatviz.tasks import TASK_NAMES
from ui.records import ModelRecord, metric_name, split_score
from ui.text import as_text

_run = threading.local()  # this script run's sidebar status (script runs are threads)


def place_status() -> None:
    """Reserve the status's place in the sidebar for this run."""
    _run.status = st.sidebar.empty()


def show_status(dataset: GraphDataset, record: ModelRecord | None) -> None:
    """Draw the sidebar's status, again when a page changes the dataset or the model within
    a run (so it needs no second run to catch up)."""
    status = getattr(_run, "status", None)
    if status is None:
        return
    with status.container():
        st.markdown(f"**Dataset:** {as_text(dataset.name)}")
        graphs = f"{dataset.num_graphs:,} graphs · " if dataset.num_graphs > 1 else ""
        kind = "labels" if dataset.task == "multilabel" else "classes"
        st.caption(
            f"{graphs}{dataset.num_nodes:,} nodes · {dataset.num_edges:,} edges · "
            f"{dataset.num_features:,} features · {dataset.num_classes} {kind} · "
            f"{TASK_NAMES[dataset.task]}"
        )
        if record is None:
            st.markdown("**Model:** none yet")
            st.caption("Train one on the Train page or load a checkpoint.")
        else:
            config = record.model_config
            st.markdown(f"**Model:** {as_text(record.name)}")
            test = split_score(record, dataset, "test") if record.pred is not None else None
            scored = (
                f"test {metric_name(dataset)} {test.estimate:.3f} [95 % CI {test.low:.3f}–"
                f"{test.high:.3f}] on {test.n:,} {'graphs' if dataset.task == 'graph' else 'nodes'}"
                if test is not None and test.n
                else "no test rows scored"
            )
            st.caption(
                f"{config.conv.upper()} · {config.layers} layers · {config.heads} heads "
                f"× {config.hidden} · {scored}"
            )
