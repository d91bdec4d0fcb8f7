"""What a person waits for in the app, in headless Chromium, beside the library's own times.

In one run: trains karate and Cora with the defaults through the library (no app), then starts
``streamlit run app.py`` and drives Chromium through a cold start, training karate from the
button, the Attention page, loading and training Cora, and the Attention page on Cora. Prints
each browser wait (from the action until the page shows the result) beside the library's time,
the goal for training (1.5 x library + 2 s), and the server's peak resident memory (VmHWM).

Data: $GATVIZ_DATA_DIR if set, else ../shared/datasets/planetoid. Run it alone: two torch
processes, or torch beside a browser, on two cores slow each other down many times over.

Usage: python bench/app_latency.py [--threads 1,0] [--analyse]
  --threads: the server's $GATVIZ_APP_THREADS, one run per value (0 = PyTorch's default, one
  thread per core); default 1, the app's own default.
  --analyse: also the Analysis page on karate and on Cora, with its seed study (K = 5) and
  attribution study (20 test nodes) run from their buttons: the hosted-demo budget with karate
  and Cora analysed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "tests", ROOT / "bench"):
    sys.path.insert(0, str(folder))
from chromium import chromium_page, choose, settle, streamlit_process, wait_for_graph  # noqa
from planetoid_data import planetoid_root  # noqa: E402
from gatviz.datasets import DATASETS, load_dataset  # noqa: E402
from gatviz.training import train  # noqa: E402
from timing import memory_mb  # noqa: E402


def library_seconds(dataset) -> float:
    train(dataset)  # warm-up: first-call allocations
    start = time.perf_counter()
    train(dataset)
    return time.perf_counter() - start


def train_from_button(page, dataset: str) -> float:
    page.get_by_role("link", name="Train").click()
    page.get_by_role("button", name="Train GAT").wait_for(timeout=120_000)
    settle(page)
    started = time.perf_counter()
    page.get_by_role("button", name="Train GAT").click()
    page.get_by_text(f"Results: {dataset} GAT").wait_for(timeout=600_000)
    return time.perf_counter() - started


def attention_page(page) -> float:
    started = time.perf_counter()
    page.get_by_role("link", name="Attention").click()
    page.get_by_text("All heads at a glance").wait_for(timeout=120_000)
    wait_for_graph(page)
    return time.perf_counter() - started - 0.5  # wait_for_graph pauses 0.5 s after drawing


def analysis_page(page, step, name: str) -> None:
    """The Analysis page, then its two buttons: the seed study (K = 5) and the attribution
    study (20 test nodes), each timed from the click to its results, memory after each."""
    started = time.perf_counter()
    page.get_by_role("link", name="Analysis").click()
    page.get_by_text("Attention over training").wait_for(timeout=120_000)
    settle(page, pause_ms=0)
    step(f"{name}: Analysis page drawn", time.perf_counter() - started, None)
    started = time.perf_counter()
    page.get_by_role("button", name="Train 5 seeds and compare").click()
    page.get_by_text("Predictions that differ between two seeds").wait_for(timeout=600_000)
    settle(page, pause_ms=0)
    step(f"{name}: 5 seeds trained", time.perf_counter() - started, None)
    started = time.perf_counter()
    page.get_by_role("button", name="Score 20 test nodes with every method").click()
    page.get_by_text("A ranking that finds what the prediction rests on").wait_for(timeout=600_000)
    settle(page, pause_ms=0)
    step(f"{name}: 20 nodes attributed", time.perf_counter() - started, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", default="1")
    parser.add_argument(
        "--analyse",
        action="store_true",
        help="also open the Analysis page on each graph and run its seed study (K = 5) and "
        "attribution study (20 test nodes)",
    )
    args = parser.parse_args()
    threads = args.threads.split(",")
    with planetoid_root() as root:
        karate, cora = load_dataset("karate"), load_dataset("cora", root=root)
        library = {"karate": library_seconds(karate), "cora": library_seconds(cora)}
        for value in threads:
            print(
                f"\nserver with GATVIZ_APP_THREADS={value}; library at PyTorch's default "
                f"({os.cpu_count()} threads on {os.cpu_count()} cores)"
            )
            report(*browser_run(root, library, value, args.analyse))


def browser_run(root: Path, library: dict, threads: str, analyse: bool) -> tuple[list, float]:
    rows = []
    started = time.perf_counter()
    env = {"GATVIZ_DATA_DIR": str(root), "GATVIZ_APP_THREADS": threads}
    with streamlit_process(env) as (url, server), chromium_page() as page:

        def step(name: str, seconds: float, lib: float | None) -> None:
            rows.append((name, seconds, lib, memory_mb(server.pid), memory_mb(server.pid, "VmRSS")))

        page.goto(url)
        page.get_by_text("see what a Graph Attention Network attends to").wait_for()
        step("cold start: home page shown", time.perf_counter() - started, None)
        page.get_by_text("Switch to Cora", exact=False).wait_for(timeout=120_000)
        step("cold start: home page complete", time.perf_counter() - started, None)
        settle(page)
        seconds = train_from_button(page, "karate")
        step("karate: train from the button", seconds, library["karate"])
        step("karate: Attention page drawn", attention_page(page), None)
        if analyse:
            analysis_page(page, step, "karate")
        page.get_by_role("link", name="Dataset").click()
        page.get_by_role("button", name="Load dataset").wait_for(timeout=120_000)
        settle(page)
        choose(page, "Graph", f"cora: {DATASETS['cora']}")
        started = time.perf_counter()
        page.get_by_role("button", name="Load dataset").click()
        page.get_by_text("Loaded cora.").wait_for(timeout=120_000)
        settle(page, pause_ms=0)
        step("cora: load on the Dataset page", time.perf_counter() - started, None)
        seconds = train_from_button(page, "cora")
        step("cora: train from the button", seconds, library["cora"])
        step("cora: Attention page drawn", attention_page(page), None)
        if analyse:
            analysis_page(page, step, "cora")
        rss = memory_mb(server.pid)
    return rows, rss


def report(rows: list, rss: float) -> None:
    print(
        f"{'step':34} {'browser s':>9} {'library s':>9} {'goal s':>7} {'peak MB':>8} {'now MB':>7}"
    )
    for name, seconds, lib, peak, now in rows:
        goal = f"{1.5 * lib + 2:7.1f}" if lib is not None else f"{'':7}"
        lib_text = f"{lib:9.2f}" if lib is not None else f"{'':9}"
        print(f"{name:34} {seconds:9.2f} {lib_text} {goal} {peak:8.0f} {now:7.0f}")
    print(f"server peak resident memory (VmHWM): {rss:.0f} MB (goal < 690 MB)")


if __name__ == "__main__":
    main()
