"""Typed settings for each stage: :class:`ModelConfig` and :class:`TrainConfig`.

Sizes that come from the data (number of features and classes) are never stored here; the model
takes them from the dataset. Every choice is checked when the config is built, so a bad setting
fails early with a message that names the field, the allowed values and the value given.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Mapping

from gatviz.errors import ConfigError
from gatviz.limits import MAX_QUERY_VALUE
from gatviz.tasks import TASKS

CONVS = ("gat", "gatv2")
RESIDUALS = ("none", "layer", "input")
ACTIVATIONS = ("elu", "relu", "leaky_relu", "gelu", "tanh")
DEVICES = ("auto", "cpu", "cuda")
POOLS = ("mean", "sum", "max")


def _check_range(name: str, value: float, low: float, high: float, *, kind: type = float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name} must be a number (got {value!r})")
    if not low <= value <= high:  # also refuses NaN
        raise ConfigError(f"{name} must be between {low} and {high} (got {value!r})")
    if kind is int and int(value) != value:
        raise ConfigError(f"{name} must be a whole number (got {value!r})")


def _check_choice(name: str, value: Any, choices: tuple) -> None:
    if value not in choices:
        allowed = "{" + ", ".join(repr(c) for c in choices) + "}"
        raise ConfigError(f"{name} must be one of {allowed} (got {value!r})")


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be true or false (got {value!r})")


class _Config:
    """Shared dict round-trip for the stage configs (used by checkpoints and the CLI)."""

    def _number(self, name: str, low: float, high: float, *, kind: type = float) -> None:
        """Check a numeric setting and store it as ``kind``: ``"layers": 2.0`` from a JSON file
        becomes 2, ``"dropout": 0`` becomes 0.0, so later arithmetic sees the type it expects."""
        value = getattr(self, name)
        _check_range(name, value, low, high, kind=kind)
        object.__setattr__(self, name, kind(value))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, values: dict[str, Any]):
        """Build from a plain dict, refusing keys this version does not know."""
        if not isinstance(values, dict):
            raise ConfigError(f"{cls.__name__} must be a mapping (got {type(values).__name__})")
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"{cls.__name__} has no setting(s) {unknown}; known settings are {sorted(known)}"
            )
        return cls(**values)

    def to_query(self) -> dict[str, str]:
        """The settings that differ from the defaults, as text: a compact, readable URL."""
        default = type(self)()
        return {
            f.name: _text(getattr(self, f.name))
            for f in fields(self)  # type: ignore
            if getattr(self, f.name) != getattr(default, f.name)
        }

    @classmethod
    def from_query(cls, params: Mapping[str, str]):
        """Build from text values (a URL's query): the keys that name a setting of ``cls``,
        parsed as the type of that setting's default; other keys are ignored."""
        default = cls()
        values = {}
        for f in fields(cls):  # type: ignore[arg-type]
            if f.name in params:
                values[f.name] = parse_text(f.name, params[f.name], getattr(default, f.name))
        return cls(**values)


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def parse_text(name: str, text: str, like: Any) -> Any:
    """``text`` as a value of the same type as ``like`` (bool, int, float or str)."""
    if not isinstance(text, str) or len(text) > MAX_QUERY_VALUE:
        raise ConfigError(
            f"{name} must be a short text value (at most {MAX_QUERY_VALUE} characters)"
        )
    if isinstance(like, bool):
        if text.lower() not in ("true", "false"):
            raise ConfigError(f"{name} must be true or false (got {text!r})")
        return text.lower() == "true"
    if isinstance(like, int):
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number (got {text!r})") from None
    if isinstance(like, float):
        try:
            return float(text)
        except ValueError:
            raise ConfigError(f"{name} must be a number (got {text!r})") from None
    return text


@dataclass(frozen=True)
class ModelConfig(_Config):
    """The architecture of a GAT; defaults reproduce PyG's ``examples/gat.py``."""

    layers: int = 2  # GAT layers in total, the output layer included (1-4)
    hidden: int = 8  # units per head in each hidden layer
    heads: int = 8  # attention heads in each hidden layer (concatenated)
    out_heads: int = 1  # attention heads in the output layer
    out_concat: bool = False  # concatenate output heads instead of averaging them
    dropout: float = 0.6  # feature dropout before every layer
    attn_dropout: float = 0.6  # dropout on the attention coefficients while training
    activation: str = "elu"  # non-linearity between layers
    negative_slope: float = 0.2  # LeakyReLU slope inside the attention score e_ij
    self_loops: bool = True  # let each node attend to itself
    residual: str = "none"  # 'none', 'layer' (PyG residual=True) or 'input' (skip to output)
    conv: str = "gat"  # 'gat' (GATConv) or 'gatv2' (GATv2Conv)
    task: str = "node"  # 'node', 'multilabel' or 'graph': what is predicted (gatviz.tasks)
    pool: str = "mean"  # graph task: how node embeddings are read out per graph
    linear_out: bool = False  # last GAT layer keeps `hidden` per head; a linear layer reads out

    def __post_init__(self) -> None:
        self._number("layers", 1, 4, kind=int)
        self._number("hidden", 1, 1024, kind=int)
        self._number("heads", 1, 64, kind=int)
        self._number("out_heads", 1, 64, kind=int)
        _check_bool("out_concat", self.out_concat)
        self._number("dropout", 0.0, 0.95)
        self._number("attn_dropout", 0.0, 0.95)
        _check_choice("activation", self.activation, ACTIVATIONS)
        self._number("negative_slope", 0.0, 1.0)
        _check_bool("self_loops", self.self_loops)
        _check_choice("residual", self.residual, RESIDUALS)
        _check_choice("conv", self.conv, CONVS)
        _check_choice("task", self.task, TASKS)
        _check_choice("pool", self.pool, POOLS)
        _check_bool("linear_out", self.linear_out)

    @property
    def reads_out(self) -> bool:
        """Whether a linear layer follows the GAT layers (always for graph tasks, after the
        pooling): the last GAT layer then has ``hidden`` channels per head, not the classes."""
        return self.linear_out or self.task == "graph"

    def layer_heads(self) -> list[int]:
        """Heads of each layer, first to last."""
        return [self.heads] * (self.layers - 1) + [self.out_heads]


@dataclass(frozen=True)
class TrainConfig(_Config):
    """How a GAT is trained; defaults follow PyG's ``examples/gat.py`` plus early stopping."""

    lr: float = 0.005  # Adam learning rate
    weight_decay: float = 5e-4  # Adam L2 penalty
    epochs: int = 200  # the most epochs to run
    patience: int = 100  # stop after this many epochs without a better validation score; 0 = never
    seed: int = 0  # seeds weights, dropout and splits so that a run can be repeated
    device: str = "auto"  # 'auto' takes a GPU when one is present
    snapshots: int = 20  # α snapshots kept over training, evenly spaced (0 = none)
    batch_size: int = 0  # training nodes per step on sampled neighbourhoods; 0 = full batch
    fanout: int = 10  # with batches: incoming edges sampled per node and layer (0 = all)
    graph_batch: int = 32  # a set of graphs: training graphs per step (the PPI paper: 2)

    def __post_init__(self) -> None:
        self._number("lr", 1e-6, 1.0)
        self._number("weight_decay", 0.0, 1.0)
        self._number("epochs", 1, 100_000, kind=int)
        self._number("patience", 0, 100_000, kind=int)
        self._number("seed", 0, 2**32 - 1, kind=int)
        _check_choice("device", self.device, DEVICES)
        self._number("snapshots", 0, 200, kind=int)
        self._number("batch_size", 0, 10_000_000, kind=int)
        self._number("fanout", 0, 10_000, kind=int)
        self._number("graph_batch", 1, 100_000, kind=int)
