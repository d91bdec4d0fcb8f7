"""Many people at once: sessions training the default model on karate against one server.

Starts ``streamlit run app.py`` on localhost and opens one headless Chromium with a fresh
context (a separate person) per session. A "watcher" session trains a model first (another
seed, so nothing is shared with the crowd) and measures a rerun of its Attention page (a head
change) while the server is idle. Then every crowd session presses "Train the default GAT
here" on the Attention page, one right after another, and the watcher changes its head again
while they train. Prints, per crowd session, the seconds from its click to its drawn attention
view and whether an error was shown, then the watcher's rerun idle and under load.

Bounded: at most 16 sessions, at most --timeout seconds in all; loopback only. Run it alone
(two cores): it measures how the server shares them.

Usage: python bench/app_load.py [--sessions 8] [--timeout 300]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from chromium import (
    chromium_browser,
    errors_shown,
    open_select,
    settle,  # noqa: E402
    streamlit_server,
)

MAX_SESSIONS = 16
READY = "All heads at a glance"
# Installed in each crowd tab: notes the browser's clock when the attention view is there (its
# heading, and the overlay iframe), so that every session is timed by its own browser while
# the script waits on all of them.
WATCH_READY = f"""() => {{
  window.__readyAt = null;
  const timer = setInterval(() => {{
    if (document.body.innerText.includes({READY!r}) && document.querySelector('iframe')) {{
      window.__readyAt = Date.now(); clearInterval(timer);
    }}
  }}, 25);
}}"""


def attention_tab(browser, url: str):
    # Each in its own browser window: Chromium pauses drawing in background tabs, which would
    # time the tab rather than the server.
    tab = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    tab.goto(f"{url}/Attention")
    tab.get_by_role("button", name="Train the default GAT here").wait_for(timeout=120_000)
    settle(tab)
    return tab


def head_change(tab, option: str) -> float:
    """Seconds from choosing another head until the page has rerun with it."""
    started = time.perf_counter()
    open_select(tab, "Head")
    tab.get_by_role("option", name=option, exact=True).click()
    tab.wait_for_url(re.compile(f"head={option.split()[-1]}(&|$)"), timeout=120_000)
    settle(tab, pause_ms=0)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    sessions = max(1, min(args.sessions, MAX_SESSIONS))
    deadline = time.monotonic() + args.timeout
    with streamlit_server() as url, chromium_browser() as browser:
        watcher = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        watcher.goto(f"{url}/Train")
        watcher.get_by_role("button", name="Train GAT").wait_for(timeout=120_000)
        settle(watcher)
        watcher.locator('input[aria-label="Seed"]').fill("1")
        watcher.locator('input[aria-label="Seed"]').press("Tab")
        watcher.get_by_role("button", name="Train GAT").click()
        watcher.get_by_text("Results:", exact=False).wait_for(timeout=120_000)
        watcher.get_by_role("link", name="Attention").click()
        watcher.get_by_text(READY).wait_for(timeout=120_000)
        settle(watcher)
        idle = head_change(watcher, "head 1")

        crowd = [attention_tab(browser, url) for _ in range(sessions)]
        clicked = []
        for tab in crowd:
            tab.evaluate(WATCH_READY)
            clicked.append(tab.evaluate("Date.now()"))
            tab.get_by_role("button", name="Train the default GAT here").click()
        loaded = head_change(watcher, "head 2")
        done: dict[int, float] = {}
        while len(done) < sessions and time.monotonic() < deadline:
            for i, tab in enumerate(crowd):
                ready = tab.evaluate("window.__readyAt")
                if i not in done and ready:
                    done[i] = (ready - clicked[i]) / 1000
            crowd[0].wait_for_timeout(200)
        errors = [errors_shown(tab) for tab in crowd]

    print(
        f"{sessions} sessions pressed 'Train the default GAT here' on karate, one right after "
        "another"
    )
    print(f"{'session':>8} {'click to view s':>16} {'errors':>7}")
    for i in range(sessions):
        seconds = f"{done[i]:16.2f}" if i in done else f"{'not done':>16}"
        print(f"{i:8d} {seconds} {errors[i]:7d}")
    finished = [done[i] for i in done]
    if finished:
        print(
            f"all done within {max(finished):.2f} s of their click; median "
            f"{sorted(finished)[len(finished) // 2]:.2f} s; errors shown: {sum(errors)}"
        )
    print(
        f"watcher's Attention page, head change: {idle:.2f} s idle, {loaded:.2f} s while the "
        f"{sessions} sessions trained"
    )


if __name__ == "__main__":
    main()
