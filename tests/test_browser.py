"""End to end in a real headless Chromium: dataset -> train -> attention -> analysis on karate.

Starts ``streamlit run app.py`` on a free localhost port and drives Debian's chromium with
playwright (helpers in ``tests/chromium.py``). Screenshots of every page go to
``artifacts/screenshots/`` (or $GATVIZ_ARTIFACTS).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from chromium import (CHROMIUM, DRAWN_CHARTS, ROOT, chromium_page, errors_shown, settle, shot,
                      streamlit_server, wait_for_graph)

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
