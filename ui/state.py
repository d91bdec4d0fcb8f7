"""This session's models, and which one every page shows.

Models live in session state (MODELS) as :class:`~ui.records.ModelRecord`; a model trained or
loaded becomes the current one on every page from the next run on (:func:`select_pending`).
"""

from __future__ import annotations

import streamlit as st

from gatviz.datasets import GraphDataset
from ui.keys import LINK_PENDING, MODEL, MODELS, PICKERS, SELECT_NEXT
from ui.records import ModelRecord, prepare
from ui.status import show_status

TRAINING_WIND_DOWN_SECONDS = 60  # the most a new run waits for an interrupted training


def models() -> dict[str, ModelRecord]:
    return st.session_state.setdefault(MODELS, {})


def models_for(spec: tuple) -> dict[str, ModelRecord]:
    return {name: record for name, record in models().items() if record.dataset_spec == spec}


def current_model(spec: tuple) -> ModelRecord | None:
    available = models_for(spec)
    if not available:
        return None
    name = st.session_state.get(MODEL) or st.query_params.get("model")
    return available.get(name) or list(available.values())[-1]


def unique_name(base: str) -> str:
    name, k = base, 2
    while name in models():
        name, k = f"{base} ({k})", k + 1
    return name


def add_model(
    record: ModelRecord, dataset: GraphDataset, session: tuple[dict, dict] | None = None
) -> ModelRecord:
    """Compute what the views need once (attention, predictions), keep the model and make it
    the current one on every page.

    ``session`` is (:func:`models`, :func:`selection`) fetched earlier, for when session state
    can no longer be read: after a stop request, Streamlit raises on every access to it.
    """
    if record.pred is None:
        prepare(record, dataset)
    store, pending = session or (models(), selection())
    store[record.name] = record
    pending["name"] = record.name  # the pickers follow at the start of the next run
    if session is None:
        st.session_state.pop(LINK_PENDING, None)
        select_pending()
        show_status(dataset, record)
    return record


def selection() -> dict:
    """The model every picker should show next; see :func:`select_pending`."""
    return st.session_state.setdefault(SELECT_NEXT, {})


def select_pending() -> None:
    """Make a newly added model the current one, including in the pickers' widget state (which
    can only be set before the pickers are drawn in a run).

    A run that interrupted a training (Stop, or any click) starts while the interrupted one is
    still storing its model: it waits for that first, so that the model is there to show.
    """
    pending = selection()
    training = pending.get("training")
    if training is not None:
        training.wait(timeout=TRAINING_WIND_DOWN_SECONDS)
        pending.pop("training", None)
    name = pending.pop("name", None)
    if name is not None:
        for key in PICKERS:
            st.session_state[key] = name
