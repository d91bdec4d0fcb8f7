"""What the Attention page's edges show: α, or one attribution method's score of each edge for
the centre node's prediction (the graph's, for a graph task), and whether the edges that are
unstable across retrained seeds are drawn dashed. Beside an attribution, a table puts α next
to every method on the same edges."""

from __future__ import annotations

from collections import OrderedDict

import pandas as pd
import streamlit as st

from gatviz.attribution import METHODS, NodeAttribution, graph_attributions, node_attributions
from gatviz.datasets import GraphDataset
from gatviz.overlay import EdgeValues
from gatviz.ranks import spearman
from gatviz.seeds import UNSTABLE_CV, SeedStudy
from ui.panels.attributions import NAMES
from ui.records import ModelRecord
from ui.text import as_text

MODES = ("alpha", *METHODS)
KEPT_NODES = 16  # nodes whose attributions a model keeps (each a few seconds of work)
TABLE_ROWS = 15


def explainable(dataset: GraphDataset) -> bool:
    """Attribution modes explain one class per node (node task) or per graph (graph task)."""
    return dataset.task in ("node", "graph")


def mode_name(mode: str) -> str:
    return "α" if mode == "alpha" else NAMES[mode]


def seed_study_of(record: ModelRecord) -> SeedStudy | None:
    """The largest seed study the Analysis page trained for this model, if any."""
    studies = [(key[1], v) for key, v in record.derived.items() if key[0] == "seeds"]
    return max(studies, key=lambda kv: kv[0])[1] if studies else None


def attribution_of(record: ModelRecord, dataset: GraphDataset, node: int) -> NodeAttribution:
    """Every method's scores for ``node`` (the graph, for a graph task), computed once and kept
    with the model for the last KEPT_NODES nodes."""
    kept: OrderedDict = record.derived.setdefault(("node_attributions",), OrderedDict())
    key = (dataset.name, node if dataset.task == "node" else 0)
    if key not in kept:
        with st.spinner("Scoring the edges with every method…"):
            if dataset.task == "node":
                kept[key] = node_attributions(record.model, dataset, node)
            else:
                kept[key] = graph_attributions(record.model, dataset, 0)
        while len(kept) > KEPT_NODES:
            kept.popitem(last=False)
    kept.move_to_end(key)
    return kept[key]


def edge_values(attribution: NodeAttribution, mode: str) -> tuple[tuple, EdgeValues]:
    raw = dict(
        zip(
            zip(attribution.table["source"].tolist(), attribution.table["target"].tolist()),
            attribution.table[mode].tolist(),
        )
    )
    return (mode, attribution.level, attribution.node), EdgeValues(mode_name(mode), raw)


def unstable_marks(study: SeedStudy, layer: int) -> tuple[tuple, dict]:
    """The edges of ``layer`` whose α varies across the seeds (std ≥ UNSTABLE_CV × mean), each
    with its mean ± std for the hover."""
    edges = study.edges[(study.edges["layer"] == layer) & study.edges["unstable"]]
    k = len(study.seeds)
    marks = {
        (int(r.source), int(r.target)): (
            f"unstable across {k} seeds: α {r.alpha_mean:.3f} ± {r.alpha_std:.3f}"
        )
        for r in edges.itertuples()
    }
    return ("seeds", k, layer), marks


def beside_alpha(dataset: GraphDataset, attribution: NodeAttribution, mode: str) -> None:
    """α (each layer, mean over heads) and every method on the same edges, the edges ranked
    by the mode's |score|, and how alike α and the mode rank them."""
    table = attribution.table
    layers = [c for c in table.columns if c.startswith("alpha_layer")]
    order = table[mode].abs().sort_values(ascending=False, kind="stable").index
    top = table.loc[order[:TABLE_ROWS]]
    names = dataset.node_names
    shown = pd.DataFrame(
        {
            # Table cells are text already: no markdown escaping here.
            "edge": [f"{names[s]} → {names[t]}" for s, t in zip(top["source"], top["target"])],
            **{f"α, layer {c.removeprefix('alpha_layer')}": top[c] for c in layers},
            **{NAMES[m]: top[m] for m in METHODS if m in top},
        }
    )
    mean_alpha = table[layers].mean(axis=1)
    what = "the graph" if attribution.level == "graph" else f"node {attribution.node}"
    rho = (
        spearman(mean_alpha.to_numpy(), table[mode].to_numpy())
        if len(table) > 1 and table[mode].nunique() > 1 and mean_alpha.nunique() > 1
        else float("nan")
    )
    st.markdown(f"**α beside {mode_name(mode)}**, {what}'s edges by |score|")
    predicted = as_text(dataset.target_names[attribution.predicted])
    st.caption(
        f"{len(table):,} edges scored for class {predicted}; "
        f"Spearman's ρ between α (mean over layers) and {mode_name(mode)} here: {rho:.3f} (one "
        "prediction: the Analysis page gives the mean over a sample, with its interval)."
    )
    st.dataframe(shown.style.format(precision=4), hide_index=True)


def unstable_caption(study: SeedStudy | None, marks: dict | None) -> None:
    if study is None:
        return
    st.caption(
        f"Dashed: edges whose α varies across the {len(study.seeds)} seeds of the Analysis "
        f"page's study (std ≥ {UNSTABLE_CV:g}× the mean); {len(marks or {}):,} in this layer. "
        "Hover one for its mean ± std."
    )
