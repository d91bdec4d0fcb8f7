import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import peak_memory_growth
from gatviz.config import TrainConfig
from gatviz.csv_graph import load_csv
from gatviz.errors import ConfigError, DatasetError, GatvizError
from gatviz.training import train

EDGES = b"source,target\na,b\nb,c\nc,a\nc,d\nd,e\ne,f\nf,d\n"
NODES = (
    b"id,name,label,f1,f2\na,Alice,x,1,0\nb,Bob,x,1,0.5\nc,Cy,x,0.9,0\n"
    b"d,Di,y,0,1\ne,Ed,y,0.1,1\nf,Flo,,0,0.8\n"
)


def test_edges_and_nodes(tmp_path):
    (tmp_path / "e.csv").write_bytes(EDGES)
    (tmp_path / "n.csv").write_bytes(NODES)
    d = load_csv(tmp_path / "e.csv", tmp_path / "n.csv", name="friends")
    assert d.fingerprint() == {"nodes": 6, "edges": 14, "features": 2, "classes": 2}
    assert d.node_names[0] == "Alice" and d.class_names == ["x", "y"]
    assert d.data.y.tolist() == [0, 0, 0, 1, 1, -1]
    assert not (d.data.train_mask | d.data.val_mask | d.data.test_mask)[5]
    result = train(d, train_config=TrainConfig(epochs=5))
    assert len(result.history) == 5


def test_edges_only_gets_one_hot_features_and_no_labels():
    d = load_csv(b"source,target\n1,2\n2,10\n10,1\n5,5\n")
    assert d.node_names == ["1", "2", "5", "10"]  # numeric ids sort numerically
    assert torch.equal(d.data.x, torch.eye(4))
    assert d.num_edges == 6  # the self-loop 5->5 is dropped, the rest go both ways
    assert not d.has_labels and "no labels" in d.description
    with pytest.raises(ConfigError, match="no labelled training nodes"):
        train(d)


@pytest.mark.parametrize(
    "edges, nodes, message",
    [
        (b"from,to\n1,2\n", None, "needs column(s) source, target; found from, to"),
        (b"source,target\n1,2\n3,\n", None, "edges file line 3: column 'target' is empty"),
        (b"source,target\n", None, "has a header but no rows"),
        (b"", None, "the edges file is empty"),
        (b"source,target\n1,9\n", b"id\n1\n2\n", "edges file line 2: target '9' is not an id"),
        (
            b"source,target\n1,2\n",
            b"id,f\n1,0.5\n2,abc\n",
            "nodes file line 3, column 'f': 'abc' is not a number",
        ),
        (b"source,target\n1,2\n", b"id\n1\n1\n", "nodes file line 3: id '1' appears twice"),
        (b"source,target\n1,2\n", b"name\nx\n", "the nodes file needs column(s) id"),
        (b'source,target\n"1,2\n', None, "not valid CSV"),
    ],
)
def test_bad_csv_says_what_to_fix(edges, nodes, message):
    with pytest.raises(DatasetError) as error:
        load_csv(edges, nodes)
    assert message in str(error.value)


def test_semicolons_tabs_and_a_byte_order_mark_are_read():
    for edges in (
        b"source;target\na;b\nb;c\n",
        b"source\ttarget\na\tb\nb\tc\n",
        b"\xef\xbb\xbfsource,target\na,b\nb,c\n",
    ):
        assert load_csv(edges).num_nodes == 3


def test_latin1_gets_a_hint_with_the_line():
    with pytest.raises(DatasetError, match=r"not UTF-8 text \(byte 0xe9 on line 3.*CSV UTF-8"):
        load_csv(b"source,target\na,b\nb,caf\xe9\n")


def test_limits_are_checked_before_parsing(monkeypatch):
    from gatviz import csv_graph

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed a file that the limits refuse")

    monkeypatch.setattr(csv_graph.pd, "read_csv", no_parsing)
    monkeypatch.setattr(csv_graph, "MAX_EDGES", 3)
    with pytest.raises(DatasetError, match="has 4 rows; gatviz reads at most 3"):
        load_csv(b"source,target\n" + b"a,b\n" * 4)
    # A nodes file may have its named columns (id, name, label, graph, graph_label) besides
    # max_columns features.
    with pytest.raises(
        DatasetError,
        match=r"has 10 columns; gatviz reads at most 9 \(4 "
        "features besides id",
    ):
        csv_graph._read(
            b"id," + b",".join(b"f%d" % i for i in range(9)) + b"\na" + b",1" * 9 + b"\n",
            "nodes",
            max_rows=10,
            max_columns=4,
        )
    monkeypatch.setattr(csv_graph, "MAX_CSV_BYTES", 10)
    with pytest.raises(DatasetError, match="larger than 0 MB"):
        load_csv(b"source,target\na,b\n")


def test_classes_and_text_lengths_are_bounded(monkeypatch):
    from gatviz import csv_graph

    monkeypatch.setattr(csv_graph, "MAX_CLASSES", 2)
    nodes = b"id,label\na,x\nb,y\nc,z\n"
    with pytest.raises(DatasetError, match="3 distinct labels; gatviz trains on at most 2"):
        load_csv(b"source,target\na,b\nb,c\n", nodes)
    long_label = b"id,label\na," + b"x" * 1_000_000 + b"\nb,B\n"  # a long name is cut instead
    with pytest.raises(DatasetError, match="nodes file line 2: the label is 1,000,000 characters"):
        load_csv(b"source,target\na,b\n", long_label)


