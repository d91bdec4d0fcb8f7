"""Is α the explanation? (Analysis page) Every attribution method on a sample of test nodes (test
graphs, for a graph task), on a click, kept with the model: how far α (each layer, their mean,
the flow) agrees with each method, as a heatmap of Spearman's correlation and a table with
Kendall and the top-k overlap, each with its interval; each method's deletion curve beside α's
and random; and, where the dataset marks the edges that matter, each method's AUROC for them."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from gatviz.attribution import TOP_K
from gatviz.datasets import GraphDataset
from gatviz.explanations import AttributionStudy, attribution_study
from ui.panels.analysis_figures import draw
from ui.records import ModelRecord

NAMES = {
    "alpha_mean": "α (mean over layers)",
    "integrated_gradients": "Integrated Gradients",
    "saliency": "Saliency",
    "gnnexplainer": "GNNExplainer",
    "alpha_gradient": "α ⊙ ∂y/∂α",
    "attention_flow": "attention flow",
    "random": "random",
}
COLOURS = {
    "α (mean over layers)": "#b3001b",
    "attention flow": "#f28e2b",
    "Integrated Gradients": "#4e79a7",
    "Saliency": "#76b7b2",
    "GNNExplainer": "#59a14f",
    "α ⊙ ∂y/∂α": "#b07aa1",
    "random": "#7f7f7f",
}


def attributions_panel(record: ModelRecord, dataset: GraphDataset) -> AttributionStudy | None:
    """``record`` and ``dataset``: the whole graph's or set's (the sample is of its test rows).
    The study shown, once computed (for the export), else None."""
    st.subheader("Is α the explanation?")
    if dataset.task not in ("node", "graph"):
        st.caption(
            "Edge attributions explain one predicted class per node or graph; multi-label "
            "outputs have none."
        )
        return None
    unit = "graphs" if dataset.task == "graph" else "nodes"
    st.caption(
        f"Each method scores the edges the prediction is computed from (a node's receptive "
        f"field; a graph's edges) for the predicted class: Integrated Gradients and Saliency "
        f"(captum, through PyG's explain), GNNExplainer, and α ⊙ ∂y/∂α; attention flow "
        f"multiplies α along every path (attention rollout). Per test {unit[:-1]}, Spearman's "
        f"and Kendall's rank correlation and the overlap of the top {TOP_K} edges between α and "
        f"each method, averaged over the sample with a 95 % bootstrap interval: 1 means α ranks "
        f"the edges as the method does."
    )
    c = st.columns([1, 3])
    count = int(c[0].number_input(f"Test {unit} sampled", 2, 200, 20, key="attribution_nodes"))
    study: AttributionStudy | None = record.derived.get(("attributions", count))
    if study is None:
        slot = c[1].empty()  # emptied once scored: the button does not linger beside results
        if not slot.button(f"Score {count} test {unit} with every method"):
            return None
        slot.empty()
        progress = st.progress(0.0, text="Scoring…")

        def on_row(done: int, total: int) -> None:
            progress.progress(done / total, text=f"{done} of {total} {unit} scored")

        study = record.derive(
            ("attributions", count),
            lambda: attribution_study(record.model, dataset, count, 0, on_row),
        )
        progress.empty()
    table = study.agreement
    if table.empty:
        st.caption(f"No sampled {unit[:-1]} had scores that vary: nothing to rank.")
    else:
        shown = table.assign(alpha=table["alpha"].map(_alpha_name))
        shown = shown.assign(method=shown["method"].map(NAMES))
        draw(record, ("attribution_heatmap", count), lambda: _heatmap(shown))
        st.dataframe(_with_intervals(shown), hide_index=True)
    _deletion(record, study, count, unit)
    _truth(study, unit)
    return study


def _alpha_name(column: str) -> str:
    if column.startswith("alpha_layer"):
        return f"α, layer {column.removeprefix('alpha_layer')}"
    return NAMES.get(column, column)


def _with_intervals(table: pd.DataFrame) -> pd.DataFrame:
    def cell(row, measure: str) -> str:
        return f"{row[measure]:.3f} [{row[f'{measure}_low']:.3f}, {row[f'{measure}_high']:.3f}]"

    return pd.DataFrame(
        {
            "α": table["alpha"],
            "method": table["method"],
            "Spearman [95 %]": [cell(r, "spearman") for _, r in table.iterrows()],
            "Kendall [95 %]": [cell(r, "kendall") for _, r in table.iterrows()],
            f"top-{TOP_K} overlap [95 %]": [cell(r, "top_k_overlap") for _, r in table.iterrows()],
            "sampled": table["nodes"],
        }
    )


def _deletion(record: ModelRecord, study: AttributionStudy, count: int, unit: str) -> None:
    curves = study.deletion.assign(ranking=study.deletion["ranking"].map(NAMES))
    rows = int(curves["rows"].max())
    st.markdown(
        f"**Deletion curves**: the share of the {rows} sampled {unit} whose prediction survives "
        "deleting their k top-ranked edges, by each ranking. A ranking that finds what the "
        "prediction rests on falls below random; the bands are 95 % Wilson intervals."
    )
    draw(record, ("attribution_deletion", count), lambda: _curves(curves))


def _truth(study: AttributionStudy, unit: str) -> None:
    if study.truth.empty:
        return
    truth = study.truth.assign(ranking=study.truth["ranking"].map(NAMES))
    st.markdown(
        f"**Ground truth**: each ranking's AUROC for the marked edges among each sampled "
        f"{unit[:-1]}'s edges (0.5 = chance), averaged over the {unit} that have marked and "
        "unmarked edges, beside the model-free 1/|N(i)| and random scores on the same edges."
    )
    st.dataframe(
        pd.DataFrame(
            {
                "edges marked": truth["mask"],
                "ranking": truth["ranking"],
                "AUROC [95 %]": [
                    f"{r.auroc:.3f} [{r.auroc_low:.3f}, {r.auroc_high:.3f}]"
                    for r in truth.itertuples()
                ],
                "1/|N(i)|": truth["inverse_degree"].round(3),
                "random": truth["random"].round(3),
                unit: truth["rows"],
            }
        ),
        hide_index=True,
    )


def _curves(curves: pd.DataFrame) -> alt.LayerChart:
    colour = alt.Color(
        "ranking:N",
        title=None,
        scale=alt.Scale(domain=list(COLOURS), range=list(COLOURS.values())),
        legend=alt.Legend(orient="right", labelLimit=200),
    )
    x = alt.X("k:Q", title="top-ranked edges deleted (k)")
    base = alt.Chart(curves).encode(x=x, color=colour)
    band = base.mark_area(opacity=0.07).encode(y="kept_low:Q", y2="kept_high:Q")
    lines = base.mark_line(point=True).encode(
        y=alt.Y("kept:Q", title="predictions unchanged", scale=alt.Scale(domain=[0, 1])),
        strokeDash=alt.condition(
            alt.datum.ranking == "random", alt.value([4, 3]), alt.value([1, 0])
        ),
        tooltip=[
            "ranking",
            "k",
            alt.Tooltip("kept", format=".3f"),
            alt.Tooltip("kept_low", format=".3f"),
            alt.Tooltip("kept_high", format=".3f"),
            alt.Tooltip("probability", format=".3f", title="probability left"),
        ],
    )
    # Lines first: the legend takes its symbols from the first layer (the faint bands' would
    # be nearly invisible).
    return (lines + band).properties(height=260, width="container")


def _heatmap(table: pd.DataFrame) -> alt.Chart:
    # Horizontal labels: rotated ones took most of the chart's height from the cells.
    base = alt.Chart(table).encode(
        x=alt.X(
            "method:N",
            title=None,
            sort=[n for n in NAMES.values() if n in set(table["method"])],
            axis=alt.Axis(labelAngle=0, labelLimit=180),
        ),
        y=alt.Y("alpha:N", title=None, sort=None, axis=alt.Axis(labelLimit=220)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("spearman:Q", scale=alt.Scale(scheme="redblue", domain=[-1, 1])),
        tooltip=[
            "alpha",
            "method",
            alt.Tooltip("spearman", format=".3f"),
            alt.Tooltip("spearman_low", format=".3f"),
            alt.Tooltip("spearman_high", format=".3f"),
            "nodes",
        ],
    )
    labels = base.mark_text(fontSize=11).encode(text=alt.Text("spearman:Q", format=".2f"))
    return (cells + labels).properties(height=36 * table["alpha"].nunique() + 30, width="container")
