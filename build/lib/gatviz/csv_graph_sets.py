"""Many graphs in a user's CSV (or Parquet) files: a ``graph`` column, and graph labels.

Both files may carry a ``graph`` column of whole-number graph ids. Graph labels come from a
``graph_label`` column of the nodes file (every node of a graph repeats its graph's label) or from
a third file with columns ``graph,label``. With graph labels the task is graph classification;
without them each graph's nodes keep their node labels, and whole graphs are split.

Everything is checked, with the file and line to fix, before the graphs are assembled: graph ids
that are not whole numbers, an edge between two graphs (graphs that overlap), an edge whose
``graph`` differs from its nodes', a graph id the nodes never name, a graph labelled twice
differently, and more graphs than ``GATVIZ_MAX_GRAPHS``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from gatviz.datasets import GraphDataset
from gatviz.errors import DatasetError
from gatviz.file_errors import line as _line
from gatviz.file_errors import shown as _shown
from gatviz.graphset import check_set_size, stratified_graph_split
from gatviz.limits import MAX_CLASSES, MAX_GRAPHS

GRAPH_COLUMNS = ("graph", "graph_label")


def graph_ids(values: pd.Series, what: str) -> np.ndarray:
    """A ``graph`` column as int64, refusing blanks and text with the line to fix."""
    if values.dtype.kind in "iu":
        return values.to_numpy(dtype=np.int64)
    text = values.astype(str).str.strip()
    bad = ~text.str.fullmatch(r"-?[0-9]{1,18}").to_numpy()
    if bad.any():
        row = int(bad.nonzero()[0][0])
        given = text.iloc[row]
        raise DatasetError(
            f"{what} file line {_line(row)}, column 'graph': "
            f"{_shown(given) if given else 'an empty value'} is not a graph id "
            "(graph ids are whole numbers, one per graph)"
        )
    return text.astype(np.int64).to_numpy()


def node_graphs(
    node_frame: pd.DataFrame | None,
    edge_frame: pd.DataFrame,
    source: np.ndarray,
    target: np.ndarray,
    n: int,
) -> np.ndarray:
    """The graph id of every node, checked against every edge. Shapes: (N,).

    ``source``/``target`` are the edges' node indices, in the files' order (before the reverse
    edges are added)."""
    edge_graph = graph_ids(edge_frame["graph"], "edges") if "graph" in edge_frame else None
    if node_frame is not None and "graph" in node_frame:
        graph = graph_ids(node_frame["graph"], "nodes")
    elif edge_graph is not None:  # the nodes' graphs follow from their edges
        graph = np.full(n, np.iinfo(np.int64).min)
        graph[source], graph[target] = edge_graph, edge_graph
        missing = (graph == np.iinfo(np.int64).min).nonzero()[0]
        if missing.size:
            raise DatasetError(
                f"node {int(missing[0])} has no edge, so its graph is unknown; "
                "add a 'graph' column to the nodes file"
            )
    else:
        raise DatasetError("a graph label needs a 'graph' column in the nodes or edges file")
    across = (graph[source] != graph[target]).nonzero()[0]
    if across.size:
        row = int(across[0])
        raise DatasetError(
            f"edges file line {_line(row)}: the edge joins graph "
            f"{graph[source[row]]} and graph {graph[target[row]]}; graphs must "
            "not overlap (each edge stays inside one graph)"
        )
    if edge_graph is not None:
        wrong = (edge_graph != graph[source]).nonzero()[0]
        if wrong.size:
            row = int(wrong[0])
            raise DatasetError(
                f"edges file line {_line(row)}: the edge is in graph "
                f"{edge_graph[row]} but its nodes are in graph "
                f"{graph[source[row]]}"
            )
    return graph


def graph_labels(
    node_frame: pd.DataFrame | None,
    graphs_frame: pd.DataFrame | None,
    order: np.ndarray,
    node_graph: np.ndarray,
) -> tuple[torch.Tensor | None, list[str]]:
    """Each graph's label (in ``order`` of graph ids) and the class names, or (None, []) when
    no graph labels are given."""
    if graphs_frame is not None:
        for column in ("graph", "label"):
            if column not in graphs_frame:
                raise DatasetError(
                    f"the graph labels file needs columns graph,label (found "
                    f"{', '.join(str(c)[:40] for c in graphs_frame.columns[:10])})"
                )
        ids = graph_ids(graphs_frame["graph"], "graph labels")
        labels = graphs_frame["label"].astype(str).to_numpy()
        what = "graph labels"
    elif node_frame is not None and "graph_label" in node_frame:
        ids, labels, what = node_graph, node_frame["graph_label"].astype(str).to_numpy(), "nodes"
    else:
        return None, []
    known = pd.Index(order)
    position = known.get_indexer(ids)
    if (position < 0).any():
        row = int((position < 0).nonzero()[0][0])
        raise DatasetError(
            f"{what} file line {_line(row)}: graph {ids[row]} is not a graph of "
            "the nodes and edges files"
        )
    first = pd.Series(np.arange(len(ids))).groupby(position).transform("first").to_numpy()
    clash = (labels != labels[first]).nonzero()[0]
    if clash.size:
        row = int(clash[0])
        raise DatasetError(
            f"{what} file line {_line(row)}: graph {ids[row]} is labelled "
            f"{_shown(labels[row])} here and {_shown(labels[first[row]])} on "
            f"line {_line(int(first[row]))}; give each graph one label"
        )
    per_graph = np.full(len(order), None, dtype=object)
    per_graph[position] = labels
    if (per_graph == None).any():  # noqa: E711 - elementwise test
        g = int((per_graph == None).nonzero()[0][0])  # noqa: E711
        raise DatasetError(
            f"graph {order[g]} has no label in the {what} file; label every graph or none"
        )
    names = sorted(
        set(per_graph.tolist()),
        key=lambda v: (not v.lstrip("-").isdigit(), int(v) if v.lstrip("-").isdigit() else 0, v),
    )
    if len(names) > MAX_CLASSES:
        raise DatasetError(
            f"{len(names):,} distinct graph labels; gatviz trains on at most "
            f"{MAX_CLASSES:,} classes"
        )
    return torch.from_numpy(pd.Index(names).get_indexer(per_graph).astype(np.int64)), names


def as_graph_set(
    dataset: GraphDataset, node_graph: np.ndarray, node_frame, graphs_frame, seed: int
) -> GraphDataset:
    """The union ``dataset`` (one graph) regrouped into its graphs, split by whole graphs."""
    order = np.unique(node_graph)  # graph ids in numeric order
    check_set_size(dataset.name, len(order), dataset.num_nodes, dataset.num_edges)
    graph_y, class_names = graph_labels(node_frame, graphs_frame, order, node_graph)
    position = np.searchsorted(order, node_graph)
    perm = torch.from_numpy(np.argsort(position, kind="stable"))
    new_id = torch.empty_like(perm)
    new_id[perm] = torch.arange(perm.numel())
    data = dataset.data
    edge_index = new_id[data.edge_index]
    edges = torch.argsort(edge_index[1], stable=True)
    ptr = torch.zeros(len(order) + 1, dtype=torch.long)
    ptr[1:] = torch.from_numpy(np.bincount(position, minlength=len(order))).cumsum(0)
    task = "graph" if graph_y is not None else "node"
    split = stratified_graph_split(graph_y, len(order), seed)
    batch = torch.repeat_interleave(torch.arange(len(order)), ptr.diff())
    y = data.y[perm]
    labelled = torch.ones_like(y, dtype=torch.bool) if task == "graph" else y >= 0
    masks = {
        f"{s}_mask": (split[batch] == code) & labelled
        for code, s in enumerate(("train", "val", "test"))
    }
    data = type(data)(
        x=data.x[perm], edge_index=edge_index[:, edges], y=y, num_nodes=dataset.num_nodes, **masks
    )
    description = (
        dataset.description + f" {len(order):,} graphs (ids from the 'graph' "
        "column), split 80 / 10 / 10 % by whole graphs"
        + (
            ", stratified by graph label; graph classification."
            if task == "graph"
            else "; node classification on unseen graphs."
        )
    )
    return GraphDataset(
        dataset.name,
        data,
        dataset.class_names,
        [dataset.node_names[v] for v in perm.tolist()],
        description,
        task=task,
        graph_ptr=ptr,
        graph_split=split,
        graph_y=graph_y,
        graph_names=[f"graph {g}" for g in order.tolist()],
        graph_class_names=class_names,
    )


def check_graph_count(values: pd.Series, what: str) -> None:
    """Refuse more distinct graph ids than GATVIZ_MAX_GRAPHS before any work."""
    count = values.nunique()
    if count > MAX_GRAPHS:
        raise DatasetError(
            f"the {what} file names {count:,} graphs, more than the "
            f"{MAX_GRAPHS:,} gatviz loads (GATVIZ_MAX_GRAPHS); merge small "
            "graphs or load a subset"
        )
