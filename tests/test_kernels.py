"""The fast kernels must compute exactly what plain PyTorch / PyG compute."""

import pytest
import torch
from torch_geometric.nn import GATConv, GATv2Conv
from torch_geometric.utils import add_self_loops

from gatviz.config import ModelConfig
from gatviz.kernels import (
    FusedGATConv,
    FusedGATv2Conv,
    _AttentionSum,
    aggregation_plan,
    dropout,
    sparse_features,
)
from gatviz.model import GAT
from test_model import CONFIGS


def _random_graph(n=25, e=90, seed=0, loops=True):
    g = torch.Generator().manual_seed(seed)
    edge_index = torch.randint(0, n - 3, (2, e), generator=g)  # the last 3 nodes get no edges
    edge_index = edge_index[:, edge_index[0] != edge_index[1]]
    return add_self_loops(edge_index, num_nodes=n)[0] if loops else edge_index


@pytest.mark.parametrize("plain, fused", [(GATConv, FusedGATConv), (GATv2Conv, FusedGATv2Conv)])
@pytest.mark.parametrize(
    "heads, concat, loops", [(3, True, True), (2, False, True), (1, False, False)]
)
def test_fused_layers_match_pyg(plain, fused, heads, concat, loops):
    edge_index = _random_graph(loops=loops)
    x = torch.randn(25, 6, generator=torch.Generator().manual_seed(1))
    reference = plain(6, 4, heads=heads, concat=concat, add_self_loops=False)
    layer = fused(6, 4, heads=heads, concat=concat, add_self_loops=False)
    layer.load_state_dict(reference.state_dict())
    out_ref, (edges_ref, alpha_ref) = reference(x, edge_index, return_attention_weights=True)
    out, (edges, alpha) = layer(x, edge_index, return_attention_weights=True)
    assert torch.equal(edges, edges_ref) and torch.allclose(alpha, alpha_ref, atol=1e-6)
    assert torch.allclose(out, out_ref, atol=1e-5)
    grads_ref = torch.autograd.grad(out_ref.square().sum(), list(reference.parameters()))
    grads = torch.autograd.grad(layer(x, edge_index).square().sum(), list(layer.parameters()))
    for a, b in zip(grads, grads_ref):
        assert torch.allclose(a, b, atol=1e-4)


def test_attention_sum_is_the_weighted_neighbour_sum_with_gradients():
    edge_index = _random_graph(n=12, e=40, seed=2)
    alpha = torch.rand(edge_index.size(1), 3, dtype=torch.float64, requires_grad=True)
    x = torch.randn(12, 3, 2, dtype=torch.float64, requires_grad=True)
    plan = aggregation_plan(edge_index, 12)
    out = _AttentionSum.apply(alpha, x, plan)
    expected = torch.zeros(12, 3, 2, dtype=torch.float64)
    for e, (j, i) in enumerate(edge_index.t().tolist()):
        expected[i] += alpha[e].unsqueeze(-1).detach() * x[j].detach()
    assert torch.allclose(out, expected)
    assert torch.autograd.gradcheck(lambda a, v: _AttentionSum.apply(a, v, plan), (alpha, x))


@pytest.mark.filterwarnings("ignore:Sparse invariant checks are implicitly disabled")
@pytest.mark.parametrize("plain, fused", [(GATConv, FusedGATConv), (GATv2Conv, FusedGATv2Conv)])
def test_a_sparse_adjacency_gives_what_the_edge_index_gives(plain, fused):
    """PyG's layers also take a torch sparse adjacency (a Tensor too, which the CSR path must
    leave to PyG: it raised 'too many values to unpack'), and the drop-ins print as PyG's."""
    from torch_geometric.utils import coalesce, to_torch_csc_tensor

    edge_index = coalesce(_random_graph(loops=False))  # an adjacency holds each edge once
    x = torch.randn(25, 6, generator=torch.Generator().manual_seed(3))
    layer = fused(6, 4, heads=2)
    reference = plain(6, 4, heads=2)
    reference.load_state_dict(layer.state_dict())
    out = layer(x, edge_index)
    adjacency = to_torch_csc_tensor(edge_index, size=(25, 25)).t()
    assert torch.allclose(layer(x, adjacency), out, atol=1e-5)
    assert torch.allclose(reference(x, adjacency), out, atol=1e-5)
    assert repr(layer) == repr(reference) == f"{plain.__name__}(6, 4, heads=2)"


