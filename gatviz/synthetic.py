"""Seeded synthetic graphs whose ground truth is known, so attention can be checked against it.

``ba-shapes``: a Barabási-Albert graph with "house" motifs attached (PyG ``ExplainerDataset``);
labels are the node's role (base graph, or top / middle / bottom of a house) and the ground-truth
mask marks the motif edges.

``planted``: communities with informative node features, plus a tunable fraction of edges that
cross communities at random. Those noise edges are marked, so one can see whether the attention
learned to down-weight them.
"""

from __future__ import annotations

import random
from contextlib import contextmanager

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.utils import degree, to_undirected

from gatviz.datasets import GraphDataset, attach_split
from gatviz.errors import DatasetError

MAX_DEGREE_FEATURE = 10
LOOKUP_FEATURE_HEIGHT = 3.0  # see load_dictionary_lookup


def degree_features(edge_index: Tensor, num_nodes: int) -> Tensor:
    """One-hot in-degree, capped at :data:`MAX_DEGREE_FEATURE` (shape (N, 11)).

    Structural features for graphs that have none; a constant feature would make every score
    e_ij equal and the first layer's attention exactly uniform.
    """
    return one_hot_degrees(degree(edge_index[1], num_nodes))


def one_hot_degrees(in_degree: Tensor) -> Tensor:
    """:func:`degree_features` from the in-degrees themselves (shape (N,) -> (N, 11))."""
    deg = in_degree.long().clamp(max=MAX_DEGREE_FEATURE)
    return torch.nn.functional.one_hot(deg, MAX_DEGREE_FEATURE + 1).float()


