"""The app on a graph above WHOLE_ATTENTION_EDGES: α around the node in view, never the whole."""

from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from gatviz.attention import dataset_attention
from ui import records, views
from ui.specs import load_spec

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def big(monkeypatch):
    """Every graph with more than 100 edges counts as big."""
    for module in (records, views):
        monkeypatch.setattr(module, "WHOLE_ATTENTION_EDGES", 100)


def _planted_attention_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("app_pages/dataset.py").run()
    at.selectbox[0].set_value("planted")
    next(b for b in at.button if b.label == "Load dataset").click()
    at.run()
    at.switch_page("app_pages/attention.py").run()
    next(b for b in at.button if b.label == "Train the default GAT here").click()
    return at.run()


def test_attention_page_computes_alpha_around_the_node_only(big):
    at = _planted_attention_page()
    assert not at.exception and not at.error
    record = next(iter(at.session_state["models"].values()))
    assert record.attention == [] and record.pred is not None
    assert any("computed around the node in view" in c.value for c in at.caption)
    assert any(
        b.label == "Download the attention table of this view (CSV)"
        for b in at.get("download_button")
    )
    assert len(at.get("iframe")) == 1

    dataset = load_spec(at.session_state["dataset_spec"])
    node, hops = at.session_state["att_node"], at.session_state["att_hops"]
    view = records.view_attention(record, dataset, node, hops)
    whole = dataset_attention(record.model, dataset)
    for (edges, alpha), (whole_edges, whole_alpha) in zip(view, whole):
        position = {tuple(e): i for i, e in enumerate(whole_edges.t().tolist())}
        rows = torch.tensor([position[tuple(e)] for e in edges.t().tolist()])
        assert torch.allclose(alpha, whole_alpha[rows], atol=1e-6)
        # Every incoming edge of the centre is there, so the table's α sum to 1 per head.
        assert int((edges[1] == node).sum()) == int((whole_edges[1] == node).sum())

    at.selectbox(key="att_layer").set_value(1)
    assert hops == 1  # the default on a graph whose α is computed per view
    at.radio(key="att_hops").set_value(2)
    at.run()
    assert not at.exception and not at.error
    assert len(record.derived[("views",)]) == 2  # one neighbourhood per (node, hops) asked for


def test_whole_graph_pages_say_what_to_use_instead(big):
    at = _planted_attention_page()
    for page in ("app_pages/analysis.py", "app_pages/compare.py"):
        at.switch_page(page).run()
        assert not at.exception
        if page.endswith("Analysis.py"):
            assert any("python -m gatviz analyze" in i.value for i in at.info)


def test_a_pack_on_the_server_is_explored_around_a_node(big, tmp_path, monkeypatch):
    from gatviz.datasets import load_dataset
    from gatviz.pack import write_pack

    write_pack(load_dataset("planted"), tmp_path / "planted-pack")
    (tmp_path / "not-a-pack").mkdir()  # listed only when it holds a manifest
    monkeypatch.setenv("GATVIZ_PACKS", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("app_pages/dataset.py").run()
    pack_box = next(s for s in at.selectbox if s.label == "Pack")
    assert pack_box.options == ["planted-pack"]
    at.selectbox[0].set_value("a pack on this server")
    next(b for b in at.button if b.label == "Load dataset").click()
    at.run()
    assert not at.exception and not at.error
    assert at.session_state["dataset_spec"] == ("pack", "planted-pack")
    dataset = load_spec(at.session_state["dataset_spec"])
    assert dataset.data.x.numpy().base is not None  # the pack's mapped pages, not a copy
    at.switch_page("app_pages/attention.py").run()
    next(b for b in at.button if b.label == "Train the default GAT here").click()
    at.run()
    assert not at.exception and not at.error
    assert any("computed around the node in view" in c.value for c in at.caption)
    assert len(at.get("iframe")) == 1
    # A link to this view names the pack; opened where the pack is missing it says so.
    from gatviz.links import link_from_query

    link, notes = link_from_query({"dataset": "pack", "pack": "planted-pack", "model": "m"})
    assert link.dataset == "karate" and "planted-pack" in notes[0]
