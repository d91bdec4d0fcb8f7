"""Receptive fields: the part of a graph that a node's output, or a view around it, depends on.

An L-layer GAT computes node i's output from the nodes whose messages reach i within L hops along
incoming edges, and layer l's α_ij (0-based l) from layer l's input at i and at i's in-neighbours.
So a view of the nodes within ``h`` hops of a centre needs only the ``h + L``-hop neighbourhood:

* :class:`InEdges` indexes every node's incoming edges once (CSR by target), so that a
  neighbourhood costs the edges it touches, not a scan of the whole edge list;
* :func:`hop_distances` walks it breadth-first;
* :func:`receptive_subgraph` cuts the nodes within ``depth`` hops with every incoming edge of
  those closer than ``depth``. Run on it, layer l's α is exact for targets within
  ``depth - l - 1`` hops and the output is exact within ``depth - L`` (:func:`exact_within`);
* :func:`sample_subgraph` draws PyG ``NeighborLoader``-style sampled neighbourhoods (up to
  ``fanout`` incoming edges per node and hop) for mini-batch training.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor


class InEdges(NamedTuple):
    """Every node's incoming edges, grouped by target (CSR).

    ``source[ptr[i]:ptr[i + 1]]`` are the sources j of the edges j -> i and ``edge_id`` the same
    edges' positions in the ``edge_index`` it was built from.

    Shapes:
        ptr: (N + 1,), source: (E,), edge_id: (E,)
    """

    ptr: Tensor
    source: Tensor
    edge_id: Tensor

    @property
    def num_nodes(self) -> int:
        return self.ptr.numel() - 1

    def degree(self, nodes: Tensor) -> Tensor:
        return self.ptr[nodes + 1] - self.ptr[nodes]


def in_edges(edge_index: Tensor, num_nodes: int) -> InEdges:
    """Index ``edge_index`` (2, E) by target; O(E log E) once, then each lookup is cheap."""
    target = edge_index[1]
    order = torch.argsort(target, stable=True)
    counts = torch.bincount(target, minlength=num_nodes)
    ptr = torch.zeros(num_nodes + 1, dtype=torch.long)
    torch.cumsum(counts, 0, out=ptr[1:])
    return InEdges(ptr, edge_index[0, order], order)


def _positions(index: InEdges, nodes: Tensor) -> Tensor:
    """Positions in ``index.source`` of every incoming edge of ``nodes``, node by node."""
    starts = index.ptr[nodes]
    counts = index.ptr[nodes + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return torch.zeros(0, dtype=torch.long)
    # Each node's run starts at its ptr; arange over all runs, shifted per run.
    offsets = torch.cumsum(counts, 0) - counts
    return torch.repeat_interleave(starts - offsets, counts) + torch.arange(total)


def hop_distances(index: InEdges, seeds: Tensor, hops: int) -> tuple[Tensor, Tensor]:
    """Breadth-first distance along incoming edges from ``seeds`` (distance 0), up to ``hops``.

    Returns:
        (nodes, distance): the nodes reached, ordered by distance then id, and their distances
    """
    distance = torch.full((index.num_nodes,), -1, dtype=torch.long)
    frontier = torch.unique(seeds)
    distance[frontier] = 0
    found = [frontier]
    for step in range(1, hops + 1):
        reached = index.source[_positions(index, frontier)]
        reached = torch.unique(reached[distance[reached] < 0])
        if reached.numel() == 0:
            break
        distance[reached] = step
        found.append(reached)
        frontier = reached
    nodes = torch.cat(found)
    return nodes, distance[nodes]


class Subgraph(NamedTuple):
    """Part of a graph with its own node numbering (local ids are positions in ``nodes``).

    Shapes:
        nodes: (S,) dataset ids, distance: (S,) hops from the seeds,
        edge_index: (2, M) local ids, edge_id: (M,) positions in the dataset's ``edge_index``
    """

    nodes: Tensor
    distance: Tensor
    edge_index: Tensor
    edge_id: Tensor

    def local(self, node: int) -> int:
        """The local id of dataset node ``node`` (which must be in the subgraph)."""
        return int((self.nodes == node).nonzero()[0, 0])


def receptive_subgraph(index: InEdges, seeds: Tensor, depth: int) -> Subgraph:
    """The nodes within ``depth`` hops of ``seeds`` and every incoming edge of those within
    ``depth - 1`` (the nodes at distance ``depth`` only send)."""
    nodes, distance = hop_distances(index, seeds, depth)
    receivers = nodes[distance < depth]
    positions = _positions(index, receivers)
    target = torch.repeat_interleave(receivers, index.degree(receivers))
    return _relabel(nodes, distance, index.source[positions], target, index.edge_id[positions])


def _relabel(
    nodes: Tensor, distance: Tensor, source: Tensor, target: Tensor, edge_id: Tensor
) -> Subgraph:
    # A sorted copy of the ids and searchsorted map dataset ids to local ids without an
    # (N,)-sized table, which matters when many small subgraphs are cut from a big graph.
    sorted_nodes, order = torch.sort(nodes)
    local = order[torch.searchsorted(sorted_nodes, torch.stack([source, target]))]
    return Subgraph(nodes, distance, local, edge_id)


def exact_within(depth: int, layer: int | None, layers: int) -> int:
    """How many hops from the seeds a model run on ``receptive_subgraph(..., depth)`` is exact.

    Layer ``layer``'s α_ij needs layer ``layer``'s input at i and at all of i's in-neighbours,
    which is exact ``layer`` hops short of the cut's edge: exact for targets within
    ``depth - layer - 1`` hops. ``layer=None`` asks about the output (after all ``layers``):
    exact within ``depth - layers`` hops.
    """
    return depth - layers if layer is None else depth - layer - 1


def sample_subgraph(
    index: InEdges, seeds: Tensor, fanout: int, hops: int, generator: torch.Generator | None = None
) -> Subgraph:
    """A sampled ``hops``-hop neighbourhood of ``seeds``: from each node reached, up to
    ``fanout`` of its incoming edges, drawn uniformly without replacement (all of them when it
    has fewer, or when ``fanout`` is 0), as PyG's ``NeighborLoader`` samples with
    ``num_neighbors=[fanout] * hops``. The subgraph holds the sampled edges only.
    """
    seeds = torch.unique(seeds)
    visited = torch.zeros(index.num_nodes, dtype=torch.bool)
    visited[seeds] = True
    found, depths = [seeds], [torch.zeros_like(seeds)]
    sources, targets, edge_ids = [], [], []
    frontier = seeds
    for step in range(1, hops + 1):
        positions = _positions(index, frontier)
        degree = index.degree(frontier)
        target = torch.repeat_interleave(frontier, degree)
        if fanout and positions.numel():
            # Rank each candidate edge by a random key within its target; keep the first fanout.
            key = torch.rand(positions.numel(), generator=generator)
            order = torch.argsort(key)
            order = order[torch.argsort(target[order], stable=True)]
            run_start = torch.repeat_interleave(torch.cumsum(degree, 0) - degree, degree)
            rank = torch.empty_like(order)
            rank[order] = torch.arange(order.numel()) - run_start
            chosen = rank < fanout
            positions, target = positions[chosen], target[chosen]
        source = index.source[positions]
        sources.append(source)
        targets.append(target)
        edge_ids.append(index.edge_id[positions])
        reached = torch.unique(source[~visited[source]])
        visited[reached] = True
        found.append(reached)
        depths.append(torch.full_like(reached, step))
        frontier = reached
    return _relabel(
        torch.cat(found),
        torch.cat(depths),
        torch.cat(sources),
        torch.cat(targets),
        torch.cat(edge_ids),
    )


def edge_positions(edges: Tensor, wanted: Tensor, num_nodes: int) -> Tensor:
    """For each edge of ``wanted``, its position in ``edges`` (-1 where absent).

    Shapes:
        edges: (2, E), wanted: (2, M) -> (M,)
    """
    key = edges[0] * num_nodes + edges[1]
    query = wanted[0] * num_nodes + wanted[1]
    if key.numel() == 0:
        return torch.full_like(query, -1)
    order = torch.argsort(key)
    position = order[torch.searchsorted(key[order], query).clamp(max=order.numel() - 1)]
    return torch.where(key[position] == query, position, -1)
