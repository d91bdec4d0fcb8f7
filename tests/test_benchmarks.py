"""The benchmark graphs read from small raw files made here, in each loader's own format."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from gatviz.benchmarks import BENCHMARKS
from gatviz.datasets import DATASETS, load_dataset
from gatviz.errors import DatasetError

N, CLASSES = 12, 3
RING = np.array([[i, (i + 1) % N] for i in range(N)])  # 12 undirected edges


def _labels() -> np.ndarray:
    return np.arange(N) % CLASSES


def _shchur_npz(path) -> None:
    """Amazon and Coauthor: CSR adjacency and binary attributes, as Shchur et al. ship them."""
    adj = sp.csr_matrix((np.ones(N), (RING[:, 0], RING[:, 1])), shape=(N, N))
    attr = sp.csr_matrix(np.eye(N, 5) * 3)
    path.parent.mkdir(parents=True)
    np.savez(
        path,
        adj_data=adj.data,
        adj_indices=adj.indices,
        adj_indptr=adj.indptr,
        adj_shape=adj.shape,
        attr_data=attr.data,
        attr_indices=attr.indices,
        attr_indptr=attr.indptr,
        attr_shape=attr.shape,
        labels=_labels(),
    )


def _wikics(folder) -> None:
    folder.mkdir(parents=True)
    links = [[int(j) for j in RING[RING[:, 0] == i, 1]] for i in range(N)]
    masks = [[i % 4 == k % 4 for i in range(N)] for k in range(20)]
    (folder / "data.json").write_text(
        json.dumps(
            {
                "features": np.eye(N, 4).tolist(),
                "labels": _labels().tolist(),
                "links": links,
                "train_masks": masks,
                "val_masks": np.roll(masks, 1, 1).tolist(),  # 20 splits × N
                "stopping_masks": masks,
                "test_mask": [i % 4 == 3 for i in range(N)],
            }
        )
    )


def _flickr(folder) -> None:
    folder.mkdir(parents=True)
    adj = sp.csr_matrix(
        (np.ones(2 * N), (np.r_[RING[:, 0], RING[:, 1]], np.r_[RING[:, 1], RING[:, 0]])),
        shape=(N, N),
    )
    np.savez(
        folder / "adj_full.npz",
        data=adj.data,
        indices=adj.indices,
        indptr=adj.indptr,
        shape=adj.shape,
    )
    np.save(folder / "feats.npy", np.random.default_rng(0).normal(size=(N, 6)))
    (folder / "class_map.json").write_text(
        json.dumps({str(i): int(c) for i, c in enumerate(_labels())})
    )
    (folder / "role.json").write_text(
        json.dumps({"tr": list(range(6)), "va": [6, 7, 8], "te": [9, 10, 11]})
    )


def _ogbn_arxiv(root) -> None:
    folder = root / "ogbn_arxiv"
    (folder / "raw").mkdir(parents=True)
    (folder / "split" / "time").mkdir(parents=True)

    def write(path, rows):
        with gzip.open(path, "wt") as f:
            f.writelines(",".join(str(v) for v in np.atleast_1d(row)) + "\n" for row in rows)

    write(folder / "raw" / "edge.csv.gz", RING)
    write(folder / "raw" / "num-node-list.csv.gz", [N])
    write(folder / "raw" / "num-edge-list.csv.gz", [len(RING)])
    write(folder / "raw" / "node-feat.csv.gz", np.eye(N, 128))
    write(folder / "raw" / "node-label.csv.gz", _labels())
    write(folder / "raw" / "node_year.csv.gz", 2010 + np.arange(N))
    for part, nodes in (("train", range(6)), ("valid", range(6, 9)), ("test", range(9, 12))):
        write(folder / "split" / "time" / f"{part}.csv.gz", nodes)
    (folder / "RELEASE_v1.txt").write_text("")


MAKERS = {
    "amazon-computers": lambda root: _shchur_npz(
        root / "Computers" / "raw" / "amazon_electronics_computers.npz"
    ),
    "amazon-photo": lambda root: _shchur_npz(
        root / "Photo" / "raw" / "amazon_electronics_photo.npz"
    ),
    "coauthor-cs": lambda root: _shchur_npz(root / "CS" / "raw" / "ms_academic_cs.npz"),
    "coauthor-physics": lambda root: _shchur_npz(root / "Physics" / "raw" / "ms_academic_phy.npz"),
    "wikics": lambda root: _wikics(root / "WikiCS" / "raw"),
    "flickr": lambda root: _flickr(root / "Flickr" / "raw"),
    "ogbn-arxiv": _ogbn_arxiv,
}


def test_every_benchmark_is_listed_and_has_a_maker():
    assert set(MAKERS) == set(BENCHMARKS) and set(BENCHMARKS) <= set(DATASETS)


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_benchmark_reads_its_raw_files(name, tmp_path):
    MAKERS[name](tmp_path)
    dataset = load_dataset(name, root=tmp_path)
    data = dataset.data
    assert dataset.name == name and dataset.num_nodes == N
    assert dataset.num_edges == 2 * N  # the ring, each edge in both directions
    assert torch.equal(data.y, torch.from_numpy(_labels()))
    assert dataset.num_classes == CLASSES
    assert bool(data.train_mask.any()) and bool(data.test_mask.any())
    assert not bool((data.train_mask & data.test_mask).any())
    assert dataset.description == BENCHMARKS[name].description
    if name == "flickr" or name == "ogbn-arxiv":  # their own split
        assert data.train_mask.nonzero().flatten().tolist() == list(range(6))
    # Read again: from the processed cache this time.
    assert load_dataset(name, root=tmp_path).num_edges == 2 * N


def test_offline_without_files_says_where_to_put_them(tmp_path, monkeypatch):
    from torch_geometric.datasets import Flickr

    def offline(self):
        raise OSError("no network")

    monkeypatch.setattr(Flickr, "download", offline)
    with pytest.raises(DatasetError) as error:
        load_dataset("flickr", root=tmp_path)
    message = str(error.value)
    assert "put its raw files adj_full.npz, feats.npy, class_map.json, role.json in" in message
    assert str(tmp_path / "Flickr" / "raw") in message and "no network" in message


def test_an_ogb_folder_without_its_release_file_is_explained_not_asked_about(tmp_path):
    _ogbn_arxiv(tmp_path)
    (tmp_path / "ogbn_arxiv" / "RELEASE_v1.txt").unlink()
    with pytest.raises(DatasetError, match="without RELEASE_v1.txt"):
        load_dataset("ogbn-arxiv", root=tmp_path)
