"""Remake the README's pictures from the real app: ``python docs/screenshots.py``.

Starts ``streamlit run app.py`` and, in headless Chromium, trains the default GAT on the
embedded karate club from the Attention page's button and saves that page as
``docs/images/attention.png``; then loads Cora (from ``--planetoid``, by default the offline
copies in ``../shared/datasets/planetoid``), trains it from the Train page and saves the
Analysis page's interventions as ``docs/images/analysis.png`` (1,000 test nodes rather than
karate's 7, so the numbers shown can carry a finding). 1,400 × 900 pixels each.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from chromium import DRAWN_CHARTS, chromium_page, settle, streamlit_process, wait_for_graph  # noqa: E402,E501

IMAGES = ROOT / "docs" / "images"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--planetoid", type=Path, default=ROOT.parent / "shared" / "datasets" / "planetoid"
    )
    args = parser.parse_args()
    IMAGES.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp())
    shutil.copytree(args.planetoid / "Cora", data / "Cora")
    with (
        streamlit_process({"GATVIZ_DATA_DIR": str(data)}) as (url, _),
        chromium_page(1400, 900) as page,
    ):
        page.goto(f"{url}/Attention")
        page.get_by_role("button", name="Train the default GAT here").click(timeout=120_000)
        page.get_by_text("True class").first.wait_for(timeout=180_000)
        settle(page)
        wait_for_graph(page)
        page.screenshot(path=str(IMAGES / "attention.png"))
        page.get_by_role("link", name="Dataset", exact=True).click()
        page.get_by_role("button", name="Load dataset").wait_for(timeout=60_000)
        settle(page)
        page.locator('[data-testid="stSelectbox"]').first.click()
        page.keyboard.type("cora: Planetoid")
        page.get_by_role("option").filter(has_text="cora:").first.click()
        page.get_by_role("button", name="Load dataset").click()
        page.get_by_text("Loaded cora.").wait_for(timeout=120_000)
        page.get_by_role("link", name="Train", exact=True).click()
        page.get_by_role("button", name="Train GAT").wait_for(timeout=60_000)
        settle(page)
        page.get_by_role("button", name="Train GAT").click()
        page.get_by_text("Results:").wait_for(timeout=300_000)
        page.get_by_role("link", name="Analysis", exact=True).click()
        page.get_by_text("What this says").wait_for(timeout=120_000)
        settle(page)
        page.wait_for_function(f"() => ({DRAWN_CHARTS})() >= 6", timeout=120_000)
        page.get_by_text("Uniform-attention knockout").scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        page.screenshot(path=str(IMAGES / "analysis.png"))
    shutil.rmtree(data)
    print(f"wrote {IMAGES / 'attention.png'} and {IMAGES / 'analysis.png'}")


if __name__ == "__main__":
    main()
