"""Graphs seen and never seen: does α behave the same on the test graphs of a set as on the
graphs the model trained on? Mean KL from uniform on each, with bootstrap intervals over
graphs, and their difference."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gatviz.datasets import GraphDataset
from gatviz.inductive_analysis import divergence_by_split
from gatviz.uncertainty import interval_text, is_measurable
from ui.records import ModelRecord


def seen_unseen_panel(record: ModelRecord, dataset: GraphDataset) -> None:
    """``record`` and ``dataset``: the whole set's (the split picked on the page aside)."""
    st.subheader("Graphs seen and never seen")
    st.caption(
        "Does α behave the same on graphs the model never saw? Mean KL divergence of a "
        "node's α from uniform (0 = uniform) over the nodes of the train graphs and of "
        "the test graphs, per layer and head, each with a 95 % interval from a bootstrap "
        "over whole graphs; then test − train. Where that interval covers 0, the "
        "difference is not measurable with these graphs."
    )
    side = record.derive(("seen_unseen",), lambda: divergence_by_split(record.attention, dataset))
    st.dataframe(seen_unseen_table(side), hide_index=True)


def seen_unseen_table(side: pd.DataFrame) -> pd.DataFrame:
    """Mean KL on train and test graphs, each with its 95 % interval, and test − train, as
    text (from :func:`gatviz.inductive_analysis.divergence_by_split`)."""

    def interval(m, lo, hi, sign=""):
        return [interval_text(a, b, c, f"{sign}.2e") for a, b, c in zip(m, lo, hi)]

    return pd.DataFrame(
        {
            "layer": side["layer"],
            "head": side["head"],
            **{
                f"{split} graphs ({int(side[f'{split}_graphs'].max())})": interval(
                    side[f"{split}_kl"], side[f"{split}_low"], side[f"{split}_high"]
                )
                for split in ("train", "test")
            },
            "test − train": interval(
                side["difference"], side["difference_low"], side["difference_high"], "+"
            ),
            "differs": [
                "yes" if is_measurable(lo, hi) else "no"
                for lo, hi in zip(side["difference_low"], side["difference_high"])
            ],
        }
    )
