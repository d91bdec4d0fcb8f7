"""AppTest (streamlit.testing.v1) over the home page and every page, driven through widgets."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import drawn_edges
from gatviz.config import ModelConfig, TrainConfig
from gatviz.datasets import load_dataset

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "app.py",
    "app_pages/dataset.py",
    "app_pages/train.py",
    "app_pages/attention.py",
    "app_pages/analysis.py",
    "app_pages/compare.py",
]


def _shown(markdown: str) -> str:
    """Markdown as the reader sees it: backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _app(path: str = "app.py") -> AppTest:
    return AppTest.from_file(str(ROOT / path), default_timeout=120)


def _train(at: AppTest, epochs: int = 5, name: str | None = None, conv: str = "gat") -> AppTest:
    at.switch_page("app_pages/train.py").run()
    next(n for n in at.number_input if n.label == "Epochs").set_value(epochs)
    next(s for s in at.selectbox if s.label == "Layer type").set_value(conv)
    if name:
        next(t for t in at.text_input if t.label == "Model name").set_value(name)
    next(b for b in at.button if b.label == "Train GAT").click()
    return at.run()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_error(page):
    at = _app(page).run()
    assert not at.exception
    assert not at.error


def test_home_shows_formulas_and_the_current_dataset():
    at = _app().run()
    assert len(at.latex) == 3
    assert any("karate" in m.value for m in at.sidebar.markdown)


def test_dataset_page_switches_graph_and_keeps_it_on_bad_csv():
    at = _app("app_pages/dataset.py").run()
    at.selectbox[0].set_value("planted")
    next(b for b in at.button if b.label == "Load dataset").click()
    at.run()
    assert at.session_state["dataset_spec"][0] == "planted"
    assert at.metric[0].value == "160"
    assert any("noise" in c.value for c in at.caption)

    at.selectbox[0].set_value("your CSV")
    at.file_uploader[0].upload("edges.csv", b"from,to\n1,2\n", "text/csv")
    next(b for b in at.button if b.label == "Load dataset").click()
    at.run()
    assert "needs column(s) source, target; found from, to" in _shown(at.error[0].value)
    assert "planted) is still loaded" in _shown(at.error[0].value)
    assert at.session_state["dataset_spec"][0] == "planted"


def test_dataset_page_loads_a_good_csv():
    at = _app("app_pages/dataset.py").run()
    at.selectbox[0].set_value("your CSV")
    at.file_uploader[0].upload("friends.csv", b"source,target\na,b\nb,c\nc,a\n", "text/csv")
    at.file_uploader[1].upload("people.csv", b"id,label\na,x\nb,x\nc,y\n", "text/csv")
    next(b for b in at.button if b.label == "Load dataset").click()
    at.run()
    assert not at.error and at.metric[0].value == "3"
    assert at.session_state["dataset_spec"][:2] == ("csv", "friends")


def test_train_page_trains_and_keeps_several_models():
    at = _train(_app().run(), epochs=5, name="first")
    assert not at.exception and not at.error
    assert list(at.session_state["models"]) == ["first"]
    assert at.session_state["select_next"] == {}  # nothing left for the next run to wait on
    assert any(m.label == "Test accuracy" for m in at.metric)
    assert any("first" in m.value for m in at.sidebar.markdown)  # the sidebar knows it
    assert at.get("download_button")
    at = _train(at, epochs=3, name="second")
    assert list(at.session_state["models"]) == ["first", "second"]
    import torch.distributed

    assert not torch.distributed.is_initialized()  # the app never joins a process group
    assert any(h.value == "Results: second" for h in at.subheader)  # the new one is shown
    # An unrelated widget never retrains.
    models_before = dict(at.session_state["models"])
    next(s for s in at.slider if s.label == "Feature dropout").set_value(0.3)
    at.run()
    assert dict(at.session_state["models"]) == models_before


