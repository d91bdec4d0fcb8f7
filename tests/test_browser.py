"""End to end in a real headless Chromium: dataset -> train -> attention on karate.

Starts ``streamlit run app.py`` on a free localhost port and drives Debian's chromium with
playwright. Screenshots of every page go to ``artifacts/screenshots/`` (or $GATVIZ_ARTIFACTS).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(os.environ.get("GATVIZ_ARTIFACTS", ROOT / "artifacts")) / "screenshots"

# Counts the pixels of the vis-network canvas that are not background: a drawn graph has many.
DRAWN_PIXELS = """() => {
  const canvas = document.querySelector('canvas');
  if (!canvas || !canvas.width) return 0;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let count = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && (data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235)) count++;
  }
  return count;
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    if not Path(CHROMIUM).exists():
        message = "chromium not found: apt-get install -y chromium (the README's test command)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("streamlit did not start within 60 s:\n" +
                    process.stdout.read().decode(errors="replace")[-2000:])
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield tab
        browser.close()


def _settle(page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(500)


def _no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _graph_iframe(page):
    for frame in page.frames:
        if frame != page.main_frame and frame.query_selector("canvas"):
            return frame
    return None


def _wait_for_graph(page):
    """The pyvis iframe whose canvas has a drawn graph (fails after 30 s)."""
    deadline = time.monotonic() + 30
    frame, drawn = None, 0
    while time.monotonic() < deadline and drawn < 2000:
        frame = _graph_iframe(page)
        drawn = frame.evaluate(DRAWN_PIXELS) if frame else 0
        page.wait_for_timeout(300)
    assert frame is not None, "the overlay's iframe has no canvas"
    assert drawn >= 2000, f"the overlay canvas looks empty ({drawn} drawn pixels)"
    page.wait_for_timeout(500)
    return frame


def test_dataset_train_attention_in_a_real_browser(server, page):
    page.goto(server)
    _settle(page)
    page.get_by_text("see what a Graph Attention Network attends to").wait_for()
    _no_error(page)
    _shot(page, "1_home")

    page.get_by_role("link", name="Dataset").click()
    _settle(page)
    page.get_by_text("Class distribution").wait_for()
    page.locator('[data-testid="stMetricValue"]').first.wait_for()
    _wait_for_graph(page)
    _no_error(page)
    _shot(page, "2_dataset")

    page.get_by_role("link", name="Train").click()
    _settle(page)
    page.get_by_role("button", name="Train GAT").click()
    page.get_by_text("Results: karate GAT").wait_for(timeout=120_000)
    _settle(page)
    _no_error(page)
    _shot(page, "3_train")

    page.get_by_role("link", name="Attention").click()
    _settle(page)
    page.get_by_text("All heads at a glance").wait_for()
    frame = _wait_for_graph(page)
    assert frame.query_selector("#gatviz-legend") is not None
    _no_error(page)
    assert "model=karate" in page.url and "node=" in page.url
    _shot(page, "4_attention")
