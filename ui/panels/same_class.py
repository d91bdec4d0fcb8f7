"""Same-class attention: the α mass a node puts on neighbours of its own class (type, or
label on multi-label data), beside uniform attention; per label on multi-label data."""

from __future__ import annotations

import streamlit as st

from gatviz.datasets import GraphDataset
from gatviz.report import AnalysisReport
from gatviz.figures import same_class_bars
from ui.panels.analysis_figures import draw
from ui.records import ModelRecord

MAX_LABELS = 20  # labels listed, those whose α departs most from uniform first


def same_class_panel(
    report: AnalysisReport, dataset: GraphDataset, record: ModelRecord, layer: int, head: int
) -> None:
    kind = {"graph": "type", "multilabel": "label"}.get(dataset.task, "class")
    st.subheader(f"Same-{kind} attention")
    same = report.same_class[report.same_class["layer"] == layer]
    if same["same_class_mass"].isna().all():
        st.caption("No labelled node here has a labelled neighbour besides itself.")
        return
    counted = int(same["nodes"].iloc[0])
    if dataset.task == "multilabel":
        st.caption(
            f"For every node and each label it has: the α mass on neighbours that have "
            f"the label too (self-loop excluded), averaged over {counted:,} (node, label) "
            "pairs, beside uniform attention, which gives the share of such neighbours."
        )
    else:
        st.caption(
            f"The α mass a node puts on neighbours of its own {kind} (self-loop "
            f"excluded), averaged over {counted:,} labelled nodes, beside uniform "
            f"attention, which gives the fraction of same-{kind} neighbours."
            + (
                " Types are the nodes' own (a molecule's atoms): the model is trained on "
                "the graphs' classes, not on them."
                if dataset.task == "graph"
                else ""
            )
        )
    draw(record, ("same_class", layer), lambda: same_class_bars(same))
    if report.same_label is None:
        return
    table = report.same_label
    labels = table[
        (table["layer"] == layer) & (table["head"] == head) & (table["pairs"] > 0)
    ].copy()
    labels["label"] = [dataset.class_names[int(k)] for k in labels["label"]]
    labels["learned − uniform"] = labels["same_class_mass"] - labels["same_class_mass_uniform"]
    st.caption(
        f"Per label (head {head}): the labels whose learned α departs most from "
        "uniform, with the number of (node, label) pairs each rests on."
    )
    order = labels["learned − uniform"].abs().sort_values(ascending=False).index
    st.dataframe(
        labels.reindex(order)
        .head(MAX_LABELS)[
            ["label", "pairs", "same_class_mass", "same_class_mass_uniform", "learned − uniform"]
        ]
        .style.format(precision=3),
        hide_index=True,
    )
