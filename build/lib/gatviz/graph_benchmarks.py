"""Benchmark sets of many graphs, read by PyG's own loaders: PPI and MUTAG.

Both are downloaded once into the data directory (:func:`gatviz.datasets.data_dir`) on a machine
with a network; offline, the error names the folder and the raw files to put there. PyG reads the
raw files (JSON, ``.npy`` without pickle, text) and writes its ``processed/`` cache beside them.

* ``ppi``: protein-protein interaction graphs of human tissues (Zitnik & Leskovec, 2017), the GAT
  paper's inductive benchmark: 20 training, 2 validation and 2 test graphs, 50 features, 121
  gene-ontology labels per node, micro-F1 0.973 ± 0.002 (constant attention: 0.934).
* ``mutag``: 188 nitroaromatic molecules labelled by mutagenicity (TUDataset), one-hot atom types
  (C, N, O, F, I, Cl, Br) as features and bond types as edge types; a seeded stratified split.
"""

from __future__ import annotations

from pathlib import Path

import torch

from gatviz.datasets import GraphDataset, data_dir
from gatviz.errors import DatasetError
from gatviz.graphset import graph_set, stratified_graph_split

PPI_SPLITS = ("train", "valid", "test")
PPI_FILES = ("graph.json", "feats.npy", "labels.npy", "graph_id.npy")
PPI_DESCRIPTION = (
    "PPI: protein-protein interaction graphs of 24 human tissues (Zitnik & Leskovec, 2017), the "
    "GAT paper's inductive benchmark. Each node is a protein with 50 features (positional gene "
    "sets, motif gene sets, immunological signatures) and 121 gene-ontology labels, any number "
    "of which can hold at once. 20 graphs train, 2 validate and 2 test: the model never sees "
    "the test graphs. The GAT paper reports micro-F1 0.973 ± 0.002, and 0.934 ± 0.006 for the "
    "same model with constant attention."
)
ATOMS = ["C", "N", "O", "F", "I", "Cl", "Br"]
BONDS = ["aromatic", "single", "double", "triple"]
MUTAG_CLASSES = ["not mutagenic", "mutagenic"]
MUTAG_FILES = ("A", "graph_indicator", "graph_labels", "node_labels", "edge_labels")
MUTAG_DESCRIPTION = (
    "MUTAG (TUDataset): 188 nitroaromatic compounds labelled by whether they are mutagenic on "
    "Salmonella typhimurium (125 mutagenic, 63 not). Nodes are atoms (C, N, O, F, I, Cl, Br, "
    "one-hot), edges are bonds (aromatic, single, double, triple). Graph classification: a "
    "readout pools the atoms' embeddings into one vector per molecule. Seeded stratified split "
    "of the molecules, 80 / 10 / 10 %."
)


def ppi_missing_message(root: Path) -> str:
    raw = root / "PPI" / "raw"
    files = ", ".join(f"{split}_{name}" for split in PPI_SPLITS for name in PPI_FILES)
    return (
        f"could not download PPI; to work offline put its raw files {files} in {raw} (or "
        "point GATVIZ_DATA_DIR at a folder that has PPI/raw/)"
    )


def load_ppi(root: Path | None = None) -> GraphDataset:
    """PPI through PyG's ``PPI`` loader, with the paper's 20 / 2 / 2 split of graphs."""
    from torch_geometric.datasets import PPI

    root = Path(root) if root is not None else data_dir()
    raw = root / "PPI" / "raw"
    present = [f"{s}_{n}" for s in PPI_SPLITS for n in PPI_FILES if (raw / f"{s}_{n}").is_file()]
    if present and len(present) < len(PPI_SPLITS) * len(PPI_FILES):
        missing = [f"{s}_{n}" for s in PPI_SPLITS for n in PPI_FILES if f"{s}_{n}" not in present]
        raise DatasetError(
            f"the PPI folder {raw} lacks {', '.join(missing)}; put every raw "
            f"file there ({len(PPI_SPLITS) * len(PPI_FILES)} in all)"
        )
    try:
        parts = [PPI(str(root / "PPI"), split=split) for split in ("train", "val", "test")]
        graphs = [graph for part in parts for graph in part]
    except Exception as error:  # noqa: BLE001 - any failure to fetch or read means the same fix
        raise DatasetError(
            f"{ppi_missing_message(root)} ({type(error).__name__}: {str(error)[:200]})"
        ) from error
    split = torch.cat(
        [torch.full((len(part),), code, dtype=torch.long) for code, part in enumerate(parts)]
    )
    names = [f"{('train', 'val', 'test')[int(s)]} graph {i}" for i, s in enumerate(split.tolist())]
    labels = int(graphs[0].y.size(1))
    return graph_set(
        "ppi",
        graphs,
        task="multilabel",
        class_names=[f"GO set {k}" for k in range(labels)],
        description=PPI_DESCRIPTION,
        graph_split=split,
        graph_names=names,
    )


def mutag_missing_message(root: Path) -> str:
    raw = root / "MUTAG" / "raw"
    files = ", ".join(f"MUTAG_{name}.txt" for name in MUTAG_FILES)
    return (
        f"could not download MUTAG; to work offline put its raw files {files} in {raw} (or "
        "point GATVIZ_DATA_DIR at a folder that has MUTAG/raw/)"
    )


def load_mutag(root: Path | None = None, seed: int = 0) -> GraphDataset:
    """MUTAG through PyG's ``TUDataset`` with atom and bond names and a seeded split."""
    from torch_geometric.datasets import TUDataset

    root = Path(root) if root is not None else data_dir()
    try:
        source = TUDataset(str(root), "MUTAG")
        graphs = list(source)
    except Exception as error:  # noqa: BLE001 - as load_ppi
        raise DatasetError(
            f"{mutag_missing_message(root)} ({type(error).__name__}: {str(error)[:200]})"
        ) from error
    atom_types = [g.x.argmax(dim=1) for g in graphs]
    for graph, atoms in zip(graphs, atom_types):
        graph.y = atoms  # per-node descriptors: what a view of one molecule colours by
    graph_y = torch.tensor([int(g_y) for g_y in source.y.tolist()])
    names = [f"{ATOMS[a]} {i}" for atoms in atom_types for i, a in enumerate(atoms.tolist())]
    return graph_set(
        "mutag",
        graphs,
        task="graph",
        class_names=ATOMS,
        description=MUTAG_DESCRIPTION,
        graph_split=stratified_graph_split(graph_y, len(graphs), seed),
        graph_y=graph_y,
        graph_class_names=MUTAG_CLASSES,
        graph_names=[f"molecule {g}" for g in range(len(graphs))],
        node_names=names,
        edge_types=[g.edge_attr.argmax(dim=1) for g in graphs],
        edge_type_names=BONDS,
    )
