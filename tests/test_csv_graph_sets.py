"""Many graphs from CSV: a graph column, graph labels, and their errors (file and line)."""

import pytest

from gatviz.csv_graph import load_csv
from gatviz.errors import DatasetError

EDGES = b"source,target,graph\na,b,1\nb,c,1\nd,e,2\ne,f,2\nf,d,2\ng,h,3\n"
NODES = (
    b"id,label,graph,graph_label,f1\na,x,1,ring,0.1\nb,y,1,ring,0.2\nc,x,1,ring,0.3\n"
    b"d,y,2,chain,0.4\ne,x,2,chain,0.5\nf,y,2,chain,0.6\ng,x,3,ring,0.7\nh,y,3,ring,0.8\n"
)


def test_a_graph_column_and_graph_labels_make_a_graph_task():
    data = load_csv(EDGES, NODES, name="mine")
    assert data.task == "graph" and data.num_graphs == 3
    assert data.graph_ptr.tolist() == [0, 3, 6, 8]
    assert data.graph_class_names == ["chain", "ring"]
    assert data.graph_y.tolist() == [1, 0, 1]
    assert data.num_features == 1 and data.class_names == ["x", "y"]  # node labels stay
    batch = data.batch
    assert bool((batch[data.data.edge_index[0]] == batch[data.data.edge_index[1]]).all())
    assert data.graph(1).node_names == ["d", "e", "f"]


def test_graph_labels_from_a_third_file():
    nodes = b"id,graph\na,1\nb,1\nc,1\nd,2\ne,2\nf,2\ng,3\nh,3\n"
    graphs = b"graph,label\n1,active\n2,inactive\n3,active\n"
    data = load_csv(EDGES, nodes, graphs=graphs)
    assert data.task == "graph"
    assert [data.graph_class_names[int(c)] for c in data.graph_y] == [
        "active",
        "inactive",
        "active",
    ]


def test_a_graph_column_without_graph_labels_splits_whole_graphs_for_node_labels():
    nodes = b"id,label\na,x\nb,y\nc,x\nd,y\ne,x\nf,y\ng,x\nh,y\n"
    data = load_csv(EDGES, nodes)
    assert data.task == "node" and data.num_graphs == 3
    split = data.graph_split[data.batch]
    for code, mask in enumerate((data.data.train_mask, data.data.val_mask, data.data.test_mask)):
        assert bool((split[mask] == code).all())


@pytest.mark.parametrize(
    "edges, nodes, graphs, message",
    [
        (
            b"source,target,graph\na,b,1\nb,c,2\n",
            b"id,graph\na,1\nb,1\nc,1\n",
            None,
            "edges file line 3: the edge is in graph 2 but its nodes are in graph 1",
        ),
        (
            b"source,target\na,b\nb,c\n",
            b"id,graph\na,1\nb,1\nc,2\n",
            None,
            "edges file line 3: the edge joins graph 1 and graph 2; graphs must not overlap",
        ),
        (
            b"source,target\na,b\n",
            b"id,graph\na,1\nb,one\n",
            None,
            "nodes file line 3, column 'graph': 'one' is not a graph id",
        ),
        (
            b"source,target\na,b\nc,d\n",
            b"id,graph\na,1\nb,1\nc,2\nd,2\n",
            b"graph,label\n1,p\n7,q\n",
            "graph labels file line 3: graph 7 is not a graph",
        ),
        (
            b"source,target\na,b\n",
            b"id,graph,graph_label\na,1,p\nb,1,q\n",
            None,
            "nodes file line 3: graph 1 is labelled 'q' here and 'p' on line 2",
        ),
        (
            b"source,target\na,b\nc,d\n",
            b"id,graph\na,1\nb,1\nc,2\nd,2\n",
            b"graph,label\n1,p\n1,q\n2,p\n",
            "graph labels file line 3: graph 1 is labelled 'q'",
        ),
    ],
)
def test_graph_errors_name_the_file_and_line(edges, nodes, graphs, message):
    with pytest.raises(DatasetError) as error:
        load_csv(edges, nodes, graphs=graphs)
    assert message in str(error.value)


def test_a_million_graphs_of_one_node_are_refused_before_the_work(monkeypatch):
    import gatviz.csv_graph_sets as sets

    monkeypatch.setattr(sets, "MAX_GRAPHS", 1000)
    rows = "".join(f"n{i},n{i},{i}\n" for i in range(1001))
    nodes = "id,graph\n" + "".join(f"n{i},{i}\n" for i in range(1001))
    with pytest.raises(DatasetError, match="names 1,001 graphs, more than the 1,000"):
        load_csv(("source,target,graph\n" + rows).encode(), nodes.encode())


def test_a_long_node_name_is_cut_with_a_note():
    name = "x" * 1_000_000
    data = load_csv(b"source,target\na,b\n", f"id,name\na,{name}\nb,short\n".encode())
    assert len(data.node_names[0]) == 200 and data.node_names[0].endswith("…")
    assert "1 node name(s) longer than 200 characters were cut" in data.description
    assert "line 2" in data.description


def test_the_column_limit_counts_features_not_columns():
    header = "id,label," + ",".join(f"f{i}" for i in range(5000))
    row_a = "a,x," + ",".join("0.5" for _ in range(5000))
    row_b = "b,y," + ",".join("0.25" for _ in range(5000))
    data = load_csv(b"source,target\na,b\n", f"{header}\n{row_a}\n{row_b}\n".encode())
    assert data.num_features == 5000
    too_many = "id," + ",".join(f"f{i}" for i in range(5006))
    with pytest.raises(DatasetError, match="5,000 features besides id"):
        load_csv(b"source,target\na,b\n", f"{too_many}\n".encode())
