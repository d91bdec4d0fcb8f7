"""Analysis: does the attention mean anything? Every statistic beside the baseline it must beat."""

import ui  # noqa: F401  (before any other import: see app_pages/home.py)

from dataclasses import replace

import streamlit as st

from gatviz.report import CAVEAT, describe
from gatviz.figures import entropy_histogram, heatmap, js_from_uniform_bars
from ui.panels.analysis_figures import draw
from ui.keys import ANALYSIS_PICK
from ui.links import current_spec, from_query, write_link, write_view
from ui.panels.analysis_export import analysis_export
from ui.panels.ground_truth import ground_truth_panel
from ui.panels.intervention import intervention_panel
from ui.panels.ranking import ranking_panel
from ui.panels.same_class import same_class_panel
from ui.panels.seen_unseen import seen_unseen_panel
from ui.panels.set_pickers import pick_split
from ui.sidebar import sidebar
from ui.panels.attributions import attributions_panel
from ui.panels.seeds import seeds_panel
from ui.panels.snapshots import snapshots_panel
from ui.state import models_for
from ui.views import analysis_report, deletion_table, require_whole_attention

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

ranking_panel(report, layer)

intervention_panel(record, report, dataset, deletion, layer, ppi=whole_set.name == "ppi")
ground_truth_panel(record, report)

st.subheader("Attention over training")
snapshots_panel(record, dataset, layer, head)
study = seeds_panel(whole_record, whole_set)
explained = attributions_panel(whole_record, whole_set)

extra = {**({} if study is None else study.tables())}
extra.update({} if explained is None else explained.tables())
analysis_export(report, dataset, layer, extra)