def test_train_page_rejects_a_bad_checkpoint_and_loads_a_good_one(karate_checkpoint):
    at = _app().run().switch_page("app_pages/train.py").run()
    at.file_uploader[0].upload(
        "stranger.safetensors", b"\x80\x04not a checkpoint", "application/octet-stream"
    )
    at.run()  # the upload reruns the page, which enables the button
    next(b for b in at.button if b.label == "Load checkpoint").click()
    at.run()
    assert "Could not load stranger.safetensors" in _shown(at.error[0].value)
    assert "not a gatviz checkpoint" in _shown(at.error[0].value)
    assert not at.session_state["models"]

    at.file_uploader[0].upload(
        "mine.safetensors", karate_checkpoint.read_bytes(), "application/octet-stream"
    )
    at.run()
    next(b for b in at.button if b.label == "Load checkpoint").click()
    at.run()
    assert list(at.session_state["models"]) == ["mine"]
    assert any("Loaded mine (trained on karate" in _shown(s.value) for s in at.success)


def test_train_page_refuses_a_checkpoint_for_another_dataset(karate_checkpoint):
    at = _app().run().switch_page("app_pages/dataset.py").run()
    at.selectbox[0].set_value("planted")
    next(b for b in at.button if b.label == "Load dataset").click()
    at.run()
    at.switch_page("app_pages/train.py").run()
    at.file_uploader[0].upload(
        "karate.safetensors", karate_checkpoint.read_bytes(), "application/octet-stream"
    )
    at.run()
    next(b for b in at.button if b.label == "Load checkpoint").click()
    at.run()
    assert "features: checkpoint expects 34, planted has 16" in _shown(at.error[0].value)


def test_attention_page_renders_the_overlay_and_follows_the_widgets():
    at = _train(_app().run(), epochs=20)
    at.switch_page("app_pages/attention.py").run()
    assert not at.exception and not at.warning
    frames = at.get("iframe")
    assert frames and "vis.Network" in frames[0].proto.srcdoc
    assert at.query_params["model"] == "karate GAT"
    assert at.query_params["node"] == "33"  # the highest in-degree node by default

    at.selectbox(key="att_head").set_value(3).run()
    at.selectbox(key="att_layer").set_value(1).run()  # one head there: resets to the mean
    assert at.query_params["layer"] == "1" and at.query_params["head"] == "mean"
    next(b for b in at.button if b.label.startswith("Next misclassified")).click().run()
    node = at.session_state["att_node"]
    record = at.session_state["models"]["karate GAT"]
    assert int(record.pred[node]) != int(load_dataset("karate").data.y[node])
    assert at.query_params["node"] == str(node)
    assert {d.label for d in at.get("download_button")} >= {
        "Download the attention table (CSV)",
        "Download this view (standalone HTML)",
    }


def test_attention_page_without_a_model_trains_the_default_in_one_click():
    at = _app("app_pages/attention.py").run()
    assert "No model on this dataset yet" in at.info[0].value
    next(b for b in at.button if b.label == "Train the default GAT here").click().run()
    assert not at.exception and not at.error
    record = at.session_state["models"]["karate GAT"]
    assert record.model_config == ModelConfig() and record.train_config == TrainConfig()
    assert at.get("iframe") and not at.info  # the overlay, straight away


def test_a_shared_link_reopens_the_dataset():
    at = _app("app_pages/dataset.py")
    at.query_params["dataset"] = "planted"
    at.run()
    assert at.session_state["dataset_spec"][0] == "planted"


def _load(at: AppTest, name: str) -> AppTest:
    at.switch_page("app_pages/dataset.py").run()
    at.selectbox[0].set_value(name)
    next(b for b in at.button if b.label == "Load dataset").click()
    return at.run()


