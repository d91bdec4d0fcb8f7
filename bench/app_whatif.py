"""What-if edits in the browser: from the click to the updated before/after view, in headless
Chromium, beside the Attention page's own rerun measured the same way in the same run.

Starts ``streamlit run app.py``, loads the dataset on the Dataset page and trains the default
GAT from the Attention page's button (its default centre: the best-connected node that can be
drawn), opens *What if?* and times removing one of the centre's incoming edges (click on
*Apply* to the before/after view and the edited graph drawn) and undoing it, --repeats times
each; then --repeats reruns after a head change (the reference). Saves a screenshot with one
edit applied to artifacts/screenshots/<dataset>/attention_what_if.png. Goal (issue 17): a
recompute under 0.3 s (bench/whatif_speed.py measures the library's part). Data:
$GATVIZ_DATA_DIR if set, else ../shared/datasets/planetoid. Run it alone.

Usage: python bench/app_whatif.py [--dataset cora] [--repeats 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "tests", ROOT / "bench"):
    sys.path.insert(0, str(folder))
from chromium import (  # noqa: E402
    DRAWN_PIXELS,
    chromium_page,
    head_reruns,
    load_on_dataset_page,
    median_runs,
    settle,
    shot,
    streamlit_server,
    wait_for_graph,
)
from planetoid_data import planetoid_root  # noqa: E402
from gatviz.datasets import DATASETS  # noqa: E402


def wait_for_edited_graph(page, timeout: float = 60) -> None:
    """Until the edited graph's overlay (its legend says "after the edits:") has drawn."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames[1:]:
            try:
                if "after the edits:" in frame.evaluate("() => document.body.innerText") and (
                    frame.evaluate(DRAWN_PIXELS) > 2000
                ):
                    return
            except Exception:  # a frame being replaced
                pass
        page.wait_for_timeout(20)
    raise AssertionError("the edited graph was not drawn")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="cora")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with (
        planetoid_root() as root,
        streamlit_server({"GATVIZ_DATA_DIR": str(root)}) as url,
        chromium_page(1400, 1000) as page,
    ):
        load_on_dataset_page(page, url, args.dataset, f"{args.dataset}: {DATASETS[args.dataset]}")
        page.get_by_role("link", name="Attention").click()
        page.get_by_role("button", name="Train the default GAT here").click(timeout=120_000)
        page.get_by_text("True class").first.wait_for(timeout=300_000)
        settle(page)
        wait_for_graph(page)
        page.get_by_text("What if? Edit the graph around this node").first.click()
        apply = page.get_by_role("button", name="Apply", exact=True)
        apply.wait_for()
        settle(page)
        applied, undone = [], []
        for _ in range(args.repeats):
            started = time.perf_counter()
            apply.click()
            page.get_by_text("after the edits").first.wait_for(timeout=60_000)
            settle(page, pause_ms=0)
            wait_for_edited_graph(page)
            applied.append(time.perf_counter() - started)
            started = time.perf_counter()
            page.get_by_role("button", name="Undo last").click()
            page.get_by_text("after the edits").first.wait_for(state="detached", timeout=60_000)
            settle(page, pause_ms=0)
            undone.append(time.perf_counter() - started)
        print(
            "what if, an incoming edge removed, click to the before/after view and the edited "
            f"graph drawn: {median_runs(applied)}"
        )
        print(f"what if, undo: {median_runs(undone)}")
        reference = head_reruns(page, args.repeats)
        print(f"reference, Attention page rerun after a head change: {median_runs(reference)}")
        apply.click()
        page.get_by_text("after the edits").first.wait_for(timeout=60_000)
        settle(page)
        wait_for_edited_graph(page)
        page.get_by_text("The edited graph around node").first.scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        folder = ROOT / "artifacts" / "screenshots" / args.dataset
        print(f"screenshot: {shot(page, folder, 'attention_what_if')}")


if __name__ == "__main__":
    main()
