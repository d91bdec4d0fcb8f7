"""A model's scores on the Train page: train, validation and test, each naming how many nodes
or graphs it rests on (with few, one more right or wrong moves it a lot), and the best epoch."""

from __future__ import annotations

import streamlit as st

from gatviz.datasets import GraphDataset
from ui.records import ModelRecord, metric_name, split_score


def scores_panel(record: ModelRecord, dataset: GraphDataset) -> None:
    many = dataset.num_graphs > 1
    metrics = record.metrics
    c = st.columns(4)
    scored = {split: int(dataset.score_rows(split).numel()) for split in ("train", "val", "test")}
    unit = "graphs" if dataset.task == "graph" else "nodes"
    for column, split, label in zip(c, scored, ("Train", "Validation", "Test")):
        value = metrics.get(split + "_acc", float("nan"))
        interval = split_score(record, dataset, split)
        column.metric(
            f"{label} {metric_name(dataset)}",
            f"{value:.3f}",
            delta=f"95 % CI {interval.low:.3f}–{interval.high:.3f}"
            if interval.n
            else "nothing scored",
            delta_color="off",
            delta_arrow="off",
            help=f"On {scored[split]:,} {unit}"
            + (
                f" of {int(dataset.split_graphs(split).numel())} graphs"
                if many and unit == "nodes"
                else ""
            )
            + ": with few of them, one more right or wrong "
            f"moves this by {1 / max(scored[split], 1):.3f}.",
        )
    best, ran = metrics.get("best_epoch", "?"), metrics.get("epochs_run", "?")
    c[3].metric("Best epoch", f"{best} / {ran}")
    if 0 < scored["val"] < 50 and record.history:
        st.caption(
            f"The weights kept are those of the best validation score, measured on only "
            f"{scored['val']} {unit}: one more right or wrong moves it by "
            f"{1 / scored['val']:.3f}, so the epoch chosen is partly chance (here epoch "
            f"{metrics.get('best_epoch', '?')}; the curves show the other epochs)."
        )
