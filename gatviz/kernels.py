"""Faster equivalents of the operations a GAT training step spends its time in.

Each piece computes exactly what the plain PyTorch / PyG operation computes (the tests compare
outputs and gradients) and exists only because, on a CPU, the plain one dominates an epoch:

* :func:`dropout`: the same inverted dropout as ``F.dropout``, with the mask drawn by ``rand``
  (about 3x faster than ``bernoulli_`` on CPU).
* :func:`sparse_features`: a mostly-zero feature matrix kept in CSR, so dropout touches only the
  stored values and the first layer's projection is a CSR product (:class:`FeatureLinear`).
* :class:`FusedGATConv` / :class:`FusedGATv2Conv`: PyG's layers with the same parameters and the
  same attention (PyG computes e_ij, the softmax and α); only the neighbourhood sum
  ``h_i = Σ_j α_ij W h_j`` is done as CSR products (one per head, over one edge layout that
  :func:`aggregation_plan` builds once per edge set) instead of materialising an
  (E, heads, channels) message tensor, gathering into it and scattering out of it. Bipartite
  inputs (sources and a prefix of them as targets, as chunked inference and trimmed
  mini-batches pass) are summed the same way. Where it is cheaper (a trimmed first layer: few
  targets, few input features), ``FusedGATConv`` sums the input features per head and projects
  the sums afterwards (:func:`_sum_then_project`), the same values in another order.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from typing import Callable, cast

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


def head_rows(x: Tensor, n: int) -> Tensor:
    """The first ``n`` rows of ``x``, dense or from :func:`sparse_features` (whose prefix keeps
    the transpose layout, so that the first layer reads it as it reads the whole)."""
    if not is_sparse_features(x):
        return x[:n]
    crow = x.crow_indices()[: n + 1]
    stored = int(crow[-1])
    t_crow, t_col, t_perm = getattr(x, "gatviz_transpose")
    keep = t_col < n  # the transpose's entries in the first n rows, in their order
    column = torch.repeat_interleave(torch.arange(x.size(1), device=x.device), t_crow.diff())
    head = _csr(crow, x.col_indices()[:stored], x.values()[:stored], (n, int(x.size(1))))
    setattr(
        head, "gatviz_transpose", (_pointers(column[keep], x.size(1)), t_col[keep], t_perm[keep])
    )
    return head


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


@dataclass(eq=False)
class AggregationPlan:
    """The CSR layout of ``A`` (N_dst, N_src) with A[i, j] = α_ij, shared by every head.

    Row i holds target i's incoming edges in their edge-list order, so that with head h's α as
    the values, ``A @ x[:, h]`` is head h's weighted neighbour sum. ``order`` maps CSR
    positions to edges (``grouped``: the identity, as for a sampled neighbourhood's or a
    chunk's edges). The backward pass also needs ``inverse`` (CSR positions back to the edges,
    for the gradient wrt α) and the layout of Aᵀ (for the gradient wrt x): they are built the
    first time it asks for them, so that inference never sorts the edges by source. The layout
    is one entry per edge whatever the number of heads (a block matrix over (node, head) pairs
    would need H entries per edge in each index array).
    """

    crow: Tensor
    col: Tensor
    order: Tensor
    grouped: bool
    shape: tuple[int, int]
    source: Tensor  # the edges' sources and targets, for the transpose
    target: Tensor

    @functools.cached_property
    def inverse(self) -> Tensor:
        inverse = torch.empty_like(self.order)
        inverse[self.order] = torch.arange(self.order.numel(), device=self.order.device)
        return inverse

    @functools.cached_property
    def transpose(self) -> tuple[Tensor, Tensor, Tensor]:
        """(crow, col, order) of Aᵀ: the edges grouped by source."""
        crow, col, order, _ = _sorted_csr(self.source, self.target, self.shape[1])
        return crow, col, order


def _sorted_csr(rows: Tensor, cols: Tensor, num_rows: int) -> tuple[Tensor, Tensor, Tensor, bool]:
    """CSR (crow, col, order, grouped) of the matrix with an entry (r, c) per edge; ``order``
    lists the edges row by row, in their original order within a row. A sampled
    neighbourhood's edges already come grouped by target (``grouped``), and then no sort is
    needed."""
    grouped = rows.numel() < 2 or bool((rows[1:] >= rows[:-1]).all())
    if grouped:
        order = torch.arange(rows.numel(), device=rows.device)
    else:
        order = torch.argsort(rows, stable=True)
    crow = torch.zeros(num_rows + 1, dtype=torch.long, device=rows.device)
    torch.cumsum(torch.bincount(rows, minlength=num_rows), 0, out=crow[1:])
    return crow, cols if grouped else cols.index_select(0, order), order, grouped


def aggregation_plan(
    edge_index: Tensor, num_nodes: int, num_targets: int | None = None
) -> AggregationPlan:
    """The plan for summing over ``edge_index`` (2, E): sources among ``num_nodes`` nodes,
    targets among the first ``num_targets`` (default: all of them).

    Raises:
        IndexError: an edge names a node outside those ranges (CSR products built without
            invariant checks would read memory by these indices)."""
    source, target = edge_index
    num_targets = num_nodes if num_targets is None else num_targets
    for ids, size, what in ((source, num_nodes, "source"), (target, num_targets, "target")):
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= size):
            raise IndexError(f"an edge's {what} is outside the {size} {what} nodes")
    crow, col, order, grouped = _sorted_csr(target, source, num_targets)
    return AggregationPlan(crow, col, order, grouped, (num_targets, num_nodes), source, target)


def _values(alpha: Tensor, plan: AggregationPlan) -> Tensor:
    """α (E, H) as each head's CSR values, (H, E) in CSR order."""
    in_csr_order = alpha if plan.grouped else alpha.index_select(0, plan.order)
    return in_csr_order.t().contiguous()


