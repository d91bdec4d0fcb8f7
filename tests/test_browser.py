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

from chromium import (CHROMIUM, DRAWN_CHARTS, ROOT, choose, chromium_page,
                      errors_shown, open_select, settle, shot, streamlit_server, wait_for_graph)

SHOTS = Path(os.environ.get("GATVIZ_ARTIFACTS", ROOT / "artifacts")) / "screenshots"


@pytest.fixture(scope="module")
def server():
    if not Path(CHROMIUM).exists():
        message = "chromium not found: apt-get install -y chromium (the README's test command)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
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
    first = _attention_page(browser.new_context(accept_downloads=True, viewport=viewport),
                            f"{server}/Attention")
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
    second = _attention_page(browser.new_context(accept_downloads=True, viewport=viewport),
                             link)
    second.get_by_text("All heads at a glance").wait_for(timeout=60_000)
    second.get_by_text("Node 12 · member 12").wait_for()
    wait_for_graph(second)
    assert errors_shown(second) == 0
    assert _download(second, "Download the attention table (CSV)") == table
    assert table.startswith(b"layer,") and table.count(b"\n") > 100
    shot(second, SHOTS, "8_link_reopened")

    # A link made on an uploaded CSV says what it cannot bring back.
    third = _attention_page(browser.new_context(viewport=viewport),
                            f"{server}/Attention?dataset=csv&csv=friends")
    third.get_by_text("uploaded CSV graph (friends)", exact=False).wait_for()
    third.get_by_text("upload it on the Dataset page", exact=False).wait_for()
    shot(third, SHOTS, "9_csv_link")
