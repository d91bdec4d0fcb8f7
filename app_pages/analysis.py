"""Analysis: does the attention mean anything? Every statistic beside the baseline it must beat."""
import ui  # noqa: F401  (before any other import: see app_pages/home.py)

from dataclasses import replace
from functools import partial

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from gatviz.inductive_analysis import divergence_by_split
from gatviz.report import CAVEAT, describe
from ui.keys import ANALYSIS_PICK
from ui.links import current_spec, from_query, write_link, write_view
from ui.records import metric_name, split_record
from ui.sidebar import sidebar
from ui.state import models_for
from ui.views import (analysis_report, deletion_table, require_whole_attention, snapshot_divergence,
                      table_csv)

st.set_page_config(page_title="gatviz · Analysis")
dataset, record = sidebar()
spec = current_spec()
st.title("Analysis")
st.caption("Is this attention different from uniform, do the heads agree, does it favour the "
           "node's own class, and do the predictions depend on it? Each number stands beside "
           "the baseline it has to beat.")
if record is None:
    st.info("No model on this dataset yet. Train one on the **Train** page or load a checkpoint "
            "there; this page then analyses its attention.")
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
    splits = ["test", "val", "train", "all"]
    from_query("split", "analysis_split", str, "test")
    if st.session_state["analysis_split"] not in splits:
        st.session_state["analysis_split"] = "test"
    split = controls[1].selectbox(
        "Graphs measured", splits, key="analysis_split",
        format_func=lambda s: f"{s} graphs ({int(dataset.split_graphs(s).numel())})",
        help="Test graphs are graphs the model never saw in training.")
    dataset, record = split_record(record, dataset, split)
    controls = controls[:1] + controls[2:]
layers = len(record.attention)
from_query("layer", "analysis_layer", int, layers - 1)
if st.session_state["analysis_layer"] not in range(layers):
    st.session_state["analysis_layer"] = layers - 1
layer = controls[1].selectbox("Layer", list(range(layers)), key="analysis_layer")
heads = record.attention[layer].alpha.size(1)
from_query("head", "analysis_head", int, 0)
if st.session_state["analysis_head"] not in range(heads):
    st.session_state["analysis_head"] = 0
head = controls[2].selectbox("Head", list(range(heads)), key="analysis_head",
                             format_func=lambda h: f"head {h}")
write_view({"layer": layer, "head": head, **({"split": split} if many else {})},
           {"layer": layers - 1, "head": 0, "split": "test"})
deletion = deletion_table(record, dataset, layer)
report = replace(analysis_report(record, dataset), deletion=deletion, deletion_layer=layer)

if many:
    st.subheader("Graphs seen and never seen")
    st.caption("Does α behave the same on graphs the model never saw? Mean KL divergence of a "
               "node's α from uniform (0 = uniform) over the nodes of the train graphs and of "
               "the test graphs, per layer and head, each with a 95 % interval from a bootstrap "
               "over whole graphs; then test − train. Where that interval covers 0, the "
               "difference is not measurable with these graphs.")
    side = whole_record.derive(("seen_unseen",), lambda: divergence_by_split(
        whole_record.attention, whole_set))
    shown = pd.DataFrame({
        "layer": side["layer"], "head": side["head"],
        **{f"{split} graphs ({int(side[f'{split}_graphs'].max())})": [
            f"{m:.2e} [{lo:.2e}, {hi:.2e}]" for m, lo, hi in zip(
                side[f"{split}_kl"], side[f"{split}_low"], side[f"{split}_high"])]
           for split in ("train", "test")},
        "test − train": [f"{d:+.2e} [{lo:+.2e}, {hi:+.2e}]" for d, lo, hi in zip(
            side["difference"], side["difference_low"], side["difference_high"])],
        "differs": ["yes" if lo > 0 or hi < 0 else "no" for lo, hi in zip(
            side["difference_low"], side["difference_high"])]})
    st.dataframe(shown, hide_index=True)

st.subheader("What this says")
st.markdown("\n".join(f"- {sentence}" for sentence in describe(report)))
st.info(CAVEAT)


def draw(key: tuple, build) -> None:
    """Show the altair chart ``build()`` makes, built once per model and ``key`` (which names
    everything the chart depends on): building and validating a spec costs altair ~20 ms a
    chart, on every rerun otherwise, and an unchanged spec is not redrawn by the browser."""
    spec = record.derive(("chart",) + key, lambda: build().to_dict())
    st.vega_lite_chart(spec, width="stretch")


