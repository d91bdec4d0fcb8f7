"""The examples/ notebooks run as written (nbclient, a real IPython kernel), and their overlay
and chart outputs are self-contained iframes that fetch nothing; the chart pages of
gatviz.notebook draw what the library computed, and names from a file stay text."""

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
    overlays = [page for page in frames if "vis.Network" in page]
    assert len(overlays) == 1 and "gatviz-legend" in overlays[0]
    for page in frames:
        assert not re.search(r"(?:src|href)=&quot;https?://", page), "nothing from a CDN"
    if name == "quickstart":  # the heads grid, the embedding and the analysis charts
        assert sum("vegaEmbed(" in page for page in frames) == 3


def test_show_is_one_escaped_iframe_and_saves_the_page(karate, karate_trained, tmp_path):
    import html

    import gatviz

    view = gatviz.show(karate_trained[0].model, karate, node=0, hops=1)
    frame = view._repr_html_()
    assert frame.startswith('<iframe srcdoc="') and frame.count("<") == 2  # the page is escaped
    assert html.unescape(frame.split('srcdoc="', 1)[1].split('" style=', 1)[0]) == view.page
    assert 'sandbox="allow-scripts"' in frame
    assert view.save(tmp_path / "view.html").read_text(encoding="utf-8") == view.page


def _spec_data(page: str) -> list[dict]:
    """Every data row of the Vega-Lite spec a chart page embeds."""
    import json

    spec = json.loads(page.split("const spec = ", 1)[1].split(";\n", 1)[0])
    rows = [row for values in spec.get("datasets", {}).values() for row in values]
    stack = [spec]
    while stack:
        part = stack.pop()
        if isinstance(part, dict):
            if isinstance(part.get("data"), dict) and "values" in part["data"]:
                rows.extend(part["data"]["values"])
            stack.extend(part.values())
        elif isinstance(part, list):
            stack.extend(part)
    return rows


def _self_contained(page: str) -> None:
    assert "vegaEmbed(" in page and "window.vegaEmbed=" in page  # the bundle is inlined
    assert not re.search(r"<(?:script|link|img)[^>]+(?:src|href)=[\"']?https?://", page)


def test_the_heads_grid_draws_every_layer_and_head_of_the_node(karate, karate_trained):
    from gatviz.attention import dataset_attention, incoming_alpha
    from gatviz.notebook import show_heads

    model = karate_trained[0].model
    view = show_heads(model, karate, 0)
    _self_contained(view.page)
    drawn = {(r["layer"], r["head"], r["from"]): r["α"] for r in _spec_data(view.page)}
    expected = incoming_alpha(dataset_attention(model, karate), 0).nlargest(10**6, "alpha")
    top = expected.groupby("source")["alpha"].mean().nlargest(30).index
    expected = expected[expected["source"].isin(top)]
    assert len(drawn) == len(expected)
    for row in expected.itertuples():
        assert drawn[(row.layer, row.head, str(row.source))] == pytest.approx(row.alpha)
    assert "30 neighbours with the highest mean α of" not in view.page  # node 0 has 17


def test_the_embedding_draws_one_point_per_node_and_marks_the_centre(karate, karate_trained):
    from gatviz.notebook import show_embedding

    view = show_embedding(karate_trained[0].model, karate, color="kl", node=3)
    _self_contained(view.page)
    rows = _spec_data(view.page)
    points = [r for r in rows if "name" in r]
    assert sorted(p["node"] for p in points) == list(range(karate.num_nodes))
    centre = [r for r in rows if "name" not in r]
    point3 = next(p for p in points if p["node"] == 3)
    assert centre == [{"x": point3["x"], "y": point3["y"]}]


def test_the_analysis_page_has_the_report_sentences_as_text(karate, karate_trained):
    import html

    from gatviz.notebook import show_analysis
    from gatviz.report import analyze, describe

    report = analyze(karate_trained[0].model, karate)
    view = show_analysis(report)
    _self_contained(view.page)
    body = view.page[view.page.rindex("<body>") :]
    for sentence in describe(report):
        assert html.escape(sentence) in body
    kl = [r for r in _spec_data(view.page) if "kl_from_uniform_mean" in r]
    assert len(kl) == len(report.kl) and all("interval" in r for r in kl)


def test_names_from_a_file_cannot_break_out_of_a_chart_page(karate, karate_trained):
    from dataclasses import replace

    from gatviz.notebook import show_embedding

    hostile = "</script><script>alert(1)</script>"
    names = [hostile] * karate.num_nodes
    dataset = replace(karate, node_names=names)
    page = show_embedding(karate_trained[0].model, dataset).page
    assert hostile not in page and "alert(1)" in page  # there, as \u003c-escaped JSON text
    assert _spec_data(page)[0]["name"] == hostile


def test_impossible_chart_settings_are_refused_with_what_to_use(karate, karate_trained):
    from gatviz.errors import GatvizError
    from gatviz.notebook import show_analysis, show_embedding, show_heads
    from gatviz.report import analyze

    model = karate_trained[0].model
    with pytest.raises(GatvizError, match="not in the graph"):
        show_heads(model, karate, karate.num_nodes)
    with pytest.raises(GatvizError, match="color must be one of class, prediction"):
        show_embedding(model, karate, color="degree")
    with pytest.raises(GatvizError, match="layer must be 0 to 1"):
        show_analysis(analyze(model, karate, deletion_layer=None), layer=5)