def _head(x: Tensor, h: int) -> Tensor:
    """Head h's sources: a row of ``x`` laid out head by head (H, N, C), or ``x`` itself when
    the heads share it (N, F)."""
    return x[h] if x.dim() == 3 else x


def _sum_per_head(values: Tensor, x: Tensor, plan: AggregationPlan) -> Tensor:
    """(N_dst, H, C): head h's CSR product of ``values[h]`` (H, E) with its sources
    (:func:`_head`), one head at a time."""
    return _heads_second(
        [
            _csr(plan.crow, plan.col, values[h], plan.shape) @ _head(x, h)
            for h in range(values.shape[0])
        ]
    )


def _heads_second(per_head: list[Tensor]) -> Tensor:
    """One tensor per head, (N, ...) each, as one (N, H, ...) tensor: stacked head-major and
    transposed, ~1.6x faster on a CPU than stacking along dim 1 (which interleaves them)."""
    return torch.stack(per_head).transpose(0, 1).contiguous()


def attention_sum(alpha: Tensor, per_head: Tensor, plan: AggregationPlan) -> Tensor:
    """``out[i, h] = Σ_j α_ij^h x[j, h]`` without gradients, from x already laid out head by
    head, (H, N, C) (so that a graph summed chunk by chunk is transposed once, not per chunk).

    Shapes:
        alpha: (E, H), per_head: (H, N, C) -> out: (N_dst, H, C)
    """
    return _sum_per_head(_values(alpha, plan), per_head, plan)


def _alpha_gradient(plan: AggregationPlan, values: Tensor, grad: Tensor, x: Tensor) -> Tensor:
    """dL/dα_ij^h = <dL/dout[i, h], x_j>, sampled at A's non-zeros, in edge order.

    Shapes:
        values: (H, E), grad: (H, N_dst, C), x: (H, N, C) per head or (N, C) shared -> (E, H)
    """
    pattern = _csr(plan.crow, plan.col, values.new_zeros(plan.order.numel()), plan.shape)
    sampled = _heads_second(
        [
            torch.sparse.sampled_addmm(pattern, g, _head(x, h).t(), beta=0.0).values()
            for h, g in enumerate(grad)
        ]
    )  # (E, H) in CSR order
    return sampled if plan.grouped else sampled.index_select(0, plan.inverse)


