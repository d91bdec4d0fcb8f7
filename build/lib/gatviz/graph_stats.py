"""What a dataset looks like before any model: edge homophily, how many nodes (or graphs) each
class or label has, and the in-degree distribution."""

from __future__ import annotations

import pandas as pd
import torch

from gatviz.datasets import GraphDataset


def edge_homophily(dataset: GraphDataset) -> float:
    """The fraction of edges joining two labelled nodes of the same class; on multi-label data,
    the share of a target's labels that its source has too; NaN when no edge joins two
    labelled nodes. (On a graph task the nodes' classes are their types, atoms say.)

    h = |{(j, i) ∈ E : y_j = y_i}| / |{(j, i) ∈ E : y_j and y_i known}|
    """
    y = dataset.data.y
    src, dst = dataset.data.edge_index
    if dataset.task == "multilabel":
        shared = (y[src].bool() & y[dst].bool()).sum(1).float()
        return float(shared.sum() / y[dst].sum().clamp_min(1))
    labelled = y >= 0
    both = labelled[src] & labelled[dst]
    same = (y[src] == y[dst]) & both
    return float(same.sum() / both.sum()) if bool(both.any()) else float("nan")


def target_counts(dataset: GraphDataset) -> list[int]:
    """How many labelled nodes have each class (graph task: how many graphs; multi-label data:
    how many nodes have each label), in class order."""
    y, classes = dataset.data.y, dataset.num_classes
    if dataset.task == "multilabel":
        return y.sum(0).long().tolist()
    if dataset.task == "graph":
        return torch.bincount(dataset.targets, minlength=classes).tolist()
    return torch.bincount(y[y >= 0], minlength=classes).tolist()


def in_degree_counts(dataset: GraphDataset) -> pd.DataFrame:
    """How many nodes have each in-degree: columns ``degree, nodes``."""
    degrees = dataset.in_edges.ptr.diff()
    frame = pd.DataFrame({"degree": degrees.numpy()}).value_counts().reset_index()
    frame.columns = ["degree", "nodes"]
    return frame
