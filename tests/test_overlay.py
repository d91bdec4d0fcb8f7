import re

import pytest
import torch

from conftest import drawn_edges
from gatviz.attention import dataset_attention
from gatviz.csv_graph import load_csv
from gatviz.errors import GatvizError
from gatviz.model import GAT
from gatviz.overlay import (
    READABLE_EDGES,
    EdgeValues,
    OverlayOptions,
    ViewTooLarge,
    alpha_colour,
    build_view,
    edge_width,
    overlay_html,
    relative_colour,
    relative_width,
    values_attention,
)
from gatviz.training import predict


@pytest.fixture(scope="module")
def karate_view(karate_trained, karate):
    model = karate_trained[0].model
    return karate, dataset_attention(model, karate), *predict(model, karate)


def test_neighbourhood_contains_exactly_the_k_hop_nodes(karate_view):
    karate, attention, _, _ = karate_view
    view = build_view(karate, attention, OverlayOptions(node=9, hops=1))
    source, target = karate.data.edge_index
    assert set(view.nodes.tolist()) == {9} | set(source[target == 9].tolist())
    assert view.hop[9] == 0 and all(view.hop[v] == 1 for v in view.nodes.tolist() if v != 9)
    two = build_view(karate, attention, OverlayOptions(node=9, hops=2))
    assert set(view.nodes.tolist()) < set(two.nodes.tolist())
    assert view.positions[view.nodes.tolist().index(9)].tolist() == [0.0, 0.0]


def test_filters(karate_view):
    karate, attention, _, _ = karate_view
    full = build_view(karate, attention, OverlayOptions(head=0))
    assert full.edge_index.size(1) == karate.num_edges + karate.num_nodes
    no_loops = build_view(karate, attention, OverlayOptions(self_loops=False))
    assert not (no_loops.edge_index[0] == no_loops.edge_index[1]).any()
    strong = build_view(karate, attention, OverlayOptions(threshold=0.1))
    assert (strong.alpha >= 0.1).all() and strong.edge_index.size(1) < full.edge_index.size(1)
    top = build_view(karate, attention, OverlayOptions(top_k=2, head="max"))
    assert torch.bincount(top.edge_index[1]).max() == 2
    best = {}
    for (s, t), a in zip(full.edge_index.t().tolist(), full.alpha.tolist()):
        best[t] = max(best.get(t, 0), a)
    top1 = build_view(karate, attention, OverlayOptions(top_k=1, head=0))
    assert all(
        abs(a - best[t]) < 1e-7 for t, a in zip(top1.edge_index[1].tolist(), top1.alpha.tolist())
    )


def test_heads_and_layers(karate_view):
    karate, attention, _, _ = karate_view
    mean = build_view(karate, attention, OverlayOptions(head="mean"))
    assert torch.allclose(mean.alpha, mean.alpha_heads.mean(1))
    with pytest.raises(GatvizError, match="head must be 0 to 7"):
        build_view(karate, attention, OverlayOptions(head=8))
    with pytest.raises(GatvizError, match="layer must be 0 to 1"):
        build_view(karate, attention, OverlayOptions(layer=2))
    with pytest.raises(GatvizError, match="hops must be 1, 2 or 3"):
        OverlayOptions(hops=4)


def test_html_is_standalone_and_deterministic(karate_view):
    karate, attention, pred, prob = karate_view
    options = OverlayOptions(node=0, hops=1, color_by="correct")
    page = overlay_html(karate, attention, options, pred, prob)
    assert page == overlay_html(karate, attention, options, pred, prob)
    remote = re.findall(r"<(?:script|link)[^>]+(?:src|href)=\"https?://", page)
    assert not remote, "everything must be inlined so the overlay draws offline"
    assert "vis.Network" in page and 'id="gatviz-legend"' in page
    assert '"physics": {"enabled": false}' in page.replace("\n", "") or '"enabled": false' in page
    assert "prediction:" in page and "per head: h0" in page


def test_names_are_text_never_markup():
    dataset = load_csv(
        b"source,target\na,b\nb,a\n",
        b"id,name,label\na,<img src=x onerror=alert(1)>,</script><b>x\nb,bob,y\n",
    )
    model = GAT(dataset.num_features, dataset.num_classes)
    page = overlay_html(dataset, dataset_attention(model, dataset), OverlayOptions())
    assert "<img src=x" not in page and "</script><b>" not in page
    assert "&lt;/script&gt;&lt;b&gt;x" in page  # the class name in the legend, escaped


def test_large_views_are_refused_with_advice(cora):
    model = GAT(cora.num_features, cora.num_classes)
    attention = dataset_attention(model, cora)
    with pytest.raises(ViewTooLarge, match="pick a node and view its neighbourhood"):
        build_view(cora, attention, OverlayOptions(node=None))
    hub = int(torch.bincount(cora.data.edge_index[1]).argmax())
    view = build_view(cora, attention, OverlayOptions(node=hub, hops=2))
    assert view.centre == hub and 100 < view.nodes.numel() < 1500


