"""End to end in a real headless Chromium: dataset -> train -> attention -> analysis on karate.

Starts ``streamlit run app.py`` on a free localhost port and drives Debian's chromium with
playwright (helpers in ``tests/chromium.py``). Screenshots of every page go to
``artifacts/screenshots/`` (or $GATVIZ_ARTIFACTS).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from chromium import (
    DRAWN_CHARTS,
    ROOT,
    choose,
    chromium_page,
    errors_shown,
    open_select,
    overflowing,
    require_chromium,
    settle,
    shot,
    streamlit_server,
    wait_for_graph,
)

SHOTS = Path(os.environ.get("GATVIZ_ARTIFACTS", ROOT / "artifacts")) / "screenshots"


@pytest.fixture(scope="module")
def server():
    require_chromium()
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="module")
def page(server):
    with chromium_page() as tab:
        yield tab


def _no_error(page) -> None:
    assert errors_shown(page) == 0


def test_a_page_opened_during_the_cold_start_waits_for_it(server, page):
    """The home page draws before torch and PyG are imported; pages opened meanwhile wait for
    that import instead of importing beside it (which once failed with half-imported modules).
    The server is fresh: this is its first session."""
    page.goto(server)
    page.get_by_text("see what a Graph Attention Network attends to").wait_for()
    for name in ("Analysis", "Train", "Dataset", "Attention"):
        page.get_by_role("link", name=name).click()
        page.wait_for_timeout(150)
    page.get_by_text("No model on this dataset yet").wait_for(timeout=60_000)
    settle(page)
    _no_error(page)


def test_dataset_train_attention_in_a_real_browser(server, page):
    page.goto(server)
    settle(page)
    page.get_by_text("see what a Graph Attention Network attends to").wait_for()
    _no_error(page)
    nav = page.locator('[data-testid="stSidebarNav"] a')
    assert [text.split()[-1] for text in nav.all_inner_texts()] == [  # after its icon
        "Home",
        "Dataset",
        "Train",
        "Attention",
        "Analysis",
        "Compare",
    ]
    assert page.title() == "gatviz: GAT attention explorer"
    shot(page, SHOTS, "1_home")

    page.get_by_role("link", name="Dataset").click()
    settle(page)
    page.get_by_text("Class distribution").wait_for()
    page.locator('[data-testid="stMetricValue"]').first.wait_for()
    wait_for_graph(page)
    _no_error(page)
    shot(page, SHOTS, "2_dataset")

    page.get_by_role("link", name="Train").click()
    settle(page)
    page.get_by_role("button", name="Train GAT").click()
    page.get_by_text("Results: karate GAT").wait_for(timeout=120_000)
    settle(page)
    _no_error(page)
    shot(page, SHOTS, "3_train")

    page.get_by_role("link", name="Attention").click()
    settle(page)
    page.get_by_text("All heads at a glance").wait_for()
    frame = wait_for_graph(page)
    assert frame.query_selector("#gatviz-legend") is not None
    _no_error(page)
    assert "model=karate" in page.url and "node=" in page.url
    shot(page, SHOTS, "4_attention")

    page.get_by_role("link", name="Analysis").click()
    settle(page)
    page.get_by_text("What this says").wait_for()
    page.get_by_text("Attention over training").wait_for()
    page.wait_for_function(f"() => ({DRAWN_CHARTS})() >= 8", timeout=30_000)
    _no_error(page)
    shot(page, SHOTS, "5_analysis")

    # The two studies from their buttons: their sections draw (seeds' tables, the agreement
    # heatmap and the deletion curves), and the Attention page then shows a method's scores
    # with the unstable edges dashed.
    page.get_by_role("button", name="Train 5 seeds and compare").click()
    page.get_by_text("Predictions that differ between two seeds").wait_for(timeout=120_000)
    settle(page)
    charts = page.evaluate(f"({DRAWN_CHARTS})()")
    page.get_by_role("button", name="Score 20 test nodes with every method").click()
    page.get_by_text("A ranking that finds what the prediction rests on").wait_for(timeout=120_000)
    settle(page)
    page.wait_for_function(f"() => ({DRAWN_CHARTS})() >= {charts + 2}", timeout=30_000)
    _no_error(page)
    shot(page, SHOTS, "6_analysis_studies")

    page.get_by_role("link", name="Attention").click()
    settle(page)
    wait_for_graph(page)
    choose(page, "Edges show", "attention flow")
    page.get_by_text("α beside attention flow").wait_for(timeout=60_000)
    page.get_by_text("Dash unstable edges").click()
    settle(page)
    frame = wait_for_graph(page)
    assert "attention flow" in frame.inner_text("#gatviz-legend")
    assert "edges=attention_flow" in page.url and "unstable=" in page.url
    _no_error(page)
    shot(page, SHOTS, "7_attention_flow")

    # The embedding view: a click on the projection makes the nearest node the centre.
    before = re.search(r"node=(\d+)", page.url).group(1)
    page.get_by_text("Embedding: the last hidden layer in 2-D").click()
    page.get_by_text("Click a point to make it the centre node").wait_for(timeout=60_000)
    settle(page)
    chart = page.locator(".st-key-embedding_chart")  # by its key: the heads grid follows it
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    for fx, fy in ((0.2, 0.3), (0.8, 0.7), (0.5, 0.2), (0.3, 0.8)):
        page.mouse.click(box["x"] + fx * box["width"] * 0.8, box["y"] + fy * box["height"])
        settle(page)
        now = re.search(r"node=(\d+)", page.url)
        if now is None or now.group(1) != before:  # the default centre leaves the URL empty
            break
    assert now is None or now.group(1) != before, "a click on the embedding must move the centre"
    _no_error(page)
    shot(page, SHOTS, "8_attention_embedding")


def test_every_page_fits_windows_of_1280_and_1920_px(server, page):
    """Every page at a common laptop width and a wide screen, with the model trained above
    (reopened from its link): screenshots, and nothing cut off or spilling past the edge."""
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 1000})
    tab = context.new_page()
    tab.goto(f"{server}/?dataset=karate&model=karate+GAT")
    tab.get_by_text("see what a Graph Attention Network attends to").wait_for(timeout=60_000)
    for name, ready in (
        ("Home", "Quick start"),
        ("Dataset", "Class distribution"),
        ("Train", "Results: karate GAT"),
        ("Attention", "All heads at a glance"),
        ("Analysis", "Attention over training"),
        ("Compare", "needs two models"),
    ):
        tab.get_by_role("link", name=name, exact=True).click()
        tab.get_by_text(ready).first.wait_for(timeout=120_000)
        for width in (1280, 1920):
            tab.set_viewport_size({"width": width, "height": 1000})
            settle(tab)
            if name in ("Dataset", "Attention"):
                wait_for_graph(tab)
            if name == "Analysis":
                tab.wait_for_function(f"() => ({DRAWN_CHARTS})() >= 8", timeout=30_000)
            shot(tab, SHOTS, f"fit_{width}_{name.lower()}")
            assert errors_shown(tab) == 0
            assert overflowing(tab) == [], (name, width)
        tab.set_viewport_size({"width": 1280, "height": 1000})
    context.close()


def test_stop_keeps_the_best_weights_so_far_as_a_model(server, page):
    page.goto(f"{server}/Train")
    page.get_by_role("button", name="Train GAT").wait_for(timeout=60_000)
    settle(page)
    page.locator('input[aria-label="Epochs"]').fill("5000")
    page.locator('input[aria-label="Patience (0 = off)"]').fill("0")
    page.locator('input[aria-label="Model name"]').fill("long run")
    page.locator('input[aria-label="Model name"]').press("Tab")
    page.get_by_role("button", name="Train GAT").click()
    page.get_by_text("Epoch ", exact=False).first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Stop training").click()
    page.get_by_text("Results: long run").wait_for(timeout=60_000)
    settle(page)
    page.get_by_text("Stopped after", exact=False).wait_for()
    _no_error(page)
    shot(page, SHOTS, "6_train_stopped")


def _download(page, label: str) -> bytes:
    with page.expect_download() as download:
        page.get_by_role("button", name=label).click()
    return Path(download.value.path()).read_bytes()


def _attention_page(context, url: str):
    tab = context.new_page()
    tab.goto(url)
    tab.get_by_text("Attention", exact=True).first.wait_for(timeout=60_000)
    settle(tab)
    return tab


def test_a_copied_link_reopens_the_same_view_in_a_fresh_browser(server, page):
    viewport = {"width": 1400, "height": 1000}
    browser = page.context.browser
    # Every context below is a fresh profile: another person, as far as the server knows.
    first = _attention_page(
        browser.new_context(accept_downloads=True, viewport=viewport), f"{server}/Attention"
    )
    train = first.get_by_role("button", name="Train the default GAT here")
    train.or_(first.get_by_text("All heads at a glance")).first.wait_for(timeout=60_000)
    if train.count():
        train.click()
    first.get_by_text("All heads at a glance").wait_for(timeout=120_000)
    settle(first)
    choose(first, "Layer", "1")  # not the defaults: layer 0, the mean over heads, node 33
    settle(first)
    choose(first, "Head", "head 0")
    settle(first)
    open_select(first, "Centre node (type to search by id or name)")
    first.keyboard.type("member 12")  # the list is long: search it
    first.get_by_role("option", name=re.compile(r"^12 · ")).click()
    settle(first)
    first.get_by_text("Node 12 · member 12").wait_for()
    wait_for_graph(first)
    link = first.url
    assert all(part in link for part in ("layer=1", "head=0", "node=12", "model=karate"))
    table = _download(first, "Download the attention table (CSV)")
    shot(first, SHOTS, "7_link_copied")

    # Another person: a fresh profile, no cookies, a new session on the server.
    second = _attention_page(browser.new_context(accept_downloads=True, viewport=viewport), link)
    second.get_by_text("All heads at a glance").wait_for(timeout=60_000)
    second.get_by_text("Node 12 · member 12").wait_for()
    wait_for_graph(second)
    assert errors_shown(second) == 0
    assert _download(second, "Download the attention table (CSV)") == table
    assert table.startswith(b"layer,") and table.count(b"\n") > 100
    shot(second, SHOTS, "8_link_reopened")

    # A link made on an uploaded CSV says what it cannot bring back.
    third = _attention_page(
        browser.new_context(viewport=viewport), f"{server}/Attention?dataset=csv&csv=friends"
    )
    third.get_by_text("uploaded CSV graph (friends)", exact=False).wait_for()
    third.get_by_text("upload it on the Dataset page", exact=False).wait_for()
    shot(third, SHOTS, "9_csv_link")


HOSTILE_NAMES = [
    "`![t](http://tracker.invalid/a.png)`",
    "# Heading",
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    "[link](javascript:alert(3))",
    "a` ![t](http://tracker.invalid/c.png) `b",
    "![t](http://tracker.invalid/d.png)",
]


def _hostile_checkpoint(path: Path) -> bytes:
    import json

    from safetensors import safe_open
    from safetensors.torch import save

    with safe_open(str(path), "pt") as f:
        meta = json.loads(f.metadata()["gatviz"])
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    meta["version"] = "<img src=http://tracker.invalid/v.png onerror=alert(4)>"
    meta["metrics"] = {"test_acc": "![m](http://tracker.invalid/m.png)", "train_acc": 0.5}
    return save(tensors, metadata={"gatviz": json.dumps(meta)})


def _upload(tab, index: int, name: str, data: bytes, mime: str = "text/csv") -> None:
    tab.locator('input[type="file"]').nth(index).set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )


def _assert_nothing_injected(tab) -> None:
    """No element that a hostile name or file could have injected, in the page or any frame."""
    for frame in tab.frames:  # the page and the overlay's iframe
        assert frame.locator("img[src*='tracker'], img[src='x'], script:text('alert')").count() == 0
        assert frame.locator("h1:text-is('Heading'), h2:text-is('Heading')").count() == 0
        links = frame.locator("a[href*='tracker'], a[href^='javascript']")
        assert links.count() == 0, [
            links.nth(i).evaluate("e => e.outerHTML") for i in range(links.count())
        ]


def test_hostile_files_inject_nothing_fetch_nothing_and_stay_in_their_session(
    server, page, karate_checkpoint
):
    browser = page.context.browser
    viewport = {"width": 1400, "height": 1000}
    context = browser.new_context(viewport=viewport)
    requests, dialogs = [], []
    context.on("request", lambda request: requests.append(request.url))
    tab = context.new_page()
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # A checkpoint whose file name and metadata carry markup, loaded on karate.
    tab.goto(f"{server}/Train")
    tab.get_by_role("button", name="Train GAT").wait_for(timeout=60_000)
    settle(tab)
    tab.get_by_text(
        "Load a checkpoint (.safetensors saved by gatviz, or a GAT trained in PyG)"
    ).click()
    _upload(
        tab,
        0,
        "# ![c](http:tracker.invalid).safetensors",
        _hostile_checkpoint(karate_checkpoint),
        "application/octet-stream",
    )
    settle(tab)
    tab.get_by_role("button", name="Load checkpoint").click()
    tab.locator('[data-testid="stAlertContentSuccess"]').wait_for(timeout=60_000)
    settle(tab)
    shot(tab, SHOTS, "10_hostile_checkpoint")
    tab.get_by_role("link", name="Attention", exact=True).click()
    tab.get_by_text("All heads at a glance").wait_for(timeout=120_000)
    settle(tab)
    assert errors_shown(tab) == 0
    _assert_nothing_injected(tab)

    # A CSV graph whose file names and node names carry markup, trained.
    tab.get_by_role("link", name="Dataset").click()
    tab.get_by_role("button", name="Load dataset").wait_for(timeout=60_000)
    settle(tab)
    choose(tab, "Graph", "your CSV: an edge list and an optional node table")
    tab.get_by_text("Options for the chosen graph").click()
    names = "".join(f'n{i},"{HOSTILE_NAMES[i % len(HOSTILE_NAMES)]}",c{i % 2}\n' for i in range(7))
    edges = "source,target\nn0,n1\nn1,n2\nn2,n0\nn3,n4\nn4,n5\nn5,n3\nn2,n3\n" + "".join(
        f"n6,n{i}\n" for i in range(5)
    )  # n6, named like a markdown image, is the default centre
    _upload(tab, 0, "![x](http:tracker.invalid b.png).csv", edges.encode())
    _upload(tab, 1, "<img src=x onerror=alert(5)>.csv", ("id,name,label\n" + names).encode())
    settle(tab)
    tab.get_by_role("button", name="Load dataset").click()
    tab.locator('[data-testid="stAlertContentSuccess"]').wait_for(timeout=60_000)
    settle(tab)
    _assert_nothing_injected(tab)  # the Dataset page and its preview draw the hostile names
    tab.get_by_role("link", name="Train").click()
    tab.get_by_role("button", name="Train GAT").wait_for(timeout=60_000)
    settle(tab)
    tab.get_by_role("button", name="Train GAT").click()
    tab.get_by_text("Results:", exact=False).wait_for(timeout=120_000)
    settle(tab)

    for name, ready in (
        ("Attention", "All heads at a glance"),
        ("Analysis", "What this says"),
        ("Home", "Quick start"),
    ):
        tab.get_by_role("link", name=name, exact=True).click()
        tab.get_by_text(ready).wait_for(timeout=120_000)
        settle(tab)
        if name == "Attention":
            wait_for_graph(tab)
            shot(tab, SHOTS, "11_hostile_attention")
        assert errors_shown(tab) == 0
        _assert_nothing_injected(tab)  # each page while it is open, its overlay's iframe too
    hostile_link = tab.url

    assert dialogs == []
    origin = server.rstrip("/")
    outside = [
        url for url in requests if not url.startswith((origin + "/", "data:", "blob:", "about:"))
    ]
    assert outside == [], outside

    # Another person sees none of it, even with the first person's link.
    other = browser.new_context(viewport=viewport).new_page()
    other.goto(hostile_link)
    other.get_by_text("uploaded CSV graph", exact=False).wait_for(timeout=60_000)
    settle(other)
    sidebar = other.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("none yet").wait_for()  # no model: neither the CSV's nor the file's
    assert "karate" in sidebar.inner_text()
    assert other.locator("img[src*='tracker']").count() == 0  # the link names it, as text
    context.close()
