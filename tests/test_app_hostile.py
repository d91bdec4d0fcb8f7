"""Files from strangers in the app (AppTest): text from a file is shown as text, extreme graphs
give capped views with a note, and nothing raises."""

import json
import re
from pathlib import Path

from safetensors.torch import save
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "app_pages/home.py",
    "app_pages/dataset.py",
    "app_pages/train.py",
    "app_pages/attention.py",
    "app_pages/analysis.py",
    "app_pages/compare.py",
]
# Markdown that would fetch a URL, inject a heading or HTML, or colour text, if interpreted.
HOSTILE = [
    "`![t](http://tracker.invalid/a.png)`",
    "# Heading",
    "<img src=x onerror=alert(1)>",
    ":red[alarm] $x^2$",
    "[link](javascript:alert(1))",
    "a` ![t](http://tracker.invalid/c.png) `b",
    "![t](http://tracker.invalid/d.png)",
]


def _app(path: str = "app.py") -> AppTest:
    return AppTest.from_file(str(ROOT / path), default_timeout=180)


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _load_csv(at: AppTest, edges: bytes, nodes: bytes | None, name: str) -> AppTest:
    at.switch_page("app_pages/dataset.py").run()
    at.selectbox[0].set_value("your CSV")
    at.file_uploader[0].upload(name, edges, "text/csv")
    if nodes is not None:
        at.file_uploader[1].upload("nodes.csv", nodes, "text/csv")
    _button(at, "Load dataset").click()
    return at.run()


def _train(at: AppTest, epochs: int = 3, self_loops: bool = True) -> AppTest:
    at.switch_page("app_pages/train.py").run()
    next(n for n in at.number_input if n.label == "Epochs").set_value(epochs)
    next(c for c in at.checkbox if c.label.startswith("Self-loops")).set_value(self_loops)
    _button(at, "Train GAT").click()
    return at.run()


def _markdown_shown(at: AppTest) -> list[str]:
    """Every piece of markdown the page sent (main area and sidebar, alerts included)."""
    parts = []
    for kind in (
        "markdown",
        "caption",
        "success",
        "error",
        "warning",
        "info",
        "subheader",
        "title",
    ):
        parts += [element.value for element in at.get(kind)]
    parts += [element.value for element in at.sidebar.markdown]
    return parts


def _assert_inert(texts: list[str]) -> None:
    """No markdown or HTML from the data survives unescaped."""
    for text in texts:
        assert not re.search(r"(?<!\\)!\\?\[|(?<!\\)<img|(?<!\\)\]\(|^\s*#\s", text), text
        assert ":red[alarm]" not in text and "$x^2$" not in text, text


def test_hostile_names_are_shown_as_text_on_every_page():
    names = b"".join(f'n{i},"{HOSTILE[i % len(HOSTILE)]}",c{i % 2}\n'.encode() for i in range(7))
    edges = b"source,target\nn0,n1\nn1,n2\nn2,n0\nn3,n4\nn4,n5\nn5,n3\nn2,n3\n"
    at = _load_csv(
        _app().run(),
        edges,
        b"id,name,label\n" + names,
        "![x](http:%2F%2Ftracker.invalid%2Fb.png).csv",
    )
    assert not at.exception and not at.error
    _assert_inert(_markdown_shown(at))
    at = _train(at)
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, page
        _assert_inert(_markdown_shown(at))
    at.switch_page("app_pages/attention.py").run()
    at.selectbox(key="att_node").set_value(0).run()  # named `![t](http://...)`
    shown = " ".join(_markdown_shown(at))
    assert "tracker" in shown and not at.exception
    _assert_inert(_markdown_shown(at))


def test_a_hostile_checkpoint_is_shown_as_text(karate_checkpoint, tmp_path):
    from safetensors import safe_open

    with safe_open(str(karate_checkpoint), "pt") as f:
        meta = json.loads(f.metadata()["gatviz"])
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    meta["version"] = "`![v](http://tracker.invalid/v.png)`"
    meta["metrics"] = {"test_acc": "![m](http://tracker.invalid/m.png)", "train_acc": 0.5}
    data = save(tensors, metadata={"gatviz": json.dumps(meta)})
    at = _app().run().switch_page("app_pages/train.py").run()
    at.file_uploader[0].upload(
        "# ![c](http:%2F%2Ftracker.invalid).safetensors", data, "application/octet-stream"
    )
    at.run()
    _button(at, "Load checkpoint").click()
    at.run()
    assert not at.exception and not at.error and at.success
    _assert_inert(_markdown_shown(at))
    for page in PAGES:  # the strings in the metrics were dropped; every page still works
        at.switch_page(page).run()
        assert not at.exception, page
        _assert_inert(_markdown_shown(at))


def test_a_hub_many_classes_and_isolated_nodes_degrade_to_capped_views():
    leaves = 2_000  # more neighbours than the overlay draws (1,500)
    edges = b"source,target\n" + b"".join(f"0,{i}\n".encode() for i in range(1, leaves + 1))
    nodes = b"id,label\n" + b"".join(f"{i},c{i % 300}\n".encode() for i in range(leaves + 3))
    at = _load_csv(_app().run(), edges, nodes, "hub.csv")  # nodes 2001, 2002: isolated
    assert not at.exception and not at.error
    assert any("40 largest of 300 classes" in c.value for c in at.caption)
    assert any("fewer than 1,500 neighbours" in c.value for c in at.caption)
    at = _train(at, self_loops=False)
    assert not at.exception and not at.error
    assert any("No confusion matrix: 300 classes" in c.value for c in at.caption)

    at.switch_page("app_pages/attention.py").run()
    assert not at.exception
    at.selectbox(key="att_node").set_value(0).run()  # the hub itself
    assert not at.exception
    assert at.warning  # its neighbourhood is too big to draw: said, not raised
    assert any("300 strongest of 2,000 incoming edges" in c.value for c in at.caption)
    at.selectbox(key="att_node").set_value(leaves + 1).run()  # isolated, without self-loops
    assert not at.exception
    for page in ("app_pages/analysis.py", "app_pages/dataset.py"):
        at.switch_page(page).run()
        assert not at.exception, page