def test_analysis_page_shows_every_statistic_beside_its_baseline():
    at = _train(_app().run(), epochs=20)
    at.switch_page("app_pages/analysis.py").run()
    assert not at.exception and not at.error
    headings = [h.value for h in at.subheader]
    assert headings[:1] == ["What this says"]
    for section in (
        "Distance from uniform",
        "Do the heads agree?",
        "Same-class attention",
        "Static or dynamic attention",
        "Uniform-attention knockout",
        "Deletion curves",
        "Attention over training",
        "Export",
    ):
        assert section in headings
    assert "Ground truth" not in headings  # karate has none
    assert any("forced to uniform" in m.value for m in at.markdown)
    assert at.metric[0].value == "1.000"  # GAT's ranking consistency
    assert len(at.get("vega_lite_chart")) == 9
    downloads = {d.label for d in at.get("download_button")}
    assert {"kl_from_uniform.csv", "uniform_knockout.csv", "deletion_layer1.csv"} <= downloads
    at.selectbox[1].set_value(0).run()  # layer 0: its deletion curves are computed on demand
    assert "deletion_layer0.csv" in {d.label for d in at.get("download_button")}
    at.selectbox[2].set_value(5).run()
    assert any("layer 0, head 5" in m.value for m in at.markdown)
    record = at.session_state["models"]["karate GAT"]
    assert ("deletion", 0) in record.derived and ("deletion", 1) in record.derived


def test_analysis_page_shows_ground_truth_on_ba_shapes():
    at = _train(_load(_app().run(), "ba-shapes"), epochs=10)
    at.switch_page("app_pages/analysis.py").run()
    assert not at.exception
    assert "Ground truth" in [h.value for h in at.subheader]
    assert any("model-free 1/|N(i)|" in m.value for m in at.markdown)


def test_compare_page_needs_two_models_then_compares_them():
    at = _train(_app().run(), epochs=10, name="gat one")
    at.switch_page("app_pages/compare.py").run()
    assert "needs two models" in at.info[0].value
    at = _train(at, epochs=10, name="v2", conv="gatv2")
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception and not at.warning
    assert at.selectbox(key="compare_a").value == "gat one"
    assert at.selectbox(key="compare_b").value == "v2"
    assert float(at.metric[0].value) > 0  # GAT and GATv2 attend differently
    assert len(at.get("iframe")) == 2
    versus = next(c.value for c in at.caption if c.value.startswith("Test accuracy, B − A"))
    assert "McNemar" in versus and "not measurable with 7 test nodes" in versus


def test_attention_page_explains_alpha_and_colours_edges_relative_to_uniform():
    at = _train(_app().run(), epochs=20)
    at.switch_page("app_pages/attention.py").run()
    terms = at.dataframe[-1].value
    assert {"a_src·Wh_j", "a_dst·Wh_i", "e_ij", "exp(e_ij)"} <= set(terms.columns)
    assert abs(terms["α = exp / Σ exp"].sum() - 1) < 1e-6
    assert len(terms) == 18  # node 33: 17 friends and itself
    assert 'data-scale="relative"' in at.get("iframe")[0].proto.srcdoc  # auto on a hub
    next(r for r in at.radio if r.label == "Colour edges by").set_value("alpha").run()
    assert 'data-scale="alpha"' in at.get("iframe")[0].proto.srcdoc


def test_analysis_page_works_on_a_loaded_checkpoint(karate_checkpoint):
    at = _app().run().switch_page("app_pages/train.py").run()
    at.file_uploader[0].upload(
        "loaded.safetensors", karate_checkpoint.read_bytes(), "application/octet-stream"
    )
    at.run()
    next(b for b in at.button if b.label == "Load checkpoint").click()
    at.run()
    at.switch_page("app_pages/analysis.py").run()
    assert not at.exception and not at.error
    assert any("No α snapshots" in c.value for c in at.caption)
    assert any("forced to uniform" in m.value for m in at.markdown)


