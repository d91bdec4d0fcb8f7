"""Sets of graphs in the app, in headless Chromium: what a person waits for on MUTAG.

Starts ``streamlit run app.py`` with the shared MUTAG files as the data directory and drives
Chromium through: choosing another centre node on karate (the reference, drawn the same way),
loading MUTAG on the Dataset page, training the default GAT from the Train page's button until
the results show, the Attention page's first draw on a test molecule, choosing another molecule
until its overlay is drawn, and the Analysis page's first draw over the test graphs. After each
step the server's resident memory. Screenshots go to ``artifacts/screenshots/sets_*.png``.

Usage: python bench/app_graph_sets.py
Run it alone: the server, the browser and this process share two cores.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "tests", ROOT / "bench"):
    sys.path.insert(0, str(folder))
from timing import memory_mb  # noqa: E402
from chromium import (
    DRAWN_CHARTS,
    chromium_page,
    choose,
    errors_shown,
    settle,  # noqa: E402
    shot,
    streamlit_process,
    wait_for_graph,
)

SHOTS = ROOT / "artifacts" / "screenshots"
MUTAG = ROOT.parent / "shared" / "datasets" / "tu" / "MUTAG"


def main() -> None:
    data = Path(tempfile.mkdtemp())
    shutil.copytree(MUTAG, data / "MUTAG")
    with (
        streamlit_process({"GATVIZ_DATA_DIR": str(data)}) as (url, server),
        chromium_page(1400, 1000) as page,
    ):

        def step(name: str, seconds: float) -> None:
            note = f" ({errors_shown(page)} errors shown!)" if errors_shown(page) else ""
            print(
                f"{name:46} {seconds:6.2f} s  server {memory_mb(server.pid, 'VmRSS'):5.0f} MB"
                f"{note}",
                flush=True,
            )

        page.goto(f"{url}/Attention")
        page.get_by_role("button", name="Train the default GAT here").click(timeout=120_000)
        page.get_by_text("True class").first.wait_for(timeout=180_000)
        settle(page)
        wait_for_graph(page)
        start = time.perf_counter()
        choose(page, "Centre node (type to search by id or name)", "0 · Mr. Hi (0) · in-degree 16")
        settle(page, 0)
        wait_for_graph(page)
        step("karate: another centre node (reference)", time.perf_counter() - start)

        page.get_by_role("link", name="Dataset", exact=True).click()
        page.get_by_role("button", name="Load dataset").wait_for(timeout=60_000)
        settle(page)
        page.locator('[data-testid="stSelectbox"]').first.click()
        page.get_by_role(
            "option",
            name="mutag: MUTAG: 188 molecules, mutagenic or not (TUDataset; downloaded once)",
        ).click()
        start = time.perf_counter()
        page.get_by_role("button", name="Load dataset").click()
        page.get_by_text("Split of whole graphs").wait_for(timeout=60_000)
        settle(page, 0)
        step("MUTAG: Load dataset to the page drawn", time.perf_counter() - start)
        shot(page, SHOTS, "sets_1_dataset")

        page.get_by_role("link", name="Train", exact=True).click()
        page.get_by_role("button", name="Train GAT").wait_for(timeout=60_000)
        settle(page)
        start = time.perf_counter()
        page.get_by_role("button", name="Train GAT").click()
        page.get_by_text("Results:").wait_for(timeout=300_000)
        settle(page, 0)
        step("MUTAG: Train GAT (200 epochs) to the results", time.perf_counter() - start)
        shot(page, SHOTS, "sets_2_train")

        start = time.perf_counter()
        page.get_by_role("link", name="Attention", exact=True).click()
        page.get_by_text("(test graph): true class").wait_for(timeout=120_000)
        wait_for_graph(page, minimum=500)
        step("MUTAG: Attention page drawn (a test molecule)", time.perf_counter() - start)
        shot(page, SHOTS, "sets_3_attention")

        start = time.perf_counter()
        page.locator('[data-testid="stSelectbox"]').nth(1).click()
        page.get_by_role("option").nth(5).click()
        settle(page, 0)
        wait_for_graph(page, minimum=500)
        step("MUTAG: another molecule drawn", time.perf_counter() - start)

        start = time.perf_counter()
        page.get_by_role("link", name="Analysis", exact=True).click()
        page.get_by_text("Graphs seen and never seen").wait_for(timeout=120_000)
        settle(page, 0)
        page.wait_for_function(f"() => ({DRAWN_CHARTS})() >= 4", timeout=120_000)
        step("MUTAG: Analysis page drawn (test graphs)", time.perf_counter() - start)
        shot(page, SHOTS, "sets_4_analysis")
    shutil.rmtree(data)


if __name__ == "__main__":
    main()
