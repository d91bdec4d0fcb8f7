"""In headless Chromium: an uploaded graph above the app's whole-graph attention limit.

The server runs with ``GATVIZ_WHOLE_ATTENTION_EDGES=1000``, so a 12,000-node CSV graph is "big":
the Attention page computes α around the node in view, and with more than 10,000 nodes the
centre is typed as an id. (``bench/app_big_graph.py`` does the same with a million edges and
times it.)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from chromium import (
    ROOT,
    choose_csv_files,
    chromium_page,
    errors_shown,
    require_chromium,
    settle,
    shot,
    streamlit_server,
    wait_for_graph,
)

SHOTS = Path(os.environ.get("GATVIZ_ARTIFACTS", ROOT / "artifacts")) / "screenshots"
NODES = 12_000


@pytest.fixture(scope="module")
def server():
    require_chromium()
    with streamlit_server({"GATVIZ_WHOLE_ATTENTION_EDGES": "1000"}) as url:
        yield url


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A ring of 12,000 nodes and 12,000 random chords, 4 features, 3 classes."""
    folder = tmp_path_factory.mktemp("big")
    rng = np.random.default_rng(0)
    source = np.r_[np.arange(NODES), rng.integers(0, NODES, NODES)]
    target = np.r_[(np.arange(NODES) + 1) % NODES, rng.integers(0, NODES, NODES)]
    (folder / "ring.csv").write_text(
        "source,target\n" + "".join(f"{s},{t}\n" for s, t in zip(source, target))
    )
    labels = np.arange(NODES) % 3
    features = rng.normal(size=(NODES, 4)) + labels[:, None]
    (folder / "ring_nodes.csv").write_text(
        "id,label,f0,f1,f2,f3\n"
        + "".join(
            f"{i},c{c}," + ",".join(f"{v:.3f}" for v in row) + "\n"
            for i, (c, row) in enumerate(zip(labels, features))
        )
    )
    return folder


def test_a_big_uploaded_graph_is_explored_around_typed_nodes(server, files):
    with chromium_page() as page:
        choose_csv_files(page, server, files / "ring.csv", files / "ring_nodes.csv")
        page.get_by_role("button", name="Load dataset").click()
        page.get_by_text("Loaded ring.").wait_for(timeout=120_000)
        settle(page)
        wait_for_graph(page)  # the preview around the best-connected node
        assert errors_shown(page) == 0

        # 20 epochs: the test is about exploring the trained model, and the default 200 took
        # most of its time (12,000 nodes on the server's one thread).
        page.get_by_role("link", name="Train").click()
        page.get_by_role("button", name="Train GAT").wait_for(timeout=60_000)
        settle(page)
        page.locator('input[aria-label="Epochs"]').fill("20")
        page.locator('input[aria-label="Epochs"]').press("Tab")
        page.get_by_role("button", name="Train GAT").click()
        page.get_by_text("Results: ring GAT").wait_for(timeout=120_000)
        settle(page)
        page.get_by_role("link", name="Attention").click()
        page.get_by_text("All heads at a glance").wait_for(timeout=120_000)
        settle(page)
        wait_for_graph(page)
        assert errors_shown(page) == 0
        page.get_by_text("so α is computed around the node in view only").wait_for()
        page.get_by_role(
            "button", name="Download the attention table of this view (CSV)"
        ).wait_for()

        box = page.get_by_role("spinbutton", name=f"Centre node (0 to {NODES - 1:,})")
        box.fill("777")
        box.press("Enter")
        page.get_by_text("Node 777 · 777").wait_for(timeout=60_000)
        settle(page)
        wait_for_graph(page)
        assert errors_shown(page) == 0
        assert box.input_value() == "777"
        shot(page, SHOTS, "12_big_graph_attention")
