"""Seeded synthetic sets of many graphs whose ground truth is known.

``ba-2motif`` (Luo et al., 2020): each graph is a Barabási-Albert base with either a "house" or a
5-cycle attached by one edge; the graph's label says which. The motif edges are marked (mask
``motif``), so one can ask whether the attention goes to them. PyG's ``BA2MotifDataset`` downloads
its file; this one is generated here, the same way, from a seed.

``dictionary-lookup-set``: the GATv2 paper's DictionaryLookup (Brody et al., 2022, Section 4.1),
one bipartite graph per permutation of k values, split into unseen combinations. The single-graph
``dictionary-lookup`` of :mod:`gatviz.synthetic` stays as the quick demo.

``neighbour-colours``: random graphs whose nodes have a colour; a node's label is the colour most
common among its neighbours, so its own features say nothing about it. An MLP on the features
alone (:mod:`gatviz.baselines`) stays at chance; a GAT that generalises to unseen graphs does not.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch_geometric.data import Data
from torch_geometric.utils import barabasi_albert_graph, erdos_renyi_graph, to_undirected

from gatviz.datasets import GraphDataset
from gatviz.graphset import graph_set, stratified_graph_split
from gatviz.synthetic import _check, _seeded, degree_features

HOUSE = [(0, 1), (1, 2), (2, 3), (3, 0), (4, 0), (4, 1)]  # a square with a roof on 0-1
CYCLE = [(i, (i + 1) % 5) for i in range(5)]
MOTIFS = ("house", "5-cycle")


def _motif_graph(base: int, motif: int, generator: torch.Generator) -> tuple[Data, torch.Tensor]:
    """A BA base of ``base`` nodes (two edges per new node) with motif ``motif`` attached to a
    random base node; returns the graph and its motif-edge mask."""
    edge_index = barabasi_albert_graph(base, 2)
    pairs = torch.tensor(HOUSE if motif == 0 else CYCLE).t() + base
    anchor = int(torch.randint(0, base, (1,), generator=generator))
    link = torch.tensor([[anchor], [base]])
    edges = torch.cat([edge_index, to_undirected(torch.cat([pairs, link], dim=1))], dim=1)
    n = base + 5
    in_motif = torch.zeros(n, dtype=torch.bool)
    in_motif[base:] = True
    mask = in_motif[edges[0]] & in_motif[edges[1]]
    return Data(x=degree_features(edges, n), edge_index=edges, y=in_motif.long(), num_nodes=n), mask


def load_ba_2motif(seed: int = 0, graphs: int = 1000, base: int = 20) -> GraphDataset:
    """BA-2Motif: ``graphs`` graphs, half with a house and half with a 5-cycle.

    Args:
        seed (int): seeds the graphs, which motif each gets, and the split. (default: 0)
        graphs (int): graphs in the set. (default: 1000)
        base (int): nodes of each Barabási-Albert base. (default: 20)
    """
    _check("graphs", graphs, 4, 20_000)
    _check("base", base, 5, 200)
    graphs, base = int(graphs), int(base)
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(graphs) % 2
    labels = labels[torch.randperm(graphs, generator=generator)]
    with _seeded(seed):
        built = [_motif_graph(base, int(label), generator) for label in labels]
    data = [graph for graph, _ in built]
    roles = [f"base {i}" for i in range(base)]
    names = [
        name
        for label in labels.tolist()
        for name in roles + [f"{MOTIFS[label]} {i}" for i in range(5)]
    ]
    description = (
        f"BA-2Motif: {graphs} graphs, each a Barabási-Albert base of {base} nodes with either a "
        "five-node 'house' or a 5-cycle attached by one edge (seed " + str(seed) + "). The "
        "graph's label is which motif it has, so a readout must find the motif; features are "
        "one-hot degrees. Ground truth: the motif edges (mask 'motif'). Graph classification, "
        "seeded stratified 80 / 10 / 10 % split of the graphs."
    )
    return graph_set(
        "ba-2motif",
        data,
        task="graph",
        class_names=["base", "motif"],
        description=description,
        graph_split=stratified_graph_split(labels, graphs, seed),
        graph_y=labels,
        graph_class_names=list(MOTIFS),
        graph_names=[f"graph {g}" for g in range(graphs)],
        node_names=names,
        edge_masks={"motif": [mask for _, mask in built]},
    )


LOOKUP_SAMPLES = 32_000  # permutations drawn when k! is larger, as in the paper


def _permutations(k: int, generator: torch.Generator) -> torch.Tensor:
    """Every permutation of 0..k-1, or LOOKUP_SAMPLES distinct ones drawn at random when k! is
    larger. Shapes: (P, k)."""
    if math.factorial(k) <= LOOKUP_SAMPLES:
        return torch.tensor(list(itertools.permutations(range(k))))
    drawn = torch.empty(0, k, dtype=torch.long)
    while drawn.size(0) < LOOKUP_SAMPLES:
        more = torch.argsort(torch.rand(LOOKUP_SAMPLES, k, generator=generator), dim=1)
        drawn = torch.unique(torch.cat([drawn, more]), dim=0)
    return drawn[torch.randperm(drawn.size(0), generator=generator)[:LOOKUP_SAMPLES]]


def load_dictionary_lookup_set(
    seed: int = 0, k: int = 10, train_fraction: float = 0.8
) -> GraphDataset:
    """DictionaryLookup as the GATv2 paper defines it (Brody et al., 2022, Section 4.1).

    One graph per permutation π of the k values (all k!, or 32,000 drawn when k! is larger).
    Each graph has k key nodes and k query nodes, and an edge from every key to every query (no
    self-loops). Key j carries its key id j and its value π(j); query i carries key id i and an
    "empty" value. A query's label is the value of the key with its id. Features are one-hot
    key ids (k) and one-hot values (k + 1, the last one "empty"): the first layer's linear map of
    them is the sum of a key embedding and a value embedding, the paper's input. The split is
    the paper's "unseen combinations": the permutations are shuffled and ``train_fraction`` of
    them train; the test graphs pair keys with values in combinations never seen in training.
    Keys are unlabelled (``y = -1``); the ground truth marks the edge each query needs.

    Args:
        seed (int): seeds which permutations are drawn and the split. (default: 0)
        k (int): keys (and queries) per graph, also the number of classes. (default: 10)
        train_fraction (float): share of the graphs that train. (default: 0.8)
    """
    _check("k", k, 2, 20)
    _check("train_fraction", train_fraction, 0.05, 0.95)
    k = int(k)
    generator = torch.Generator().manual_seed(seed)
    perms = _permutations(k, generator)
    perms = perms[torch.randperm(perms.size(0), generator=generator)]
    graphs = perms.size(0)
    eye_keys, eye_values = torch.eye(k), torch.eye(k + 1)
    keys = torch.arange(k)
    # Every graph has the same structure: keys 0..k-1, queries k..2k-1, complete key → query.
    source = keys.repeat_interleave(k)
    target = k + keys.repeat(k)
    edge_index = torch.stack([source, target])
    lookup = source == target - k  # the edge from the key each query needs
    data = []
    for perm in perms:
        x = torch.cat(
            [
                torch.cat([eye_keys, eye_values[perm]], dim=1),
                torch.cat([eye_keys, eye_values[k].expand(k, -1)], dim=1),
            ]
        )
        y = torch.cat([torch.full((k,), -1), perm])
        data.append(Data(x=x, edge_index=edge_index, y=y, num_nodes=2 * k))
    n_train = max(1, round(train_fraction * graphs))
    split = torch.full((graphs,), 2, dtype=torch.long)
    split[:n_train] = 0
    names = [f"{'key' if v < k else 'query'} {v % k}" for v in range(2 * k)] * graphs
    description = (
        f"DictionaryLookup (Brody et al., 2022), as the paper defines it: {graphs:,} graphs, one "
        f"per permutation of the {k} values ({'all' if graphs == math.factorial(k) else 'drawn'}"
        f"), each with {k} keys pointing at {k} queries. A key has an id and a value, a query an "
        "id; the query's label is the value of the key with its id, so it must attend to exactly "
        f"that key. Split: the paper's unseen combinations, {n_train:,} graphs train and the "
        f"rest test (seed {seed}). With one head, GATv2 reaches 100 % and GAT cannot fit the "
        "training set (the paper's Figure 3). Ground truth: the edge each query needs."
    )
    return graph_set(
        "dictionary-lookup-set",
        data,
        task="node",
        class_names=[f"value {v}" for v in range(k)],
        description=description,
        graph_split=split,
        graph_names=[f"permutation {g}" for g in range(graphs)],
        node_names=names,
        edge_masks={"lookup": [lookup] * graphs},
    )


def load_neighbour_colours(
    seed: int = 0, graphs: int = 200, nodes: int = 30, colours: int = 4, degree: float = 4.0
) -> GraphDataset:
    """Random graphs where a node's label is the most common colour among its neighbours.

    Each graph is an Erdős–Rényi graph of ``nodes`` nodes with mean degree ``degree``; every
    node has a random colour (its one-hot features). Nodes with no neighbour, or a tie between
    colours, are unlabelled. Whole graphs are split 60 / 20 / 20 %, so the test graphs are
    graphs the model never saw.

    Args:
        seed (int): seeds the graphs, colours and split. (default: 0)
        graphs (int): graphs in the set. (default: 200)
        nodes (int): nodes per graph. (default: 30)
        colours (int): colours, which are also the classes. (default: 4)
        degree (float): mean degree of each graph. (default: 4.0)
    """
    _check("graphs", graphs, 4, 20_000)
    _check("nodes", nodes, 3, 500)
    _check("colours", colours, 2, 10)
    _check("degree", degree, 0.5, 50.0)
    graphs, nodes, colours = int(graphs), int(nodes), int(colours)
    generator = torch.Generator().manual_seed(seed)
    data = []
    with _seeded(seed):
        for _ in range(graphs):
            edge_index = erdos_renyi_graph(nodes, min(1.0, degree / (nodes - 1)))
            colour = torch.randint(0, colours, (nodes,), generator=generator)
            counts = torch.zeros(nodes, colours).index_add_(
                0, edge_index[1], torch.eye(colours)[colour[edge_index[0]]]
            )
            top = counts.max(1)
            tie = (counts == top.values.unsqueeze(1)).sum(1) > 1
            y = torch.where((top.values > 0) & ~tie, top.indices, -1)
            data.append(
                Data(x=torch.eye(colours)[colour], edge_index=edge_index, y=y, num_nodes=nodes)
            )
    split = stratified_graph_split(None, graphs, seed, train=0.6, val=0.2)
    description = (
        f"Neighbour colours: {graphs} random graphs of {nodes} nodes (mean degree {degree:g}), "
        f"each node one of {colours} colours (one-hot features). A node's label is the colour "
        "most common among its neighbours (ties and isolated nodes unlabelled), so its own "
        "features tell nothing: an MLP on them stays near chance, and a model that scores well "
        "on the test graphs, which it never saw, has learned to read its neighbours rather than "
        f"memorised the training graphs. Whole graphs split 60 / 20 / 20 % (seed {seed})."
    )
    return graph_set(
        "neighbour-colours",
        data,
        task="node",
        class_names=[f"colour {c}" for c in range(colours)],
        description=description,
        graph_split=split,
        graph_names=[f"graph {g}" for g in range(graphs)],
        node_names=[f"node {v}" for _ in range(graphs) for v in range(nodes)],
    )
