"""gatviz.whatif: an edit changes what it should and nothing else, undo gives the same bytes,
bad edits say what to fix, and the greedy flipping set flips."""

import re

import pytest
import torch

from gatviz.attention import dataset_attention, neighbourhood_attention
from gatviz.errors import GatvizError
from gatviz.whatif import EditError, Edit, apply_edits, attribution_scores, flipping_set, what_if


@pytest.fixture(scope="module")
def model(karate_trained):
    return karate_trained[0].model.eval()


def _into(alpha_table, layer):
    return alpha_table[alpha_table["layer"] == layer]


def test_removing_an_edge_changes_exactly_the_alpha_of_the_edges_into_its_target(karate, model):
    result = what_if(model, karate, 0, [Edit("remove", 1, 0)], hops=1)
    first = _into(result.alpha, 0)
    changed = first[(first["change"].abs() > 0) | first["after"].isna()]
    assert set(changed["target"]) == {0}  # layer 0: only node 0's α renormalise
    gone = first[(first["source"] == 1) & (first["target"] == 0)]
    assert gone["after"].isna().all() and gone["before"].notna().all()
    # After equals α recomputed on the whole edited graph.
    edited = apply_edits(karate, [Edit("remove", 1, 0)])
    whole = dataset_attention(model, edited)
    for layer, (edges, alpha) in enumerate(whole):
        table = _into(result.alpha, layer).dropna(subset=["after"])
        lookup = {(s, t): a for s, t, a in zip(*edges.tolist(), alpha.double().mean(1).tolist())}
        for row in table.itertuples():
            assert row.after == pytest.approx(lookup[(row.source, row.target)], abs=1e-6)
    assert karate.data.edge_index.size(1) == edited.data.edge_index.size(1) + 1  # a copy


def test_undo_restores_byte_identical_alpha(karate, model):
    original = neighbourhood_attention(model, karate, 5, 2)
    edits = [Edit("remove", 0, 5), Edit("add", 33, 5), Edit("features", 33, 6)]
    changed = what_if(model, karate, 5, edits, hops=2).after
    assert any(
        not torch.equal(a.alpha, b.alpha) for a, b in zip(original.attention, changed.attention)
    )
    undone = what_if(model, karate, 5, edits[:0], hops=2).after
    for a, b in zip(original.attention, undone.attention):
        assert a.alpha.numpy().tobytes() == b.alpha.numpy().tobytes()
        assert torch.equal(a.edge_index, b.edge_index)


def test_bad_edits_say_what_to_fix(karate, model):
    with pytest.raises(EditError, match=r"node 99 does not exist \(karate has nodes 0 to 33\)"):
        what_if(model, karate, 0, [Edit("add", 99, 0)])
    with pytest.raises(EditError, match="there is no such edge to remove"):
        apply_edits(karate, [Edit("remove", 0, 0)])
    with pytest.raises(EditError, match="the edge is already there"):
        apply_edits(karate, [Edit("add", 1, 0)])
    with pytest.raises(EditError, match="an edit is one of"):
        apply_edits(karate, [Edit("rewire", 1, 0)])
    from dataclasses import replace

    with pytest.raises(GatvizError, match="this dataset's task is graph"):
        flipping_set(model, replace(karate, task="graph", graph_y=torch.tensor([0])), 0)


def test_features_edit_copies_a_row_and_leaves_the_original_alone(karate):
    edited = apply_edits(karate, [Edit("features", 3, 7)])
    assert torch.equal(edited.data.x[7], karate.data.x[3])
    assert not torch.equal(karate.data.x[7], karate.data.x[3])


def test_the_greedy_flipping_set_flips_and_no_shorter_prefix_does(karate, model):
    found = None
    for centre in range(karate.num_nodes):
        found = flipping_set(model, karate, centre)
        if found:
            break
    assert found, "some karate node's prediction must rest on its incoming edges"
    before = int(neighbourhood_attention(model, karate, centre, 1).pred[centre])

    def predicted(edits):
        return int(
            neighbourhood_attention(model, apply_edits(karate, edits), centre, 1).pred[centre]
        )

    assert predicted(found) != before
    assert predicted(found[:-1]) == before


def test_edits_travel_in_a_link_and_nothing_else_parses():
    from gatviz.whatif import edits_text, parse_edits

    edits = [Edit("remove", 1, 0), Edit("add", 33, 5), Edit("features", 3, 7)]
    assert edits_text(edits) == "r1-0.a33-5.f3-7"
    assert parse_edits(edits_text(edits)) == edits and parse_edits("") == []
    for bad in ("x1-0", "r1", "r1-a", "r1-0.", "<script>"):
        with pytest.raises(ValueError):
            parse_edits(bad)


def test_attribution_scores_order_the_centres_incoming_edges_on_the_edited_graph(karate, model):
    from gatviz.attribution import node_attributions

    centre, removed = 0, Edit("remove", 1, 0)
    scores = attribution_scores(model, karate, centre, "integrated_gradients", [removed])
    edited = apply_edits(karate, [removed])
    neighbours = set(edited.data.edge_index[0, edited.data.edge_index[1] == centre].tolist())
    assert set(scores) == {(s, centre) for s in neighbours - {centre}}  # edge 1 -> 0 is gone
    table = node_attributions(model, edited, centre, methods=("integrated_gradients",)).table
    row = table[(table["source"] == 2) & (table["target"] == centre)]
    assert scores[(2, centre)] == pytest.approx(float(row["integrated_gradients"].sum()))
    # The flipping set in that order removes the highest-scored edge first.
    found = flipping_set(model, karate, centre, scores=scores, edits=[removed])
    first = max(scores, key=scores.get)
    assert found is None or (found[0].source, found[0].target) == first


def test_the_edited_graph_is_drawn_with_alpha_after_the_edits(karate, model):
    from conftest import drawn_edges
    from gatviz.whatif import ADDED, edited_overlay

    centre = 0
    edits = [Edit("remove", 1, centre), Edit("add", 33, centre)]
    result = what_if(model, karate, centre, edits)
    edges = {(e["from"], e["to"]): e for e in drawn_edges(edited_overlay(result, karate))}
    assert (1, centre) not in edges
    assert edges[(33, centre)]["dashes"] is True and ADDED in edges[(33, centre)]["title"]
    into = result.alpha[(result.alpha["layer"] == 0) & (result.alpha["target"] == centre)]
    for row in into.dropna(subset=["after"]).itertuples():
        shown = re.search(
            r"α \(mean over heads\) = ([0-9.e-]+)", edges[(row.source, centre)]["title"]
        )
        assert float(shown.group(1)) == pytest.approx(row.after, rel=1e-3)
    assert sum(edge.get("dashes", False) for edge in edges.values()) == 1
