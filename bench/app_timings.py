"""What a person waits for in the browser on the Analysis page, measured in headless Chromium.

Starts ``streamlit run app.py``, loads the dataset and trains the default GAT from the Train
page, then times (wall clock, from the action to the page settled with its charts drawn):
the Analysis page's first draw, and reruns after changing the layer and the head; the seed
study (K = 5) and the attribution study (20 test nodes) from their buttons, and the layer reruns
again with both shown; beside them, as a reference measured the same way in the same run, a
rerun of the Attention page, then the Attention page switched to Integrated Gradients and a
rerun in that mode (what-if edits: bench/app_whatif.py). It also trains
a GATv2 for the Compare page and saves full-height screenshots of the Analysis, Attention (with
"Explain this α" open) and Compare pages to artifacts/screenshots/<dataset>/.

Data for Planetoid graphs: $GATVIZ_DATA_DIR if set, else ../shared/datasets/planetoid. Run it
alone: torch beside a browser on two cores slow each other down.

Usage: python bench/app_timings.py [--dataset karate|cora|ba-shapes|dictionary-lookup]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from chromium import (
    DRAWN_CHARTS,
    chromium_page,
    choose,
    head_reruns,
    load_on_dataset_page,
    median_runs,
    errors_shown,
    open_select,  # noqa
    settle,
    shot,
    streamlit_server,
    wait_for_graph,
)
from planetoid_data import planetoid_root  # noqa: E402
from gatviz.datasets import DATASETS  # noqa: E402

TRAIN_SETTINGS = {  # what the Train page's form is set to per dataset (else the defaults)
    "dictionary-lookup": {
        "Layers": "1",
        "Heads per hidden layer": "1",
        "Epochs": "500",
        "Patience (0 = off)": "0",
    },
}


def _until_settled(
    page, started: float, text: str, charts: int = 0, timeout_s: float = 120
) -> float:
    page.get_by_text(text).first.wait_for(timeout=timeout_s * 1000)
    settle(page, pause_ms=0)
    if charts:
        page.wait_for_function(f"() => ({DRAWN_CHARTS})() >= {charts}", timeout=60_000)
    return time.perf_counter() - started


def _train(page, conv: str, dataset: str) -> float:
    page.get_by_role("link", name="Train").click()
    page.get_by_role("button", name="Train GAT").wait_for(timeout=120_000)
    settle(page)
    if conv != "gat":
        choose(page, "Layer type", conv.upper())
    for label, value in TRAIN_SETTINGS.get(dataset, {}).items():
        page.locator(f'input[aria-label="{label}"]').fill(value)
    if dataset == "dictionary-lookup":
        for label in ("Feature dropout", "Attention dropout"):
            slider = (
                page.locator('[data-testid="stSlider"]')
                .filter(has=page.get_by_text(label, exact=True))
                .get_by_role("slider")
            )
            slider.focus()
            page.keyboard.press("Home")
    name = page.locator('input[aria-label="Model name"]')
    name.fill(f"{dataset} {conv}")
    name.press("Tab")
    started = time.perf_counter()
    page.get_by_role("button", name="Train GAT").click()
    return _until_settled(page, started, f"Results: {dataset} {conv}", timeout_s=600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="karate")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    folder = ROOT / "artifacts" / "screenshots" / args.dataset
    with (
        planetoid_root() as root,
        streamlit_server({"GATVIZ_DATA_DIR": str(root)}) as url,
        chromium_page(1400, 1000) as page,
    ):
        load_on_dataset_page(page, url, args.dataset, f"{args.dataset}: {DATASETS[args.dataset]}")
        seconds = _train(page, "gat", args.dataset)
        print(f"{args.dataset}: train GAT from the button: {seconds:.1f} s")

        started = time.perf_counter()
        page.get_by_role("link", name="Analysis").click()
        first = _until_settled(page, started, "Attention over training", charts=8)
        print(f"Analysis page, first draw: {first:.2f} s")
        open_select(page, "Layer")
        page.get_by_role("option").first.wait_for()
        layers = page.get_by_role("option").count()
        page.keyboard.press("Escape")
        reruns = []
        for k in range(args.repeats if layers > 1 else 0):
            open_select(page, "Layer")
            option = page.get_by_role("option", name=str(k % 2), exact=True)
            option.wait_for()
            started = time.perf_counter()
            option.click()
            reruns.append(_until_settled(page, started, f"layer {k % 2}, head 0", charts=8))
        if reruns:
            print(
                f"Analysis page, rerun after a layer change: median "
                f"{statistics.median(reruns[1:]):.2f} s (the first visit to a layer computes "
                f"its deletion curves; runs: {', '.join(f'{r:.2f}' for r in reruns)})"
            )
        open_select(page, "Head")
        page.get_by_role("option").first.wait_for()
        heads = page.get_by_role("option").count()
        page.keyboard.press("Escape")
        layer = (args.repeats - 1) % 2 if layers > 1 else 0
        head_changes = []
        for k in range(1, min(heads, args.repeats + 1)):
            open_select(page, "Head")
            option = page.get_by_role("option", name=f"head {k}", exact=True)
            option.wait_for()
            started = time.perf_counter()
            option.click()
            head_changes.append(_until_settled(page, started, f"layer {layer}, head {k}", charts=8))
        if head_changes:
            print(
                f"Analysis page, rerun after a head change: median "
                f"{statistics.median(head_changes):.2f} s "
                f"(runs: {', '.join(f'{r:.2f}' for r in head_changes)})"
            )
        # The two studies, from their buttons, then the same reruns with their sections shown.
        unit = "graphs" if args.dataset in ("mutag", "ba-2motif") else "nodes"
        for button, done in (
            ("Train 5 seeds and compare", "Predictions that differ between two seeds"),
            (f"Score 20 test {unit} with every method", "A ranking that finds what the"),
        ):
            started = time.perf_counter()
            page.get_by_role("button", name=button).click()
            print(f"{button}: {_until_settled(page, started, done, timeout_s=600):.1f} s")
        with_studies = []
        for k in range(args.repeats if layers > 1 else 0):
            page.locator('[data-testid="stSelectbox"]').first.scroll_into_view_if_needed()
            open_select(page, "Layer")
            option = page.get_by_role("option", name=str((k + 1) % 2), exact=True)
            option.wait_for()
            started = time.perf_counter()
            option.click()
            shown = f"layer {(k + 1) % 2}, head"
            with_studies.append(_until_settled(page, started, shown, charts=8))
        if with_studies:
            print(
                f"Analysis page with both studies shown, rerun after a layer change: median "
                f"{statistics.median(with_studies):.2f} s "
                f"(runs: {', '.join(f'{r:.2f}' for r in with_studies)})"
            )
        assert errors_shown(page) == 0
        page.set_viewport_size({"width": 1400, "height": 7800})
        page.wait_for_timeout(1500)
        shot(page, folder, "analysis")
        page.set_viewport_size({"width": 1400, "height": 1000})

        page.get_by_role("link", name="Attention").click()
        settle(page)
        wait_for_graph(page)
        # The reference: a rerun of the Attention page (head change), the same kind of wait.
        reference = head_reruns(page, args.repeats)
        print(f"reference, Attention page rerun after a head change: {median_runs(reference)}")
        page.get_by_text("Explain this α").click()
        page.wait_for_timeout(800)
        page.set_viewport_size({"width": 1400, "height": 2600})
        page.wait_for_timeout(1500)
        shot(page, folder, "attention")
        page.set_viewport_size({"width": 1400, "height": 1000})
        # An attribution mode: from the pick to its overlay drawn (computed once per node),
        # then a head change in that mode (the same kind of rerun as the reference).
        open_select(page, "Edges show")
        started = time.perf_counter()
        page.get_by_role("option", name="Integrated Gradients", exact=True).click()
        page.wait_for_url("**edges=integrated_gradients**", timeout=60_000)
        page.get_by_text("α beside Integrated Gradients").wait_for(timeout=120_000)
        settle(page, pause_ms=0)
        seconds = time.perf_counter() - started
        print(f"Attention page, Integrated Gradients mode drawn: {seconds:.2f} s")
        in_mode = head_reruns(page, args.repeats, first=1)
        print(f"Attention page in that mode, rerun after a head change: {median_runs(in_mode)}")
        page.get_by_text("Dash unstable edges").click()
        settle(page)
        wait_for_graph(page)
        page.set_viewport_size({"width": 1400, "height": 2000})
        page.wait_for_timeout(1500)
        shot(page, folder, "attention_integrated_gradients")
        page.set_viewport_size({"width": 1400, "height": 1000})
        print(f"train GATv2 from the button: {_train(page, 'gatv2', args.dataset):.1f} s")
        page.get_by_role("link", name="Compare").click()
        settle(page)
        wait_for_graph(page)
        page.set_viewport_size({"width": 1400, "height": 2000})
        page.wait_for_timeout(1500)
        shot(page, folder, "compare")
        assert errors_shown(page) == 0
        print(f"screenshots in {folder}")


if __name__ == "__main__":
    main()
