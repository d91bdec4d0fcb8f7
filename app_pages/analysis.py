"""Analysis: does the attention mean anything? Every statistic beside the baseline it must beat."""

import ui  # noqa: F401  (before any other import: see app_pages/home.py)

from dataclasses import replace
from functools import partial

import pandas as pd
import streamlit as st

from gatviz.report import CAVEAT, describe
from ui.analysis_figures import (
    deletion_chart,
    draw,
    entropy_histogram,
    ground_truth_bars,
    heatmap,
    js_from_uniform_bars,
)
from ui.keys import ANALYSIS_PICK
from ui.links import current_spec, from_query, write_link, write_view
from ui.records import metric_name
from ui.same_class_panel import same_class_panel
from ui.seen_unseen_panel import seen_unseen_panel
from ui.set_pickers import pick_split
from ui.sidebar import sidebar
from ui.snapshots_panel import snapshots_panel
from ui.state import models_for
from ui.views import analysis_report, deletion_table, require_whole_attention, table_csv

st.set_page_config(page_title="gatviz · Analysis")
dataset, record = sidebar()
spec = current_spec()
st.title("Analysis")
st.caption(
    "Is this attention different from uniform, do the heads agree, does it favour the "
    "node's own class, and do the predictions depend on it? Each number stands beside "
    "the baseline it has to beat."
)
if record is None:
    st.info(
        "No model on this dataset yet. Train one on the **Train** page or load a checkpoint "
        "there; this page then analyses its attention."
    )
    st.stop()

require_whole_attention(dataset, "every analysis here")
available = models_for(spec)
if st.session_state.get(ANALYSIS_PICK) not in available:
    st.session_state[ANALYSIS_PICK] = record.name
many = dataset.num_graphs > 1
controls = st.columns([3, 2, 1, 1] if many else [3, 1, 1])
record = available[controls[0].selectbox("Model", list(available), key=ANALYSIS_PICK)]
write_link(spec, record)
whole_set, whole_record, split = dataset, record, "all"
if many:  # a set of many graphs: measured over one split's graphs, the test graphs first
    dataset, record, split = pick_split(controls.pop(1), dataset, record)
layers = len(record.attention)
from_query("layer", "analysis_layer", int, layers - 1, range(layers).__contains__)
layer = controls[1].selectbox("Layer", list(range(layers)), key="analysis_layer")
heads = record.attention[layer].alpha.size(1)
from_query("head", "analysis_head", int, 0, range(heads).__contains__)
head = controls[2].selectbox(
    "Head", list(range(heads)), key="analysis_head", format_func=lambda h: f"head {h}"
)
write_view(
    {"layer": layer, "head": head, **({"split": split} if many else {})},
    {"layer": layers - 1, "head": 0, "split": "test"},
)
deletion = deletion_table(record, dataset, layer)
report = replace(analysis_report(record, dataset), deletion=deletion, deletion_layer=layer)

if many:
    seen_unseen_panel(whole_record, whole_set)

st.subheader("What this says")
st.markdown("\n".join(f"- {sentence}" for sentence in describe(report)))
st.info(CAVEAT)

st.subheader("Distance from uniform")
st.caption(
    "KL(α_i ‖ uniform) = log|N(i)| − H(α_i), in nats: 0 means node i averages its "
    "neighbours exactly as a mean aggregator (a GCN-like layer) would."
)
left, right = st.columns(2)
nodes = report.divergence
chosen = nodes[(nodes["layer"] == layer) & (nodes["head"] == head)].dropna(
    subset=["normalised_entropy"]
)
with left:
    st.markdown(
        f"**Normalised entropy H / log|N(i)|**, layer {layer}, head {head} "
        f"({len(chosen):,} nodes with a choice). Uniform attention is the line at 1."
    )
    draw(record, ("entropy", layer, head), lambda: entropy_histogram(chosen["normalised_entropy"]))
with right:
    st.markdown("**Mean KL from uniform**, layers × heads (uniform = 0)")
    draw(
        record,
        ("kl",),
        lambda: heatmap(report.kl, "head", "layer", "kl_from_uniform_mean", "KL").properties(
            height=50 + 40 * layers
        ),
    )

