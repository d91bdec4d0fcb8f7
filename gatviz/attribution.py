"""Is α the explanation? Edge attributions of one node's prediction beside its attention.

For a node of a node task, every method scores the input edges of the node's receptive field
(the edges whose messages can reach it within the model's layers) for the model's predicted
class, on the exact cut of that field (so a node of a big graph costs what one of a small graph
does):

* ``integrated_gradients`` and ``saliency``: PyG's ``Explainer`` with ``CaptumExplainer``
  (captum) on an edge mask that multiplies each edge's message; Integrated Gradients integrates
  the mask from 0 (no edges, self-loops kept) to 1, so its scores add up to the output's change;
* ``gnnexplainer``: PyG's ``GNNExplainer`` (a learned soft mask; seeded);
* ``alpha_gradient``: α ⊙ ∂y/∂α, each α's first-order contribution to the output, summed over
  layers and heads;
* ``attention_flow``: α multiplied along every path into the node (attention rollout, GAtt):
  the share of the node's output mass that passes through each edge, summed over layers.

Beside them, each layer's α (mean over heads) on the same edges, for the agreement measures of
:func:`agreement`: Spearman's and Kendall's rank correlation and the top-k overlap between α
(each layer, their mean, and the flow) and each attribution.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import Tensor
from torch_geometric.nn.conv import MessagePassing

from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from gatviz.model import GAT
from gatviz.neighbourhood import receptive_subgraph
from gatviz.ranks import kendall_tau, spearman
from gatviz.uncertainty import mean_interval

METHODS = ("integrated_gradients", "saliency", "gnnexplainer", "alpha_gradient", "attention_flow")
GNNEXPLAINER_EPOCHS = 100  # PyG's default
# Integrated Gradients' steps (captum's default is 50). Captum integrates with Gauss–Legendre
# nodes, which converge fast: 20 keep completeness within 1 % on karate and Cora (tested),
# and IG was a third of a node's time.
IG_STEPS = 20
TOP_K = 3  # edges compared by the top-k overlap


@dataclass
class NodeAttribution:
    """One prediction's edge scores: ``table`` has ``source, target`` (dataset ids; for a graph,
    ids within it), ``edge_id`` (the edge's position in the dataset's or graph's edge list), a
    column per method, and ``alpha_layer{l}`` (mean over heads) per layer. ``node`` is the node
    explained (for a graph task, the graph), ``predicted`` the class explained and ``level``
    ``'node'`` or ``'graph'``."""

    node: int
    predicted: int
    table: pd.DataFrame
    level: str = "node"


class _GraphOutput(torch.nn.Module):
    """A graph-task GAT as PyG's explain calls it, ``forward(x, edge_index)``: one graph's
    logits, (1, C)."""

    def __init__(self, model: GAT):
        super().__init__()
        self.model = model

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        batch = torch.zeros(x.size(0), dtype=torch.long)
        return self.model(x, edge_index, batch=batch)


def _explainer_scores(
    model: torch.nn.Module, x: Tensor, edge_index: Tensor, method: str, seed: int, level: str
) -> Tensor:
    from torch_geometric.explain import Explainer, GNNExplainer
    from torch_geometric.explain.algorithm import CaptumExplainer

    if method == "gnnexplainer":
        torch.manual_seed(seed)
        algorithm = GNNExplainer(epochs=GNNEXPLAINER_EPOCHS)
    else:
        if method == "integrated_gradients":
            algorithm = CaptumExplainer("IntegratedGradients", n_steps=IG_STEPS)
        else:
            algorithm = CaptumExplainer("Saliency")
    explainer = Explainer(
        model,
        algorithm=algorithm,
        explanation_type="model",
        edge_mask_type="object",
        node_mask_type=None,
        model_config={
            "mode": "multiclass_classification",
            "task_level": level,
            "return_type": "raw",
        },
    )
    return explainer(x, edge_index, index=0).edge_mask.detach()


def _layer_positions(edge_index: Tensor, n: int) -> Tensor:
    """Where each input edge sits in the edges a layer attends over (with_self_loops: the
    edges that are not loops in order, then one loop per node)."""
    loop = edge_index[0] == edge_index[1]
    positions = torch.empty(edge_index.size(1), dtype=torch.long)
    positions[~loop] = torch.arange(int((~loop).sum()))
    positions[loop] = int((~loop).sum()) + edge_index[0, loop]
    return positions


def _alpha_gradient(
    model: torch.nn.Module, convs: list[MessagePassing], x: Tensor, edge_index: Tensor, target: int
) -> list[Tensor]:
    """α ⊙ ∂y/∂α per layer, summed over heads: ``(E', )`` on each layer's edges."""
    captured: list[Tensor] = []

    def keep(conv, inputs, alpha: Tensor) -> Tensor:
        alpha.retain_grad()
        captured.append(alpha)
        return alpha

    handles = [conv.register_edge_update_forward_hook(keep) for conv in convs]
    try:
        with torch.enable_grad():
            logits = model(x, edge_index)
            logits[0, target].backward()
    finally:
        for handle in handles:
            handle.remove()
    return [
        (alpha * (alpha.grad if alpha.grad is not None else torch.zeros_like(alpha)))
        .sum(1)
        .detach()
        for alpha in captured
    ]


def _attention_flow(layers, start: Tensor) -> list[Tensor]:
    """The flow of the output's mass through each edge of each layer (mean over heads): mass b
    at the last layer's output is ``start`` (1 on the node explained; for a graph, the
    readout's share of each node), an edge u → v of layer l carries b_l[v] · α_l(u → v), and
    b_{l−1}[u] = Σ_v b_l[v] α_l(u → v)."""
    mass = start
    flows: list[Tensor] = [torch.empty(0)] * len(layers)
    for layer in reversed(range(len(layers))):
        edges, alpha = layers[layer]
        carried = mass[edges[1]] * alpha.mean(1)
        flows[layer] = carried
        mass = torch.zeros_like(start).index_add_(0, edges[0], carried)
    return flows


def _check_methods(methods: tuple[str, ...]) -> None:
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise GatvizError(f"methods must be among {METHODS} (got {sorted(unknown)})")


def _score(
    model: GAT,
    x: Tensor,
    edge_index: Tensor,
    table: pd.DataFrame,
    methods: tuple[str, ...],
    seed: int,
    level: str,
) -> tuple[int, pd.DataFrame]:
    """Every method's scores of ``edge_index`` (columns added to ``table``) for the class
    predicted at row 0 of the output (the node explained, or the graph)."""
    model.eval()
    n = x.size(0)
    explained: torch.nn.Module = model if level == "node" else _GraphOutput(model)
    with torch.no_grad():
        attention = model(x, edge_index, return_attention=True)[1]
        predicted = int(explained(x, edge_index)[0].argmax())
    if model.config.self_loops:
        positions = _layer_positions(edge_index, n)
    else:  # the layers attend over the input edges themselves
        positions = torch.arange(edge_index.size(1))
    if level == "node":
        start = torch.zeros(n)
        start[0] = 1.0
    else:  # the readout pools every node: mean and sum weigh them alike (max: approximately)
        start = torch.full((n,), 1.0 / n)
    for method in methods:
        if method == "alpha_gradient":
            convs: list[MessagePassing] = list(model.convs)  # PyG layers, each a MessagePassing
            per_layer = _alpha_gradient(explained, convs, x, edge_index, predicted)
            scores = torch.stack([layer[positions] for layer in per_layer]).sum(0)
        elif method == "attention_flow":
            per_layer = _attention_flow(attention, start)
            scores = torch.stack([layer[positions] for layer in per_layer]).sum(0)
        else:
            # On a copy: after PyG's GNNExplainer had explained one node of a model, Captum's
            # methods on another node of it found their edge mask unused ("differentiated
            # Tensor ... not used in the graph"); a fresh copy each time has no such state.
            copied = copy.deepcopy(model)
            target = copied if level == "node" else _GraphOutput(copied)
            scores = _explainer_scores(target, x, edge_index, method, seed, level)
        table[method] = scores.numpy()
    for layer, (_, alpha) in enumerate(attention):
        table[f"alpha_layer{layer}"] = alpha.mean(1)[positions].numpy()
    return predicted, table


def _dense(x: Tensor) -> Tensor:
    return x.to_dense() if x.is_sparse or x.layout == torch.sparse_csr else x


def explained_input(
    model: GAT, dataset: GraphDataset, index: int, level: str
) -> tuple[Tensor, Tensor, pd.DataFrame]:
    """What a prediction is computed from: for a node, the exact cut of its receptive field
    (row 0 is the node); for a graph, the graph. Returns the features, the edges in local ids
    and their ``source, target, edge_id`` table (dataset ids for a node, the graph's own for a
    graph; ``edge_id`` indexes the dataset's or the graph's edge list and its edge masks)."""
    if level == "node":
        cut = receptive_subgraph(dataset.in_edges, torch.tensor([index]), model.config.layers)
        table = pd.DataFrame(
            {
                "source": cut.nodes[cut.edge_index[0]].numpy(),
                "target": cut.nodes[cut.edge_index[1]].numpy(),
                "edge_id": cut.edge_id.numpy(),
            }
        )
        return _dense(dataset.data.x[cut.nodes]), cut.edge_index, table
    one = dataset.graph(index)
    edge_index = one.data.edge_index
    table = pd.DataFrame(
        {
            "source": edge_index[0].numpy(),
            "target": edge_index[1].numpy(),
            "edge_id": np.arange(edge_index.size(1)),
        }
    )
    return _dense(one.data.x), edge_index, table


def node_attributions(
    model: GAT,
    dataset: GraphDataset,
    node: int,
    methods: tuple[str, ...] = METHODS,
    seed: int = 0,
) -> NodeAttribution:
    """Every method's score of each edge of ``node``'s receptive field for the class the model
    predicts there, beside each layer's α.

    Args:
        model (GAT): a trained model (used in eval mode; its weights are not changed).
        dataset (GraphDataset): a node-task dataset (one graph or a set).
        node (int): the node explained.
        methods (tuple[str]): any of METHODS. (default: all)
        seed (int): seeds GNNExplainer. (default: 0)

    Shapes:
        table: one row per input edge of the receptive field
    """
    if dataset.task != "node":
        raise GatvizError(
            f"node attributions are computed for node classification (this dataset's task is "
            f"{dataset.task}; graph_attributions explains a graph task's graphs)"
        )
    _check_methods(methods)
    if not 0 <= node < dataset.num_nodes:
        raise GatvizError(f"node must be 0 to {dataset.num_nodes - 1} (got {node})")
    x, edge_index, table = explained_input(model, dataset, node, "node")
    predicted, table = _score(model, x, edge_index, table, methods, seed, "node")
    return NodeAttribution(node, predicted, table)


def graph_attributions(
    model: GAT,
    dataset: GraphDataset,
    graph: int,
    methods: tuple[str, ...] = METHODS,
    seed: int = 0,
) -> NodeAttribution:
    """Every method's score of each edge of graph ``graph`` for the class the model predicts
    for the graph (graph classification), beside each layer's α. The attention flow starts
    from the readout's equal share of every node.

    Args:
        model (GAT): a trained graph-task model.
        dataset (GraphDataset): a graph-task set.
        graph (int): the graph explained.
        methods (tuple[str]): any of METHODS. (default: all)
        seed (int): seeds GNNExplainer. (default: 0)

    Shapes:
        table: one row per edge of the graph, ``source, target`` in the graph's own node ids
    """
    if dataset.task != "graph":
        raise GatvizError(
            f"graph attributions are computed for graph classification (this dataset's task is "
            f"{dataset.task}; node_attributions explains nodes)"
        )
    _check_methods(methods)
    x, edge_index, table = explained_input(model, dataset, graph, "graph")
    predicted, table = _score(model, x, edge_index, table, methods, seed, "graph")
    return NodeAttribution(graph, predicted, table, level="graph")


def _top_overlap(a: np.ndarray, b: np.ndarray, k: int) -> float:
    k = min(k, len(a))
    return len(set(np.argsort(-a, kind="stable")[:k]) & set(np.argsort(-b, kind="stable")[:k])) / k


def agreement(attributions: list[NodeAttribution], k: int = TOP_K) -> pd.DataFrame:
    """How far α and each attribution agree, per node and then on average: for every pair
    (α column, method column) Spearman's and Kendall's rank correlation over the node's
    receptive-field edges and the overlap of their top-k edges.

    α columns are each layer's α (mean over heads), their mean over layers (``alpha_mean``)
    and, where computed, ``attention_flow``. A node whose scores are constant in either column
    is left out of that pair (no ranking to compare).

    Each mean comes with its 95 % bootstrap interval over the nodes (``*_low``, ``*_high``).

    Returns:
        columns ``alpha, method, spearman(_low, _high), kendall(...), top_k_overlap(...),
        nodes``
    """
    rows = []
    for attribution in attributions:
        table = attribution.table.copy()
        layers = [c for c in table.columns if c.startswith("alpha_layer")]
        table["alpha_mean"] = table[layers].mean(axis=1)
        alphas = layers + ["alpha_mean"] + (["attention_flow"] if "attention_flow" in table else [])
        methods = [m for m in METHODS if m in table and m != "attention_flow"]
        for alpha, method in itertools.product(alphas, methods):
            a, b = table[alpha].to_numpy(), table[method].to_numpy()
            if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
                continue
            rows.append(
                {
                    "node": attribution.node,
                    "alpha": alpha,
                    "method": method,
                    "spearman": spearman(a, b),
                    "kendall": kendall_tau(a, b),
                    "top_k_overlap": _top_overlap(a, b, k),
                }
            )
    per_node = pd.DataFrame(
        rows, columns=["node", "alpha", "method", "spearman", "kendall", "top_k_overlap"]
    )
    measures = ("spearman", "kendall", "top_k_overlap")
    columns = ["alpha", "method"]
    columns += [f"{m}{tail}" for m in measures for tail in ("", "_low", "_high")] + ["nodes"]
    rows = []
    for (alpha, method), group in per_node.groupby(["alpha", "method"], sort=False):
        row: dict[str, object] = {"alpha": alpha, "method": method}
        for measure in measures:
            interval = mean_interval(group[measure].to_numpy())
            row.update(
                {
                    measure: interval.estimate,
                    f"{measure}_low": interval.low,
                    f"{measure}_high": interval.high,
                }
            )
        row["nodes"] = int(group["node"].nunique())
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def sample_nodes(dataset: GraphDataset, count: int, seed: int = 0) -> list[int]:
    """``count`` labelled test nodes (test graphs, for a graph task; all of them when fewer),
    drawn with a seeded generator."""
    test = dataset.score_rows("test")
    if test.numel() <= count:
        return test.tolist()
    generator = torch.Generator().manual_seed(seed)
    return test[torch.randperm(test.numel(), generator=generator)[:count]].sort().values.tolist()
