"""Links between sessions (AppTest): a URL reopens the same model and view elsewhere, files are
named rather than replaced, and nothing one session uploads reaches another."""

import re
from pathlib import Path

import torch
from streamlit.testing.v1 import AppTest

from gatviz.attention import attention_table
from ui.records import ModelRecord, record_bytes
from ui.shared import REUSED, SharedModels, shared_models
from ui.specs import link_for

ROOT = Path(__file__).resolve().parents[1]
FRIENDS = b"source,target\na,b\nb,c\nc,a\nc,d\nd,e\ne,c\n"
PEOPLE = b"id,label\na,x\nb,x\nc,x\nd,y\ne,y\n"


def _app(path: str = "app_pages/attention.py", query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at


def _shown(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _train(at: AppTest, name: str, epochs: int, heads: int = 8) -> AppTest:
    at.switch_page("app_pages/train.py").run()
    next(n for n in at.number_input if n.label == "Epochs").set_value(epochs)
    next(n for n in at.number_input if n.label == "Heads per hidden layer").set_value(heads)
    next(t for t in at.text_input if t.label == "Model name").set_value(name)
    _button(at, "Train GAT").click()
    return at.run()


def _table(record) -> bytes:
    return attention_table(record.attention).to_csv(index=False).encode()


def _linked_view(name: str, heads: int) -> tuple[AppTest, dict]:
    """A session that trained a model and chose a non-default layer, head, node and hops."""
    at = _train(_app("app.py").run(), name, epochs=30, heads=heads)
    at.switch_page("app_pages/attention.py").run()
    at.selectbox(key="att_head").set_value(2).run()
    at.selectbox(key="att_node").set_value(5).run()
    at.radio(key="att_hops").set_value(1).run()
    assert not at.exception
    return at, {key: at.query_params[key] for key in at.query_params}


def test_a_link_reopens_the_same_model_and_view_in_another_session():
    first, query = _linked_view("linked", heads=4)
    assert query["model"] == "linked" and query["heads"] == "4" and query["epochs"] == "30"
    assert (query["head"], query["node"], query["hops"]) == ("2", "5", "1")

    second = _app(query=query).run()
    assert not second.exception and not second.warning and not second.info
    shown, original = (at.session_state["models"]["linked"] for at in (second, first))
    assert shown.uid == original.uid  # the very same weights, from the server's shared cache
    assert shown.model is not original.model  # but its own copy: hooks in one session stay there
    assert _table(shown) == _table(original)
    for key, value in (("att_head", 2), ("att_node", 5), ("att_hops", 1), ("att_layer", 0)):
        assert second.session_state[key] == value
    assert second.get("iframe")
    assert second.query_params["model"] == "linked"

    analysis = _app("app_pages/analysis.py", {**query, "layer": "0", "head": "3"}).run()
    assert not analysis.exception and not analysis.warning
    assert analysis.session_state["analysis_layer"] == 0
    assert analysis.session_state["analysis_head"] == 3
    analysis.selectbox(key="analysis_layer").set_value(1).run()  # one head there: head 0
    assert "layer" not in analysis.query_params and "head" not in analysis.query_params  # defaults


def test_a_link_whose_model_is_gone_trains_it_again_to_the_same_attention():
    first, query = _linked_view("retrained", heads=3)
    shared_models().clear()  # a restarted server, or a model pushed out of memory

    second = _app(query=query).run()
    assert "which this server no longer holds" in _shown(second.info[0].value)
    assert "heads = 3" in _shown(second.info[0].value)
    _button(second, "Train the link's model").click().run()
    assert not second.exception and not second.error
    shown, original = (at.session_state["models"]["retrained"] for at in (second, first))
    assert shown.uid != original.uid  # trained again in this session...
    for a, b in zip(shown.attention, original.attention):  # ...to the same α, bit for bit
        assert torch.equal(a.alpha, b.alpha) and torch.equal(a.edge_index, b.edge_index)
    assert _table(shown) == _table(original)
    assert second.session_state["att_node"] == 5 and second.session_state["att_head"] == 2


def test_training_the_same_settings_in_another_session_reuses_the_model():
    first = _train(_app("app.py").run(), "mine", epochs=7, heads=2)
    second = _train(_app("app.py").run(), "theirs", epochs=7, heads=2)
    assert not second.exception and not second.error
    mine, theirs = (
        at.session_state["models"][name] for at, name in ((first, "mine"), (second, "theirs"))
    )
    assert theirs.uid == mine.uid  # the same weights, from the server's shared cache
    assert theirs.note == REUSED
    assert any("reused" in _shown(c.value) for c in second.caption)
    other = _train(_app("app.py").run(), "other", epochs=8, heads=2)  # other settings: trained
    assert other.session_state["models"]["other"].uid != mine.uid


def test_a_model_stopped_early_is_rebuilt_from_its_link_with_the_same_weights(karate):
    """Stop after epoch 5 of 12 (as the Stop button ends a run: the epoch callback returns
    False); the link carries the 5 epochs run, and training what it names gives the very weights
    the stopped run kept."""
    from gatviz.config import ModelConfig, TrainConfig
    from gatviz.training import train

    model_config, train_config = ModelConfig(heads=2), TrainConfig(epochs=12)
    stopped = train(karate, model_config, train_config, on_epoch=lambda stats: stats.epoch < 5)
    record = ModelRecord(
        "stopped",
        ("karate", ()),
        stopped.model,
        train_config,
        stopped.metrics,
        stopped.history,
        stopped=True,
    )
    link = link_for(record.dataset_spec, record)
    assert link.train_config.epochs == 5 and link.to_query()["epochs"] == "5"
    rebuilt = train(karate, link.model_config, link.train_config)
    for a, b in zip(rebuilt.model.parameters(), stopped.model.parameters()):
        assert torch.equal(a, b)


def _upload_and_train(at: AppTest) -> AppTest:
    at.switch_page("app_pages/dataset.py").run()
    at.selectbox[0].set_value("your CSV")
    at.file_uploader[0].upload("friends.csv", FRIENDS, "text/csv")
    at.file_uploader[1].upload("people.csv", PEOPLE, "text/csv")
    _button(at, "Load dataset").click()
    at.run()
    return _train(at, "friends GAT", epochs=5)


def test_sessions_do_not_see_each_others_uploads():
    first = _upload_and_train(_app("app.py").run())
    assert not first.exception and first.session_state["models"]
    query = {key: first.query_params[key] for key in first.query_params}
    assert query["dataset"] == "csv" and query["csv"] == "friends"

    other = _app("app.py").run()
    assert "models" not in other.session_state or not other.session_state["models"]
    assert other.session_state["dataset_spec"][0] == "karate"
    assert all(key[0] != "csv" for key in shared_models()._records)

    # The first session's link, opened elsewhere, names what it cannot bring.
    opened = _app(query=query).run()
    notes = [_shown(w.value) for w in opened.warning]
    assert any("uploaded CSV graph (friends)" in n and "Dataset page" in n for n in notes)
    assert opened.session_state["dataset_spec"][0] == "karate"
    assert "No model on this dataset yet" in opened.info[0].value


def test_a_checkpoint_link_says_the_file_is_needed(karate_checkpoint):
    at = _app("app_pages/train.py").run()
    at.file_uploader[0].upload(
        "mine.safetensors", karate_checkpoint.read_bytes(), "application/octet-stream"
    )
    at.run()
    _button(at, "Load checkpoint").click()
    at.run()
    assert at.query_params["source"] == "checkpoint" and at.query_params["model"] == "mine"
    assert "heads" not in at.query_params  # settings alone cannot rebuild a file's weights
    record = at.session_state["models"]["mine"]
    assert all(stored.uid != record.uid for stored, _ in shared_models()._records.values())

    opened = _app(query={"dataset": "karate", "model": "mine", "source": "checkpoint"}).run()
    assert any("checkpoint file (mine)" in _shown(w.value) for w in opened.warning)


def test_a_bad_link_is_explained_and_the_page_still_works():
    at = _app(
        query={
            "dataset": "planted",
            "data.size": "9999",
            "model": "x",
            "layers": "2.0",
            "node": "-4",
            "head": "mean",
            "hops": "7",
        }
    ).run()
    assert not at.exception
    notes = " ".join(_shown(w.value) for w in at.warning)
    assert "could not be loaded" in notes and "size" in notes
    assert at.session_state["dataset_spec"][0] == "karate"


def test_the_shared_cache_hands_out_copies_and_stays_within_its_budget(karate_trained):
    result, train_config = karate_trained
    record = ModelRecord(
        "m",
        ("karate", ()),
        result.model,
        train_config,
        result.metrics,
        pred=torch.zeros(34, dtype=torch.long),
        prob=torch.zeros(34, 4),
    )
    size = record_bytes(record)
    store = SharedModels(budget=2.5 * size)
    for k in range(3):
        store.put(("key", k), record)
    assert len(store) == 2 and store.get(("key", 0), ("karate", ()), "x") is None  # oldest out
    first, second = (store.get(("key", 2), ("karate", ()), name) for name in "ab")
    assert (first.name, second.name) == ("a", "b") and first.uid == second.uid == record.uid
    assert first.model is not second.model is not record.model
    for a, b in zip(first.model.parameters(), record.model.parameters()):
        assert torch.equal(a, b)


def test_the_shared_cache_evicts_the_least_recently_used_not_the_oldest(karate_trained):
    result, train_config = karate_trained
    record = ModelRecord(
        "m",
        ("karate", ()),
        result.model,
        train_config,
        result.metrics,
        pred=torch.zeros(34, dtype=torch.long),
        prob=torch.zeros(34, 4),
    )
    store = SharedModels(budget=2.5 * record_bytes(record))
    store.put(("key", 0), record)
    store.put(("key", 1), record)
    assert store.get(("key", 0), ("karate", ()), "x") is not None  # 0 is now the most recent
    store.put(("key", 2), record)
    assert store.get(("key", 1), ("karate", ()), "x") is None  # the least recently used went
    assert store.get(("key", 0), ("karate", ()), "x") is not None
    assert store.get(("key", 2), ("karate", ()), "x") is not None


def test_a_planetoid_link_reopens_the_model_whatever_directory_it_was_read_from(
    planetoid_root, monkeypatch
):
    monkeypatch.setenv("GATVIZ_DATA_DIR", str(planetoid_root))
    first = _app("app.py").run().switch_page("app_pages/dataset.py").run()
    first.selectbox[0].set_value("cora")
    next(t for t in first.text_input if t.label.startswith("Data directory")).set_value(
        str(planetoid_root) + "/"
    )  # the same folder, spelled differently
    _button(first, "Load dataset").click()
    first.run()
    first = _train(first, "cora link", epochs=3)
    first.switch_page("app_pages/attention.py").run()
    query = {key: first.query_params[key] for key in first.query_params}
    assert query["dataset"] == "cora" and "data_dir" not in str(query)

    second = _app(query=query).run()
    assert not second.exception and not second.info and not second.warning
    shown, original = (at.session_state["models"]["cora link"] for at in (second, first))
    assert _table(shown) == _table(original)
