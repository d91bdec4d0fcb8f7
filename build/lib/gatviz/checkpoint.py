"""Self-describing model files: safetensors weights plus JSON metadata, never a pickle.

A checkpoint holds the model's tensors and, in the safetensors metadata under the key ``gatviz``,
the :class:`ModelConfig`, :class:`TrainConfig`, dataset name and fingerprint (nodes, edges,
features, classes), metrics and the gatviz version. The file alone rebuilds the model.

Reading a file from a stranger is safe: the header is parsed and checked (format, configs, sizes,
every tensor's name, dtype and shape against the model the config describes) before a single
tensor is allocated, and a config whose parameters would be absurdly many is refused outright.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from gatviz import __version__, pyg_import
from gatviz.config import ModelConfig, TrainConfig
from gatviz.datasets import GraphDataset
from gatviz.errors import CheckpointError, GatvizError
from gatviz.limits import (
    MAX_CHECKPOINT_BYTES,
    MAX_CLASSES,
    MAX_FEATURES,
    MAX_HEADER_BYTES,
    MAX_JSON_DEPTH,
    MAX_PARAMETERS,
    MAX_TEXT,
)
from gatviz.model import GAT, parameter_count
from gatviz.tasks import TASK_NAMES

FORMAT = "gatviz-checkpoint/1"
IMPORTED = "PyG import"  # the version shown for a model trained in PyG
NOT_OURS = (
    "not a gatviz checkpoint (a .safetensors file saved by gatviz, or a PyG GAT's "
    "state_dict with the metadata that docs/checkpoints.md's 'Models trained elsewhere' "
    "shows, was expected)"
)
MAX_METRICS = 50  # entries of the metrics dict that are kept

Source = Union[str, Path, bytes]


@dataclass
class Checkpoint:
    """Everything a checkpoint file says, with the weights as CPU tensors."""

    model_config: ModelConfig
    train_config: TrainConfig
    dataset: str
    fingerprint: dict[str, int | None]  # nodes and edges are None for a model trained elsewhere
    metrics: dict[str, Any] = field(default_factory=dict)
    version: str = __version__
    state: dict[str, torch.Tensor] = field(default_factory=dict)

    def empty_model(self) -> GAT:
        """A model of this checkpoint's shape, not yet filled (on the current device)."""
        features, classes = self.fingerprint["features"], self.fingerprint["classes"]
        if features is None or classes is None:  # checked when the file is read
            raise CheckpointError("the checkpoint does not say its features and classes")
        return GAT(features, classes, self.model_config)

    def build_model(self) -> GAT:
        """The trained model, in eval mode on the CPU."""
        model = self.empty_model()
        model.load_state_dict(self.state, strict=True)
        return model.eval()

    def check_fits(self, dataset: GraphDataset) -> list[str]:
        """Raise if the model cannot run on ``dataset``; return notes on harmless differences.

        Features and classes must match (they size the weights). A different graph with the same
        features is allowed, since a GAT is inductive, but noted.
        """
        mine, theirs = self.fingerprint, dataset.fingerprint()
        task = self.model_config.task
        if task != dataset.task:
            raise CheckpointError(
                f"this checkpoint is a {TASK_NAMES[task]} model (trained on {self.dataset}) and "
                f"{dataset.name} is a {TASK_NAMES[dataset.task]} dataset; pick a dataset of "
                f"that task or train a new model"
            )
        problems = []
        if mine["features"] != theirs["features"]:
            problems.append(
                f"features: checkpoint expects {mine['features']}, "
                f"{dataset.name} has {theirs['features']}"
            )
        if dataset.num_classes and mine["classes"] != theirs["classes"]:
            problems.append(
                f"classes: checkpoint predicts {mine['classes']}, "
                f"{dataset.name} has {theirs['classes']}"
            )
        if problems:
            raise CheckpointError(
                f"this checkpoint was trained on {self.dataset} and does not fit {dataset.name} "
                f"({'; '.join(problems)}); pick the dataset it was trained on or train a new "
                "model"
            )
        notes = []
        if self.dataset and self.dataset != dataset.name:
            notes.append(f"trained on {self.dataset}, applied to {dataset.name}")
        for key in ("nodes", "edges"):
            if mine.get(key) is not None and mine.get(key) != theirs[key]:
                notes.append(f"{key}: {mine.get(key)} at training, {theirs[key]} now")
        return notes


def checkpoint_bytes(
    model: GAT,
    dataset: GraphDataset,
    train_config: TrainConfig,
    metrics: dict[str, Any] | None = None,
) -> bytes:
    """Serialise a trained model and its provenance into safetensors bytes."""
    metadata = {
        "format": FORMAT,
        "version": __version__,
        "model_config": model.config.to_dict(),
        "train_config": train_config.to_dict(),
        "dataset": dataset.name,
        "fingerprint": dataset.fingerprint(),
        "metrics": metrics or {},
    }
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    return save_tensors(state, metadata={"gatviz": json.dumps(metadata)})


