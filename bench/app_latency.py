"""What a person waits for in the app, in headless Chromium, beside the library's own times.

In one run: trains karate and Cora with the defaults through the library (no app), then starts
``streamlit run app.py`` and drives Chromium through a cold start, training karate from the
button, the Attention page, loading and training Cora, and the Attention page on Cora. Prints
each browser wait (from the action until the page shows the result) beside the library's time,
the goal for training (1.5 x library + 2 s), and the server's peak resident memory (VmHWM).

Data: $GATVIZ_DATA_DIR if set, else ../shared/datasets/planetoid. Run it alone: two torch
processes, or torch beside a browser, on two cores slow each other down many times over.

Usage: python bench/app_latency.py
"""
from __future__ import annotations

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


def library_seconds(dataset) -> float:
    train(dataset)  # warm-up: first-call allocations
    start = time.perf_counter()
    train(dataset)
    return time.perf_counter() - start


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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


def main() -> None:
    rows = []
    with planetoid_root() as root:
        karate, cora = load_dataset("karate"), load_dataset("cora", root=root)
        library = {"karate": library_seconds(karate), "cora": library_seconds(cora)}
        started = time.perf_counter()
        with streamlit_process({"GATVIZ_DATA_DIR": str(root)}) as (url, server), \
                chromium_page() as page:
            page.goto(url)
            page.get_by_text("see what a Graph Attention Network attends to").wait_for()
            rows.append(("cold start: home page shown", time.perf_counter() - started, None))
            page.get_by_text("Quick start").wait_for(timeout=120_000)
            rows.append(("cold start: home page complete", time.perf_counter() - started, None))
            settle(page)
            seconds = train_from_button(page, "karate")
            rows.append(("karate: train from the button", seconds, library["karate"]))
            rows.append(("karate: Attention page drawn", attention_page(page), None))
            page.get_by_role("link", name="Dataset").click()
            page.get_by_role("button", name="Load dataset").wait_for(timeout=120_000)
            settle(page)
            choose(page, "Graph", f"cora: {DATASETS['cora']}")
            started = time.perf_counter()
            page.get_by_role("button", name="Load dataset").click()
            page.get_by_text("Loaded cora.").wait_for(timeout=120_000)
            settle(page, pause_ms=0)
            rows.append(("cora: load on the Dataset page", time.perf_counter() - started, None))
            seconds = train_from_button(page, "cora")
            rows.append(("cora: train from the button", seconds, library["cora"]))
            rows.append(("cora: Attention page drawn", attention_page(page), None))
            rss = peak_rss_mb(server.pid)
    print(f"{'step':34} {'browser s':>9} {'library s':>9} {'goal s':>7}")
    for name, seconds, lib in rows:
        goal = f"{1.5 * lib + 2:7.1f}" if lib is not None else f"{'':7}"
        lib_text = f"{lib:9.2f}" if lib is not None else f"{'':9}"
        print(f"{name:34} {seconds:9.2f} {lib_text} {goal}")
    print(f"server peak resident memory (VmHWM): {rss:.0f} MB (goal < 690 MB)")


if __name__ == "__main__":
    main()
