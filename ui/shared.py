"""The models this server keeps for every session, so that a link opened anywhere reopens its
model without training it again, and the one lock that lets a single training run at a time."""

from __future__ import annotations

import copy
import os
import threading
from collections import OrderedDict
from dataclasses import replace

import streamlit as st

from ui.records import ModelRecord, record_bytes
from ui.specs import link_for

SHARED_MODELS_MB = float(os.environ.get("GATVIZ_SHARED_MODELS_MB", "100"))
REUSED = (
    "Trained earlier on this server with the same settings and seed, which give the same "
    "weights: reused."
)


class SharedModels:
    """Models trained on this server that any session may reopen through a link, keyed by
    :meth:`Link.key` (dataset and settings). Only models a link can rebuild are kept (never a
    CSV graph's or a checkpoint's), and the least recently used go first once they hold more
    than ``budget`` bytes.

    The store keeps its own copy of each model and hands every session another: a session
    may hook a model for a moment (the uniform-attention knockout does), which must not reach
    a model another session is running. α, predictions and snapshots are shared as they are
    (nothing writes to them).
    """

    def __init__(self, budget: float):
        self.budget = budget
        self._records: OrderedDict[tuple, tuple[ModelRecord, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, spec: tuple, name: str, note: str = "") -> ModelRecord | None:
        """A session's copy of the model stored under ``key``, named ``name``, on the session's
        dataset ``spec`` (the same graph: a Planetoid spec also names the directory the
        session read it from)."""
        with self._lock:
            if key not in self._records:
                return None
            self._records.move_to_end(key)
            stored = self._records[key][0]
        return replace(
            stored,
            name=name,
            dataset_spec=spec,
            note=note or stored.note,
            model=copy.deepcopy(stored.model),
            derived={},
        )

    def put(self, key: tuple, record: ModelRecord) -> None:
        size = record_bytes(record)
        if size > self.budget:
            return
        stored = replace(record, model=copy.deepcopy(record.model), derived={})
        with self._lock:
            self._records[key] = (stored, size)
            self._records.move_to_end(key)
            while sum(size for _, size in self._records.values()) > self.budget:
                self._records.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        return len(self._records)


@st.cache_resource(show_spinner=False)
def shared_models() -> SharedModels:
    return SharedModels(SHARED_MODELS_MB * 2**20)


@st.cache_resource(show_spinner=False)
def training_lock() -> threading.Lock:
    """One training at a time on this server: seeding sets PyTorch's global random state, so
    two trainings at once would draw each other's dropout masks and neither would repeat."""
    return threading.Lock()


def share(record: ModelRecord, store: SharedModels | None = None) -> None:
    """Keep a model for links opened in other sessions, when a link can rebuild it."""
    link = link_for(record.dataset_spec, record)
    if link.rebuildable:
        (store or shared_models()).put(link.key(), record)
