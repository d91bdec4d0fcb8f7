"""gatviz pack: a graph as memory-mapped arrays reads back the same dataset, trains the same, and
a damaged pack or one from another version is refused with the reason."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from gatviz.cli import main
from gatviz.config import TrainConfig
from gatviz.errors import DatasetError
from gatviz.pack import load_pack, write_pack
from gatviz.training import train


@pytest.fixture()
def packed(karate, tmp_path) -> Path:
    names = list(karate.node_names)
    names[3] = "two\nlines </script>"  # a name from a file stays one name
    return write_pack(replace(karate, node_names=names), tmp_path / "karate.pack")


def test_a_pack_reads_back_the_same_dataset_memory_mapped(karate, packed):
    loaded = load_pack(packed)
    for key in ("x", "edge_index", "y", "train_mask", "val_mask", "test_mask"):
        assert torch.equal(loaded.data[key], karate.data[key]), key
    for ours, theirs in zip(loaded.in_edges, karate.in_edges):
        assert torch.equal(ours, theirs)
    assert loaded.class_names == karate.class_names and loaded.name == karate.name
    assert loaded.node_names[3] == "two lines </script>" and len(loaded.node_names) == 34
    maps = Path("/proc/self/maps").read_text()
    assert str(packed / "x.npy") in maps and str(packed / "in_source.npy") in maps  # not read


def test_training_from_a_pack_is_training_from_the_dataset(karate, packed):
    config = TrainConfig(epochs=15, seed=0)
    ours, theirs = train(load_pack(packed), train_config=config), train(karate, train_config=config)
    assert ours.metrics == theirs.metrics
    for a, b in zip(ours.model.state_dict().values(), theirs.model.state_dict().values()):
        assert torch.equal(a, b)


def test_a_damaged_pack_or_one_from_another_version_is_refused(packed):
    manifest = json.loads((packed / "pack.json").read_text())
    (packed / "pack.json").write_text(json.dumps({**manifest, "version": 99}))
    with pytest.raises(DatasetError, match="another version of gatviz .* rebuild it"):
        load_pack(packed)
    (packed / "pack.json").write_text(json.dumps(manifest))
    load_pack(packed)  # whole again

    data = (packed / "x.npy").read_bytes()
    (packed / "x.npy").write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match="x.npy cannot be read as an array .* truncated"):
        load_pack(packed)
    (packed / "x.npy").write_bytes(data)

    np.save(packed / "y.npy", np.zeros(5, dtype=np.int64))
    with pytest.raises(DatasetError, match="y.npy holds .* not what pack.json says"):
        load_pack(packed)

    (packed / "pack.json").unlink()
    with pytest.raises(DatasetError, match="not a gatviz pack"):
        load_pack(packed)


def test_a_pack_of_an_unpicklable_object_array_is_refused(packed):
    """np.load never unpickles here: an object array is refused, not loaded."""
    manifest = json.loads((packed / "pack.json").read_text())
    np.save(packed / "y.npy", np.array([object()] * 34), allow_pickle=True)
    manifest["arrays"]["y"] = {"shape": [34], "dtype": "|O"}
    (packed / "pack.json").write_text(json.dumps(manifest))
    with pytest.raises(DatasetError, match="y.npy cannot be read"):
        load_pack(packed)


def test_pack_refuses_what_it_cannot_hold(karate, tmp_path, tiny_graph_set):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    with pytest.raises(DatasetError, match="not empty"):
        write_pack(karate, tmp_path / "full")
    with pytest.raises(DatasetError, match="one graph for node classification"):
        write_pack(tiny_graph_set[1], tmp_path / "set")


def test_the_command_line_packs_and_trains_and_renders_from_a_pack(tmp_path, capsys):
    out = tmp_path / "karate.pack"
    assert main(["pack", "--dataset", "karate", "--out", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["nodes"] == 34
    checkpoint = tmp_path / "k.safetensors"
    assert main(["train", "--pack", str(out), "--epochs", "5", "--out", str(checkpoint)]) == 0
    capsys.readouterr()
    view = tmp_path / "view.html"
    args = ["render", "--checkpoint", str(checkpoint), "--pack", str(out), "--node", "0"]
    assert main([*args, "--out", str(view)]) == 0
    assert "vis.Network" in view.read_text()
    assert main(["train", "--pack", str(tmp_path / "nothing")]) == 1
    assert "not a gatviz pack" in capsys.readouterr().err