def save_checkpoint(
    path: str | Path,
    model: GAT,
    dataset: GraphDataset,
    train_config: TrainConfig,
    metrics: dict[str, Any] | None = None,
) -> Path:
    path = Path(path)
    path.write_bytes(checkpoint_bytes(model, dataset, train_config, metrics))
    return path


def read_checkpoint(source: Source) -> Checkpoint:
    """Read and validate a checkpoint from a path or from bytes (an upload)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise CheckpointError(f"no checkpoint file at {path}")
        if path.stat().st_size > MAX_CHECKPOINT_BYTES:
            raise CheckpointError(
                f"{path} is {path.stat().st_size:,} bytes, more than any "
                "gatviz checkpoint; is it the right file?"
            )
        data = path.read_bytes()
    else:
        data = bytes(source)
        if len(data) > MAX_CHECKPOINT_BYTES:
            raise CheckpointError(
                f"the file is {len(data):,} bytes, more than any gatviz "
                "checkpoint; is it the right file?"
            )
    header, metadata = _parse_header(data)
    rename: dict[str, str]
    optional: tuple[str, ...]
    if "gatviz" in metadata:
        checkpoint, rename, optional = _checkpoint_from_metadata(_gatviz_metadata(metadata)), {}, ()
    else:
        checkpoint, rename, optional = _imported(header, metadata)
    header = {rename.get(name, name): info for name, info in header.items()}
    _check_tensors(header, checkpoint, optional)
    try:
        stored = load_tensors(data)
    except Exception as error:  # noqa: BLE001 - the library reports corruption in many ways
        raise CheckpointError(f"the checkpoint's tensor data is damaged ({error})") from None
    checkpoint.state = {rename.get(name, name): tensor for name, tensor in stored.items()}
    for name, tensor in checkpoint.state.items():
        if not bool(torch.isfinite(tensor).all()):
            raise CheckpointError(
                f"the checkpoint's weights hold NaN or infinite values ({name}): "
                "the model it came from had diverged; retrain it"
            )
    _complete(checkpoint)
    return checkpoint


def _parse_header(data: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """The safetensors JSON header and its metadata (text values), read without touching
    tensors; refused unless the metadata describes a gatviz checkpoint or a PyG import."""
    if len(data) < 8:
        raise CheckpointError(f"the file is too short to be a checkpoint: {NOT_OURS}")
    (length,) = struct.unpack("<Q", data[:8])
    if length > MAX_HEADER_BYTES or 8 + length > len(data):
        raise CheckpointError(f"the file's header is malformed: {NOT_OURS}")
    try:
        header = json.loads(data[8 : 8 + length])
        _check_depth(header)
        metadata = header.get("__metadata__", {})
    except (ValueError, AttributeError, RecursionError):
        raise CheckpointError(
            f"the file's header is not valid JSON, or nested more than "
            f"{MAX_JSON_DEPTH} levels deep: {NOT_OURS}"
        ) from None
    if not isinstance(metadata, dict) or not any(
        isinstance(metadata.get(key), str) for key in ("gatviz", *pyg_import.KEYS)
    ):
        raise CheckpointError(f"the file has no gatviz metadata: {NOT_OURS}")
    return header, metadata


def _json_entry(metadata: dict[str, Any], key: str) -> Any:
    """One metadata entry's JSON, depth-checked."""
    try:
        value = json.loads(metadata[key])
        _check_depth(value)
    except (ValueError, RecursionError):
        raise CheckpointError(
            f"the file's header is not valid JSON, or nested more than "
            f"{MAX_JSON_DEPTH} levels deep: {NOT_OURS}"
        ) from None
    return value


def _gatviz_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    values = _json_entry(metadata, "gatviz")
    if not isinstance(values, dict) or values.get("format") != FORMAT:
        raise CheckpointError(f"the file has no gatviz metadata: {NOT_OURS}")
    return values


def _imported(
    header: dict[str, Any], metadata: dict[str, Any]
) -> tuple[Checkpoint, dict[str, str], tuple[str, ...]]:
    """A checkpoint for a model trained in PyG (see :mod:`gatviz.pyg_import`), the renaming of
    its tensors to gatviz's, and the tensors it may lack (biases off; GATv2's shared lin_r)."""
    key = next(key for key in pyg_import.KEYS if key in metadata)
    imported = pyg_import.describe(header, key, _json_entry(metadata, key))
    fingerprint = {
        "nodes": None,
        "edges": None,
        "features": imported.features,
        "classes": imported.classes,
    }
    _check_size(fingerprint, imported.config)
    checkpoint = Checkpoint(
        imported.config, TrainConfig(), imported.dataset, fingerprint, version=IMPORTED
    )
    optional = ("bias", "lin_r.weight", "lin_r.bias") if imported.share_weights else ("bias",)
    return checkpoint, imported.rename, optional


