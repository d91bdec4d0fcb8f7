"""One line on what the model says about a node (or, on a graph task, about the graph): true
and predicted class, the probability, correct or wrong."""

from __future__ import annotations

from gatviz.datasets import GraphDataset
from ui.records import ModelRecord
from ui.text import as_text


def misclassified(dataset: GraphDataset, record: ModelRecord) -> list[int]:
    """The labelled nodes whose prediction is wrong (on multi-label data: any label wrong);
    none on a graph task, whose nodes have no label of their own to predict."""
    if dataset.task == "graph":
        return []
    truth = dataset.data.y
    wrong = (
        (record.pred != truth).any(1)
        if dataset.task == "multilabel"
        else (record.pred != truth) & (truth >= 0)
    )
    return wrong.nonzero().flatten().tolist()


def verdict(truth: int, guess: int) -> str:
    return ":green[**correct**]" if guess == truth else ":red[**wrong**]"


def node_summary(dataset: GraphDataset, record: ModelRecord, node: int, label: int = 0) -> str:
    """Markdown (names escaped) about ``node``; ``label`` is the label shown on multi-label
    data."""
    name = as_text(dataset.node_names[node])
    if dataset.task == "graph":
        truth, guess = int(dataset.graph_y[0]), int(record.pred[0])
        classes = dataset.graph_class_names
        return (
            f"**{as_text(dataset.graph_names[0])}** "
            f"({as_text(dataset.graph_split_name(0))} graph): true class "
            f"**{as_text(classes[truth])}** · predicted **{as_text(classes[guess])}** "
            f"(p = {float(record.prob[0, guess]):.2f}) {verdict(truth, guess)}  \n"
            f"Node {node} · {name} (node type "
            f"{as_text(dataset.class_names[int(dataset.data.y[node])])})"
        )
    if dataset.task == "multilabel":
        has, said = dataset.data.y[node].bool(), record.pred[node].bool()
        return (
            f"**Node {node} · {name}**  \n"
            f"{int(has.sum())} of {dataset.num_classes} labels true, {int(said.sum())} "
            f"predicted, {int((has & said).sum())} of them right · label "
            f"{as_text(dataset.class_names[label])}: {'true' if has[label] else 'false'}, "
            f"p = {float(record.prob[node, label]):.2f}"
        )
    truth, guess = int(dataset.data.y[node]), int(record.pred[node])
    known = truth >= 0
    return (
        f"**Node {node} · {name}**  \n"
        f"True class: **{as_text(dataset.class_names[truth]) if known else 'unlabelled'}** "
        f"· predicted: **{as_text(dataset.class_names[guess])}** "
        f"(p = {float(record.prob[node, guess]):.2f}) "
        f"{verdict(truth, guess) if known else '(no label)'}"
    )