def test_a_crowded_view_draws_its_strongest_edges_and_says_what_is_hidden(cora):
    """Cora's hub in two hops has about 2,200 edges: the view opens with READABLE_EDGES of
    them, the centre's incoming edges all kept and the rest the largest α × |N(i)|."""
    model = GAT(cora.num_features, cora.num_classes)
    attention = dataset_attention(model, cora)
    hub = int(torch.bincount(cora.data.edge_index[1]).argmax())
    every = build_view(cora, attention, OverlayOptions(node=hub, hops=2, max_edges=None))
    assert every.edge_index.size(1) > 2000 and not every.notes
    view = build_view(cora, attention, OverlayOptions(node=hub, hops=2))
    assert view.edge_index.size(1) == READABLE_EDGES
    assert torch.equal(view.nodes, every.nodes)  # the same nodes; only edges are left out
    into_hub = every.edge_index[1] == hub
    assert int((view.edge_index[1] == hub).sum()) == int(into_hub.sum())
    others = ~into_hub
    cut = float(view.relative[view.edge_index[1] != hub].min())
    assert int((every.relative[others] > cut).sum()) <= READABLE_EDGES - int(into_hub.sum())
    assert any(
        f"{READABLE_EDGES:,} strongest of these {every.edge_index.size(1):,}" in note
        for note in view.notes
    )
    with pytest.raises(GatvizError, match="max_edges must be at least 1"):
        OverlayOptions(max_edges=0)


def test_colour_and_width_grow_with_alpha():
    assert alpha_colour(0) == "#cfd8e3" and alpha_colour(1) == "#b3001b"
    widths = [edge_width(a) for a in (0, 0.2, 0.5, 1)]
    assert widths == sorted(widths) and widths[0] > 0
    reds = [int(alpha_colour(a)[1:3], 16) for a in (0.5, 0.75, 1.0)]
    assert reds == sorted(reds, reverse=True)  # towards deep red


def test_relative_scale_is_diverging_and_centred_on_uniform():
    assert relative_colour(1.0) == "#d9d9d9"  # uniform share: neutral grey
    assert relative_colour(8.0) == relative_colour(100.0) == "#b2182b"
    assert relative_colour(1 / 8) == "#2166ac"
    assert relative_width(1 / 4) < relative_width(1.0) < relative_width(4.0)


def test_auto_scale_draws_a_hub_relative_to_uniform(cora):
    model = GAT(cora.num_features, cora.num_classes)
    attention = dataset_attention(model, cora)
    hub = int(torch.bincount(cora.data.edge_index[1]).argmax())
    view = build_view(cora, attention, OverlayOptions(node=hub, hops=1))
    assert view.scale == "relative"  # α ≈ 1/169 everywhere: the 0-1 scale would be flat
    into_hub = view.edge_index[1] == hub
    assert torch.allclose(view.relative[into_hub].sum(), view.attended[into_hub][0].float())
    page = overlay_html(cora, attention, OverlayOptions(node=hub, hops=1))
    assert 'data-scale="relative"' in page and "the uniform share 1/|N(i)| = 1/169" in page
    raw = build_view(cora, attention, OverlayOptions(node=hub, hops=1, edge_scale="alpha"))
    assert raw.scale == "alpha"
    with pytest.raises(GatvizError, match="edge_scale"):
        OverlayOptions(edge_scale="log")


def test_auto_scale_keeps_raw_alpha_where_it_spreads(tiny):
    model = GAT(tiny.num_features, 2)
    view = build_view(tiny, dataset_attention(model, tiny), OverlayOptions(node=0, hops=1))
    assert view.scale == "alpha"  # three or four neighbours: α near 0.3 reads well on 0-1


def test_edges_show_a_methods_scores_and_dash_marked_edges(karate_view):
    """An attribution drawn in place of α: |score| / max |score| on the α scale, the signed
    score on the hover, the method named in the legend; marked edges dashed with their note."""
    karate, attention, pred, prob = karate_view
    raw = {(1, 0): -2.0, (2, 0): 1.0, (3, 0): 0.5}
    values = EdgeValues("Integrated <Gradients>", raw)
    layers = values_attention(values)
    assert layers[0].alpha.flatten().tolist() == [1.0, 0.5, 0.25]
    options = OverlayOptions(node=0, hops=1, layer=0, head=0, edge_scale="alpha")
    marks = {(2, 0): "unstable across 5 seeds: α 0.100 ± 0.080"}
    page = overlay_html(karate, layers, options, pred, prob, values=values, marks=marks)
    edges = {(e["from"], e["to"]): e for e in drawn_edges(page)}
    assert set(edges) == set(raw)  # only the scored edges
    assert edges[(1, 0)]["color"]["color"] == alpha_colour(1.0)
    assert edges[(3, 0)]["width"] == edge_width(0.25)
    assert "Integrated <Gradients> = -2" in edges[(1, 0)]["title"]
    assert (
        edges[(2, 0)].get("dashes") is True and "unstable across 5 seeds" in edges[(2, 0)]["title"]
    )
    assert "dashes" not in edges[(1, 0)]
    assert "<b>Integrated &lt;Gradients&gt;</b>" in page  # the legend names it, escaped
    # α itself can be marked too.
    plain = overlay_html(karate, attention, OverlayOptions(node=0, hops=1), pred, prob, marks=marks)
    assert {(e["from"], e["to"]) for e in drawn_edges(plain) if e.get("dashes")} == {(2, 0)}


def test_a_crowded_score_view_keeps_the_largest_scores(karate_view):
    karate = karate_view[0]
    values = EdgeValues("Saliency", {(1, 0): 0.2, (2, 1): -3.0, (3, 1): 0.1})
    options = OverlayOptions(node=0, hops=2, layer=0, head=0, edge_scale="alpha", max_edges=2)
    view = build_view(karate, values_attention(values), options, scores=True)
    assert sorted(map(tuple, view.edge_index.t().tolist())) == [(1, 0), (2, 1)]
    assert any("by |score|" in note for note in view.notes)