def heatmap(frame: pd.DataFrame, x: str, y: str, value: str, title: str) -> alt.Chart:
    """Cells coloured by ``value``, each labelled with it (two significant digits)."""
    base = alt.Chart(frame).encode(x=alt.X(f"{x}:O"), y=alt.Y(f"{y}:O"))
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=title, scale=alt.Scale(scheme="oranges")),
        tooltip=[x, y, alt.Tooltip(value, format=".4g")])
    labels = base.mark_text(fontSize=10).encode(text=alt.Text(f"{value}:Q", format=".2g"))
    return (cells + labels).properties(width="container")


st.subheader("Distance from uniform")
st.caption("KL(α_i ‖ uniform) = log|N(i)| − H(α_i), in nats: 0 means node i averages its "
           "neighbours exactly as a mean aggregator (a GCN-like layer) would.")
left, right = st.columns(2)
nodes = report.divergence
chosen = nodes[(nodes["layer"] == layer) & (nodes["head"] == head)].dropna(
    subset=["normalised_entropy"])
with left:
    st.markdown(f"**Normalised entropy H / log|N(i)|**, layer {layer}, head {head} "
                f"({len(chosen):,} nodes with a choice). Uniform attention is the line at 1.")
    counts, edges = np.histogram(chosen["normalised_entropy"].clip(0, 1), bins=40, range=(0, 1))
    bins = pd.DataFrame({"from": edges[:-1], "to": edges[1:], "nodes": counts})
    draw(("entropy", layer, head), lambda: (alt.Chart(bins).mark_rect().encode(
        x=alt.X("from:Q", title="H / log|N(i)|", scale=alt.Scale(domain=[0, 1])), x2="to:Q",
        y=alt.Y("nodes:Q", title="nodes"), y2=alt.datum(0), tooltip=["from", "to", "nodes"])
        + alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(
            color="#b3001b", strokeDash=[4, 3]).encode(x="x:Q")).properties(height=230))
with right:
    st.markdown("**Mean KL from uniform**, layers × heads (uniform = 0)")
    draw(("kl",), lambda: heatmap(report.kl, "head", "layer", "kl_from_uniform_mean", "KL")
         .properties(height=50 + 40 * layers))

st.subheader("Do the heads agree?")
st.caption("Mean Jensen–Shannon divergence between two heads' α_i over all nodes (0 = the same "
           "weights, log 2 ≈ 0.693 = nothing in common), beside each head's JS from uniform.")
left, right = st.columns(2)
pairs = report.head_js[report.head_js["layer"] == layer]
from_uniform = report.js_uniform[report.js_uniform["layer"] == layer]
with left:
    st.markdown(f"**Head × head JS**, layer {layer}")
    draw(("head_js", layer), lambda: heatmap(pairs, "head_a", "head_b", "js", "JS")
         .properties(height=260))
with right:
    st.markdown(f"**Each head's JS from uniform**, layer {layer}")
    draw(("js_uniform", layer), lambda: alt.Chart(from_uniform).mark_bar(
        color="#f28e2b").encode(
        x="head:O", y=alt.Y("js_from_uniform:Q", title="mean JS from uniform (nats)"),
        tooltip=["head", alt.Tooltip("js_from_uniform", format=".4f")]).properties(height=260))

kind = {"graph": "type", "multilabel": "label"}.get(dataset.task, "class")
st.subheader(f"Same-{kind} attention")
same = report.same_class[report.same_class["layer"] == layer]
if same["same_class_mass"].isna().all():
    st.caption("No labelled node here has a labelled neighbour besides itself.")
elif dataset.task == "multilabel":
    st.caption(f"For every node and each label it has: the α mass on neighbours that have the "
               f"label too (self-loop excluded), averaged over {int(same['nodes'].iloc[0]):,} "
               "(node, label) pairs, beside uniform attention, which gives the share of such "
               "neighbours.")
