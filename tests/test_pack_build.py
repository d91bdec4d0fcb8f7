"""Packs built out of core (chunks of rows, buckets of edges) hold exactly what load_csv then
write_pack write, and bad files are refused as load_csv refuses them, with the right line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from gatviz.cli import main
from gatviz.csv_graph import load_csv
from gatviz.errors import DatasetError
from gatviz.pack import load_pack, write_pack
from gatviz.pack_build import build_pack


def _same_packs(a, b) -> None:
    for path in sorted(a.iterdir()):
        other = b / path.name
        if path.suffix == ".npy":
            left, right = np.load(path), np.load(other)
            assert left.dtype == right.dtype and np.array_equal(left, right), path.name
        else:
            assert path.read_bytes() == other.read_bytes(), path.name
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())


def _both(tmp_path, edges, nodes=None, **options):
    """The in-memory pack and the out-of-core one (chunks of 7 rows, tiny buckets)."""
    memory, streamed = tmp_path / "memory", tmp_path / "streamed"
    write_pack(load_csv(edges, nodes, name="g", **options), memory)
    build_pack(edges, nodes, streamed, name="g", chunk_rows=7, memory_mb=1, **options)
    return memory, streamed


def _graph(tmp_path, n=300, e=2000, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.permutation(n) * 3 + 5  # not 0 .. n-1, and the nodes file not in id order
    source, target = ids[rng.integers(0, n, e)], ids[rng.integers(0, n, e)]  # duplicates, loops
    pd.DataFrame({"source": source, "target": target}).to_csv(tmp_path / "e.csv", index=False)
    nodes = pd.DataFrame(rng.normal(size=(n, 3)).astype("float32"), columns=["a", "b", "c"])
    nodes.insert(0, "label", rng.choice(["x", "y", "z", ""], n))
    nodes.insert(0, "id", ids)
    nodes.to_csv(tmp_path / "n.csv", index=False)
    return tmp_path / "e.csv", tmp_path / "n.csv"


@pytest.mark.parametrize("undirected", [True, False])
def test_an_out_of_core_pack_is_the_in_memory_pack(tmp_path, undirected):
    edges, nodes = _graph(tmp_path)
    _same_packs(*_both(tmp_path, edges, nodes, undirected=undirected))


def test_several_buckets_give_the_same_pack(tmp_path, monkeypatch):
    from gatviz import pack_build

    edges, nodes = _graph(tmp_path)
    made = []
    original = pack_build._Buckets.__init__

    def counting(self, folder, name, count, width):
        made.append((name, count))
        original(self, folder, name, count, width)

    monkeypatch.setattr(pack_build._Buckets, "__init__", counting)
    monkeypatch.setattr(pack_build, "_bucket_count", lambda rows, size, memory: 5)
    build_pack(edges, nodes, tmp_path / "streamed", name="g", chunk_rows=7)
    assert made == [("edges", 5), ("targets", 5)]
    write_pack(load_csv(edges, nodes, name="g"), tmp_path / "memory")
    _same_packs(tmp_path / "memory", tmp_path / "streamed")


def test_text_ids_names_and_labels_and_another_delimiter(tmp_path):
    long = "n" * 300  # cut to 200 characters, as load_csv cuts names
    (tmp_path / "e.csv").write_text("source;target\nb;a\na;c\nc; b\nd;a\na;a\nb;a\n")
    (tmp_path / "n.csv").write_text(
        f"id;name;label;f\nc;Cy;x;1\na;;y;2\nb;{long};x;3.5\nd;Dee;;0\n"
    )
    memory, streamed = _both(tmp_path, tmp_path / "e.csv", tmp_path / "n.csv")
    _same_packs(memory, streamed)
    dataset = load_pack(streamed)
    assert dataset.node_names[:2] == ["Cy", "a"] and len(dataset.node_names[2]) == 200


def test_without_a_nodes_file_ids_come_from_the_edges(tmp_path):
    (tmp_path / "e.csv").write_text("source,target\nzed,amy\n" + "amy,bo\nbo,cy\n" * 5)
    _same_packs(*_both(tmp_path, tmp_path / "e.csv"))
    (tmp_path / "n.csv").write_text("source,target\n10,2\n2,1\n1,10\n")  # numeric order
    memory, streamed = tmp_path / "m2", tmp_path / "s2"
    write_pack(load_csv(tmp_path / "n.csv", name="g"), memory)
    build_pack(tmp_path / "n.csv", None, streamed, name="g", chunk_rows=2)
    _same_packs(memory, streamed)
    assert load_pack(streamed).node_names == ["1", "2", "10"]


def test_parquet_files(tmp_path):
    edges, nodes = _graph(tmp_path, n=50, e=300)
    pd.read_csv(edges).to_parquet(tmp_path / "e.parquet")
    pd.read_csv(nodes, keep_default_na=False).to_parquet(tmp_path / "n.parquet")
    memory, streamed = tmp_path / "m", tmp_path / "s"
    write_pack(load_csv(tmp_path / "e.parquet", tmp_path / "n.parquet", name="g"), memory)
    build_pack(tmp_path / "e.parquet", tmp_path / "n.parquet", streamed, name="g", chunk_rows=7)
    _same_packs(memory, streamed)


@pytest.mark.parametrize(
    "edges, nodes, message",
    [
        (
            "source,target\n1,2\n2,3\n3,1\n1,9\n",
            "id\n1\n2\n3\n",
            "edges file line 5: target '9' is not",
        ),
        ("source,target\n1,2\n", "id,f\n1,0.5\n2,x\n", "nodes file line 3, column 'f': 'x' is not"),
        ("source,target\n1,2\n", "id,f\n1,0.5\n2,\n", "line 3, column 'f': an empty value"),
        ("source,target\n1,2\n", "id\n1\n2\n1\n", "nodes file line 4: id '1' appears twice"),
        ("from,to\n1,2\n", None, "needs column\\(s\\) source, target"),
        ("source,target,graph\n1,2,g\n", None, "a pack holds one"),
        ("source,target\na,\n", None, "edges file line 2: column 'target' is empty"),
        ("source,target\n", None, "the edges file has a header but no rows"),
        ("source,target\n1,2\n", "id\n", "the nodes file has a header but no rows"),
    ],
)
def test_bad_files_are_refused_with_the_line_and_leave_nothing(tmp_path, edges, nodes, message):
    (tmp_path / "e.csv").write_text(edges)
    if nodes is not None:
        (tmp_path / "n.csv").write_text(nodes)
    out = tmp_path / "out"
    with pytest.raises(DatasetError, match=message):
        build_pack(tmp_path / "e.csv", tmp_path / "n.csv" if nodes else None, out, chunk_rows=2)
    assert not out.exists() or not any(out.iterdir())


def test_a_folder_with_files_in_it_is_refused(tmp_path):
    edges, nodes = _graph(tmp_path, n=20, e=40)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    with pytest.raises(DatasetError, match="not empty"):
        build_pack(edges, nodes, tmp_path / "out")
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"


def test_the_command_line_packs_files_out_of_core(tmp_path, capsys):
    edges, nodes = _graph(tmp_path, n=80, e=400)
    out = tmp_path / "g.pack"
    assert main(["pack", "--edges", str(edges), "--nodes", str(nodes), "--out", str(out),
                 "--memory-mb", "1"]) == 0  # fmt: skip
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["nodes"] == 80 and line["out"] == str(out)
    memory = tmp_path / "memory"
    write_pack(load_csv(edges, nodes, name="e"), memory)
    _same_packs(memory, out)
    assert main(["pack", "--edges", str(edges), "--out", str(tmp_path / "x"),
                 "--memory-mb", "0"]) == 1  # fmt: skip
    assert "--memory-mb must be at least 1" in capsys.readouterr().err
