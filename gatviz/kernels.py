"""Faster equivalents of the operations a GAT training step spends its time in.

Each piece computes exactly what the plain PyTorch / PyG operation computes (the tests compare
outputs and gradients) and exists only because, on a CPU, the plain one dominates an epoch:

* :func:`dropout`: the same inverted dropout as ``F.dropout``, with the mask drawn by ``rand``
  (about 3x faster than ``bernoulli_`` on CPU).
* :func:`sparse_features`: a mostly-zero feature matrix kept in CSR, so dropout touches only the
  stored values and the first layer's projection is a CSR product (:class:`FeatureLinear`).
* :class:`FusedGATConv` / :class:`FusedGATv2Conv`: PyG's layers with the same parameters and the
  same attention (PyG computes e_ij, the softmax and α); only the neighbourhood sum
  ``h_i = Σ_j α_ij W h_j`` is done as one CSR product instead of materialising an
  (E, heads, channels) message tensor, gathering into it and scattering out of it.
"""

from __future__ import annotations

import warnings
from typing import Callable, NamedTuple, cast

import torch
from torch import Tensor, nn
from torch_geometric.nn import GATConv, GATv2Conv, MessagePassing
from torch_geometric.nn.dense.linear import Linear

# CSR matrix products are all gatviz uses of PyTorch's sparse support, and they are tested here.
warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")


def _csr(crow: Tensor, col: Tensor, values: Tensor, shape: tuple[int, int]) -> Tensor:
    return torch.sparse_csr_tensor(crow, col, values, shape, check_invariants=False)


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
    csr = _csr(_pointers(rows, n), cols, x[rows, cols], (n, f))
    # The transpose's layout travels with the tensor, as a plain attribute.
    setattr(csr, "gatviz_transpose", (_pointers(cols, f), rows[t_perm], t_perm))
    return csr


def _pointers(sorted_index: Tensor, size: int) -> Tensor:
    counts = torch.bincount(sorted_index, minlength=size)
    return torch.cat([counts.new_zeros(1), counts.cumsum(0)])


def with_values(x: Tensor, values: Tensor) -> Tensor:
    """The same sparsity pattern (and transpose layout) as CSR ``x`` with new values."""
    out = _csr(x.crow_indices(), x.col_indices(), values, (int(x.shape[0]), int(x.shape[1])))
    setattr(out, "gatviz_transpose", getattr(x, "gatviz_transpose"))
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
        x_t = _csr(t_crow, t_col, x.values().index_select(0, t_perm), (x.size(1), x.size(0)))
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


def read_sparse_features(conv: nn.Module) -> None:
    """Let the linear maps that read a layer's input features accept :func:`sparse_features`."""
    for name in ("lin", "lin_l", "lin_r", "lin_src", "lin_dst", "res"):
        module = getattr(conv, name, None)
        if type(module) is Linear:
            module.__class__ = FeatureLinear  # only forward differs; parameters are untouched


class AggregationPlan(NamedTuple):
    """The CSR layout of ``A``, the (N·H, N·H) block matrix with A[(i,h), (j,h)] = α_ij of head h.

    Row (i, h) holds target i's incoming edges for head h, so ``A @ x`` with x viewed as
    (N·H, C) is every head's weighted neighbour sum at once. ``order`` maps CSR positions to
    entries of ``alpha.view(-1)``; the ``t_`` fields are the same for Aᵀ (the gradient wrt x),
    and ``inverse`` maps CSR positions back to α's layout (the gradient wrt α).
    """

    crow: Tensor
    col: Tensor
    order: Tensor
    inverse: Tensor
    t_crow: Tensor
    t_col: Tensor
    t_order: Tensor
    shape: tuple[int, int]


def _block_csr(
    rows: Tensor, cols: Tensor, num_nodes: int, heads: int
) -> tuple[Tensor, Tensor, Tensor]:
    """CSR (crow, col, order) of the block matrix whose row (r, h) lists cols c of edges r->c."""
    num_edges = rows.numel()
    perm = torch.argsort(rows, stable=True)
    degree = torch.bincount(rows, minlength=num_nodes)
    start = torch.cumsum(degree, 0) - degree  # first sorted edge of each row
    sorted_rows = rows[perm]
    within = torch.arange(num_edges, device=rows.device) - start[sorted_rows]
    head = torch.arange(heads, device=rows.device)
    # Row (r, h) starts at H * start[r] + h * degree[r]; edge k of r sits k further on.
    position = (heads * start[sorted_rows] + within).unsqueeze(1) + head.unsqueeze(0) * degree[
        sorted_rows
    ].unsqueeze(1)  # (E, H)
    order = torch.empty(num_edges * heads, dtype=torch.long, device=rows.device)
    order[position.reshape(-1)] = (perm.unsqueeze(1) * heads + head).reshape(-1)
    col = torch.empty_like(order)
    col[position.reshape(-1)] = (cols[perm].unsqueeze(1) * heads + head).reshape(-1)
    crow = torch.zeros(num_nodes * heads + 1, dtype=torch.long, device=rows.device)
    crow[1:] = torch.cumsum(degree.repeat_interleave(heads), 0)
    return crow, col, order


