"""Every analysis of one model in one report, its headline numbers, and what they say in words.

:func:`analyze` runs the statistics of :mod:`gatviz.analysis` and the interventions of
:mod:`gatviz.intervention`; :class:`AnalysisReport` holds their tables, writes the CLI's JSON
summary, and :func:`describe` turns the numbers into plain sentences for the Analysis page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from gatviz.analysis import (
    ground_truth_auroc,
    head_agreement,
    kl_by_head,
    node_divergence,
    label_average,
    ranking_consistency,
    same_class_mass,
    same_label_by_label,
)
from gatviz.attention import dataset_attention
from gatviz.datasets import GraphDataset
from gatviz.intervention import deletion_curves, uniform_knockout
from gatviz.model import GAT, LayerAttention
from gatviz.uncertainty import SMALL_SAMPLE, interval_text, is_measurable


@dataclass
class AnalysisReport:
    """Every analysis of one model on one dataset (see the module docstring); tables as frames.

    ``deletion`` is None when it was not asked for; ``ground_truth`` is empty without edge masks.
    """

    conv: str
    divergence: pd.DataFrame
    kl: pd.DataFrame
    head_js: pd.DataFrame
    js_uniform: pd.DataFrame
    same_class: pd.DataFrame
    ranking: pd.DataFrame
    knockout: pd.DataFrame
    ground_truth: pd.DataFrame
    deletion: pd.DataFrame | None = None
    deletion_layer: int = 0
    same_label: pd.DataFrame | None = None  # multi-label data: same_class per label
    unit: str = "nodes"  # what a test score counts: 'nodes', or 'graphs' for graph tasks

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by file stem, as ``python -m gatviz analyze`` writes them."""
        tables = {
            "node_divergence": self.divergence,
            "kl_from_uniform": self.kl,
            "head_agreement": self.head_js,
            "js_from_uniform": self.js_uniform,
            "same_class": self.same_class,
            "ranking_consistency": self.ranking,
            "uniform_knockout": self.knockout,
        }
        if not self.ground_truth.empty:
            tables["ground_truth"] = self.ground_truth
        if self.deletion is not None:
            tables["deletion"] = self.deletion
        if self.same_label is not None:
            tables["same_label_by_label"] = self.same_label
        return tables

    def knockout_value(self, split: str, column: str) -> float:
        return float(self.knockout.set_index("split").loc[split, column])

    def summary(self) -> dict:
        """The headline numbers as plain JSON-ready values (NaN becomes None)."""
        layers = []
        for layer, kl in self.kl.groupby("layer"):
            same = self.same_class[self.same_class["layer"] == layer].set_index("head")
            heads = [
                {
                    "kl_from_uniform_mean": _number(row.kl_from_uniform_mean),
                    "kl_from_uniform_interval": [
                        _number(row.kl_from_uniform_low),
                        _number(row.kl_from_uniform_high),
                    ],
                    "normalised_entropy_mean": _number(row.normalised_entropy_mean),
                    "same_class_mass": _number(same.loc[row.head, "same_class_mass"]),
                    "same_class_mass_uniform": _number(
                        same.loc[row.head, "same_class_mass_uniform"]
                    ),
                    "same_class_minus_uniform_interval": [
                        _number(same.loc[row.head, "difference_low"]),
                        _number(same.loc[row.head, "difference_high"]),
                    ],
                }
                for row in kl.itertuples()
            ]
            ranking = self.ranking[self.ranking["layer"] == layer]["consistency"]
            entry: dict = {"heads": heads, "ranking_consistency": _number(ranking.mean())}
            truth = self.ground_truth[
                (self.ground_truth["layer"] == layer) & (self.ground_truth["head"] == "mean")
            ]
            if not truth.empty:
                first = truth.iloc[0]
                entry.update(
                    ground_truth_mask=first["mask"],
                    auroc_attention=_number(first["auroc_attention"]),
                    auroc_interval=[_number(first["auroc_low"]), _number(first["auroc_high"])],
                    auroc_inverse_degree=_number(first["auroc_inverse_degree"]),
                    auroc_random=_number(first["auroc_random"]),
                )
            layers.append(entry)
        test = self.knockout.set_index("split").loc["test"]
        summary: dict = {
            "conv": self.conv,
            "test_acc": _number(test["learned"]),
            "test_acc_interval": [_number(test["learned_low"]), _number(test["learned_high"])],
            "test_rows": int(test["n"]),
            "test_acc_uniform_attention": _number(test["uniform"]),
            "uniform_minus_learned": _number(test["difference"]),
            "uniform_minus_learned_interval": [
                _number(test["difference_low"]),
                _number(test["difference_high"]),
            ],
            "uniform_minus_learned_p_value": _number(test["p_value"]),
            "predictions_changed_uniform": _number(self.knockout_value("all nodes", "changed")),
            "layers": layers,
        }
        if self.deletion is not None and not self.deletion.empty:
            top = self.deletion[self.deletion["k"] == self.deletion["k"].max()]
            summary["deletion"] = {
                "layer": self.deletion_layer,
                "k": int(top["k"].iloc[0]),
                **{
                    row.strategy.replace(" ", "_"): {
                        "test_acc": _number(row.test_acc),
                        "minus_intact": _number(row.difference),
                        "minus_intact_interval": [
                            _number(row.difference_low),
                            _number(row.difference_high),
                        ],
                        "p_value": _number(row.p_value),
                    }
                    for row in top.itertuples()
                },
            }
        return summary