class _AttentionSum(torch.autograd.Function):
    """``out[i, h] = Σ_j α_ij^h x[j, h]`` over the edges j -> i, as one CSR product per head.

    ``x`` may also be input features that every head sums alike (2-D, as
    :func:`_sum_then_project` passes them): ``out[i, h] = Σ_j α_ij^h x[j]``, with no gradient
    for ``x`` (a first layer's input needs none).

    Shapes:
        alpha: (E, H), x: (N, H, C) or (N, F) -> out: (N_dst, H, C) or (N_dst, H, F)
    """

    @staticmethod
    def forward(
        ctx,
        alpha: Tensor,
        x: Tensor,
        plan: AggregationPlan,  # type: ignore[override]
    ) -> Tensor:
        ctx.plan = plan
        # (H, N, C): each head's rows contiguous; shared features serve every head as they are.
        sources = x.transpose(0, 1).contiguous() if x.dim() == 3 else x
        values = _values(alpha, plan)
        ctx.save_for_backward(values, sources)
        return _sum_per_head(values, sources, plan)

    @staticmethod
    def backward(ctx, grad_out: Tensor):  # type: ignore[override]
        plan = ctx.plan
        want_alpha, want_x = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        values, sources = ctx.saved_tensors
        heads = values.shape[0]
        grad = grad_out.transpose(0, 1).contiguous()  # (H, N_dst, C)
        grad_alpha = grad_x = None
        if want_alpha:
            grad_alpha = _alpha_gradient(plan, values, grad, sources)
        if want_x:
            if sources.dim() != 3:
                raise RuntimeError("no gradient for features shared by the heads")
            t_crow, t_col, t_order = plan.transpose
            t_values = values.index_select(1, plan.inverse.index_select(0, t_order))
            t_shape = (plan.shape[1], plan.shape[0])
            grad_x = _heads_second(
                [_csr(t_crow, t_col, t_values[h], t_shape) @ grad[h] for h in range(heads)]
            )
        return grad_alpha, grad_x, None


def _sums_first(conv: GATConv, x, edge_index, edge_attr, size, return_attention_weights) -> bool:
    """Whether :func:`_sum_then_project` computes what ``GATConv.forward`` would, and faster:
    dense input features needing no gradient (a first layer's), fewer numbers to sum than to
    project, a plain edge tensor, and no edge features, explicit size, self-loops added by the
    layer, attention returned, explain mode or propagate hooks (that path calls no
    ``propagate``)."""
    x_src, x_dst = x if isinstance(x, tuple) else (x, x)
    return (
        isinstance(x_src, Tensor)
        and isinstance(x_dst, Tensor)
        and all(_plain_input(t) for t in (x_src, x_dst))
        and conv.lin is not None
        and conv.lin.in_channels > 0
        and conv.lin.bias is None
        # Cheaper when the targets' sums (N_dst x F per head) are smaller than the sources'
        # projection (N_src x C per head): a trimmed first layer's few targets, few features.
        and x_dst.size(0) * x_src.size(1) < x_src.size(0) * conv.out_channels
        and return_attention_weights is None
        and edge_attr is None
        and size is None
        and not conv.add_self_loops
        and not conv.explain
        and not conv._propagate_forward_pre_hooks
        and not conv._propagate_forward_hooks
        and _is_edge_index(edge_index)
    )


def _plain_input(x: Tensor) -> bool:
    return x.layout == torch.strided and x.dim() == 2 and not x.requires_grad