def test_a_set_of_graphs_trains_and_every_view_works_per_graph():
    """ba-2motif (graph classification): train, then the Attention page on a test graph
    with its true and predicted class, and the Analysis page over the test graphs."""
    at = _app().run()
    at.switch_page("app_pages/dataset.py").run()
    at.selectbox[0].set_value("ba-2motif")
    next(b for b in at.button if b.label == "Load dataset").click()
    at.run()
    assert next(m for m in at.metric if m.label == "Graphs").value == "1,000"
    at = _train(at, epochs=3)
    assert not at.exception
    assert next(m for m in at.metric if m.label == "Test accuracy")
    at.switch_page("app_pages/attention.py").run()
    assert not at.exception
    picker = next(s for s in at.selectbox if s.label == "Graph")
    assert "test" in picker.format_func(picker.value)
    chosen = int(at.session_state["att_graph"]) + 1
    picker.set_value(chosen)
    at.run()
    assert not at.exception
    assert at.query_params["graph"] == str(chosen)  # the link carries the graph
    assert any("true class" in m.value and "predicted" in m.value for m in at.markdown)
    at.switch_page("app_pages/analysis.py").run()
    assert not at.exception and not at.error
    assert next(s for s in at.selectbox if s.label == "Graphs measured").value == "test"
    assert any(s.value == "Graphs seen and never seen" for s in at.subheader)
    # Attributions explain test graphs, and ba-2motif's motif is their ground truth.
    next(n for n in at.number_input if n.label == "Test graphs sampled").set_value(2)
    at.run()
    next(b for b in at.button if b.label == "Score 2 test graphs with every method").click()
    at.run()
    assert not at.exception and not at.error
    truth = at.dataframe[-1].value
    assert set(truth["edges marked"]) == {"motif"} and (truth["graphs"] == 2).all()


def test_dataset_page_loads_many_graphs_from_csv_and_explains_a_bad_graph_file():
    at = _app("app_pages/dataset.py").run()
    at.selectbox[0].set_value("your CSV")
    at.file_uploader[0].upload(
        "molecules.csv", b"source,target,graph\na,b,1\nb,c,1\nd,e,2\n", "text/csv"
    )
    at.file_uploader[1].upload(
        "atoms.csv", b"id,label,graph\na,C,1\nb,O,1\nc,C,1\nd,N,2\ne,C,2\n", "text/csv"
    )
    at.file_uploader[2].upload("labels.csv", b"graph,label\n1,toxic\n2,safe\n", "text/csv")
    next(b for b in at.button if b.label == "Load dataset").click()
    at.run()
    assert not at.exception and not at.error
    assert next(m for m in at.metric if m.label == "Graphs").value == "2"
    at.file_uploader[2].upload("labels.csv", b"graph,label\n1,toxic\n1,safe\n", "text/csv")
    next(b for b in at.button if b.label == "Load dataset").click()
    at.run()
    assert "graph 1 is labelled 'safe' here and 'toxic' on line 2" in _shown(at.error[0].value)
    assert "is still loaded" in _shown(at.error[0].value)


def test_a_multi_label_set_trains_and_every_view_works(tmp_path, monkeypatch):
    """PPI from tiny files in its raw format: the PPI preset, micro-F1, a label picker on the
    Attention page and same-label attention per label on the Analysis page."""
    from test_graph_benchmarks import write_ppi

    write_ppi(tmp_path / "PPI" / "raw", {"train": [8, 9, 7], "valid": [6], "test": [8, 7]})
    monkeypatch.setenv("GATVIZ_DATA_DIR", str(tmp_path))
    at = _app().run()
    at.switch_page("app_pages/dataset.py").run()
    at.selectbox[0].set_value("ppi")
    next(b for b in at.button if b.label == "Load dataset").click()
    at.run()
    assert not at.exception and not at.error
    assert next(m for m in at.metric if m.label == "Labels per node").value == "121"
    at.switch_page("app_pages/train.py").run()
    next(s for s in at.selectbox if s.label == "Start from").set_value("ppi").run()
    assert next(n for n in at.number_input if n.label == "Hidden units per head").value == 256
    next(n for n in at.number_input if n.label == "Hidden units per head").set_value(8)
    next(n for n in at.number_input if n.label == "Epochs").set_value(2)
    next(b for b in at.button if b.label == "Train GAT").click()
    at.run()
    assert not at.exception and not at.error
    assert any(m.label == "Test micro-F1" for m in at.metric)
    at.switch_page("app_pages/attention.py").run()
    assert not at.exception and not at.error
    next(s for s in at.selectbox if s.label == "Label shown").set_value(5).run()
    assert not at.exception
    assert any("labels true" in m.value for m in at.markdown)
    at.switch_page("app_pages/analysis.py").run()
    assert not at.exception and not at.error
    assert any(s.value == "Same-label attention" for s in at.subheader)