def _number(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def analyze(
    model: GAT,
    dataset: GraphDataset,
    deletion_layer: int | None = 0,
    seed: int = 0,
    attention: list[LayerAttention] | None = None,
) -> AnalysisReport:
    """Run every analysis of ``model`` on ``dataset``; ``deletion_layer=None`` skips the
    deletion curves (the slowest part: 31 forward passes). ``attention`` is the model's α on
    ``dataset`` where the caller has it already."""
    attention = attention if attention is not None else dataset_attention(model, dataset)
    n = dataset.num_nodes
    multilabel = dataset.task == "multilabel"
    by_label = same_label_by_label(attention, dataset.data.y) if multilabel else None
    divergence = node_divergence(attention, n)
    head_js, js_uniform = head_agreement(attention, n)
    return AnalysisReport(
        conv=model.config.conv,
        divergence=divergence,
        kl=kl_by_head(divergence),
        head_js=head_js,
        js_uniform=js_uniform,
        same_class=label_average(by_label)
        if multilabel
        else same_class_mass(attention, dataset.data.y),
        same_label=by_label,
        ranking=ranking_consistency(attention, n, seed=seed),
        knockout=uniform_knockout(model, dataset),
        ground_truth=ground_truth_auroc(attention, dataset, seed=seed),
        deletion=None
        if deletion_layer is None
        else deletion_curves(model, dataset, attention, deletion_layer, seed=seed),
        deletion_layer=deletion_layer or 0,
        unit="graphs" if dataset.task == "graph" else "nodes",
    )


CAVEAT = (
    "What attention can and cannot tell: α says how a layer mixed its neighbours' messages, not "
    "why the model predicts what it does. Messages are transformed before and after the mix, "
    "heads and layers compound, and a neighbour with small α can still matter through a large "
    "message. So α is evidence about the model only where the interventions agree with it: "
    "uniform attention must change predictions, and deleting the most-attended edges must hurt "
    "more than deleting random ones. Ground truth, where a dataset has it, must be beaten by "
    "α, not just by the degree."
)


def _measurable(row) -> bool:
    """A paired change that its interval and exact test both tell from no change."""
    return is_measurable(row["difference_low"], row["difference_high"], row["p_value"])


def _change_text(difference: float, low: float, high: float, p: float) -> str:
    return f"{difference:+.3f}, 95 % CI {low:+.3f} to {high:+.3f}, McNemar p = {p:.2g}"


def _with_interval(row, column: str) -> str:
    return interval_text(row[column], row[column + "_low"], row[column + "_high"])


def _few(n: int, unit: str) -> str:
    """A warning when a finding rests on fewer scored rows than SMALL_SAMPLE."""
    if n >= SMALL_SAMPLE:
        return ""
    return (
        f" Only {n} test {unit}: one more right or wrong moves the score by {1 / n:.3f}, "
        "so no difference here can be told from chance."
    )


def describe(report: AnalysisReport) -> list[str]:
    """Plain sentences written from the measured numbers, one finding each (no markup)."""
    out = []
    for layer, kl in report.kl.groupby("layer"):
        entropy = float(kl["normalised_entropy_mean"].mean())
        closeness = (
            "nearly uniform: these heads mostly average their neighbours, as a mean "
            "aggregator would"
            if entropy > 0.95
            else "somewhat focused"
            if entropy > 0.8
            else "clearly focused on few neighbours"
        )
        out.append(
            f"Layer {layer}: attention is {closeness} (mean KL from uniform "
            f"{kl['kl_from_uniform_mean'].mean():.2g} nats over {len(kl)} head(s); "
            f"normalised entropy {entropy:.2f}, where 1 is uniform)."
        )
    unit = report.unit
    test = report.knockout.set_index("split").loc["test"]
    changed = report.knockout_value("all nodes", "changed")
    if not math.isnan(test["learned"]):
        n = int(test["n"])
        change = _change_text(
            test["difference"], test["difference_low"], test["difference_high"], test["p_value"]
        )
        if _measurable(test):
            verdict = (
                f"the learned attention matters to the predictions ({change})"
                if test["difference"] < 0
                else f"uniform attention does better than the learned one ({change})"
            )
        else:
            verdict = f"the change ({change}) is not measurable with {n:,} test {unit}"
        out.append(
            f"With every α forced to uniform, {changed:.1%} of the predictions change and "
            f"the test score goes from {_with_interval(test, 'learned')} to "
            f"{_with_interval(test, 'uniform')}: {verdict}." + _few(n, unit)
        )
    if report.deletion is not None and not report.deletion.empty:
        top = report.deletion[report.deletion["k"] == report.deletion["k"].max()]
        rows = top.set_index("strategy")
        most = rows.loc["most attended"]
        intact = float(report.deletion[report.deletion["k"] == 0]["test_acc"].iloc[0])
        k, n = int(top["k"].iloc[0]), int(most["n"])
        change = _change_text(
            most["difference"], most["difference_low"], most["difference_high"], most["p_value"]
        )
        gap = rows.loc["random", "test_acc"] - most["test_acc"]
        if not _measurable(most):
            faithful = f"a change ({change}) that is not measurable with {n:,} test {unit}: " + (
                f"these {n} test {unit} cannot tell whether α points at edges the predictions "
                "depend on"
                if n < SMALL_SAMPLE
                else "α does not point at edges the predictions measurably depend on"
            )
        elif most["difference"] < 0 and gap > 0.02:
            faithful = (
                f"a measurable drop ({change}), more than random edges cause: the "
                "attention points at edges the predictions depend on"
            )
        else:
            faithful = (
                f"a measurable change ({change}), but no more than removing random "
                "edges: α is not a faithful guide to what the model uses here"
            )
        out.append(
            f"Removing each node's {k} most-attended incoming edges (layer "
            f"{report.deletion_layer}) takes test accuracy from {intact:.3f} to "
            f"{most['test_acc']:.3f}, against {rows.loc['random', 'test_acc']:.3f} for {k} "
            f"random edges (mean of the draws) and {rows.loc['least attended', 'test_acc']:.3f} "
            f"for the {k} least-attended: {faithful}." + _few(n, unit)
        )
    same = report.same_class.dropna(subset=["same_class_mass"])
    if not same.empty:
        last = same[same["layer"] == same["layer"].max()]
        mass, base = (
            float(last["same_class_mass"].mean()),
            float(last["same_class_mass_uniform"].iloc[0]),
        )
        above = int((last["difference_low"] > 0).sum())
        below = int((last["difference_high"] < 0).sum())
        heads = len(last)
        if last["difference_low"].isna().all():  # multi-label: no interval
            verdict = "."
        elif above == heads:
            verdict = ": it favours its own class (in every head, beyond the 95 % interval)."
        elif below == heads:
            verdict = ": it avoids its own class (in every head, beyond the 95 % interval)."
        else:
            verdict = (
                f"; the difference is measurable in {above + below} of {heads} head(s) "
                f"({above} above uniform, {below} below)."
            )
        out.append(
            f"Layer {int(last['layer'].iloc[0])} puts {mass:.1%} of its attention on "
            f"same-class neighbours, against {base:.1%} for uniform attention" + verdict
        )
    consistency = float(report.ranking["consistency"].mean())
    if not math.isnan(consistency):
        if report.conv == "gat":
            out.append(
                f"Ranking consistency is {consistency:.3f}: GAT's attention is static, so "
                "every node ranks shared neighbours the same way; it cannot prefer a "
                "neighbour for one node and not for another."
            )
        else:
            out.append(
                f"Ranking consistency is {consistency:.3f}: GATv2's attention is dynamic, "
                "so different nodes can rank the same neighbours differently (GAT would "
                "give 1.0)."
            )
    truth = report.ground_truth[report.ground_truth["head"] == "mean"]
    for row in truth.itertuples():
        out.append(
            f"Layer {row.layer}: α ranks the '{row.mask}' edges with AUROC "
            f"{interval_text(row.auroc_attention, row.auroc_low, row.auroc_high)}, against "
            f"{row.auroc_inverse_degree:.3f} for the model-free 1/|N(i)| and "
            f"{row.auroc_random:.3f} for random scores"
            + (
                ": the attention adds to what the degree alone tells."
                if row.auroc_low > row.auroc_inverse_degree
                else ": no better than the degree alone, within the 95 % interval."
            )
        )
    return out
