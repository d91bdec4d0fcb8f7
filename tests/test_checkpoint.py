import json
import pickle

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import save

from conftest import peak_memory_growth
from gatviz.checkpoint import FORMAT, MAX_PARAMETERS, read_checkpoint, save_checkpoint
from gatviz.datasets import load_dataset
from gatviz.errors import CheckpointError
from gatviz.training import predict


def _metadata(path):
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        return json.loads(f.metadata()["gatviz"]), {k: f.get_tensor(k) for k in f.keys()}


def test_round_trip_rebuilds_the_same_model(karate, karate_trained, karate_checkpoint):
    result, train_config = karate_trained
    checkpoint = read_checkpoint(karate_checkpoint)
    assert checkpoint.model_config == result.model.config
    assert checkpoint.train_config == train_config
    assert checkpoint.dataset == "karate" and checkpoint.fingerprint == karate.fingerprint()
    assert checkpoint.metrics["test_acc"] == result.metrics["test_acc"]
    assert checkpoint.check_fits(karate) == []
    assert torch.equal(
        predict(checkpoint.build_model(), karate)[1], predict(result.model, karate)[1]
    )
    assert read_checkpoint(karate_checkpoint.read_bytes()).state.keys() == checkpoint.state.keys()


def test_save_checkpoint_writes_a_file(tmp_path, karate, karate_trained):
    result, train_config = karate_trained
    path = save_checkpoint(tmp_path / "m.safetensors", result.model, karate, train_config)
    assert read_checkpoint(path).fingerprint["nodes"] == 34


def test_does_not_fit_another_dataset(karate_checkpoint):
    planted = load_dataset("planted")
    with pytest.raises(CheckpointError) as error:
        read_checkpoint(karate_checkpoint).check_fits(planted)
    assert "features: checkpoint expects 34, planted has 16" in str(error.value)


def test_notes_a_different_graph_with_the_same_features(karate, karate_checkpoint):
    checkpoint = read_checkpoint(karate_checkpoint)
    checkpoint.fingerprint = {**checkpoint.fingerprint, "edges": 100}
    checkpoint.dataset = "other"
    notes = checkpoint.check_fits(karate)
    assert any("trained on other" in n for n in notes) and any("edges" in n for n in notes)


def _tampered(path, tmp_path, change_meta=None, change_tensors=None):
    meta, tensors = _metadata(path)
    if change_meta:
        change_meta(meta)
    if change_tensors:
        change_tensors(tensors)
    out = tmp_path / "tampered.safetensors"
    out.write_bytes(save(tensors, metadata={"gatviz": json.dumps(meta)}))
    return out


def test_refuses_absurd_config_before_allocating(karate_checkpoint, tmp_path, monkeypatch):
    def huge(meta):
        meta["model_config"].update(hidden=1024, heads=64)
        meta["fingerprint"].update(features=1_000_000)

    path = _tampered(karate_checkpoint, tmp_path, huge)
    allocated = []
    monkeypatch.setattr("gatviz.checkpoint.load_tensors", lambda data: allocated.append(1))
    with pytest.raises(CheckpointError, match=f"limit {MAX_PARAMETERS:,}"):
        read_checkpoint(path)
    assert not allocated


def test_refuses_weights_that_do_not_match_the_config(karate_checkpoint, tmp_path):
    def wider(meta):
        meta["model_config"]["hidden"] = 16

    with pytest.raises(CheckpointError, match="do not match its own config"):
        read_checkpoint(_tampered(karate_checkpoint, tmp_path, wider))

    def extra(tensors):
        tensors["payload"] = torch.zeros(3)

    with pytest.raises(CheckpointError, match="unexpected payload"):
        read_checkpoint(_tampered(karate_checkpoint, tmp_path, change_tensors=extra))


def test_refuses_invalid_settings_and_other_formats(karate_checkpoint, tmp_path):
    def bad_residual(meta):
        meta["model_config"]["residual"] = "yes"

    with pytest.raises(CheckpointError, match="residual must be one of"):
        read_checkpoint(_tampered(karate_checkpoint, tmp_path, bad_residual))

    def other_format(meta):
        meta["format"] = "something-else"

    with pytest.raises(CheckpointError, match="not a gatviz checkpoint"):
        read_checkpoint(_tampered(karate_checkpoint, tmp_path, other_format))


class Boom:
    def __reduce__(self):
        return (exec, ("raise SystemExit('unpickled!')",))


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"not a checkpoint at all",
        pickle.dumps(Boom()),
        b"\xff" * 8 + b"{}",
    ],
)
def test_strangers_files_are_refused_without_unpickling(payload, tmp_path):
    path = tmp_path / "stranger.safetensors"
    path.write_bytes(payload)
    with pytest.raises(CheckpointError, match="not a gatviz checkpoint"):
        read_checkpoint(path)


