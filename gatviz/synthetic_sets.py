"""Seeded synthetic sets of many graphs whose ground truth is known.

``ba-2motif`` (Luo et al., 2020): each graph is a Barabási-Albert base with either a "house" or a
5-cycle attached by one edge; the graph's label says which. The motif edges are marked (mask
``motif``), so one can ask whether the attention goes to them. PyG's ``BA2MotifDataset`` downloads
its file; this one is generated here, the same way, from a seed.
"""
from __future__ import annotations

import torch
from torch_geometric.data import Data
from torch_geometric.utils import barabasi_albert_graph, to_undirected

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
    return Data(x=degree_features(edges, n), edge_index=edges, y=in_motif.long(),
                num_nodes=n), mask


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
    names = [name for label in labels.tolist()
             for name in roles + [f"{MOTIFS[label]} {i}" for i in range(5)]]
    description = (
        f"BA-2Motif: {graphs} graphs, each a Barabási-Albert base of {base} nodes with either a "
        "five-node 'house' or a 5-cycle attached by one edge (seed " + str(seed) + "). The "
        "graph's label is which motif it has, so a readout must find the motif; features are "
        "one-hot degrees. Ground truth: the motif edges (mask 'motif'). Graph classification, "
        "seeded stratified 80 / 10 / 10 % split of the graphs.")
    return graph_set(
        "ba-2motif", data, task="graph", class_names=["base", "motif"], description=description,
        graph_split=stratified_graph_split(labels, graphs, seed), graph_y=labels,
        graph_class_names=list(MOTIFS), graph_names=[f"graph {g}" for g in range(graphs)],
        node_names=names, edge_masks={"motif": [mask for _, mask in built]})