def _sum_then_project(conv: GATConv, x, edge_index: Tensor) -> Tensor:
    """``GATConv.forward`` with the neighbour sum taken over the input features and projected
    afterwards: h_i^h = W^h Σ_j α_ij^h x_j, the same value as Σ_j α_ij^h W^h x_j, and the
    attention terms a^h · W^h x as x · (W^hᵀ a^h). For a trimmed first layer (~11,000 targets
    of ~100,000 sources, 16 features, 8 heads x 8 channels), no (N_src, H, C) projection of the
    sources is made, laid out per head or differentiated: only the targets' sums are
    projected. PyG's ``edge_updater`` still computes e_ij, the softmax, α and its hooks
    (attention dropout)."""
    x_src, x_dst = x if isinstance(x, tuple) else (x, x)
    heads, channels = conv.heads, conv.out_channels
    weight = conv.lin.weight.view(heads, channels, -1)  # (H, C, F)
    w_src = torch.einsum("hcf,hc->hf", weight, conv.att_src[0])
    w_dst = torch.einsum("hcf,hc->hf", weight, conv.att_dst[0])
    logits = (x_src @ w_src.t(), x_dst @ w_dst.t())  # (N_src, H), (N_dst, H)
    alpha = conv.edge_updater(edge_index, alpha=logits, edge_attr=None, size=None)
    plan = _plan_for(conv, edge_index, (x_src.size(0), x_dst.size(0)))
    summed = _AttentionSum.apply(alpha, x_src, plan)  # (N_dst, H, F)
    out = torch.bmm(summed.transpose(0, 1), weight.transpose(1, 2)).transpose(0, 1)
    out = out.reshape(-1, heads * channels) if conv.concat else out.mean(dim=1)
    if conv.res is not None:
        out = out + conv.res(x_dst)
    if conv.bias is not None:
        out = out + conv.bias
    return out


def _plan_for(layer: MessagePassing, edge_index: Tensor, sizes: tuple[int, int]):
    """The layer's plan for ``edge_index`` with (sources, targets) ``sizes``, kept while the
    same edge tensor comes back (every epoch of full-batch training)."""
    cache = getattr(layer, "_plan_cache", None)
    if cache is None or cache[0] is not edge_index or cache[1] != sizes:
        cache = (edge_index, sizes, aggregation_plan(edge_index, *sizes))
        layer._plan_cache = cache
    return cache[2]


def _is_edge_index(edge_index) -> bool:
    """A plain (2, E) edge tensor: not a ``SparseTensor``, nor a torch sparse adjacency (which
    is a ``Tensor`` too)."""
    return type(edge_index) is Tensor and edge_index.layout == torch.strided


def _csr_propagate(self, edge_index, size=None, **kwargs):
    """``propagate`` for PyG's GAT layers: their weighted neighbour sum as CSR products.

    Both layers call ``propagate(edge_index, x=(x_src, x_dst), alpha=alpha)`` with messages
    ``α_ij * x_j`` summed at i; bipartite inputs (sources and targets of different sizes, as
    chunked inference passes) give one row per target. Explain mode, propagate hooks, an
    explicit ``size`` and other edge formats (a ``SparseTensor``, or a torch sparse adjacency,
    which is a ``Tensor`` too) go to PyG's own ``MessagePassing.propagate``. It must sit in
    each class's own namespace: PyG swaps in a generated ``propagate`` unless the class defines
    one itself.
    """
    x, alpha = kwargs.get("x"), kwargs.get("alpha")
    x_src = x[0] if isinstance(x, tuple) else x
    x_dst = x[1] if isinstance(x, tuple) and x[1] is not None else x_src
    if (
        self.explain
        or self._propagate_forward_pre_hooks
        or self._propagate_forward_hooks
        or size is not None
        or not _is_edge_index(edge_index)
        or self.aggr != "add"
    ):
        return MessagePassing.propagate(self, edge_index, size=size, **kwargs)
    # Sources, targets: they differ when bipartite.
    plan = _plan_for(self, edge_index, (x_src.size(0), x_dst.size(0)))
    return _AttentionSum.apply(alpha, x_src, plan)


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

    def forward(self, x, edge_index, edge_attr=None, size=None, return_attention_weights=None):  # type: ignore[override]
        if _sums_first(self, x, edge_index, edge_attr, size, return_attention_weights):
            return _sum_then_project(self, x, edge_index)
        return super().forward(x, edge_index, edge_attr, size, return_attention_weights)


class FusedGATv2Conv(GATv2Conv):
    """PyG's ``GATv2Conv`` with the neighbour sum done by :class:`_AttentionSum`; a drop-in,
    it prints as ``GATv2Conv(...)``."""

    propagate = _csr_propagate
    __repr__ = _as_pyg(GATv2Conv)
