"""A big CSV graph in the app, in headless Chromium: upload, train, explore, with the waits.

Writes the synthetic graph of ``bench/scale.py`` (``--size`` rows in the edges file, a tenth as
many nodes, 16 features, 5 classes), starts ``streamlit run app.py`` and drives Chromium through:
choosing another centre node on karate (the reference, drawn the same way), uploading both
files on the Dataset page and loading them, training on the Train page
(``--epochs``, ``--batch-size``), the Attention page's first draw, and choosing another centre
node (typed, as the page asks on graphs this size) until its overlay is drawn. Beside the last,
the library's own time for the same view (α on demand plus the HTML) in this process, and after
each step the server's resident memory. Screenshots go to ``artifacts/screenshots/big_*.png``.

Usage: python bench/app_big_graph.py [--size 1000000] [--epochs 20] [--batch-size 0]
Run it alone: the server, the browser and this process share two cores.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "tests", ROOT / "bench"):
    sys.path.insert(0, str(folder))
from timing import memory_mb  # noqa: E402
from chromium import (
    chromium_page,
    choose,
    choose_csv_files,
    errors_shown,  # noqa: E402
    settle,
    shot,
    streamlit_process,
    wait_for_graph,
)
from scale import generate  # noqa: E402

SHOTS = ROOT / "artifacts" / "screenshots"


def set_number(page, label: str, value: int) -> None:
    """Type into a number input of the Train form; Tab, not Enter, which would submit it."""
    box = page.get_by_label(label, exact=True)
    box.fill(str(value))
    box.press("Tab")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=0)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/gatviz-scale"))
    args = parser.parse_args()
    folder = args.dir / str(args.size)
    generate(args.size, folder)
    rows = []
    with streamlit_process() as (url, server), chromium_page(1500, 1100) as page:

        def step(name: str, seconds: float, note: str = "") -> None:
            if errors_shown(page):
                note += f" ({errors_shown(page)} errors shown!)"
            rows.append((name, seconds, memory_mb(server.pid, "VmRSS"), note))
            print(f"{name:42} {seconds:7.2f} s  server {rows[-1][2]:6.0f} MB  {note}", flush=True)

        # The reference, same server and browser: choosing another centre node on karate.
        page.goto(f"{url}/Attention")
        page.get_by_role("button", name="Train the default GAT here").click(timeout=120_000)
        page.get_by_text("All heads at a glance").wait_for(timeout=300_000)
        wait_for_graph(page)
        settle(page)
        started = time.perf_counter()
        choose(page, "Centre node (type to search by id or name)", "5 · member 5 · in-degree 4")
        page.get_by_text("Node 5 · member 5").first.wait_for(timeout=120_000)
        settle(page, pause_ms=0)
        wait_for_graph(page)
        step(
            "karate: another centre node drawn",
            time.perf_counter() - started - 0.5,
            "the reference",
        )

        choose_csv_files(page, url, folder / "edges.csv", folder / "nodes.csv")
        started = time.perf_counter()
        page.get_by_role("button", name="Load dataset").click()
        page.get_by_text("Loaded edges.").wait_for(timeout=600_000)
        settle(page, pause_ms=0)
        step("load the uploaded CSVs", time.perf_counter() - started)
        shot(page, SHOTS, "big_dataset")

        page.get_by_role("link", name="Train").click()
        page.get_by_role("button", name="Train GAT").wait_for(timeout=120_000)
        settle(page)
        set_number(page, "Epochs", args.epochs)
        set_number(page, "Batch size (0 = whole graph)", args.batch_size)
        started = time.perf_counter()
        page.get_by_role("button", name="Train GAT").click()
        page.get_by_text("Results: edges GAT").wait_for(timeout=1_800_000)
        settle(page, pause_ms=0)
        step(
            "train from the button",
            time.perf_counter() - started,
            f"{args.epochs} epochs, batch size {args.batch_size or 'whole graph'}",
        )
        shot(page, SHOTS, "big_train")

        started = time.perf_counter()
        page.get_by_role("link", name="Attention").click()
        page.get_by_text("All heads at a glance").wait_for(timeout=300_000)
        wait_for_graph(page)
        step("Attention page drawn", time.perf_counter() - started - 0.5)
        shot(page, SHOTS, "big_attention")

        node = 12_345
        box = page.get_by_label(re.compile(r"^Centre node \(0 to"))
        started = time.perf_counter()
        box.fill(str(node))
        box.press("Enter")
        page.get_by_text(f"Node {node} · ").first.wait_for(timeout=120_000)
        settle(page, pause_ms=0)
        wait_for_graph(page)
        step("another centre node drawn", time.perf_counter() - started - 0.5, f"node {node}")
        shot(page, SHOTS, "big_attention_node")
    library_view(folder, node)


def library_view(folder: Path, node: int) -> None:
    """The same view through the library alone, on a model trained for one epoch."""
    import statistics

    from gatviz.attention import neighbourhood_attention
    from gatviz.config import TrainConfig
    from gatviz.csv_graph import load_csv
    from gatviz.overlay import OverlayOptions, overlay_html
    from gatviz.training import train

    dataset = load_csv(folder / "edges.csv", folder / "nodes.csv", name="edges")
    model = train(dataset, train_config=TrainConfig(epochs=1, snapshots=0)).model
    options = OverlayOptions(node=node, hops=1, head="mean")
    seconds = []
    for _ in range(4):
        started = time.perf_counter()
        local = neighbourhood_attention(model, dataset, node, options.hops)
        overlay_html(dataset, local.attention, options, local.pred, local.prob)
        seconds.append(time.perf_counter() - started)
    print(
        f"{'library: the same view (1 hop), median of 3':42} "
        f"{statistics.median(seconds[1:]):7.2f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