else:
    st.caption(f"The α mass a node puts on neighbours of its own {kind} (self-loop excluded), "
               f"averaged over {int(same['nodes'].iloc[0]):,} labelled nodes, beside uniform "
               f"attention, which gives the fraction of same-{kind} neighbours."
               + (" Types are the nodes' own (a molecule's atoms): the model is trained on "
                  "the graphs' classes, not on them." if dataset.task == "graph" else ""))
    long = pd.concat([
        same.assign(weights="learned α", mass=same["same_class_mass"]),
        same.assign(weights="uniform", mass=same["same_class_mass_uniform"])])
    draw(("same_class", layer), lambda: alt.Chart(long).mark_bar().encode(
        x=alt.X("head:O"), xOffset="weights:N", y=alt.Y("mass:Q", title="same-class mass",
                                                         scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("weights:N", scale=alt.Scale(range=["#f28e2b", "#bab0ac"])),
        tooltip=["head", "weights", alt.Tooltip("mass", format=".3f")]).properties(height=220))
    if report.same_label is not None:
        labels = report.same_label[(report.same_label["layer"] == layer)
                                   & (report.same_label["head"] == head)
                                   & (report.same_label["pairs"] > 0)].copy()
        labels["label"] = [dataset.class_names[int(k)] for k in labels["label"]]
        labels["learned − uniform"] = (labels["same_class_mass"]
                                       - labels["same_class_mass_uniform"])
        st.caption(f"Per label (head {head}): the labels whose learned α departs most from "
                   "uniform, with the number of (node, label) pairs each rests on.")
        st.dataframe(labels.reindex(labels["learned − uniform"].abs().sort_values(
            ascending=False).index).head(20)[["label", "pairs", "same_class_mass",
                                              "same_class_mass_uniform", "learned − uniform"]]
            .style.format(precision=3), hide_index=True)

st.subheader("Static or dynamic attention")
ranking = report.ranking[report.ranking["layer"] == layer]
consistency = ranking["consistency"].mean()
c = st.columns([1, 3])
c[0].metric("Ranking consistency", "n/a" if pd.isna(consistency) else f"{consistency:.3f}",
            delta="GAT always gives 1.000", delta_color="off")
c[1].markdown(
    "GAT scores a neighbour j of i with LeakyReLU(a_srcᵀWh_j + a_dstᵀWh_i), which grows with "
    "a_srcᵀWh_j whatever i is, so every node ranks the neighbours it shares with another node "
    "the same way (*static* attention, Brody et al. 2022); GATv2 can rank them differently. "
    f"Measured over {int(ranking['target_pairs'].iloc[0]):,} pairs of nodes that share at "
    "least two neighbours: the fraction whose rankings of the shared neighbours agree.")

st.subheader("Uniform-attention knockout")
scored_test = int(dataset.score_rows("test").numel())
unit = "graphs" if dataset.task == "graph" else "nodes"
st.caption("The same trained weights with every α forced to 1/|N(i)|: if the score holds, the "
           f"model did not need its learned attention. Scores are {metric_name(dataset)}; the "
           f"test row counts {scored_test:,} {unit}"
           + (f", so one {unit[:-1]} more or less right moves it by {1 / scored_test:.3f}"
              if 0 < scored_test and dataset.task != "multilabel" else "") + "."
           + (" The GAT paper's PPI figures: micro-F1 0.973 ± 0.002 with learned attention, "
              "0.934 ± 0.006 for a model trained with constant attention (here the trained "
              "weights are kept and only α is made uniform, a different test)."
              if whole_set.name == "ppi" else ""))
knockout = report.knockout.set_index("split")
c = st.columns([2, 1])
c[0].dataframe(knockout.drop(index="all nodes").rename(columns={
    "learned": "learned α", "uniform": "uniform α", "changed": "predictions changed"}
).style.format(precision=3))
c[1].metric("Predictions changed, all nodes", f"{knockout.loc['all nodes', 'changed']:.1%}",
            delta="no change if α did not matter", delta_color="off")

st.subheader("Deletion curves")
st.caption(f"Each node loses its k most-attended incoming edges (layer {layer}, mean over "
           "heads; self-loop kept), k random ones (mean of 5 draws) or its k least-attended. "
           "If α is faithful, the most-attended should hurt most.")


def deletion_chart(value: str, title: str) -> alt.Chart:
    return alt.Chart(deletion).mark_line(point=True).encode(
        x=alt.X("k:O", title="edges removed per node"),
        y=alt.Y(f"{value}:Q", title=title, scale=alt.Scale(zero=False)),
        color=alt.Color("strategy:N", scale=alt.Scale(
            domain=["most attended", "random", "least attended"],
            range=["#b3001b", "#7f7f7f", "#2166ac"])),
        tooltip=["k", "strategy", alt.Tooltip(value, format=".3f")]).properties(height=230)


for column, value, title in zip(st.columns(2), ("test_acc", "changed"),
                                ("test accuracy", "predictions changed")):
    with column:
        draw(("deletion", layer, value), lambda: deletion_chart(value, title))

if not report.ground_truth.empty:
    st.subheader("Ground truth")
    truth = report.ground_truth
    st.caption("AUROC of α as a score for the known edges (0.5 = chance), always beside the "
               "model-free score 1/|N(i)| and random scores: low-degree structure alone can "
               "reach a high AUROC.")
    shown = truth[truth["head"] == "mean"].rename(columns={
        "auroc_attention": "α (mean over heads)", "auroc_inverse_degree": "1/|N(i)|, no model",
        "auroc_random": "random"}).melt(
        id_vars=["layer", "mask"], value_vars=["α (mean over heads)", "1/|N(i)|, no model",
                                               "random"], var_name="score", value_name="AUROC")
    draw(("truth",), lambda: alt.Chart(shown).mark_bar().encode(
        x=alt.X("layer:O"), xOffset="score:N", y=alt.Y("AUROC:Q", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("score:N", sort=None,
                        scale=alt.Scale(range=["#f28e2b", "#4e79a7", "#bab0ac"])),
        tooltip=["layer", "mask", "score", alt.Tooltip("AUROC", format=".3f")]
    ).properties(height=220))
    st.dataframe(truth.style.format(precision=3), hide_index=True)

st.subheader("Attention over training")
if not record.snapshots:
    st.caption(record.snapshot_note or "No α snapshots: this model was loaded from a checkpoint "
               "or trained with snapshots off.")
else:
    epochs = [s.epoch for s in record.snapshots]
    c = st.columns([2, 2])
    epoch = c[0].select_slider("Epoch", epochs, value=epochs[-1])
    hub = int(record.attention[layer].edge_index[1].bincount().argmax())
    node = c[1].number_input("Node", 0, dataset.num_nodes - 1, hub,
                             help="Default: the node that attends over the most edges.")
    snapshot = record.snapshots[epochs.index(epoch)].attention[layer]
    rows = (snapshot.edge_index[1] == node).nonzero().flatten()
    incoming = pd.DataFrame({"from": [str(int(s)) for s in snapshot.edge_index[0, rows]],
                             "α": snapshot.alpha[rows, head].numpy()})
    curve = snapshot_divergence(record, dataset, layer, head)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Incoming α of node {node}** at epoch {epoch} (head {head}; uniform "
                    f"share 1/{len(rows)})")
        draw(("snapshot", layer, head, epoch, node), lambda: (alt.Chart(incoming).mark_bar(
            color="#f28e2b").encode(
            x=alt.X("from:N", sort="-y", axis=alt.Axis(labels=len(rows) <= 40)),
            y=alt.Y("α:Q", title="α", scale=alt.Scale(
                domain=[0, max(0.05, float(incoming["α"].max()))])),
            tooltip=["from", alt.Tooltip("α", format=".4f")])
            + alt.Chart(pd.DataFrame({"y": [1 / max(len(rows), 1)]})).mark_rule(
                color="#7f7f7f", strokeDash=[4, 3]).encode(y="y:Q")).properties(height=230))
    with right:
        st.markdown(f"**Mean KL from uniform** of layer {layer}, head {head}, over training")
        draw(("snapshot_kl", layer, head, epoch), lambda: (alt.Chart(curve).mark_line(
            color="#f28e2b", point=alt.OverlayMarkDef(color="#f28e2b")).encode(
            x="epoch:Q", y=alt.Y("kl_from_uniform_mean:Q", title="mean KL (nats)"),
            tooltip=["epoch", alt.Tooltip("kl_from_uniform_mean", format=".4f")])
            + alt.Chart(pd.DataFrame({"epoch": [epoch]})).mark_rule(color="#333").encode(
                x="epoch:Q")).properties(height=230))

st.subheader("Export")
tables = report.tables()
tables[f"deletion_layer{layer}"] = tables.pop("deletion")
columns = st.columns(4)
for k, (stem, table) in enumerate(tables.items()):
    columns[k % 4].download_button(f"{stem}.csv", partial(table_csv, table),
                                   file_name=f"{dataset.name}_{stem}.csv", mime="text/csv",
                                   on_click="ignore",
                                   key=f"export_{stem}")