st.subheader("Do the heads agree?")
st.caption(
    "Mean Jensen–Shannon divergence between two heads' α_i over all nodes (0 = the same "
    "weights, log 2 ≈ 0.693 = nothing in common), beside each head's JS from uniform."
)
left, right = st.columns(2)
pairs = report.head_js[report.head_js["layer"] == layer]
from_uniform = report.js_uniform[report.js_uniform["layer"] == layer]
with left:
    st.markdown(f"**Head × head JS**, layer {layer}")
    draw(
        record,
        ("head_js", layer),
        lambda: heatmap(pairs, "head_a", "head_b", "js", "JS").properties(height=260),
    )
with right:
    st.markdown(f"**Each head's JS from uniform**, layer {layer}")
    draw(record, ("js_uniform", layer), lambda: js_from_uniform_bars(from_uniform))

same_class_panel(report, dataset, record, layer, head)

st.subheader("Static or dynamic attention")
ranking = report.ranking[report.ranking["layer"] == layer]
consistency = ranking["consistency"].mean()
c = st.columns([1, 3])
c[0].metric(
    "Ranking consistency",
    "n/a" if pd.isna(consistency) else f"{consistency:.3f}",
    delta="GAT always gives 1.000",
    delta_color="off",
)
c[1].markdown(
    "GAT scores a neighbour j of i with LeakyReLU(a_srcᵀWh_j + a_dstᵀWh_i), which grows with "
    "a_srcᵀWh_j whatever i is, so every node ranks the neighbours it shares with another node "
    "the same way (*static* attention, Brody et al. 2022); GATv2 can rank them differently. "
    f"Measured over {int(ranking['target_pairs'].iloc[0]):,} pairs of nodes that share at "
    "least two neighbours: the fraction whose rankings of the shared neighbours agree."
)

st.subheader("Uniform-attention knockout")
scored_test = int(dataset.score_rows("test").numel())
unit = "graphs" if dataset.task == "graph" else "nodes"
st.caption(
    "The same trained weights with every α forced to 1/|N(i)|: if the score holds, the "
    f"model did not need its learned attention. Scores are {metric_name(dataset)}; the "
    f"test row counts {scored_test:,} {unit}"
    + (
        f", so one {unit[:-1]} more or less right moves it by {1 / scored_test:.3f}"
        if 0 < scored_test and dataset.task != "multilabel"
        else ""
    )
    + "."
    + (
        " The GAT paper's PPI figures: micro-F1 0.973 ± 0.002 with learned attention, "
        "0.934 ± 0.006 for a model trained with constant attention (here the trained "
        "weights are kept and only α is made uniform, a different test)."
        if whole_set.name == "ppi"
        else ""
    )
)
knockout = report.knockout.set_index("split")
c = st.columns([2, 1])
c[0].dataframe(
    knockout.drop(index="all nodes")
    .rename(
        columns={"learned": "learned α", "uniform": "uniform α", "changed": "predictions changed"}
    )
    .style.format(precision=3)
)
c[1].metric(
    "Predictions changed, all nodes",
    f"{knockout.loc['all nodes', 'changed']:.1%}",
    delta="no change if α did not matter",
    delta_color="off",
)

st.subheader("Deletion curves")
st.caption(
    f"Each node loses its k most-attended incoming edges (layer {layer}, mean over "
    "heads; self-loop kept), k random ones (mean of 5 draws) or its k least-attended. "
    "If α is faithful, the most-attended should hurt most."
)
for column, value, title in zip(
    st.columns(2), ("test_acc", "changed"), ("test accuracy", "predictions changed")
):
    with column:
        draw(record, ("deletion", layer, value), lambda: deletion_chart(deletion, value, title))

if not report.ground_truth.empty:
    st.subheader("Ground truth")
    truth = report.ground_truth
    st.caption(
        "AUROC of α as a score for the known edges (0.5 = chance), always beside the "
        "model-free score 1/|N(i)| and random scores: low-degree structure alone can "
        "reach a high AUROC."
    )
    draw(record, ("truth",), lambda: ground_truth_bars(truth))
    st.dataframe(truth.style.format(precision=3), hide_index=True)

st.subheader("Attention over training")
snapshots_panel(record, dataset, layer, head)

st.subheader("Export")
tables = report.tables()
tables[f"deletion_layer{layer}"] = tables.pop("deletion")
columns = st.columns(4)
for k, (stem, table) in enumerate(tables.items()):
    columns[k % 4].download_button(
        f"{stem}.csv",
        partial(table_csv, table),
        file_name=f"{dataset.name}_{stem}.csv",
        mime="text/csv",
        on_click="ignore",
        key=f"export_{stem}",
    )