def test_propagate_hooks_fall_back_to_pyg():
    edge_index = _random_graph()
    layer = FusedGATConv(6, 4, heads=2, add_self_loops=False)
    x = torch.randn(25, 6)
    fast = layer(x, edge_index)
    seen = []
    layer.register_propagate_forward_hook(lambda module, inputs, out: seen.append(out.shape))
    assert torch.allclose(layer(x, edge_index), fast, atol=1e-5)
    assert seen == [torch.Size([25, 2, 4])]


def test_model_layers_are_fused_pyg_layers():
    model = GAT(5, 3, ModelConfig(conv="gatv2"))
    assert all(isinstance(conv, GATv2Conv) for conv in model.convs)
    assert type(model.convs[0]).propagate is FusedGATv2Conv.__dict__["propagate"]


@pytest.mark.parametrize("config", CONFIGS)
def test_sparse_features_give_the_same_outputs_and_gradients(config):
    torch.manual_seed(0)
    x = torch.rand(9, 12)
    x[x < 0.7] = 0
    edge_index = torch.tensor([[0, 1, 2, 3, 4, 5, 6, 7, 8, 1], [1, 2, 3, 4, 5, 6, 7, 8, 0, 5]])
    model = GAT(12, 3, config).eval()
    sparse = sparse_features(x)
    assert torch.equal(sparse.to_dense(), x)
    dense_out, sparse_out = model(x, edge_index), model(sparse, edge_index)
    assert torch.allclose(dense_out, sparse_out, atol=1e-6)
    params = list(model.parameters())
    dense_grad = torch.autograd.grad(dense_out.square().sum(), params)
    sparse_grad = torch.autograd.grad(model(sparse, edge_index).square().sum(), params)
    for a, b in zip(dense_grad, sparse_grad):
        assert torch.allclose(a, b, atol=1e-5)


def test_dropout_keeps_the_expected_fraction_and_scale():

    torch.manual_seed(0)
    out = dropout(torch.ones(100_000), 0.6, training=True)
    kept = out[out != 0]
    assert abs(kept.numel() / 100_000 - 0.4) < 0.01
    assert torch.allclose(kept, torch.full_like(kept, 1 / 0.4))
    assert torch.equal(dropout(torch.ones(5), 0.6, training=False), torch.ones(5))


@pytest.mark.parametrize("plain, fused", [(GATConv, FusedGATConv), (GATv2Conv, FusedGATv2Conv)])
def test_bipartite_inputs_give_what_pyg_gives(plain, fused):
    # 25 sources, the first 9 of them targets: the layout chunked inference passes.
    g = torch.Generator().manual_seed(5)
    edge_index = torch.stack(
        [torch.randint(0, 25, (70,), generator=g), torch.randint(0, 9, (70,), generator=g)]
    )
    x_src = torch.randn(25, 6, generator=g)
    reference = plain(6, 4, heads=3, add_self_loops=False)
    layer = fused(6, 4, heads=3, add_self_loops=False)
    layer.load_state_dict(reference.state_dict())
    out_ref = reference((x_src, x_src[:9]), edge_index)
    out = layer((x_src, x_src[:9]), edge_index)
    assert out.shape == (9, 12) and torch.allclose(out, out_ref, atol=1e-5)
    grads_ref = torch.autograd.grad(out_ref.square().sum(), list(reference.parameters()))
    grads = torch.autograd.grad(out.square().sum(), list(layer.parameters()))
    for a, b in zip(grads, grads_ref):
        assert torch.allclose(a, b, atol=1e-4)


