"""Across seeds (Analysis page): the same settings retrained with K seeds, on a click, kept
with the model: how alike the seeds rank each node's neighbours, whether the most-attended
neighbour survives the seed, prediction churn, and the headline numbers as mean ± std."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gatviz.datasets import GraphDataset
from gatviz.seeds import MAX_SEEDS, MIN_EDGES, UNSTABLE_CV, SeedStudy, seed_study
from ui.records import ModelRecord
from ui.shared import training_lock


def seeds_panel(record: ModelRecord, dataset: GraphDataset) -> SeedStudy | None:
    """``record`` and ``dataset``: the whole graph's or set's (the study trains on it). The
    study shown, once trained (for the export), else None."""
    st.subheader("Across seeds")
    st.caption(
        "Would another seed give the same α? The model's settings are trained again with K "
        f"seeds (its own first). Per layer (α averaged over heads): Spearman's and Kendall's "
        f"rank correlation of each node's incoming α between two seeds (nodes with at least "
        f"{MIN_EDGES} incoming edges), the share of nodes whose most-attended neighbour is the "
        f"same in every seed, and the share of unstable edges (α's std over the seeds at least "
        f"{UNSTABLE_CV:g}× its mean); then how many predictions differ between two seeds."
    )
    c = st.columns([1, 3])
    k = int(c[0].number_input("Seeds (K)", 2, MAX_SEEDS, 5, key="analysis_seeds"))
    study = record.derived.get(("seeds", k))
    if study is None:
        slot = c[1].empty()  # emptied once trained: the button does not linger beside results
        if not slot.button(f"Train {k} seeds and compare", help="Trains K models here."):
            return None
        slot.empty()
        progress = st.progress(0.0, text="Training the seeds…")

        def on_seed(done: int, total: int) -> None:
            progress.progress(done / total, text=f"{done} of {total} seeds trained")

        with training_lock():  # seeding sets PyTorch's global random state
            study = record.derive(("seeds", k), lambda: seed_study(
                dataset, record.model_config, record.effective_train_config, k, on_seed
            ))  # fmt: skip
        progress.empty()
    summary = study.summary()
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "layer": layer["layer"],
                    "Spearman (mean over seed pairs)": layer["spearman_mean"],
                    "Kendall": layer["kendall_mean"],
                    "same top neighbour in every seed": layer["same_top_share"],
                    "unstable edges": layer["unstable_edges_share"],
                }
                for layer in summary["layers"]
            ]
        ).style.format(precision=3),
        hide_index=True,
    )
    stats = study.statistics
    st.dataframe(
        pd.DataFrame(
            {
                f"over {k} seeds": stats["statistic"],
                "mean ± std": [f"{m:.4g} ± {s:.2g}" for m, s in zip(stats["mean"], stats["std"])],
                "per seed": [", ".join(f"{v:.4g}" for v in values) for values in stats["per_seed"]],
            }
        ),
        hide_index=True,
    )
    st.caption(
        f"Predictions that differ between two seeds: {summary['churn_mean']:.1%} on average "
        f"over the {len(study.churn)} pairs. Seeds {study.seeds[0]}–{study.seeds[-1]}; "
        "the per-edge table is in the export (seed_edges.csv)."
    )
    return study
