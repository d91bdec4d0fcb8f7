"""gatviz.faithfulness: deletion curves recomputed by hand, and ground-truth AUROC per method on
a planted mask."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from gatviz.analysis import auroc
from gatviz.attribution import node_attributions
from gatviz.faithfulness import deletion_curves, rankings, truth_auroc
from gatviz.neighbourhood import receptive_subgraph

METHODS = ("saliency", "attention_flow")


@pytest.fixture(scope="module")
def scored(karate, karate_trained):
    model = karate_trained[0].model
    return model, [node_attributions(model, karate, v, methods=METHODS) for v in (0, 5, 33)]


def test_deletion_curves_equal_deleting_by_hand(karate, scored):
    model, attributions = scored
    curves = deletion_curves(model, karate, attributions, steps=(0, 2, 10_000))
    assert set(curves["ranking"]) == {"alpha_mean", "saliency", "attention_flow", "random"}
    start = curves[curves["k"] == 0]
    assert (start["kept"] == 1.0).all() and (start["rows"] == 3).all()
    # Deleting every edge leaves the same graph whatever the order.
    everything = curves[curves["k"] == 10_000]
    assert everything["kept"].nunique() == 1 and everything["probability"].nunique() == 1
    kept, probability = [], []
    for attribution in attributions:
        cut = receptive_subgraph(karate.in_edges, torch.tensor([attribution.node]), 2)
        order = np.argsort(-attribution.table["saliency"].to_numpy(), kind="stable")
        keep = torch.ones(cut.edge_index.size(1), dtype=torch.bool)
        keep[torch.from_numpy(order[:2].copy())] = False
        with torch.no_grad():
            out = model(karate.data.x[cut.nodes], cut.edge_index[:, keep])[0]
        kept.append(int(out.argmax()) == attribution.predicted)
        probability.append(float(out.softmax(-1)[attribution.predicted]))
    row = curves[(curves["ranking"] == "saliency") & (curves["k"] == 2)].iloc[0]
    assert row["kept"] == pytest.approx(np.mean(kept))
    assert row["probability"] == pytest.approx(np.mean(probability))
    assert row["kept_low"] <= row["kept"] <= row["kept_high"]


def test_truth_auroc_finds_a_planted_mask_and_reports_the_baselines(karate, scored):
    _, attributions = scored
    first = attributions[0]
    top = np.argsort(-rankings(first.table)["alpha_mean"], kind="stable")[:3]
    mask = torch.zeros(karate.num_edges, dtype=torch.bool)
    mask[torch.from_numpy(first.table["edge_id"].to_numpy()[top].copy())] = True
    planted = replace(karate, edge_masks={"planted": mask})
    table = truth_auroc([first], planted)
    assert set(table["ranking"]) == {"alpha_mean", "saliency", "attention_flow"}
    row = table[table["ranking"] == "alpha_mean"].iloc[0]
    assert row["auroc"] == 1.0 and row["rows"] == 1
    positive = mask[torch.from_numpy(first.table["edge_id"].to_numpy().copy())].numpy()
    degree = torch.bincount(karate.data.edge_index[1], minlength=karate.num_nodes) + 1
    inverse = 1.0 / degree[torch.from_numpy(first.table["target"].to_numpy().copy())].numpy()
    assert row["inverse_degree"] == pytest.approx(auroc(inverse, positive))
    assert 0.2 < row["random"] < 0.8
    # Without ground truth there is nothing to score.
    assert truth_auroc(attributions, karate).empty


def test_a_graph_task_study_scores_test_graphs_against_their_motif(tiny_graph_set):
    from gatviz.explanations import attribution_study

    model, dataset = tiny_graph_set
    progress = []
    study = attribution_study(model, dataset, 5, on_row=lambda d, t: progress.append((d, t)))
    assert study.level == "graph" and study.rows == [1, 2]  # the two test graphs
    assert progress == [(1, 2), (2, 2)]
    assert set(study.truth["mask"]) == {"motif"} and (study.truth["rows"] == 2).all()
    assert set(study.tables()) == {
        "attribution_edges",
        "attribution_agreement",
        "attribution_deletion",
        "attribution_ground_truth",
    }
    assert "graph" in study.edges().columns
    assert study.summary()["deletion"]["random"][0] == 1.0