def test_analysis_of_a_multilabel_set_shows_same_label_attention_per_label(tmp_path):
    """PPI-like data (tiny files in PPI's raw format): the Analysis page draws the same-label
    bars and lists the labels whose α departs most from uniform."""
    from test_graph_benchmarks import write_ppi

    write_ppi(tmp_path / "PPI" / "raw", {"train": [6, 5], "valid": [5], "test": [6, 4]})
    at = _app().run().switch_page("app_pages/dataset.py").run()
    at.selectbox[0].set_value("ppi")
    next(t for t in at.text_input if t.label.startswith("Data directory")).set_value(str(tmp_path))
    next(b for b in at.button if b.label == "Load dataset").click()
    at.run()
    _train(at, epochs=3)
    at.switch_page("app_pages/analysis.py").run()
    assert not at.exception and not at.error
    assert any(s.value == "Same-label attention" for s in at.subheader)
    assert any(c.value.startswith("Per label (head 0)") for c in at.caption)


def test_analysis_page_trains_two_seeds_on_a_click_and_keeps_them():
    at = _train(_app().run(), epochs=10)
    at.switch_page("app_pages/analysis.py").run()
    next(n for n in at.number_input if n.label == "Seeds (K)").set_value(2)
    at.run()
    next(b for b in at.button if b.label == "Train 2 seeds and compare").click()
    at.run()
    assert not at.exception and not at.error
    assert any(c.value.startswith("Predictions that differ between two seeds") for c in at.caption)
    assert any(b.label == "seed_agreement.csv" for b in at.get("download_button"))
    record = next(iter(at.session_state["models"].values()))
    assert ("seeds", 2) in record.derived  # kept: a rerun does not train again


def test_analysis_page_scores_sampled_nodes_with_every_attribution_method():
    at = _train(_app().run(), epochs=10)
    at.switch_page("app_pages/analysis.py").run()
    next(n for n in at.number_input if n.label == "Test nodes sampled").set_value(3)
    at.run()
    next(b for b in at.button if b.label == "Score 3 test nodes with every method").click()
    at.run()
    assert not at.exception and not at.error
    table = at.dataframe[-1].value  # karate marks no edges: no ground-truth table
    assert set(table["method"]) >= {"Integrated Gradients", "GNNExplainer", "α ⊙ ∂y/∂α"}
    assert {"α, layer 0", "α (mean over layers)", "attention flow"} <= set(table["α"])
    assert table["Spearman [95 %]"].str.match(r"-?\d\.\d{3} \[-?\d\.\d{3}, -?\d\.\d{3}\]").all()
    assert any("Deletion curves" in m.value for m in at.markdown)
    assert any(b.label == "attribution_deletion.csv" for b in at.get("download_button"))


def test_attention_edges_show_an_attribution_and_dash_the_edges_unstable_across_seeds():
    at = _train(_app().run(), epochs=10)
    at.switch_page("app_pages/attention.py").run()
    unstable = next(c for c in at.checkbox if c.label == "Dash unstable edges")
    assert unstable.disabled  # no seed study yet
    next(s for s in at.selectbox if s.label == "Edges show").set_value("gnnexplainer")
    at.run()
    assert not at.exception and not at.error
    assert at.query_params["edges"] == "gnnexplainer"  # the link carries the mode
    assert any(m.value.startswith("**α beside GNNExplainer**") for m in at.markdown)
    beside = next(d.value for d in at.dataframe if "edge" in d.value.columns)
    assert {"α, layer 0", "α, layer 1", "Integrated Gradients", "attention flow"} <= set(beside)
    record = next(iter(at.session_state["models"].values()))
    assert len(record.derived[("node_attributions",)]) == 1  # kept: modes switch for free
    at.switch_page("app_pages/analysis.py").run()
    next(n for n in at.number_input if n.label == "Seeds (K)").set_value(2)
    at.run()
    next(b for b in at.button if b.label == "Train 2 seeds and compare").click()
    at.run()
    at.switch_page("app_pages/attention.py").run()
    next(c for c in at.checkbox if c.label == "Dash unstable edges").check()
    at.run()
    assert not at.exception and not at.error
    assert any(
        c.value.startswith("Dashed: edges whose α varies across the 2 seeds") for c in at.caption
    )


