"""Two models' scores side by side (Compare page), each with its 95 % interval, and whether
their test scores differ by more than the test rows can show: the paired change B − A with
its interval and the exact McNemar test on the rows where one is right and the other not."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gatviz.datasets import SPLITS, GraphDataset
from gatviz.uncertainty import interval_text, paired_change
from ui.records import ModelRecord, metric_name, split_score


def score_table(first: ModelRecord, second: ModelRecord, dataset: GraphDataset) -> None:
    rows = []
    for label, model in (("A", first), ("B", second)):
        config = model.model_config
        scores = {split: split_score(model, dataset, split) for split in SPLITS}
        rows.append(
            {
                "model": label,
                "name": model.name,
                "layer type": config.conv.upper(),
                "layers": config.layers,
                "heads": config.heads,
                **{
                    f"{split} [95 % CI]": interval_text(s.estimate, s.low, s.high)
                    for split, s in scores.items()
                },
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    test = dataset.score_rows("test")
    if not test.numel():
        return
    y = dataset.targets[test]
    change = paired_change(dataset.task, first.pred[test], second.pred[test], y)
    unit = "graphs" if dataset.task == "graph" else "nodes"
    d = change.difference
    st.caption(
        f"Test {metric_name(dataset)}, B − A: {d.estimate:+.3f} (95 % CI {d.low:+.3f} to "
        f"{d.high:+.3f}; exact McNemar p = {change.p_value:.2g}, from the "
        f"{change.right_only_before} {unit} only A gets right and the "
        f"{change.right_only_after} only B does, of {d.n:,}): "
        + (
            "a measurable difference."
            if change.measurable
            else f"not measurable with {d.n:,} test {unit}."
        )
    )
