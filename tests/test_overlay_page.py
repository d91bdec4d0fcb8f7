"""The overlay page in a real headless Chromium: drawn while hidden or narrow (a closed tab, a
notebook cell out of view), it fits the graph again once it is shown; a view the person zoomed
stays as they left it."""

from __future__ import annotations

import pytest

from chromium import chromium_page, require_chromium

from gatviz.datasets import load_dataset
from gatviz.overlay import OverlayOptions, overlay_html, uniform_attention

# Every drawn node's position on the canvas, in CSS pixels, and the canvas's size.
PLACES = """() => {
  const canvas = document.querySelector('canvas');
  const ids = network.body.nodeIndices;
  const at = network.getPositions(ids);
  return {
    width: canvas.clientWidth,
    height: canvas.clientHeight,
    scale: network.getScale(),
    spots: ids.map(id => network.canvasToDOM(at[id])),
  };
}"""


@pytest.fixture(scope="module")
def page_html() -> str:
    karate = load_dataset("karate")
    layers = uniform_attention(karate.data.edge_index, karate.num_nodes)
    return overlay_html(karate, layers, OverlayOptions(node=0, hops=1, head=0))


def _framed(page, page_html: str, hidden: str):
    """The overlay in an iframe inside a box styled ``hidden``; returns the iframe's frame once
    vis-network has made its canvas (drawn, unless the box hides it)."""
    page.set_content(
        f"<html><body style='margin:0'><div id=box style='{hidden}'>"
        "<iframe id=overlay style='width:100%;height:716px;border:0'></iframe></div></body></html>"
    )
    page.evaluate("html => { document.getElementById('overlay').srcdoc = html; }", page_html)
    frame = page.frame_locator("#overlay")
    frame.locator("canvas").wait_for(state="attached")
    page.wait_for_timeout(300)
    return page.frames[1]


def _show(page) -> None:
    page.evaluate("() => { document.getElementById('box').style.cssText = ''; }")
    page.wait_for_timeout(500)


def _all_inside(places: dict) -> bool:
    return all(
        0 <= spot["x"] <= places["width"] and 0 <= spot["y"] <= places["height"]
        for spot in places["spots"]
    )


@pytest.mark.parametrize("hidden", ["display:none", "content-visibility:hidden", "width:300px"])
def test_a_page_drawn_hidden_or_narrow_fits_its_graph_once_shown(page_html, hidden):
    require_chromium()
    with chromium_page(1400, 1000) as page:
        frame = _framed(page, page_html, hidden)
        _show(page)
        places = frame.evaluate(PLACES)
        assert places["width"] > 1000
        assert _all_inside(places), places


def test_a_view_the_person_zoomed_is_kept_through_a_resize(page_html):
    require_chromium()
    with chromium_page(1400, 1000) as page:
        frame = _framed(page, page_html, "")
        box = page.locator("#overlay").bounding_box()
        page.mouse.move(box["x"] + 300, box["y"] + 300)
        for _ in range(8):  # zoom in, about 2.5x
            page.mouse.wheel(0, -300)
            page.wait_for_timeout(50)
        page.wait_for_timeout(300)
        before = frame.evaluate(PLACES)
        zoomed = before["scale"]
        assert zoomed > 2
        page.evaluate("() => { document.getElementById('box').style.width = '900px'; }")
        page.wait_for_timeout(500)
        after = frame.evaluate(PLACES)
        assert after["width"] < 1000
        # vis-network keeps the camera (its scale follows the width); no fit undid the zoom
        ratio = after["width"] / before["width"]
        assert after["scale"] == pytest.approx(zoomed * ratio, rel=0.02)
        assert not _all_inside(after)
