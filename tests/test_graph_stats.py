"""gatviz.graph_stats on tiny hand-built graphs: homophily, class counts, degree counts."""

import math

import pytest
import torch

from gatviz.datasets import GraphDataset
from gatviz.graph_stats import edge_homophily, in_degree_counts, target_counts
from torch_geometric.data import Data


def _graph(y, edges, task="node") -> GraphDataset:
    n = len(y)
    mask = torch.ones(n, dtype=torch.bool)
    data = Data(
        x=torch.eye(n),
        y=torch.tensor(y),
        edge_index=torch.tensor(edges).t(),
        train_mask=mask,
        val_mask=mask,
        test_mask=mask,
    )
    classes = int(torch.tensor(y).max()) + 1 if task == "node" else len(y[0])
    return GraphDataset(
        "tiny",
        data,
        [str(c) for c in range(classes)],
        [f"n{i}" for i in range(n)],
        "a tiny graph",
        task=task,
    )


def test_homophily_counts_only_edges_between_labelled_nodes():
    # 0-1 same class, 1-2 different, 2-3 with 3 unlabelled (left out).
    tiny = _graph([0, 0, 1, -1], [[0, 1], [1, 0], [1, 2], [2, 1], [2, 3], [3, 2]])
    assert edge_homophily(tiny) == 0.5
    assert target_counts(tiny) == [2, 1]
    degrees = in_degree_counts(tiny).set_index("degree")["nodes"].to_dict()
    assert degrees == {1: 2, 2: 2}


def test_homophily_is_nan_without_labelled_pairs_and_shares_labels_on_multilabel_data():
    assert math.isnan(edge_homophily(_graph([0, -1], [[0, 1], [1, 0]])))
    # Node 0 has labels {0, 1}, node 1 has {1}: edge 0→1 shares 1 of 1, edge 1→0 1 of 2.
    multi = _graph([[1, 1], [0, 1]], [[0, 1], [1, 0]], task="multilabel")
    assert edge_homophily(multi) == pytest.approx(2 / 3)
    assert target_counts(multi) == [1, 2]
