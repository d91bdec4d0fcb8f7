"""The quickstart notebook in a real JupyterLab (from PyPI), driven by headless Chromium: run
all, the overlay's canvas draws, and a click on a node reaches the kernel as
``view.selected`` (read back from the kernel itself, through its connection file)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path


from chromium import (
    DRAWN_PIXELS,
    ROOT,
    _free_port,
    answers,
    chromium_page,
    require_chromium,
    shot,
)

SHOTS = Path(os.environ.get("GATVIZ_ARTIFACTS", ROOT / "artifacts")) / "screenshots"
TOKEN = "gatviz-test"
CLICKED = 5  # a neighbour of node 0 in karate, so it is drawn in the one-hop view


@contextmanager
def jupyterlab(folder: Path, timeout: float = 90):
    """``jupyter lab`` serving ``folder`` on a free localhost port, its kernels' connection
    files in ``folder/runtime``; yields the URL."""
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
        "JUPYTER_CONFIG_DIR": str(folder / "config"),
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--ServerApp.root_dir={folder}",
            f"--IdentityProvider.token={TOKEN}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
        ],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "lab.log", "wb"),
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    if not answers(f"{url}/api/status?token={TOKEN}", process, timeout):
        process.kill()
        raise RuntimeError(
            "jupyter lab did not start:\n" + (folder / "lab.log").read_text()[-2000:]
        )
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def _running_kernels(url: str) -> list[dict]:
    return json.load(urllib.request.urlopen(f"{url}/api/kernels?token={TOKEN}"))


def _start_kernel(page, url: str, timeout: float = 60) -> None:
    """Wait until the notebook's kernel runs. JupyterLab sometimes asks which kernel to start
    (when it opens the notebook before it has the list of kernels): the answer is the
    notebook's own, preselected."""
    deadline = time.monotonic() + timeout
    while not _running_kernels(url):
        choose = page.locator(".jp-Dialog .jp-mod-accept")
        if choose.count():
            choose.click()
        assert time.monotonic() < deadline, "the notebook's kernel did not start"
        page.wait_for_timeout(300)
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=60_000)


def _kernel_value(folder: Path, url: str, expression: str) -> str:
    """``repr(expression)`` evaluated in the notebook's running kernel."""
    from jupyter_client import BlockingKernelClient

    kernels = _running_kernels(url)
    assert len(kernels) == 1, kernels
    client = BlockingKernelClient(
        connection_file=str(folder / "runtime" / f"kernel-{kernels[0]['id']}.json")
    )
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=30)
        reply = client.execute_interactive(
            f"print(repr({expression}))", timeout=30, output_hook=_collect(lines := [])
        )
        assert reply["content"]["status"] == "ok", reply["content"]
        return "".join(lines).strip()
    finally:
        client.stop_channels()


def _collect(lines: list[str]):
    def hook(message) -> None:
        if message["msg_type"] == "stream":
            lines.append(message["content"]["text"])

    return hook


def test_quickstart_in_jupyterlab_draws_and_a_click_reaches_the_kernel(tmp_path):
    require_chromium()
    shutil.copy(ROOT / "examples" / "quickstart.ipynb", tmp_path / "quickstart.ipynb")
    with jupyterlab(tmp_path) as url, chromium_page(1400, 1000) as page:
        page.goto(f"{url}/lab/tree/quickstart.ipynb?token={TOKEN}")
        page.locator(".jp-Notebook").wait_for(timeout=90_000)
        _start_kernel(page, url)
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()

        widget = page.locator("iframe.gatviz-widget")
        widget.wait_for(state="attached", timeout=120_000)
        widget.scroll_into_view_if_needed()
        frame = widget.element_handle().content_frame()
        deadline = time.monotonic() + 30
        while frame.evaluate(DRAWN_PIXELS) < 2000 and time.monotonic() < deadline:
            page.wait_for_timeout(300)
        assert frame.evaluate(DRAWN_PIXELS) >= 2000, "the widget's overlay canvas is empty"
        # Every cell ran (the report's sentences are the last output).
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
            timeout=120_000
        )
        assert _kernel_value(tmp_path, url, "view.selected") == "None"

        # Run-all scrolled on to the last cells while they ran: bring the whole widget back into
        # the middle of the window before aiming, or the click lands outside it.
        widget.evaluate("frame => frame.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(500)
        frame = widget.element_handle().content_frame()
        spot = frame.evaluate("n => network.canvasToDOM(network.getPositions([n])[n])", CLICKED)
        box = frame.locator("canvas").bounding_box()
        # The graph is fitted to the canvas, though its cell was out of view as it was drawn.
        assert 0 <= spot["x"] <= box["width"] and 0 <= spot["y"] <= box["height"], (spot, box)
        x, y = box["x"] + spot["x"], box["y"] + spot["y"]
        view = page.viewport_size
        assert 0 <= x < view["width"] and 0 <= y < view["height"], (x, y, view)
        page.mouse.click(x, y)
        assert frame.evaluate("() => network.getSelectedNodes()") == [CLICKED], "the click missed"
        deadline = time.monotonic() + 20
        while (selected := _kernel_value(tmp_path, url, "view.selected")) != str(
            CLICKED
        ) and time.monotonic() < deadline:
            page.wait_for_timeout(300)
        assert selected == str(CLICKED)
        sources = _kernel_value(tmp_path, url, "sorted(set(view.alpha_table['source']))")
        # node 5's neighbours in karate, and itself (the self-loop)
        assert sources == "[0, 5, 6, 10, 16]"
        shot(page, SHOTS, "9_jupyterlab_widget")