@contextmanager
def _seeded(seed: int):
    """Seed torch, numpy and random for PyG's generators, restoring the callers' states."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        random.seed(seed)
        np.random.seed(seed)
        try:
            yield
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)


def _check(name: str, value, low, high) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise DatasetError(f"{name} must be between {low} and {high} (got {value!r})")


def load_ba_shapes(seed: int = 0, num_nodes: int = 300, num_motifs: int = 80) -> GraphDataset:
    """BA-Shapes (Ying et al., 2019): ``num_nodes`` BA nodes plus ``num_motifs`` houses of 5 nodes.

    Args:
        seed (int): seeds the graph, the motif placement and the split. (default: 0)
        num_nodes (int): nodes of the Barabási-Albert base graph. (default: 300)
        num_motifs (int): house motifs attached to random base nodes. (default: 80)
    """
    from torch_geometric.datasets import ExplainerDataset
    from torch_geometric.datasets.graph_generator import BAGraph

    _check("num_nodes", num_nodes, 10, 5000)
    _check("num_motifs", num_motifs, 1, 1000)
    with _seeded(seed):
        source = ExplainerDataset(
            graph_generator=BAGraph(num_nodes=int(num_nodes), num_edges=5),
            motif_generator="house",
            num_motifs=int(num_motifs),
        )[0]
    n = int(source.y.numel())
    data = Data(
        x=degree_features(source.edge_index, n),
        edge_index=source.edge_index,
        y=source.y,
        num_nodes=n,
    )
    roles = ["base", "house top", "house middle", "house bottom"]
    names = [f"{roles[int(label)]} {i}" for i, label in enumerate(source.y)]
    description = (
        f"BA-Shapes: a Barabási-Albert graph of {num_nodes} nodes with {num_motifs} five-node "
        "'house' motifs attached at random (seed {seed}). A node's label is its role: base graph, "
        "or top, middle or bottom of a house, so it can only be read off the structure around "
        "it; features are one-hot degrees. Ground truth: the motif edges (mask 'motif')."
    ).replace("{seed}", str(seed))
    return GraphDataset(
        "ba-shapes",
        attach_split(data, seed),
        roles,
        names,
        description,
        {"motif": source.edge_mask.bool()},
    )


def load_planted(
    seed: int = 0,
    communities: int = 4,
    size: int = 40,
    p_in: float = 0.15,
    noise: float = 0.3,
    features: int = 16,
    signal: float = 1.0,
) -> GraphDataset:
    """Planted communities with a known fraction of random cross-community (noise) edges.

    Args:
        seed (int): seeds edges, features and split. (default: 0)
        communities (int): number of communities, which are also the classes. (default: 4)
        size (int): nodes per community. (default: 40)
        p_in (float): probability of an edge between two nodes of one community. (default: 0.15)
        noise (float): fraction of all undirected edges that join different communities, drawn
            uniformly among such pairs. (default: 0.3)
        features (int): feature dimension. (default: 16)
        signal (float): distance of community feature centroids; features are centroid plus unit
            Gaussian noise, so larger is easier. (default: 1.0)
    """
    _check("communities", communities, 2, 20)
    _check("size", size, 2, 2000)
    _check("p_in", p_in, 0.0, 1.0)
    _check("noise", noise, 0.0, 0.9)
    _check("features", features, 1, 1024)
    _check("signal", signal, 0.0, 100.0)
    communities, size, features = int(communities), int(size), int(features)
    g = torch.Generator().manual_seed(seed)
    n = communities * size
    y = torch.arange(communities).repeat_interleave(size)

    # Intra-community edges: every pair of one community, kept with probability p_in.
    rows, cols = torch.triu_indices(size, size, offset=1)
    intra = []
    for c in range(communities):
        keep = torch.rand(rows.numel(), generator=g) < p_in
        intra.append(torch.stack([rows[keep], cols[keep]]) + c * size)
    intra_edges = torch.cat(intra, dim=1)

    # Noise edges: so that they are `noise` of all edges, sample distinct cross pairs.
    m_in = intra_edges.size(1)
    m_noise = round(noise / (1 - noise) * m_in) if noise > 0 else 0
    cross = torch.empty(2, 0, dtype=torch.long)
    while cross.size(1) < m_noise:
        pairs = torch.randint(0, n, (2, 2 * m_noise), generator=g)
        pairs = pairs[:, y[pairs[0]] != y[pairs[1]]]
        pairs = torch.stack([pairs.min(0).values, pairs.max(0).values])
        cross = torch.unique(torch.cat([cross, pairs], dim=1), dim=1)
    cross = cross[:, torch.randperm(cross.size(1), generator=g)[:m_noise]]

    undirected = torch.cat([intra_edges, cross], dim=1)
    flags = torch.cat([torch.zeros(m_in), torch.ones(cross.size(1))])
    edge_index, flag = to_undirected(undirected, flags, num_nodes=n, reduce="max")

    centroids = torch.randn(communities, features, generator=g) * signal
    x = centroids[y] + torch.randn(n, features, generator=g)
    data = Data(x=x, edge_index=edge_index, y=y, num_nodes=n)
    names = [f"c{int(c)}-{i % size}" for i, c in enumerate(y)]
    description = (
        f"Planted communities: {communities} groups of {size} nodes, each pair inside a group "
        f"linked with probability {p_in}, plus random edges between groups making up {noise:.0%} "
        f"of all edges (mask 'noise', {cross.size(1)} of {undirected.size(1)} undirected edges). "
        f"Features are a group centroid (scale {signal}) plus Gaussian noise, so a node's own "
        "features are informative and noise neighbours are misleading: good attention should "
        "learn to down-weight the noise edges (seed " + str(seed) + ")."
    )
    return GraphDataset(
        "planted",
        attach_split(data, seed),
        [f"community {c}" for c in range(communities)],
        names,
        description,
        {"noise": flag.bool()},
    )


def load_dictionary_lookup(seed: int = 0, k: int = 10, graphs: int = 50) -> GraphDataset:
    """DictionaryLookup (Brody et al., 2022): a task that GATv2 solves and GAT provably cannot.

    Each of ``graphs`` disjoint blocks is a complete bipartite graph of ``k`` key nodes pointing
    at ``k`` query nodes. Every key has an attribute and a value (both in 0..k-1; the attributes
    of a block's keys are a permutation); every query has an attribute. A query's label is the
    value of the key with its attribute, so it must attend to that one key. GAT's static attention
    ranks the keys the same way for every query of a block, so at most one query per block can
    put most of its attention on its own key.

    Features (2k + 1): one-hot attribute, one-hot value (zero for queries) and a query flag,
    each of height :data:`LOOKUP_FEATURE_HEIGHT`.
    Keys are unlabelled (``y = -1``); the queries get the seeded 60/20/20 split.

    Args:
        seed (int): seeds attributes, values and the split. (default: 0)
        k (int): keys (and queries) per block, which is also the number of classes.
            (default: 10)
        graphs (int): disjoint blocks in the graph. (default: 50)
    """
    _check("k", k, 2, 50)
    _check("graphs", graphs, 1, 500)
    k, graphs = int(k), int(graphs)
    g = torch.Generator().manual_seed(seed)
    block = torch.arange(graphs).repeat_interleave(2 * k)  # block of each node
    is_query = torch.arange(2 * k).repeat(graphs) >= k
    attribute = torch.cat(
        [
            torch.cat([torch.randperm(k, generator=g), torch.randperm(k, generator=g)])
            for _ in range(graphs)
        ]
    )
    value = torch.randint(0, k, (graphs * 2 * k,), generator=g)
    value[is_query] = -1
    eye = torch.eye(k)
    # One-hot codes of height 3 rather than 1: with the reference learning rate (0.005) one layer
    # then sharpens its attention enough within 500 epochs (seeds 0-3 all fit; at height 1, most
    # do not). The task and the static-attention argument are the same at any height.
    values = torch.where(is_query.unsqueeze(1), 0.0, eye[value.clamp(min=0)])
    x = LOOKUP_FEATURE_HEIGHT * torch.cat(
        [eye[attribute], values, is_query.float().unsqueeze(1)], dim=1
    )
    # The label of a query is the value of the key of its block with the same attribute.
    key_of = torch.full((graphs, k), -1, dtype=torch.long)
    keys = (~is_query).nonzero().flatten()
    key_of[block[keys], attribute[keys]] = keys
    y = torch.full((graphs * 2 * k,), -1, dtype=torch.long)
    queries = is_query.nonzero().flatten()
    y[queries] = value[key_of[block[queries], attribute[queries]]]
    # Every key points at every query of its block: (k * k) edges per block.
    offsets = torch.arange(graphs) * 2 * k
    source = (offsets.view(-1, 1, 1) + torch.arange(k).view(1, -1, 1)).expand(graphs, k, k)
    target = (offsets.view(-1, 1, 1) + k + torch.arange(k).view(1, 1, -1)).expand(graphs, k, k)
    edge_index = torch.stack([source.reshape(-1), target.reshape(-1)])
    lookup = attribute[edge_index[0]] == attribute[edge_index[1]]  # the key each query needs
    data = Data(x=x, edge_index=edge_index, y=y, num_nodes=graphs * 2 * k)
    names = [
        f"g{int(b)} {'query' if q else 'key'} attr {int(a)}" + ("" if q else f" → {int(v)}")
        for b, q, a, v in zip(block, is_query, attribute, value)
    ]
    description = (
        f"DictionaryLookup (Brody et al., 2022): {graphs} blocks, each with {k} keys pointing at "
        f"{k} queries (complete bipartite). A key has an attribute and a value, a query an "
        "attribute; a query's label is the value of the key with the same attribute, so it must "
        "attend to exactly that key. GATv2 can learn this with one layer and one head; GAT "
        "cannot, because its attention ranks the keys the same way for every query (seed "
        f"{seed}). Keys are unlabelled. Ground truth: the edge from the key each query needs "
        "(mask 'lookup')."
    )
    return GraphDataset(
        "dictionary-lookup",
        attach_split(data, seed),
        [f"value {v}" for v in range(k)],
        names,
        description,
        {"lookup": lookup},
    )