def test_a_plan_needs_no_sort_for_edges_grouped_by_target():
    edge_index = torch.tensor([[4, 2, 0, 3, 1], [0, 0, 1, 2, 2]])  # targets already in order
    plan = aggregation_plan(edge_index, 5, 3)
    assert plan.order.tolist() == [0, 1, 2, 3, 4] and plan.crow.tolist() == [0, 2, 3, 5]
    assert plan.col.tolist() == [4, 2, 0, 3, 1] and plan.shape == (3, 5)
    shuffled = aggregation_plan(edge_index[:, [3, 0, 4, 2, 1]], 5, 3)
    assert shuffled.order.tolist() == [1, 4, 3, 0, 2]  # stable: edge-list order within a row
    assert shuffled.col.tolist() == [4, 2, 0, 3, 1]


def test_inference_builds_no_transpose_and_edges_out_of_range_are_refused():
    """The layout of Aᵀ (a sort of the edges by source) is the backward pass's alone: it is built
    when a gradient first asks for it, and then matches the edges grouped by source."""
    edge_index = torch.tensor([[4, 2, 0, 3, 1], [0, 0, 1, 2, 2]])
    plan = aggregation_plan(edge_index, 5, 3)
    alpha = torch.rand(5, 2, dtype=torch.float64, requires_grad=True)
    x = torch.randn(5, 2, 3, dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        _AttentionSum.apply(alpha, x, plan)
    assert plan.grouped and "transpose" not in vars(plan)
    assert torch.autograd.gradcheck(lambda a, v: _AttentionSum.apply(a, v, plan), (alpha, x))
    t_crow, t_col, t_order = plan.transpose
    assert t_crow.tolist() == [0, 1, 2, 3, 4, 5] and t_col.tolist() == [1, 2, 0, 2, 0]
    assert t_order.tolist() == [2, 4, 1, 3, 0]
    with pytest.raises(IndexError, match="source is outside the 5 source nodes"):
        aggregation_plan(torch.tensor([[5], [0]]), 5, 3)
    with pytest.raises(IndexError, match="target is outside the 3 target nodes"):
        aggregation_plan(torch.tensor([[0], [3]]), 5, 3)


@pytest.mark.parametrize("concat, residual", [(True, False), (False, True)])
@pytest.mark.parametrize("bipartite", [False, True])
def test_a_narrow_first_layer_sums_before_projecting_with_pyg_numbers(
    concat, residual, bipartite, monkeypatch
):
    """Where the targets' sums of the input features are smaller than the sources'
    projection, they are summed per head, then projected (W Σ α x instead of Σ α W x): the
    outputs and every parameter's gradient are PyG's."""
    from gatviz import kernels

    edge_index = _random_graph(loops=True)
    x = torch.randn(25, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    kwargs = dict(heads=3, concat=concat, add_self_loops=False, residual=residual)
    reference = GATConv(3, 4, **kwargs).double()
    layer = FusedGATConv(3, 4, **kwargs).double()
    layer.load_state_dict(reference.state_dict())
    inputs = (x, x[:20]) if bipartite else x
    edges = edge_index[:, edge_index[1] < 20] if bipartite else edge_index
    calls = []
    real = kernels._sum_then_project
    monkeypatch.setattr(kernels, "_sum_then_project", lambda *a: calls.append(1) or real(*a))
    out, out_ref = layer(inputs, edges), reference(inputs, edges)
    assert calls and torch.allclose(out, out_ref, atol=1e-12)
    grads = torch.autograd.grad(out.square().sum(), list(layer.parameters()))
    grads_ref = torch.autograd.grad(out_ref.square().sum(), list(reference.parameters()))
    for a, b in zip(grads, grads_ref):
        assert torch.allclose(a, b, atol=1e-10)
    # Inputs that need a gradient, returned attention, or more features than the sum saves
    # (every node a target, 5 features against 4 channels) take PyG's own order.
    calls.clear()
    layer(x.clone().requires_grad_(), edge_index)
    layer(x, edge_index, return_attention_weights=True)
    wide = FusedGATConv(5, 4, heads=3, add_self_loops=False).double()
    wide(torch.randn(25, 5, dtype=torch.float64), edge_index)
    assert not calls
