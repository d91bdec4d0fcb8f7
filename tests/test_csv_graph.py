import pytest
import torch

from gatviz.config import TrainConfig
from gatviz.csv_graph import load_csv
from gatviz.errors import ConfigError, DatasetError
from gatviz.training import train

EDGES = b"source,target\na,b\nb,c\nc,a\nc,d\nd,e\ne,f\nf,d\n"
NODES = (b"id,name,label,f1,f2\na,Alice,x,1,0\nb,Bob,x,1,0.5\nc,Cy,x,0.9,0\n"
         b"d,Di,y,0,1\ne,Ed,y,0.1,1\nf,Flo,,0,0.8\n")


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


@pytest.mark.parametrize("edges, nodes, message", [
    (b"from,to\n1,2\n", None, "needs column(s) source, target; found from, to"),
    (b"source,target\n1,2\n3,\n", None, "edges file line 3: column 'target' is empty"),
    (b"source,target\n", None, "has a header but no rows"),
    (b"", None, "the edges file is empty"),
    (b"source,target\n1,9\n", b"id\n1\n2\n", "edges file line 2: target '9' is not an id"),
    (b"source,target\n1,2\n", b"id,f\n1,0.5\n2,abc\n",
     "nodes file line 3, column 'f': 'abc' is not a number"),
    (b"source,target\n1,2\n", b"id\n1\n1\n", "nodes file line 3: id '1' appears twice"),
    (b"source,target\n1,2\n", b"name\nx\n", "the nodes file needs column(s) id"),
    (b'source,target\n"1,2\n', None, "not valid CSV"),
])
def test_bad_csv_says_what_to_fix(edges, nodes, message):
    with pytest.raises(DatasetError) as error:
        load_csv(edges, nodes)
    assert message in str(error.value)
