"""Is α the explanation? The whole study behind ``analyze --attributions`` and the Analysis
page's button: sample test nodes (test graphs, for a graph task), score their edges with every
attribution method (:mod:`gatviz.attribution`), then measure how far α agrees with each method,
each method's deletion curve and, where the dataset has one, its ground-truth AUROC
(:mod:`gatviz.faithfulness`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from gatviz.attribution import (
    NodeAttribution,
    agreement,
    graph_attributions,
    node_attributions,
    sample_nodes,
)
from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from gatviz.faithfulness import deletion_curves, summary, truth_auroc
from gatviz.model import GAT

MAX_ROWS = 500  # nodes or graphs one study scores at most


@dataclass
class AttributionStudy:
    """What :func:`attribution_study` measured; ``rows`` are the node (or graph) ids scored."""

    level: str
    rows: list[int]
    attributions: list[NodeAttribution]
    agreement: pd.DataFrame
    deletion: pd.DataFrame
    truth: pd.DataFrame

    def edges(self) -> pd.DataFrame:
        """Every method's score of every edge scored, one row per (row, edge)."""
        return pd.concat(
            [
                a.table.assign(**{self.level: a.node, "predicted": a.predicted})
                for a in self.attributions
            ],
            ignore_index=True,
        )

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by file stem, as ``python -m gatviz analyze --attributions`` writes them."""
        return {
            "attribution_edges": self.edges(),
            "attribution_agreement": self.agreement,
            "attribution_deletion": self.deletion,
            "attribution_ground_truth": self.truth,
        }

    def summary(self) -> dict:
        return {
            "level": self.level,
            "rows": self.rows,
            "agreement": self.agreement.to_dict("records"),
            **summary(self.deletion, self.truth),
        }


def attribution_study(
    model: GAT,
    dataset: GraphDataset,
    count: int = 20,
    seed: int = 0,
    on_row: Callable[[int, int], None] | None = None,
) -> AttributionStudy:
    """Score ``count`` sampled test nodes (graphs) with every method and measure the agreement,
    the deletion curves and the ground-truth AUROC. ``on_row(done, total)`` reports progress.

    Args:
        model (GAT): a trained model of ``dataset``'s task (node or graph classification).
        dataset (GraphDataset): one graph or a set (the sample comes from its test rows).
        count (int): test rows sampled, 1 to MAX_ROWS. (default: 20)
        seed (int): seeds the sample, GNNExplainer and the random baselines. (default: 0)
    """
    if dataset.task not in ("node", "graph"):
        raise GatvizError(
            f"edge attributions explain one class per node or graph (this dataset's task is "
            f"{dataset.task})"
        )
    if not 1 <= count <= MAX_ROWS:
        raise GatvizError(f"the sample must be 1 to {MAX_ROWS} test rows (got {count})")
    level = dataset.task
    rows = sample_nodes(dataset, count, seed=seed)
    if not rows:
        raise GatvizError(f"{dataset.name} has no labelled test {level}s to explain")
    explain = node_attributions if level == "node" else graph_attributions
    attributions = []
    for done, row in enumerate(rows, 1):
        attributions.append(explain(model, dataset, row, seed=seed))
        if on_row is not None:
            on_row(done, len(rows))
    return AttributionStudy(
        level,
        rows,
        attributions,
        agreement(attributions),
        deletion_curves(model, dataset, attributions, seed=seed),
        truth_auroc(attributions, dataset, seed=seed),
    )
