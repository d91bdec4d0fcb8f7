"""Sets of many graphs on the pages: one graph at a time (Attention), or one split's graphs
(Analysis), each with the model's record on it (ui.records)."""

from __future__ import annotations

import torch

from gatviz.datasets import GraphDataset
from ui.links import from_query
from ui.records import ModelRecord, graph_record, split_record
from ui.text import as_text

MAX_GRAPH_CHOICES = 10_000  # above this, the graph is typed as a number, not picked from a list
SPLITS = ["test", "val", "train", "all"]


def first_test_graph(dataset: GraphDataset) -> int:
    """The first test graph (the graphs the model never saw), else graph 0."""
    return int(torch.cat([dataset.split_graphs("test"), torch.tensor([0])])[0])


def pick_graph(
    column, dataset: GraphDataset, record: ModelRecord
) -> tuple[GraphDataset, ModelRecord, int]:
    """A picker in ``column`` of the set's graphs, each shown with its split (and for graph
    tasks its true and predicted class); the chosen graph alone and the record on it."""
    default = first_test_graph(dataset)
    from_query("graph", "att_graph", int, default, lambda g: 0 <= g < dataset.num_graphs)

    def label(g: int) -> str:
        text = f"{g} · {dataset.graph_names[g]} · {dataset.graph_split_name(g)}"
        if dataset.task == "graph":
            truth = dataset.graph_class_names[int(dataset.graph_y[g])]
            guess = dataset.graph_class_names[int(record.pred[g])]
            text += f" · true {truth} · predicted {guess}"
        return text

    about = (
        "Each graph shows its split: the model learned from the train graphs only, so "
        "the test graphs are graphs it never saw."
    )
    if dataset.num_graphs <= MAX_GRAPH_CHOICES:
        g = column.selectbox(
            "Graph", list(range(dataset.num_graphs)), key="att_graph", format_func=label, help=about
        )
    else:  # tens of thousands of labels would take seconds to send on every rerun
        g = column.number_input(
            f"Graph (0 to {dataset.num_graphs - 1:,})",
            0,
            dataset.num_graphs - 1,
            key="att_graph",
            help=about,
        )
        column.caption(as_text(label(g)))
    return *graph_record(record, dataset, g), g


def pick_split(
    column, dataset: GraphDataset, record: ModelRecord
) -> tuple[GraphDataset, ModelRecord, str]:
    """A picker in ``column`` of the graphs measured (test first); those graphs and the
    record on them."""
    from_query("split", "analysis_split", str, "test", lambda s: s in SPLITS)
    split = column.selectbox(
        "Graphs measured",
        SPLITS,
        key="analysis_split",
        format_func=lambda s: f"{s} graphs ({int(dataset.split_graphs(s).numel())})",
        help="Test graphs are graphs the model never saw in training.",
    )
    return *split_record(record, dataset, split), split
