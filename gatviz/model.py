"""A configurable Graph Attention Network built from PyG's ``GATConv`` / ``GATv2Conv``.

Each layer computes, per head,

.. math::
    e_{ij} = \\mathrm{LeakyReLU}(a^\\top [W h_i \\,\\|\\, W h_j]), \\quad
    \\alpha_{ij} = \\mathrm{softmax}_{j \\in \\mathcal{N}(i)} e_{ij}, \\quad
    h_i' = \\sigma\\Big(\\sum_j \\alpha_{ij} W h_j\\Big)

(GATv2 applies the LeakyReLU before ``a``). Hidden layers concatenate their heads; the output layer
averages them, or concatenates them and maps the result to the classes with a linear layer.

Input features may be :func:`sparse_features` (CSR). Bag-of-words features are ~99 % zeros; dropping
out only the stored non-zeros gives the same distribution as dense dropout while skipping the dense
Bernoulli draw that dominates a training step on Cora, and the first layer multiplies in CSR.
"""
from __future__ import annotations

import warnings
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn import GATConv, GATv2Conv
from torch_geometric.nn.dense.linear import Linear
from torch_geometric.utils import add_self_loops, remove_self_loops

from gatviz.config import ModelConfig

# CSR matrix products are all gatviz uses of PyTorch's sparse support, and they are tested here.
warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")

ACTIVATIONS = {"elu": F.elu, "relu": F.relu, "leaky_relu": F.leaky_relu, "gelu": F.gelu,
               "tanh": torch.tanh}


class LayerAttention(NamedTuple):
    """The attention of one layer, aligned with the edges that layer actually used.

    Shapes:
        edge_index: (2, E') with E' = E plus one self-loop per node when self-loops are on,
        alpha: (E', heads)
    """

    edge_index: Tensor
    alpha: Tensor


def dropout(x: Tensor, p: float, training: bool) -> Tensor:
    """Inverted dropout, as ``F.dropout``, drawing the mask with ``rand`` (~3x faster on CPU)."""
    if not training or p == 0:
        return x
    # rand >= p keeps an element with probability 1 - p; in place, the mask needs one buffer.
    return x * torch.rand_like(x).ge_(p).mul_(1.0 / (1.0 - p))


def sparse_features(x: Tensor) -> Tensor:
    """A CSR copy of a mostly-zero feature matrix, carrying the layout of its transpose.

    The model drops out only the stored values (zeros stay zero under dropout, so this equals
    dense dropout in distribution) and the first layer multiplies in CSR. The transpose layout
    (``crow``, ``col`` and the permutation of the values) makes the weight gradient
    ``x^T @ grad`` a CSR product too, instead of a slow sparse transpose on every step.

    Shapes:
        x: (N, F) dense -> (N, F) sparse CSR
    """
    n, f = x.shape
    rows, cols = x.nonzero(as_tuple=True)  # row-major, the order CSR stores values in
    t_perm = torch.argsort(cols * n + rows)  # column-major: the transpose's CSR order
    csr = torch.sparse_csr_tensor(_pointers(rows, n), cols, x[rows, cols], (n, f),
                                  check_invariants=False)
    csr.gatviz_transpose = (_pointers(cols, f), rows[t_perm], t_perm)
    return csr


def _pointers(sorted_index: Tensor, size: int) -> Tensor:
    counts = torch.bincount(sorted_index, minlength=size)
    return torch.cat([counts.new_zeros(1), counts.cumsum(0)])


def _with_values(x: Tensor, values: Tensor) -> Tensor:
    """The same sparsity pattern (and transpose layout) as CSR ``x`` with new values."""
    out = torch.sparse_csr_tensor(x.crow_indices(), x.col_indices(), values, x.shape,
                                  check_invariants=False)
    out.gatviz_transpose = x.gatviz_transpose
    return out


class _SparseMatmul(torch.autograd.Function):
    """``x @ weight.T`` for CSR x from :func:`sparse_features`; the gradient is for the weight."""

    @staticmethod
    def forward(ctx, weight: Tensor, x: Tensor) -> Tensor:  # type: ignore[override]
        ctx.x = x
        return x @ weight.t()

    @staticmethod
    def backward(ctx, grad_out: Tensor):  # type: ignore[override]
        x = ctx.x
        t_crow, t_col, t_perm = x.gatviz_transpose
        x_t = torch.sparse_csr_tensor(t_crow, t_col, x.values()[t_perm], (x.size(1), x.size(0)),
                                      check_invariants=False)
        return (x_t @ grad_out).t(), None  # (F, out) -> (out, F), the weight's shape


def is_sparse_features(x: Tensor) -> bool:
    return x.layout == torch.sparse_csr and hasattr(x, "gatviz_transpose")


class FeatureLinear(Linear):
    """PyG's ``Linear`` that also takes :func:`sparse_features` (same parameters and state)."""

    def forward(self, x: Tensor) -> Tensor:
        if not is_sparse_features(x):
            return super().forward(x)
        out = _SparseMatmul.apply(self.weight, x)
        return out if self.bias is None else out + self.bias


