"""Driving the app in a real headless Chromium: start ``streamlit run app.py``, wait for reruns,
find the drawn overlay. Used by ``tests/test_browser.py`` and ``bench/app_timings.py``.

Chromium is Debian's (``apt-get install -y chromium``), driven with playwright; nothing is
downloaded.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

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

# Elements of the page that do not fit: anything drawn past the right edge of the main column
# (spilling out of the page), or past the right edge of an ancestor that hides its overflow
# (cut off, as the eighth head of an overflowing chart was). Scrolling containers are fine:
# what they hold can be reached. Returns a description of each, up to 20.
OVERFLOWING = """() => {
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  if (!main) return ['no main block'];
  const right = main.getBoundingClientRect().right;
  const found = [];
  for (const el of main.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    let limit = right, why = 'spills past the main column';
    for (let up = el.parentElement; up && up !== main; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      if (overflow === 'auto' || overflow === 'scroll') { limit = Infinity; break; }
      if (overflow === 'hidden' || overflow === 'clip') {
        const clip = up.getBoundingClientRect();
        // A container of a pixel or two hides text for screen readers only (KaTeX's MathML).
        limit = clip.width <= 2 ? Infinity : clip.right;
        why = 'is cut off by its container';
        break;
      }
    }
    const style = getComputedStyle(el);
    if (style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1) {
      found.push(`text "${el.textContent.trim().slice(0, 40)}" is cut to an ellipsis`);
      continue;
    }
    if (box.right > limit + 1) {
      const id = el.closest('[data-testid]');
      const text = (el.textContent || '').trim().slice(0, 40);
      found.push(`${el.tagName.toLowerCase()} in ${id ? id.dataset.testid : '?'} ("${text}") ` +
                 `${why} by ${Math.round(box.right - limit)} px`);
      if (found.length >= 20) break;
    }
  }
  return found;
}"""


def overflowing(page) -> list[str]:
    """What on the page does not fit its container (see OVERFLOWING)."""
    return page.evaluate(OVERFLOWING)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(env: dict | None = None, timeout: float = 60) -> Iterator[str]:
    """``streamlit run app.py`` on a free localhost port; yields its URL, stops it afterwards."""
    with streamlit_process(env, timeout) as (url, _):
        yield url


@contextmanager
def streamlit_process(env: dict | None = None, timeout: float = 60):
    """Like :func:`streamlit_server`, yielding ``(url, process)``."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    if not answers(f"{url}/_stcore/health", process, timeout):
        process.kill()
        raise RuntimeError(
            f"streamlit did not start within {timeout:.0f} s:\n"
            + process.stdout.read().decode(errors="replace")[-2000:]
        )
    try:
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=20)


def answers(url: str, process: subprocess.Popen, timeout: float) -> bool:
    """Whether ``url`` answers 200 within ``timeout`` seconds while ``process`` (the server
    starting) is alive."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                return True
        except OSError:
            time.sleep(0.3)
    return False


@contextmanager
def chromium_browser():
    """Debian's chromium, headless; each ``browser.new_context()`` is a fresh profile (another
    person, as far as the app can tell)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def chromium_page(width: int = 1400, height: int = 1000):
    with chromium_browser() as browser:
        yield browser.new_page(viewport={"width": width, "height": height})


def settle(page, pause_ms: int = 500) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
    )
    page.wait_for_timeout(pause_ms)


def errors_shown(page) -> int:
    return (
        page.locator('[data-testid="stException"]').count()
        + page.locator('[data-testid="stAlertContentError"]').count()
    )


