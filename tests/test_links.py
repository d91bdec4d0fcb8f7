"""Links: a dataset and a model's settings as a URL query, and back."""

import pytest

from gatviz.config import ModelConfig, TrainConfig
from gatviz.errors import ConfigError, GatvizError
from gatviz.links import CHECKPOINT, CSV, Link, is_link_key, link_from_query


def test_the_default_model_on_karate_is_a_short_link():
    link = Link.for_dataset("karate").with_model("karate GAT", ModelConfig(), TrainConfig())
    assert link.to_query() == {"dataset": "karate", "model": "karate GAT"}


def test_a_link_round_trips_every_setting_that_differs_from_the_default():
    model_config = ModelConfig(
        heads=4, hidden=16, dropout=0.5, out_concat=True, conv="gatv2", residual="input"
    )
    train_config = TrainConfig(lr=0.01, epochs=300, seed=7, snapshots=0)
    link = Link.for_dataset("planted", seed=3, noise=0.45).with_model(
        "mine", model_config, train_config
    )
    query = link.to_query()
    assert query["data.seed"] == "3" and query["data.noise"] == "0.45"
    assert "data.size" not in query  # defaults are left out
    assert query["heads"] == "4" and query["out_concat"] == "true" and query["seed"] == "7"
    back, notes = link_from_query(query)
    assert notes == [] and back == link and back.key() == link.key()


def test_equal_datasets_give_equal_links_whatever_was_spelled_out():
    assert Link.for_dataset("planted") == Link.for_dataset("planted", seed=0, size=40)
    assert Link.for_dataset("planted").key() != Link.for_dataset("planted", seed=1).key()


def test_files_a_link_cannot_carry_are_named_not_replaced():
    link, notes = link_from_query({"dataset": CSV, "csv": "friends"})
    assert link.dataset == "karate" and not link.model_name
    assert "uploaded CSV graph (friends)" in notes[0] and "Dataset page" in notes[0]

    link, notes = link_from_query({"dataset": "karate", "model": "mine", "source": CHECKPOINT})
    assert link.source == CHECKPOINT and not link.rebuildable
    assert "checkpoint file (mine)" in notes[0] and "Train page" in notes[0]
    assert (
        Link(CSV, csv_name="x").with_model("m", ModelConfig(), TrainConfig()).rebuildable is False
    )


@pytest.mark.parametrize(
    "query, says",
    [
        ({"dataset": "nope"}, "unknown dataset 'nope'"),
        ({"dataset": "planted", "data.colour": "red"}, "has no parameter(s) ['colour']"),
        ({"dataset": "planted", "data.size": "big"}, "size must be a whole number"),
        ({"dataset": "karate", "model": "m", "layers": "2.0"}, "layers must be a whole number"),
        ({"dataset": "karate", "model": "m", "heads": "0"}, "heads must be between 1 and 64"),
        ({"dataset": "karate", "model": "m", "lr": "nan"}, "lr must be between"),
        ({"dataset": "karate", "model": "m", "self_loops": "yes"}, "self_loops must be true or"),
        ({"dataset": "karate", "model": "m", "conv": "x" * 500}, "short text value"),
    ],
)
def test_a_bad_link_says_what_is_wrong_and_falls_back(query, says):
    link, notes = link_from_query(query)
    assert len(notes) == 1 and says in notes[0]
    assert not link.model_name


def test_config_text_parsing_refuses_wrong_kinds():
    with pytest.raises(ConfigError, match="out_concat must be true or false"):
        ModelConfig.from_query({"out_concat": "1"})
    assert TrainConfig.from_query({"epochs": "12", "other": "ignored"}) == TrainConfig(epochs=12)
    with pytest.raises(GatvizError, match="unknown dataset"):
        Link.for_dataset("../etc")


def test_view_keys_are_not_link_keys():
    assert is_link_key("heads") and is_link_key("data.seed") and is_link_key("model")
    assert not any(is_link_key(key) for key in ("layer", "head", "node", "hops", "show_loops"))