def _attention_dropout(p: float):
    """An ``edge_update`` hook that drops normalised attention coefficients while training.

    It runs where GATConv's own ``dropout`` would (after the softmax, before aggregation), with
    the same distribution, using :func:`dropout`'s faster mask.
    """

    def hook(conv: nn.Module, inputs, alpha: Tensor) -> Tensor:
        return dropout(alpha, p, conv.training)

    return hook


def _read_sparse_features(conv: nn.Module) -> None:
    """Let the linear maps that read a layer's input features accept :func:`sparse_features`."""
    for name in ("lin", "lin_l", "lin_r", "lin_src", "lin_dst", "res"):
        module = getattr(conv, name, None)
        if type(module) is Linear:
            module.__class__ = FeatureLinear  # only forward differs; parameters are untouched


class GAT(nn.Module):
    """Stacked graph attention layers from one :class:`~gatviz.config.ModelConfig`.

    Args:
        in_channels (int): node feature size, taken from the dataset.
        num_classes (int): number of classes, taken from the dataset.
        config (ModelConfig): the architecture. (default: ``ModelConfig()``)

    Shapes:
        x: (N, in_channels) dense or :func:`sparse_features`, edge_index: (2, E) -> logits: (N, num_classes)
    """

    def __init__(self, in_channels: int, num_classes: int, config: ModelConfig | None = None):
        super().__init__()
        self.config = config = config or ModelConfig()
        self.in_channels, self.num_classes = in_channels, num_classes
        conv_class = GATConv if config.conv == "gat" else GATv2Conv
        self.convs = nn.ModuleList()
        width = in_channels
        for i, heads in enumerate(config.layer_heads()):
            last = i == config.layers - 1
            out_channels = num_classes if last else config.hidden
            concat = config.out_concat if last else True
            # Attention dropout is applied by a hook (see _attention_dropout), not by PyG's
            # bernoulli-based F.dropout; the layer itself gets dropout=0.
            conv = conv_class(width, out_channels, heads=heads, concat=concat,
                              negative_slope=config.negative_slope, dropout=0.0,
                              add_self_loops=False, residual=config.residual == "layer")
            if config.attn_dropout > 0:
                conv.register_edge_update_forward_hook(_attention_dropout(config.attn_dropout))
            if i == 0:
                _read_sparse_features(conv)
            self.convs.append(conv)
            width = out_channels * heads if concat else out_channels
        # Concatenated output heads give (heads * classes) values; a linear map reads the classes.
        self.classifier = nn.Linear(width, num_classes) if width != num_classes else None
        # The 'input' residual adds the (projected) input features to the last layer's output,
        # so a node keeps its own signal even when its neighbourhood says little.
        self._loop_cache: tuple = (None, 0, None)  # (edge_index, num_nodes, with self-loops)
        self.skip: nn.Module | None = None
        if config.residual == "input":
            self.skip = (FeatureLinear(in_channels, width, bias=False) if in_channels != width
                         else nn.Identity())

    def forward(self, x: Tensor, edge_index: Tensor,
                return_attention: bool = False) -> Tensor | tuple[Tensor, list[LayerAttention]]:
        """Logits for every node, and with ``return_attention`` each layer's attention."""
        act = ACTIVATIONS[self.config.activation]
        attention: list[LayerAttention] = []
        edge_index = self.layer_edges(edge_index, x.size(0))
        p = self.config.dropout
        if is_sparse_features(x):
            x = _with_values(x, dropout(x.values(), p, self.training))
        else:
            x = dropout(x, p, self.training)
        x_in = x
        for i, conv in enumerate(self.convs):
            if i > 0:
                x = dropout(x, p, self.training)
            if return_attention:
                x, (used_edges, alpha) = conv(x, edge_index, return_attention_weights=True)
                attention.append(LayerAttention(used_edges, alpha))
            else:
                x = conv(x, edge_index)
            if i < len(self.convs) - 1:
                x = act(x)
        if self.skip is not None:
            skip = self.skip(x_in)
            x = x + (skip.to_dense() if skip.layout != torch.strided else skip)
        if self.classifier is not None:
            x = self.classifier(x)
        return (x, attention) if return_attention else x

    def layer_edges(self, edge_index: Tensor, num_nodes: int) -> Tensor:
        """The edges every layer attends over: ``edge_index`` plus one self-loop per node.

        As GATConv's own ``add_self_loops`` does, existing self-loops are replaced by exactly one
        per node; done once per edge set here rather than in every layer on every call.
        """
        if not self.config.self_loops:
            return edge_index
        cached_input, cached_nodes, cached_output = self._loop_cache
        if cached_input is not edge_index or cached_nodes != num_nodes:
            looped, _ = add_self_loops(remove_self_loops(edge_index)[0], num_nodes=num_nodes)
            self._loop_cache = (edge_index, num_nodes, looped)
        return self._loop_cache[2]


def build_model(in_channels: int, num_classes: int, config: ModelConfig) -> GAT:
    return GAT(in_channels, num_classes, config)


def parameter_count(in_channels: int, num_classes: int, config: ModelConfig) -> int:
    """Exact number of parameters, counted on the meta device so that nothing is allocated."""
    with torch.device("meta"):
        model = GAT(in_channels, num_classes, config)
    return sum(p.numel() for p in model.parameters())