def shot(page, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def choose_csv_files(page, url: str, edges: Path, nodes: Path) -> None:
    """On the Dataset page, pick 'your CSV' and attach both files, ready for *Load dataset*."""
    page.goto(f"{url}/Dataset")
    page.get_by_role("button", name="Load dataset").wait_for(timeout=120_000)
    settle(page)
    page.locator('[data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="your CSV: an edge list and an optional node table").click()
    page.get_by_text("Options for the chosen graph").click()
    inputs = page.locator('input[type="file"]')
    inputs.nth(0).set_input_files(str(edges))
    inputs.nth(1).set_input_files(str(nodes))
    page.get_by_text(nodes.name).wait_for()


def require_chromium() -> None:
    """Skip a browser test without chromium; on CI, where the README's command installs it,
    fail instead."""
    import pytest

    if not Path(CHROMIUM).exists():
        message = "chromium not found: apt-get install -y chromium (the README's test command)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def graph_iframe(page):
    for frame in page.frames:
        if frame != page.main_frame and frame.query_selector("canvas"):
            return frame
    return None


def wait_for_graph(page, minimum: int = 2000, timeout: float = 30):
    """The pyvis iframe whose canvas has a drawn graph; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    frame, drawn = None, 0
    while time.monotonic() < deadline and drawn < minimum:
        frame = graph_iframe(page)
        drawn = frame.evaluate(DRAWN_PIXELS) if frame else 0
        page.wait_for_timeout(300)
    assert frame is not None, "the overlay's iframe has no canvas"
    assert drawn >= minimum, f"the overlay canvas looks empty ({drawn} drawn pixels)"
    page.wait_for_timeout(500)
    return frame


def open_select(page, label: str) -> None:
    """Open the drop-down of the selectbox labelled ``label``."""
    page.locator('[data-testid="stSelectbox"]').filter(
        has=page.get_by_text(label, exact=True)
    ).first.click()


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label``."""
    open_select(page, label)
    page.get_by_role("option", name=option, exact=True).click()


# Vega-Lite charts drawn on the page (Streamlit renders them as canvas or svg inside
# .vega-embed): how many have something drawn.
DRAWN_CHARTS = """() => [...document.querySelectorAll('.vega-embed')].filter(e => {
  const c = e.querySelector('canvas'); const s = e.querySelector('svg');
  return (c && c.width > 0 && c.height > 0) || (s && s.querySelectorAll('path,rect').length > 2);
}).length"""


def load_on_dataset_page(page, url: str, name: str, option: str) -> None:
    """Open the Dataset page and load ``name`` (picked by its ``option`` text; karate is
    already there)."""
    page.goto(f"{url}/Dataset")
    page.get_by_role("button", name="Load dataset").wait_for(timeout=120_000)
    settle(page)
    if name != "karate":
        choose(page, "Graph", option)
        page.get_by_role("button", name="Load dataset").click()
        page.get_by_text(f"Loaded {name}.").wait_for(timeout=120_000)
        settle(page)


def head_reruns(page, repeats: int, first: int = 0) -> list[float]:
    """Seconds from picking a head on the Attention page (heads ``first``, ``first + 1``, ...
    mod 2) to the page settled, one per repeat. The picker is opened by keyboard (with
    "Explain this α" open, a click on it does not open it), else by a click."""
    seconds = []
    for k in range(repeats):
        head = (first + k) % 2
        option = page.get_by_role("option", name=f"head {head}", exact=True)
        page.locator(".st-key-att_head input").focus()
        page.keyboard.press("ArrowDown")
        try:
            option.wait_for(timeout=3000)
        except Exception:  # noqa: BLE001 - not opened by keyboard here: by a click
            page.keyboard.press("Escape")
            open_select(page, "Head")
            option.wait_for()
        started = time.perf_counter()
        option.click()
        page.wait_for_url(f"**head={head}**", timeout=60_000)
        settle(page, pause_ms=0)
        seconds.append(time.perf_counter() - started)
    return seconds


def median_runs(seconds: list[float]) -> str:
    """``median 0.42 s (runs: ...)``, as the benchmarks print their waits."""
    runs = ", ".join(f"{s:.2f}" for s in seconds)
    return f"median {statistics.median(seconds):.2f} s (runs: {runs})"
