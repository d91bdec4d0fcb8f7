import pytest
import torch
import torch_geometric.datasets

from gatviz.datasets import DATASETS, data_dir, load_dataset, random_split
from gatviz.errors import DatasetError


def _check_common(dataset):
    data = dataset.data
    n = dataset.num_nodes
    assert data.x.shape == (n, dataset.num_features)
    assert data.edge_index.shape[0] == 2 and int(data.edge_index.max()) < n
    assert data.y.shape == (n,) and len(dataset.node_names) == n
    masks = torch.stack([data.train_mask, data.val_mask, data.test_mask]).long()
    assert int(masks.sum(0).max()) <= 1, "splits overlap"
    assert bool(data.train_mask.any()) and dataset.description
    for mask in dataset.edge_masks.values():
        assert mask.shape == (dataset.num_edges,) and mask.dtype == torch.bool


def test_karate_is_the_embedded_default(karate):
    assert karate.fingerprint() == {"nodes": 34, "edges": 156, "features": 34, "classes": 4}
    _check_common(karate)
    assert karate.node_index("Mr. Hi (0)") == 0 and karate.node_index("33") == 33
    with pytest.raises(DatasetError, match="does not exist"):
        karate.node_index(34)
    with pytest.raises(DatasetError, match="no node named"):
        karate.node_index("nobody")


def test_random_split_is_seeded_stratified_and_skips_unlabelled():
    y = torch.tensor([0] * 10 + [1] * 10 + [-1] * 5)
    first, second = random_split(y, 3), random_split(y, 3)
    assert all(torch.equal(a, b) for a, b in zip(first, second))
    train, val, test = first
    assert not (train | val | test)[20:].any()
    assert int(train[:10].sum()) == 6 and int(train[10:20].sum()) == 6
    assert not torch.equal(random_split(y, 4)[0], train)


def test_cora_from_offline_copy(cora):
    assert cora.fingerprint() == {"nodes": 2708, "edges": 10556, "features": 1433, "classes": 7}
    _check_common(cora)
    assert int(cora.data.train_mask.sum()) == 140 and int(cora.data.test_mask.sum()) == 1000
    # Features are row-normalised as in the GAT paper.
    sums = cora.data.x.sum(1)
    assert torch.allclose(sums[sums > 0], torch.ones_like(sums[sums > 0]))
    assert cora.class_names[3] == "Neural_Networks"


def test_citeseer_from_offline_copy(planetoid_root):
    citeseer = load_dataset("citeseer", root=planetoid_root)
    assert citeseer.fingerprint()["features"] == 3703 and citeseer.num_classes == 6


def test_failed_download_names_directory_and_files(tmp_path, monkeypatch):
    def offline(self):
        raise OSError("network is unreachable")

    monkeypatch.setattr(torch_geometric.datasets.Planetoid, "download", offline)
    monkeypatch.setenv("GATVIZ_DATA_DIR", str(tmp_path))
    with pytest.raises(DatasetError) as error:
        load_dataset("cora")
    message = str(error.value)
    assert str(tmp_path / "Cora" / "raw") in message
    for name in ("ind.cora.x", "ind.cora.graph", "ind.cora.test.index"):
        assert name in message


def test_data_dir_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GATVIZ_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.delenv("GATVIZ_DATA_DIR")
    assert "gatviz" in str(data_dir())


def test_unknown_dataset_and_parameters():
    with pytest.raises(DatasetError, match="unknown dataset 'mnist'; choose one of"):
        load_dataset("mnist")
    with pytest.raises(DatasetError, match="takes no parameters"):
        load_dataset("karate", communities=3)
    assert set(DATASETS) >= {"karate", "cora", "citeseer", "pubmed", "ba-shapes", "planted"}
