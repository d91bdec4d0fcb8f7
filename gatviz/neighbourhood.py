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
    return _runs(starts, index.ptr[nodes + 1] - starts)


def _runs(starts: Tensor, counts: Tensor) -> Tensor:
    """``starts[k], starts[k] + 1, ..., starts[k] + counts[k] - 1`` for each k, concatenated."""
    total = int(counts.sum())
    if total == 0:
        return torch.zeros(0, dtype=torch.long)
    # An arange over all runs, shifted per run.
    offsets = torch.cumsum(counts, 0) - counts
    shifts = torch.repeat_interleave(starts - offsets, counts, output_size=total)
    return shifts + torch.arange(total)


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
    # An uninitialised (N,) table: only the subgraph's entries are written and read, so a
    # small subgraph of a big graph touches only the pages its nodes fall on.
    table = torch.empty(int(nodes.max()) + 1 if nodes.numel() else 0, dtype=torch.long)
    table[nodes] = torch.arange(nodes.numel())
    return Subgraph(nodes, distance, table[torch.stack([source, target])], edge_id)


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

    Its nodes come ordered by distance (then id) and its edges by hop, each hop's grouped by
    target in the order of the nodes: the layout :func:`hop_counts` and a trimmed forward pass
    (:meth:`gatviz.model.GAT.forward` with ``hops``) rely on.
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
            chosen = _draw(degree, fanout, generator)
            positions, target = positions[chosen], target[chosen]
        source = index.source[positions]
        sources.append(source)
        targets.append(target)
        edge_ids.append(index.edge_id[positions])
        # The sources not reached before, in id order: a mask over the nodes, not a sort.
        new = torch.zeros_like(visited)
        new[source] = True
        new &= ~visited
        visited |= new
        reached = new.nonzero().view(-1)
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


def _draw(degree: Tensor, fanout: int, generator: torch.Generator | None) -> Tensor:
    """Which of the candidate edges (grouped by target, ``degree`` of them per target) to keep:
    all of a target's when it has at most ``fanout``, else ``fanout`` drawn uniformly without
    replacement, by the first ``fanout`` steps of a Fisher–Yates shuffle of its candidates,
    every such target's step at once (no sort)."""
    chosen = torch.ones(int(degree.sum()), dtype=torch.bool)
    over = (degree > fanout).nonzero().view(-1)
    if not over.numel():
        return chosen
    sizes = degree[over]
    # The over-fanout targets' candidates, one run per target; `first` is where each run starts.
    candidates = _runs((torch.cumsum(degree, 0) - degree)[over], sizes)
    chosen[candidates] = False
    first = torch.cumsum(sizes, 0) - sizes
    for step in range(fanout):  # swap slot `step` of each run with a random later one
        draw = torch.rand(over.numel(), generator=generator, dtype=torch.float64)
        here = first + step
        there = here + (draw * (sizes - step)).long()
        picked = candidates[there]
        candidates[there] = candidates[here]
        candidates[here] = picked
    chosen[candidates[(first.unsqueeze(1) + torch.arange(fanout)).view(-1)]] = True
    return chosen


class HopCounts(NamedTuple):
    """How a subgraph from :func:`sample_subgraph` is laid out, as PyG's ``NeighborLoader``
    reports it (``num_sampled_nodes`` / ``num_sampled_edges``): ``nodes[d]`` nodes at distance
    d (d = 0 .. hops, the seeds first), then ``edges[d]`` edges into the nodes at distance d."""

    nodes: list[int]
    edges: list[int]


def hop_counts(sub: Subgraph, hops: int) -> HopCounts:
    """The :class:`HopCounts` of ``sub``, cut ``hops`` hops deep."""
    nodes = torch.bincount(sub.distance, minlength=hops + 1)
    edges = torch.bincount(sub.distance[sub.edge_index[1]], minlength=hops)
    return HopCounts(nodes.tolist(), edges.tolist())


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