def _complete(checkpoint: Checkpoint) -> None:
    """Fill what an imported model left out and means the same: zero biases (``bias=False``)
    and GATv2's ``lin_r`` when it shares ``lin_l``'s weights (``share_weights=True``)."""
    with torch.device("meta"):
        expected = checkpoint.empty_model().state_dict()
    state = checkpoint.state
    for name, tensor in expected.items():
        if name in state:
            continue
        shared = name.replace("lin_r.", "lin_l.")
        state[name] = (
            state[shared].clone()
            if ".lin_r." in name and shared in state
            else torch.zeros(tensor.shape)
        )


def _check_depth(value: Any) -> None:
    """Raise ValueError when JSON nests deeper than MAX_JSON_DEPTH (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ValueError("nested too deeply")
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, depth + 1) for child in children)


def _metrics(values: Any) -> dict[str, float]:
    """The metrics worth showing: short names with finite numbers (others are dropped, so that
    a stranger's file cannot put text or NaN where the pages format numbers)."""
    if not isinstance(values, dict):
        return {}
    kept = {}
    for key, value in list(values.items())[:MAX_METRICS]:
        if (
            isinstance(key, str)
            and len(key) <= 40
            and not isinstance(value, bool)
            and isinstance(value, (int, float))
            and math.isfinite(value)
        ):
            kept[key] = value
    return kept


def _checkpoint_from_metadata(metadata: dict[str, Any]) -> Checkpoint:
    try:
        model_config = ModelConfig.from_dict(metadata["model_config"])
        train_config = TrainConfig.from_dict(metadata["train_config"])
        fingerprint = {
            key: metadata["fingerprint"][key] for key in ("nodes", "edges", "features", "classes")
        }
        dataset = metadata["dataset"]
    except GatvizError as error:
        raise CheckpointError(f"the checkpoint's settings are invalid: {error}") from None
    except (KeyError, TypeError):
        raise CheckpointError(
            "the checkpoint's metadata is incomplete (it needs model_config, "
            "train_config, dataset and fingerprint)"
        ) from None
    if not isinstance(dataset, str) or not 0 < len(dataset) <= MAX_TEXT:
        raise CheckpointError(
            f"the checkpoint's dataset name must be text of 1 to {MAX_TEXT} characters"
        )
    for key, value in fingerprint.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise CheckpointError(f"the checkpoint's fingerprint has a bad {key}: {value!r}")
    _check_size(fingerprint, model_config)
    version = metadata.get("version")
    return Checkpoint(
        model_config,
        train_config,
        dataset,
        fingerprint,
        _metrics(metadata.get("metrics")),
        version if isinstance(version, str) and len(version) <= 40 else "unknown",
    )


def _check_size(fingerprint: dict[str, Any], config: ModelConfig) -> None:
    """Refuse a model larger than gatviz loads, from its sizes alone (nothing allocated)."""
    if (
        not 1 <= fingerprint["features"] <= MAX_FEATURES
        or not 1 <= fingerprint["classes"] <= MAX_CLASSES
    ):
        raise CheckpointError(
            f"the checkpoint claims {fingerprint['features']} features and "
            f"{fingerprint['classes']} classes, outside what gatviz loads"
        )
    count = parameter_count(fingerprint["features"], fingerprint["classes"], config)
    if count > MAX_PARAMETERS:
        raise CheckpointError(
            f"the checkpoint's config describes {count:,} parameters (limit "
            f"{MAX_PARAMETERS:,}); refusing to allocate it"
        )


def _check_tensors(
    header: dict[str, Any], checkpoint: Checkpoint, optional: tuple[str, ...] = ()
) -> None:
    """Compare the stored tensors' names, dtypes and shapes with what the config builds;
    names ending in one of ``optional`` may be missing (:func:`_complete` fills them)."""
    with torch.device("meta"):
        expected = checkpoint.empty_model().state_dict()
    stored = {name: info for name, info in header.items() if name != "__metadata__"}
    problems = [
        f"missing {name}" for name in expected if name not in stored and not name.endswith(optional)
    ]
    problems += [f"unexpected {name}" for name in stored if name not in expected]
    for name, tensor in expected.items():
        info = stored.get(name)
        if not isinstance(info, dict):
            continue
        if info.get("dtype") != "F32" or list(info.get("shape", [])) != list(tensor.shape):
            problems.append(
                f"{name} is {info.get('dtype')} {info.get('shape')}, expected F32 "
                f"{list(tensor.shape)}"
            )
    if problems:
        shown = "; ".join(problems[:5]) + ("; ..." if len(problems) > 5 else "")
        raise CheckpointError(f"the checkpoint's weights do not match its own config ({shown})")
