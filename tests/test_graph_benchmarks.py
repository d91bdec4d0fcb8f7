"""PPI on tiny files in PPI's own raw format, and MUTAG from the shared offline copy."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import require_shared
from gatviz.datasets import load_dataset
from gatviz.errors import DatasetError
from gatviz.graph_benchmarks import ATOMS, BONDS, PPI_FILES, PPI_SPLITS

MUTAG = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "tu" / "MUTAG"


def write_ppi(raw: Path, graphs: dict[str, list[int]], seed: int = 0) -> None:
    """PPI's raw files for graphs of the given sizes per split: a node-link JSON graph (a ring
    per graph), features (n, 50), 0/1 labels (n, 121) and each node's graph id."""
    raw.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    graph_id = 1
    for split in PPI_SPLITS:
        nodes, links, ids = [], [], []
        start = 0
        for size in graphs[split]:
            nodes += [{"id": start + i} for i in range(size)]
            links += [{"source": start + i, "target": start + (i + 1) % size} for i in range(size)]
            ids += [graph_id] * size
            graph_id += 1
            start += size
        (raw / f"{split}_graph.json").write_text(
            json.dumps(
                {
                    "directed": False,
                    "multigraph": False,
                    "graph": {},
                    "nodes": nodes,
                    "links": links,
                }
            )
        )
        np.save(raw / f"{split}_feats.npy", rng.normal(size=(start, 50)).astype(np.float64))
        np.save(raw / f"{split}_labels.npy", (rng.random((start, 121)) < 0.3).astype(np.int64))
        np.save(raw / f"{split}_graph_id.npy", np.array(ids))


def test_ppi_loads_from_its_raw_files_with_the_papers_split(tmp_path):
    write_ppi(tmp_path / "PPI" / "raw", {"train": [5, 6, 4], "valid": [5], "test": [4, 3]})
    ppi = load_dataset("ppi", root=tmp_path)
    assert ppi.task == "multilabel" and ppi.num_graphs == 6
    assert ppi.num_features == 50 and ppi.num_classes == 121
    assert ppi.graph_split.tolist() == [0, 0, 0, 1, 2, 2]
    assert ppi.graph_ptr.tolist() == [0, 5, 11, 15, 20, 24, 27]
    assert ppi.data.y.shape == (27, 121)
    # Every edge stays inside its graph; each ring node has two neighbours.
    graph_of = ppi.batch
    assert bool((graph_of[ppi.data.edge_index[0]] == graph_of[ppi.data.edge_index[1]]).all())
    assert torch.bincount(ppi.data.edge_index[1], minlength=27).tolist() == [2] * 27
    assert int(ppi.data.test_mask.sum()) == 7 and int(ppi.data.train_mask.sum()) == 15
    test_graph = ppi.graph(4)
    assert test_graph.num_nodes == 4 and test_graph.graph_split.tolist() == [2]


def test_ppi_offline_names_the_folder_and_files(tmp_path):
    with pytest.raises(DatasetError) as error:
        load_dataset("ppi", root=tmp_path)
    message = str(error.value)
    assert str(tmp_path / "PPI" / "raw") in message and "train_graph.json" in message


def test_ppi_folder_missing_a_file_says_which(tmp_path):
    raw = tmp_path / "PPI" / "raw"
    write_ppi(raw, {"train": [3], "valid": [3], "test": [3]})
    (raw / "valid_labels.npy").unlink()
    with pytest.raises(DatasetError, match="lacks valid_labels.npy"):
        load_dataset("ppi", root=tmp_path)
    assert len(PPI_FILES) * len(PPI_SPLITS) == 12


@pytest.fixture(scope="module")
def mutag(tmp_path_factory):
    require_shared(MUTAG)
    root = tmp_path_factory.mktemp("tu")
    shutil.copytree(MUTAG, root / "MUTAG")
    return load_dataset("mutag", root=root)


def test_mutag_from_the_shared_files(mutag):
    assert mutag.task == "graph" and mutag.num_graphs == 188
    assert mutag.num_nodes == 3371 and mutag.num_edges == 7442
    assert mutag.graph_class_names == ["not mutagenic", "mutagenic"]
    assert int(mutag.graph_y.sum()) == 125  # 125 mutagenic, 63 not
    assert mutag.class_names == ATOMS and mutag.edge_type_names == BONDS
    assert mutag.edge_types.shape == (7442,) and int(mutag.edge_types.max()) <= 3
    # Atom names come from the one-hot features, and the split is stratified by label.
    assert mutag.node_names[0].split()[0] == ATOMS[int(mutag.data.x[0].argmax())]
    counts = torch.bincount(mutag.graph_split, minlength=3).tolist()
    assert counts == [150, 18, 20]  # seeded, stratified: 80 / 10 / 10 % of each label
    test_labels = mutag.graph_y[mutag.split_graphs("test")]
    assert 0.5 < float(test_labels.float().mean()) < 0.8
    molecule = mutag.graph(int(mutag.split_graphs("test")[0]))
    assert molecule.num_graphs == 1 and molecule.class_names == ATOMS
    assert molecule.edge_types.numel() == molecule.num_edges