def test_what_if_edits_are_applied_undone_and_carried_by_the_link():
    from gatviz.whatif import Edit

    at = _train(_app().run(), epochs=10)
    at.switch_page("app_pages/attention.py").run()
    source = next(s for s in at.selectbox if s.label == "Incoming edge from").value
    next(b for b in at.button if b.label == "Apply").click()
    at.run()
    assert not at.exception and not at.error
    centre = at.session_state["att_node"]
    assert at.query_params["edits"] == f"r{source}-{centre}"
    assert {"Prediction before", "after the edits"} <= {
        m.label.removesuffix(" (changed)") for m in at.metric
    }
    alpha = next(d.value for d in at.dataframe if "change" in d.value.columns)
    assert alpha["after"].isna().sum() == 1  # the removed edge
    # The edited graph is drawn too: the removed edge is not in it.
    edited = at.get("iframe")[-1].proto.srcdoc
    assert "after the edits: layer" in edited
    pairs = {(e["from"], e["to"]) for e in drawn_edges(edited)}
    assert (source, centre) not in pairs and (centre, centre) in pairs
    # The flipping set, searched by an attribution method's order.
    next(s for s in at.selectbox if s.label == "Order the edges by").set_value("attention_flow")
    at.run()
    next(b for b in at.button if b.label == "Find the smallest flipping set").click()
    at.run()
    assert not at.exception and not at.error
    assert any(
        c.value.startswith("By attention flow, ") or "by attention flow (up to 50)" in c.value
        for c in at.caption
    )
    next(b for b in at.button if b.label == "Undo last").click()
    at.run()
    assert "edits" not in at.query_params
    # Undoing the last edit leaves the panel open (a changed `expanded` redraws it closed).
    panel = next(e for e in at.expander if e.label.startswith("What if?"))
    assert panel.proto.expanded
    # A link with edits opens with them (the model comes back from the shared cache); one
    # naming a node that does not exist says so.
    query = {key: at.query_params[key] for key in at.query_params}
    for edits, shown in ((f"r{source}-{centre}", None), ("a99-0", "node 99 does not exist")):
        linked = _app("app_pages/attention.py")
        for key, value in {**query, "edits": edits}.items():
            linked.query_params[key] = value
        linked.run()
        assert not linked.exception
        if shown is None:
            assert linked.session_state["att_edits"] == (Edit("remove", source, centre),)
        else:
            assert any(shown in w.value for w in linked.warning)


def test_the_embedding_view_draws_once_asked_and_every_projection_works():
    at = _train(_app().run(), epochs=10)
    at.switch_page("app_pages/attention.py").run()
    charts = len(at.get("vega_lite_chart"))
    next(t for t in at.toggle if t.label.startswith("Embedding")).set_value(True)
    at.run()
    assert not at.exception and not at.error
    assert len(at.get("vega_lite_chart")) == charts + 1
    for method in ("tsne", "umap"):
        next(r for r in at.radio if r.label == "Projection").set_value(method)
        at.run()
        assert not at.exception
    # umap-learn is not a requirement: the page says how to get it instead of failing.
    shown = [w.value.replace("\\", "") for w in at.warning]  # as_text escapes the markdown
    assert any("pip install umap-learn" in w for w in shown) or "umap" in __import__("sys").modules