def test_torch_save_pickle_is_refused(tmp_path, karate_trained):
    path = tmp_path / "model.pt"
    torch.save(karate_trained[0].model.state_dict(), path)
    with pytest.raises(CheckpointError, match="not a gatviz checkpoint"):
        read_checkpoint(path)


def test_missing_file():
    with pytest.raises(CheckpointError, match="no checkpoint file at"):
        read_checkpoint("/nonexistent/model.safetensors")


def test_format_constant_is_written(karate_checkpoint):
    assert _metadata(karate_checkpoint)[0]["format"] == FORMAT


def _raw_header_file(header: bytes) -> bytes:
    return len(header).to_bytes(8, "little") + header


@pytest.mark.parametrize("nesting", [100_000, 100])
def test_deeply_nested_json_is_refused_not_a_recursion_error(nesting):
    """100,000 levels exceed json's own recursion limit; 100 levels parse but are refused."""
    with pytest.raises(CheckpointError, match="nested more than 16 levels"):
        read_checkpoint(_raw_header_file(b"[" * nesting + b"]" * nesting))
    metadata = {"__metadata__": {"gatviz": "[" * nesting + "]" * nesting}}
    with pytest.raises(CheckpointError, match="nested more than 16 levels"):
        read_checkpoint(_raw_header_file(json.dumps(metadata).encode()))


def test_whole_number_floats_in_the_config_are_read_as_numbers(karate_checkpoint, tmp_path):
    def floats(meta):
        meta["model_config"]["layers"] = 2.0
        meta["model_config"]["heads"] = 8.0

    checkpoint = read_checkpoint(_tampered(karate_checkpoint, tmp_path, floats))
    assert checkpoint.model_config.layers == 2 and type(checkpoint.model_config.layers) is int
    assert checkpoint.build_model() is not None


def test_metrics_that_are_not_finite_numbers_are_dropped(karate_checkpoint, tmp_path):
    def strings(meta):
        meta["metrics"] = {
            "test_acc": "high",
            "val_acc": float("nan"),
            "train_acc": 0.5,
            "best_epoch": True,
            "x" * 100: 1.0,
        }
        meta["version"] = "![track](http://example.com/x.png)" * 10

    checkpoint = read_checkpoint(_tampered(karate_checkpoint, tmp_path, strings))
    assert checkpoint.metrics == {"train_acc": 0.5}
    assert checkpoint.version == "unknown"


def test_a_dataset_name_must_be_short_text(karate_checkpoint, tmp_path):
    def long_name(meta):
        meta["dataset"] = "k" * 10_000

    with pytest.raises(CheckpointError, match="dataset name must be text of 1 to 200"):
        read_checkpoint(_tampered(karate_checkpoint, tmp_path, long_name))


def test_nan_weights_are_refused(karate_checkpoint, tmp_path):
    def poison(tensors):
        name = next(iter(tensors))
        tensors[name] = torch.full_like(tensors[name], float("nan"))

    with pytest.raises(CheckpointError, match="NaN or infinite values"):
        read_checkpoint(_tampered(karate_checkpoint, tmp_path, change_tensors=poison))


# Property-based: arbitrary bytes and arbitrary JSON give a checkpoint or a CheckpointError.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=30,
)
FIELDS = [
    "format",
    "version",
    "model_config",
    "train_config",
    "dataset",
    "fingerprint",
    "metrics",
    "layers",
    "heads",
    "hidden",
    "features",
    "classes",
    "nodes",
    "edges",
]


def _read_or_refuse(data: bytes) -> None:
    def run() -> None:
        try:
            read_checkpoint(data)
        except CheckpointError:
            pass

    assert peak_memory_growth(run) < 50  # MB, whatever the header claims


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_checkpoint_error(data):
    _read_or_refuse(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=JSON, metadata=JSON, edits=st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=4))
def test_any_json_in_the_header_gives_a_checkpoint_or_an_error(
    karate_checkpoint, header, metadata, edits
):
    _read_or_refuse(_raw_header_file(json.dumps(header).encode()))
    wrapped = {"__metadata__": {"gatviz": json.dumps(metadata)}}
    _read_or_refuse(_raw_header_file(json.dumps(wrapped).encode()))
    # A real checkpoint with some of its metadata replaced, at any depth of the config.
    meta, tensors = _metadata(karate_checkpoint)
    for key, value in edits.items():  # settings inside a section first...
        for part in ("model_config", "fingerprint"):
            if key not in meta and key in meta[part]:
                meta[part][key] = value
    for key in [key for key in edits if key in meta]:  # ...then whole sections
        meta[key] = edits[key]
    _read_or_refuse(save(tensors, metadata={"gatviz": json.dumps(meta)}))


def test_the_memory_bound_sees_torch_allocations():
    """The property tests' bound measures resident memory, which a tensor's storage counts in
    (tracemalloc saw a 200 MB torch.zeros as 0.00008 MB)."""
    assert peak_memory_growth(lambda: torch.ones(50_000_000)) > 150
    assert peak_memory_growth(lambda: None) < 5