@pytest.mark.parametrize(
    "value, says",
    [
        (b"inf", "'inf' is not a finite float32 number"),
        (b"1e400", "'1e400' is not a finite float32 number"),
        (b"1e308", "'1e308' is not a finite float32 number"),
        (b"nan", "'nan' is not a number"),
        (b"", "an empty value is not a number"),
    ],
)
def test_non_finite_features_are_refused_where_they_enter(value, says):
    with pytest.raises(DatasetError, match="nodes file line 3, column 'f'") as error:
        load_csv(b"source,target\na,b\n", b"id,f\na,1\nb," + value + b"\n")
    assert says in str(error.value)


# Property-based: whatever the bytes, the reader returns a dataset or says what is wrong.
CSV_ALPHABET = st.sampled_from(list(b",;\t\n\r\"' abcxyz019.-+eEinfa\xe9\xff\x00"))
CSV_BYTES = st.one_of(st.binary(max_size=400), st.lists(CSV_ALPHABET, max_size=400).map(bytes))
HEADERS = st.sampled_from([b"source,target\n", b"id,name,label,f\n", b"id,f1,f2\n", b""])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edges=st.tuples(HEADERS, CSV_BYTES), nodes=st.one_of(st.none(), st.tuples(HEADERS, CSV_BYTES))
)
def test_any_bytes_give_a_dataset_or_a_gatviz_error(edges, nodes):
    loaded = []

    def run() -> None:
        try:
            loaded.append(load_csv(b"".join(edges), None if nodes is None else b"".join(nodes)))
        except GatvizError:
            pass

    assert peak_memory_growth(run) < 50  # MB: the process's resident memory, torch's included
    for dataset in loaded:
        assert dataset.num_nodes > 0 and bool(torch.isfinite(dataset.data.x).all())
        assert all(len(name) <= 200 for name in dataset.node_names)


def _parquet(frame) -> bytes:
    import io

    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def test_parquet_files_load_like_csv():
    import pandas as pd

    edges = pd.DataFrame(
        {
            "source": ["a", "b", "c", "c", "d", "e", "f"],
            "target": ["b", "c", "a", "d", "e", "f", "d"],
        }
    )
    nodes = pd.read_csv(__import__("io").BytesIO(NODES), keep_default_na=False)
    from_csv = load_csv(EDGES, NODES)
    from_parquet = load_csv(_parquet(edges), _parquet(nodes))
    assert from_parquet.fingerprint() == from_csv.fingerprint()
    assert torch.equal(from_parquet.data.edge_index, from_csv.data.edge_index)
    assert torch.equal(from_parquet.data.x, from_csv.data.x)
    assert from_parquet.node_names == from_csv.node_names
    assert from_parquet.class_names == from_csv.class_names
    numbered = load_csv(_parquet(pd.DataFrame({"source": [1, 2, 10], "target": [2, 10, 1]})))
    assert numbered.node_names == ["1", "2", "10"]


def test_parquet_limits_and_types_are_checked_from_the_footer(monkeypatch):
    import pandas as pd
    import pyarrow.parquet as pq

    from gatviz import csv_graph

    def no_reading(*args, **kwargs):
        raise AssertionError("read a file that the limits refuse")

    monkeypatch.setattr(pq.ParquetFile, "read", no_reading)
    monkeypatch.setattr(csv_graph, "MAX_EDGES", 3)
    with pytest.raises(DatasetError, match="has 4 rows; gatviz reads at most 3"):
        load_csv(_parquet(pd.DataFrame({"source": [1, 2, 3, 4], "target": [2, 3, 4, 1]})))
    with pytest.raises(DatasetError, match="column 'blob' holds binary; gatviz reads numbers"):
        load_csv(_parquet(pd.DataFrame({"source": [1], "target": [2], "blob": [b"x"]})))
    with pytest.raises(DatasetError, match="starts like Parquet but cannot be read"):
        load_csv(b"PAR1 and then nothing that Parquet can read")


def test_numeric_ids_in_one_file_match_text_ids_in_the_other():
    # The nodes file's ids parse as numbers; the edges file has a word, so it is read as text.
    with pytest.raises(DatasetError, match="edges file line 3: target 'x' is not an id"):
        load_csv(b"source,target\n1,2\n2,x\n", b"id\n1\n2\n")
    dataset = load_csv(b"source,target\n1,2\n2,3\n", b"id,label\n1,a\n2,b\n3,a\n")
    assert dataset.num_nodes == 3 and dataset.data.y.tolist() == [0, 1, 0]
    with pytest.raises(DatasetError, match="edges file line 2: source '9' is not an id"):
        load_csv(b"source,target\n9,2\n", b"id,name\n1,x\n2,y\n")


def test_graph_limits_are_settings(monkeypatch):
    from gatviz.limits import setting

    monkeypatch.setenv("GATVIZ_MAX_EDGES", "50_000_000")
    assert setting("MAX_EDGES", 10) == 50_000_000
    monkeypatch.setenv("GATVIZ_MAX_EDGES", "lots")
    with pytest.warns(UserWarning, match="GATVIZ_MAX_EDGES='lots' is not a positive whole"):
        assert setting("MAX_EDGES", 10) == 10
    monkeypatch.delenv("GATVIZ_MAX_EDGES")
    assert setting("MAX_EDGES", 10) == 10
