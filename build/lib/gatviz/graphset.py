"""Sets of many graphs as one :class:`~gatviz.datasets.GraphDataset`, and back to PyG graphs.

A set is kept as PyG batches graphs: one disjoint union, node ids offset graph after graph, with
``graph_ptr`` marking where each graph's nodes start. :func:`graph_set` builds it from a list of
``Data`` objects, checking the limits before any concatenation; :func:`graph_list` hands the
graphs of a split back as ``Data`` objects for ``torch_geometric.loader.DataLoader``, which
re-batches them for training.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor
from torch_geometric.data import Data

from gatviz.datasets import SPLITS, GraphDataset, random_split
from gatviz.errors import DatasetError
from gatviz.limits import MAX_EDGES, MAX_GRAPHS, MAX_NODES


def check_set_size(name: str, graphs: int, nodes: int, edges: int) -> None:
    """Refuse a set beyond the graph limits, from its counts alone (before any work)."""
    if graphs < 1:
        raise DatasetError(f"{name} holds no graph")
    if graphs > MAX_GRAPHS:
        raise DatasetError(
            f"{name} has {graphs:,} graphs, more than the {MAX_GRAPHS:,} gatviz "
            "loads (GATVIZ_MAX_GRAPHS); merge small graphs or load a subset"
        )
    if nodes > MAX_NODES or edges > MAX_EDGES:
        raise DatasetError(
            f"{name} has {nodes:,} nodes and {edges:,} edges in all; the limits "
            f"are {MAX_NODES:,} nodes and {MAX_EDGES:,} edges (GATVIZ_MAX_NODES, "
            "GATVIZ_MAX_EDGES)"
        )


def stratified_graph_split(
    graph_y: Tensor | None, num_graphs: int, seed: int, train: float = 0.8, val: float = 0.1
) -> Tensor:
    """A seeded split of whole graphs, stratified by graph label when there is one.

    Returns:
        (G,) codes 0 train, 1 val, 2 test
    """
    labels = graph_y if graph_y is not None else torch.zeros(num_graphs, dtype=torch.long)
    masks = random_split(labels, seed, train, val)
    split = torch.full((num_graphs,), 2, dtype=torch.long)
    split[masks[1]] = 1
    split[masks[0]] = 0
    return split


def graph_set(
    name: str,
    graphs: Sequence[Data],
    *,
    task: str,
    class_names: list[str],
    description: str,
    graph_split: Tensor,
    graph_y: Tensor | None = None,
    graph_class_names: list[str] | None = None,
    graph_names: list[str] | None = None,
    node_names: list[str] | None = None,
    edge_masks: dict[str, list[Tensor]] | None = None,
    edge_types: Sequence[Tensor] | None = None,
    edge_type_names: list[str] | None = None,
) -> GraphDataset:
    """One dataset from many graphs: their disjoint union, split by whole graphs.

    Each graph needs ``x``, ``edge_index`` (its own node ids) and ``y`` (node labels; for a graph
    task, per-node descriptors such as atom types, or -1). The node masks select the labelled
    nodes of each split's graphs.

    Args:
        graph_split (Tensor): (G,) codes 0 train, 1 val, 2 test.
        edge_masks (dict): name -> one boolean mask per graph, aligned with its edges.
        edge_types (list): one (E_g,) tensor of edge type ids per graph.
    """
    sizes = [int(g.num_nodes) for g in graphs]
    edge_counts = [int(g.edge_index.size(1)) for g in graphs]
    check_set_size(name, len(graphs), sum(sizes), sum(edge_counts))
    if graph_split.numel() != len(graphs):
        raise DatasetError(
            f"{name}: the split names {graph_split.numel()} graphs, the set has {len(graphs)}"
        )
    ptr = torch.zeros(len(graphs) + 1, dtype=torch.long)
    ptr[1:] = torch.tensor(sizes).cumsum(0)
    edge_index = torch.cat([g.edge_index + ptr[i] for i, g in enumerate(graphs)], dim=1)
    y = torch.cat([g.y for g in graphs])
    batch = torch.repeat_interleave(torch.arange(len(graphs)), torch.tensor(sizes))
    node_split = graph_split[batch]
    is_labelled = (
        torch.ones(y.size(0), dtype=torch.bool) if task in ("multilabel", "graph") else y >= 0
    )
    masks = {
        f"{split}_mask": (node_split == code) & is_labelled for code, split in enumerate(SPLITS)
    }
    data = Data(
        x=torch.cat([g.x for g in graphs]).float(),
        edge_index=edge_index,
        y=y,
        num_nodes=int(ptr[-1]),
        **masks,
    )
    return GraphDataset(
        name,
        data,
        class_names,
        node_names
        or [f"node {v - int(ptr[g])}" for g, v in zip(batch.tolist(), range(int(ptr[-1])))],
        description,
        {key: torch.cat(parts) for key, parts in (edge_masks or {}).items()},
        task=task,
        graph_ptr=ptr,
        graph_split=graph_split,
        graph_y=graph_y,
        graph_names=graph_names or [],
        graph_class_names=graph_class_names or [],
        edge_types=None if edge_types is None else torch.cat(list(edge_types)),
        edge_type_names=edge_type_names or [],
    )


def graph_list(dataset: GraphDataset, graphs: Tensor) -> list[Data]:
    """The given graphs of ``dataset`` as PyG ``Data`` objects, ready for PyG's ``DataLoader``.

    Each carries ``x``, ``edge_index`` in its own ids, ``target`` (its node labels, or for a
    graph task its label as a (1,) tensor) and ``labelled`` (the nodes that carry a label).
    """
    data, ptr = dataset.data, dataset.graph_ptr
    edge_index = data.edge_index
    graph_of_edge = dataset.batch[edge_index[1]]
    order = torch.argsort(graph_of_edge, stable=True)
    edge_ptr = torch.zeros(dataset.num_graphs + 1, dtype=torch.long)
    edge_ptr[1:] = torch.bincount(graph_of_edge, minlength=dataset.num_graphs).cumsum(0)
    out = []
    for g in graphs.tolist():
        a, b = int(ptr[g]), int(ptr[g + 1])
        edges = edge_index[:, order[edge_ptr[g] : edge_ptr[g + 1]]] - a
        if dataset.task == "graph":
            target, labelled = dataset.targets[g : g + 1], torch.ones(b - a, dtype=torch.bool)
        else:
            target = data.y[a:b]
            labelled = (
                torch.ones(b - a, dtype=torch.bool) if dataset.task == "multilabel" else target >= 0
            )
        out.append(
            Data(x=data.x[a:b], edge_index=edges, target=target, labelled=labelled, num_nodes=b - a)
        )
    return out
