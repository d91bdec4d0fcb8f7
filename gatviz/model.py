"""A configurable Graph Attention Network built from PyG's ``GATConv`` / ``GATv2Conv``.

Each layer computes, per head,

.. math::
    e_{ij} = \\mathrm{LeakyReLU}(a^\\top [W h_i \\,\\|\\, W h_j]), \\quad
    \\alpha_{ij} = \\mathrm{softmax}_{j \\in \\mathcal{N}(i)} e_{ij}, \\quad
    h_i' = \\sigma\\Big(\\sum_j \\alpha_{ij} W h_j\\Big)

(GATv2 applies the LeakyReLU before ``a``). Hidden layers concatenate their heads; the output layer
averages them, or concatenates them and maps the result to the classes with a linear layer.
With ``linear_out`` (and always for graph classification) the last GAT layer keeps ``hidden``
channels per head and a linear layer reads the classes; for graph classification the node
embeddings are first pooled per graph (mean, sum or max, PyG's ``global_*_pool``). The GAT layers
and their α are the same in every task.

The layers are PyG's, with the faster kernels of :mod:`gatviz.kernels` (sparse input features,
a CSR neighbour sum, a cheaper dropout mask); they compute the same values and gradients.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn.pool import global_add_pool, global_max_pool, global_mean_pool
from torch_geometric.utils import add_self_loops, remove_self_loops

from gatviz.config import ModelConfig
from gatviz.kernels import (
    FeatureLinear,
    FusedGATConv,
    FusedGATv2Conv,
    dropout,
    head_rows,
    is_sparse_features,
    read_sparse_features,
    with_values,
)
from gatviz.neighbourhood import HopCounts

ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "elu": F.elu,
    "relu": F.relu,
    "leaky_relu": F.leaky_relu,
    "gelu": F.gelu,
    "tanh": torch.tanh,
}
POOLING = {"mean": global_mean_pool, "sum": global_add_pool, "max": global_max_pool}


class LayerAttention(NamedTuple):
    """The attention of one layer, aligned with the edges that layer actually used.

    Shapes:
        edge_index: (2, E') with E' = E plus one self-loop per node when self-loops are on,
        alpha: (E', heads)
    """

    edge_index: Tensor
    alpha: Tensor


def _attention_dropout(p: float):
    """An ``edge_update`` hook that drops normalised attention coefficients while training.

    It runs where GATConv's own ``dropout`` would (after the softmax, before aggregation), with
    the same distribution, using :func:`dropout`'s faster mask.
    """

    def hook(conv: nn.Module, inputs, alpha: Tensor) -> Tensor:
        return dropout(alpha, p, conv.training)

    return hook


def with_self_loops(edge_index: Tensor, num_nodes: int) -> Tensor:
    """``edge_index`` with exactly one self-loop per node, as GATConv's ``add_self_loops`` makes
    it: existing self-loops are removed and one per node is appended at the end."""
    return add_self_loops(remove_self_loops(edge_index)[0], num_nodes=num_nodes)[0]


def loops_in_place(edge_index: Tensor, num_targets: int, first: int = 0) -> Tensor:
    """:func:`with_self_loops` for the targets ``first .. first + num_targets - 1``, each
    node's self-loop placed after its other incoming edges instead of at the end: for edges
    grouped by target (as a sampled neighbourhood's and a chunk's are) the result stays
    grouped, and the aggregation plan needs no sort. Each target sums the same terms in the
    same order as with :func:`with_self_loops`."""
    target = edge_index[1]
    if target.numel() > 1 and not bool((target[1:] >= target[:-1]).all()):
        if first:
            raise ValueError("edges with an offset must come grouped by target")
        return with_self_loops(edge_index, num_targets)
    edge_index = remove_self_loops(edge_index)[0]
    target = edge_index[1] - first
    before = torch.cumsum(torch.bincount(target, minlength=num_targets), 0)
    out = edge_index.new_empty(2, target.numel() + num_targets)
    device = edge_index.device
    # Each edge moves on by one place per earlier target, whose self-loop comes before it.
    out[:, torch.arange(target.numel(), device=device) + target] = edge_index
    loops = torch.arange(num_targets, device=device)
    out[:, before + loops] = loops + first
    return out


class GAT(nn.Module):
    """Stacked graph attention layers from one :class:`~gatviz.config.ModelConfig`.

    Args:
        in_channels (int): node feature size, taken from the dataset.
        num_classes (int): number of classes, taken from the dataset.
        config (ModelConfig): the architecture. (default: ``ModelConfig()``)

    Shapes:
        x: (N, in_channels) dense or CSR from :func:`~gatviz.kernels.sparse_features`,
        edge_index: (2, E), batch: (N,) the graph of each node (graph task; default: one graph)
        -> logits: (N, num_classes), or (G, num_classes) for the graph task
    """

    def __init__(self, in_channels: int, num_classes: int, config: ModelConfig | None = None):
        super().__init__()
        self.config = config = config or ModelConfig()
        self.in_channels, self.num_classes = in_channels, num_classes
        conv_class = FusedGATConv if config.conv == "gat" else FusedGATv2Conv
        self.convs = nn.ModuleList()
        width = in_channels
        for i, heads in enumerate(config.layer_heads()):
            last = i == config.layers - 1
            out_channels = num_classes if last and not config.reads_out else config.hidden
            concat = config.out_concat if last else True
            # Attention dropout is applied by a hook (see _attention_dropout), not by PyG's
            # bernoulli-based F.dropout; the layer itself gets dropout=0.
            conv = conv_class(
                width,
                out_channels,
                heads=heads,
                concat=concat,
                negative_slope=config.negative_slope,
                dropout=0.0,
                add_self_loops=False,
                residual=config.residual == "layer",
            )
            if config.attn_dropout > 0:
                conv.register_edge_update_forward_hook(_attention_dropout(config.attn_dropout))
            if i == 0:
                read_sparse_features(conv)
            self.convs.append(conv)
            width = out_channels * heads if concat else out_channels
        # Concatenated output heads give (heads * classes) values; a linear map reads the classes.
        self.classifier = (
            nn.Linear(width, num_classes) if width != num_classes or config.reads_out else None
        )
        self._loop_cache: tuple = (None, 0, None)  # (edge_index, num_nodes, with self-loops)
        # The 'input' residual adds the (projected) input features to the last layer's output,
        # so a node keeps its own signal even when its neighbourhood says little.
        self.skip: nn.Module | None = None
        if config.residual == "input":
            self.skip = (
                FeatureLinear(in_channels, width, bias=False)
                if in_channels != width
                else nn.Identity()
            )

    def forward(
        self,
        x: Tensor,
        edge_index: Tensor,
        return_attention: bool = False,
        batch: Tensor | None = None,
        hops: HopCounts | None = None,
    ) -> Tensor | tuple[Tensor, list[LayerAttention]]:
        """Logits for every node (every graph of ``batch``, for the graph task), and with
        ``return_attention`` each layer's attention.

        ``hops`` says that ``x`` and ``edge_index`` are a sampled neighbourhood laid out as
        :func:`~gatviz.neighbourhood.sample_subgraph` lays it out, at least ``layers`` hops
        deep. Each layer then runs on only what the seeds' outputs need (:meth:`trimmed_edges`)
        and the logits are the seeds' alone, equal to the untrimmed pass's first rows."""
        act = ACTIVATIONS[self.config.activation]
        attention: list[LayerAttention] = []
        layers = self.trimmed_edges(edge_index, hops) if hops is not None else None
        if layers is None:
            edge_index = self.layer_edges(edge_index, x.size(0))
        p = self.config.dropout
        if is_sparse_features(x):
            x = with_values(x, dropout(x.values(), p, self.training))
        else:
            x = dropout(x, p, self.training)
        x_in = x
        for i, conv in enumerate(self.convs):
            if i > 0:
                x = dropout(x, p, self.training)
            inputs: Tensor | tuple[Tensor, Tensor] = x
            if layers is not None:  # sources, and the first of them as the targets
                edge_index, targets = layers[i]
                inputs = (x, head_rows(x, targets))
            if return_attention:
                x, (used_edges, alpha) = conv(inputs, edge_index, return_attention_weights=True)
                attention.append(LayerAttention(used_edges, alpha))
            else:
                x = conv(inputs, edge_index)
            if i < len(self.convs) - 1:
                x = act(x)
        if self.skip is not None:
            skip = self.skip(x_in)
            skip = skip.to_dense() if skip.layout != torch.strided else skip
            x = x + skip[: x.size(0)]
        x = self.read_out(x, batch)
        return (x, attention) if return_attention else x

    def read_out(self, x: Tensor, batch: Tensor | None) -> Tensor:
        """From the last layer's node embeddings to the logits: pooled per graph of ``batch``
        for the graph task, then the linear classifier where there is one."""
        if self.config.task == "graph":
            x = POOLING[self.config.pool](x, batch)
        if self.classifier is not None:
            x = self.classifier(x)
        return x

    def trimmed_edges(self, edge_index: Tensor, hops: HopCounts) -> list[tuple[Tensor, int]]:
        """For each layer, the edges it needs and how many targets it computes, as PyG's
        ``trim_to_layer`` trims a ``NeighborLoader`` batch for an L-layer model.

        Layer l (0-based) of L needs outputs only at the nodes within L - l - 1 hops of the
        seeds (the next layer's inputs reach no further), so it computes those alone as
        targets, attending over the edges into them (the first L - l hops' edges) and, with
        self-loops on, one self-loop for each of them: not the further nodes' loops, which
        PyG's trimming keeps. Its sources are the nodes within L - l hops, which are the
        previous layer's targets.
        """
        layers = self.config.layers
        if len(hops.nodes) <= layers or len(hops.edges) < layers:
            raise ValueError(f"a {layers}-layer model needs a neighbourhood {layers} hops deep")
        out = []
        for layer in range(layers):
            reach = layers - layer  # hops of edges this layer reads
            edges = edge_index[:, : sum(hops.edges[:reach])]
            targets = sum(hops.nodes[:reach])
            if self.config.self_loops:
                edges = loops_in_place(edges, targets)
            out.append((edges, targets))
        return out

    def layer_edges(self, edge_index: Tensor, num_nodes: int) -> Tensor:
        """The edges every layer attends over (:func:`with_self_loops` when self-loops are on),
        computed once per edge set rather than in every layer on every call."""
        if not self.config.self_loops:
            return edge_index
        cached_input, cached_nodes, cached_output = self._loop_cache
        if cached_input is not edge_index or cached_nodes != num_nodes:
            self._loop_cache = (edge_index, num_nodes, with_self_loops(edge_index, num_nodes))
        return self._loop_cache[2]


def build_model(in_channels: int, num_classes: int, config: ModelConfig) -> GAT:
    return GAT(in_channels, num_classes, config)


def parameter_count(in_channels: int, num_classes: int, config: ModelConfig) -> int:
    """Exact number of parameters, counted on the meta device so that nothing is allocated."""
    with torch.device("meta"):
        model = GAT(in_channels, num_classes, config)
    return sum(p.numel() for p in model.parameters())
