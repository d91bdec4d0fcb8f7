"""The notebook widget's Python side: what a click sets, and what Python then has. The click
itself, in a real JupyterLab and browser, is tests/test_jupyterlab.py."""

import pytest
import traitlets

from gatviz.errors import GatvizError
from gatviz.jupyter_widget import CLICKS, widget
from gatviz.model import with_self_loops
from gatviz.overlay import LEGEND_HEIGHT


@pytest.fixture(scope="module")
def view(karate, karate_trained):
    return widget(karate_trained[0].model, karate, node=0, hops=1)


def test_nothing_is_selected_before_a_click(view):
    assert view.selected is None and view.alpha_table is None


def test_a_selected_node_has_its_incoming_alpha_beside_the_uniform_share(view, karate):
    view.selected = 5
    table = view.alpha_table
    looped = with_self_loops(karate.data.edge_index, karate.num_nodes)
    neighbours = sorted(looped[0, looped[1] == 5].tolist())
    layers = len(view._layers)
    heads = [view._layers[layer].alpha.size(1) for layer in range(layers)]
    assert len(table) == len(neighbours) * sum(heads)
    for (layer, head), rows in table.groupby(["layer", "head"]):
        assert sorted(rows["source"]) == neighbours
        assert rows["alpha"].sum() == pytest.approx(1.0, abs=1e-5)  # a softmax over N(5)
        assert (rows["uniform"] == 1 / len(neighbours)).all()
        assert rows["alpha"].is_monotonic_decreasing  # strongest first
        expected = view._layers[layer].alpha[view._layers[layer].edge_index[1] == 5, head]
        assert sorted(rows["alpha"]) == pytest.approx(sorted(expected.tolist()))
    assert list(table["name"]) == [karate.node_names[s] for s in table["source"]]


def test_a_node_outside_the_graph_is_refused(view, karate):
    with pytest.raises(traitlets.TraitError, match="not in the graph"):
        view.selected = karate.num_nodes
    with pytest.raises(GatvizError, match="not in the graph"):
        view.centre(-1)


def test_centre_redraws_around_another_node_and_the_page_reports_clicks(view):
    before = view.page
    view.centre(33)
    assert view.options.node == 33 and view.page != before
    # the page tells its parent which node was clicked, after the graph is drawn
    assert view.page.count(CLICKS) == 1
    assert view.page.index("drawGraph();") < view.page.index(CLICKS) < view.page.index("</body>")


def test_the_widget_carries_the_page_and_height_to_the_browser(view):
    state = view.get_state()
    assert state["page"] == view.page
    assert state["height"] == view.options.height + LEGEND_HEIGHT
    assert state["selected"] == view.selected
