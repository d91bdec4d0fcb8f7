"""The examples/ notebooks run as written (nbclient, a real IPython kernel), and their overlay
output is one self-contained iframe that fetches nothing."""

import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import SHARED, require_shared

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(path: Path, tmp_path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=180, kernel_name="python3", resources={
        "metadata": {"path": str(tmp_path)}
    }).execute()  # fmt: skip
    return notebook


def _html_outputs(notebook) -> list[str]:
    return [
        output["data"]["text/html"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "text/html" in output.get("data", {})
    ]


@pytest.mark.parametrize("name", ["quickstart", "ba_shapes_ground_truth", "cora_uniform"])
def test_every_example_notebook_runs_and_its_overlay_is_self_contained(name, tmp_path, monkeypatch):
    if name == "cora_uniform":
        require_shared(SHARED)
        shutil.copytree(SHARED / "Cora", tmp_path / "data" / "Cora")
        monkeypatch.setenv("GATVIZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv(
        "PYTHONPATH", str(EXAMPLES.parent) + os.pathsep + os.environ.get("PYTHONPATH", "")
    )
    notebook = _run(EXAMPLES / f"{name}.ipynb", tmp_path)
    frames = [h for h in _html_outputs(notebook) if h.startswith("<iframe srcdoc=")]
    assert len(frames) == 1
    page = frames[0]
    assert "vis.Network" in page and "gatviz-legend" in page
    assert not re.search(r"(?:src|href)=&quot;https?://", page), "nothing may load from a CDN"


def test_show_is_one_escaped_iframe_and_saves_the_page(karate, karate_trained, tmp_path):
    import html

    import gatviz

    view = gatviz.show(karate_trained[0].model, karate, node=0, hops=1)
    frame = view._repr_html_()
    assert frame.startswith('<iframe srcdoc="') and frame.count("<") == 2  # the page is escaped
    assert html.unescape(frame.split('srcdoc="', 1)[1].split('" style=', 1)[0]) == view.page
    assert 'sandbox="allow-scripts"' in frame
    assert view.save(tmp_path / "view.html").read_text(encoding="utf-8") == view.page