def aggregation_plan(edge_index: Tensor, num_nodes: int, heads: int) -> AggregationPlan:
    source, target = edge_index
    crow, col, order = _block_csr(target, source, num_nodes, heads)
    t_crow, t_col, t_order = _block_csr(source, target, num_nodes, heads)
    inverse = torch.empty_like(order)
    inverse[order] = torch.arange(order.numel(), device=order.device)
    n = num_nodes * heads
    return AggregationPlan(crow, col, order, inverse, t_crow, t_col, t_order, (n, n))


class _AttentionSum(torch.autograd.Function):
    """``out[i, h] = Σ_j α_ij^h x[j, h]`` over the edges j -> i, as CSR products.

    Shapes:
        alpha: (E, H), x: (N, H, C) -> out: (N, H, C)
    """

    @staticmethod
    def forward(
        ctx,
        alpha: Tensor,
        x: Tensor,
        plan: AggregationPlan,  # type: ignore[override]
    ) -> Tensor:
        n, h, c = x.shape
        values = alpha.reshape(-1).index_select(0, plan.order)
        a = _csr(plan.crow, plan.col, values, plan.shape)
        ctx.save_for_backward(alpha, x)
        ctx.plan = plan
        return (a @ x.reshape(n * h, c)).view(n, h, c)

    @staticmethod
    def backward(ctx, grad_out: Tensor):  # type: ignore[override]
        alpha, x = ctx.saved_tensors
        plan = ctx.plan
        n, h, c = x.shape
        grad_out = grad_out.reshape(n * h, c).contiguous()
        grad_alpha = grad_x = None
        if ctx.needs_input_grad[0]:
            # dL/dα_ij^h = <dL/dout[i, h], x[j, h]>, sampled at A's non-zeros.
            pattern = _csr(plan.crow, plan.col, alpha.new_zeros(plan.order.numel()), plan.shape)
            sampled = torch.sparse.sampled_addmm(
                pattern, grad_out, x.reshape(n * h, c).t(), beta=0.0
            )
            grad_alpha = sampled.values().index_select(0, plan.inverse).view_as(alpha)
        if ctx.needs_input_grad[1]:
            values = alpha.reshape(-1).index_select(0, plan.t_order)
            a_t = _csr(plan.t_crow, plan.t_col, values, plan.shape)
            grad_x = (a_t @ grad_out).view(n, h, c)
        return grad_alpha, grad_x, None


def _csr_propagate(self, edge_index, size=None, **kwargs):
    """``propagate`` for PyG's GAT layers: their weighted neighbour sum as one CSR product.

    Both layers call ``propagate(edge_index, x=(x_src, x_dst), alpha=alpha)`` with messages
    ``α_ij * x_j`` summed at i. Explain mode, propagate hooks, other edge formats (a
    ``SparseTensor``, or a torch sparse adjacency, which is a ``Tensor`` too) and bipartite
    inputs (sources and targets of different sizes, as chunked inference passes) go to PyG's own
    ``MessagePassing.propagate``. It must sit in each class's own namespace: PyG swaps in a
    generated ``propagate`` unless the class defines one itself.
    """
    x, alpha = kwargs.get("x"), kwargs.get("alpha")
    x_src = x[0] if isinstance(x, tuple) else x
    bipartite = isinstance(x, tuple) and x[1] is not None and x[1].size(0) != x_src.size(0)
    if (
        self.explain
        or self._propagate_forward_pre_hooks
        or self._propagate_forward_hooks
        or size is not None
        or bipartite
        or type(edge_index) is not Tensor
        or edge_index.layout != torch.strided  # a sparse adjacency, not an edge_index
        or self.aggr != "add"
    ):
        return MessagePassing.propagate(self, edge_index, size=size, **kwargs)
    cache = getattr(self, "_plan_cache", None)
    num_nodes, heads = x_src.size(0), alpha.size(1)
    if cache is None or cache[0] is not edge_index or cache[1:3] != (num_nodes, heads):
        cache = (edge_index, num_nodes, heads, aggregation_plan(edge_index, num_nodes, heads))
        self._plan_cache = cache
    return _AttentionSum.apply(alpha, x_src, cache[3])


def _as_pyg(layer: type[MessagePassing]) -> Callable[[MessagePassing], str]:
    """A ``__repr__`` that names the PyG ``layer`` the class stands in for, as PyG writes it."""

    def __repr__(self: MessagePassing) -> str:
        pyg = cast(Callable[[MessagePassing], str], layer.__repr__)  # the unbound method
        return layer.__name__ + pyg(self)[len(type(self).__name__) :]

    return __repr__


class FusedGATConv(GATConv):
    """PyG's ``GATConv`` with the neighbour sum done by :class:`_AttentionSum`; a drop-in,
    it prints as ``GATConv(...)``."""

    propagate = _csr_propagate
    __repr__ = _as_pyg(GATConv)


class FusedGATv2Conv(GATv2Conv):
    """PyG's ``GATv2Conv`` with the neighbour sum done by :class:`_AttentionSum`; a drop-in,
    it prints as ``GATv2Conv(...)``."""

    propagate = _csr_propagate
    __repr__ = _as_pyg(GATv2Conv)
