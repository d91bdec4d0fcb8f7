"""The URL: a session opens from the link it was given (dataset, model, view), and every page
writes its current dataset, model and view back into it, so the URL is always a link to what
is on screen."""

from __future__ import annotations

from typing import Callable

import streamlit as st

from gatviz.datasets import DEFAULT_DATASET, GraphDataset
from gatviz.errors import GatvizError
from gatviz.links import Link, is_link_key, link_from_query
from ui.keys import DATASET, LINK_NOTES, LINK_PENDING
from ui.records import ModelRecord
from ui.shared import shared_models
from ui.specs import link_for, load_spec, spec_for
from ui.state import current_model, models, selection
from ui.status import show_status


def open_link() -> None:
    """Start this session from the URL it was opened with: its dataset, and its model when
    this server still has it; else the model is offered for training again (LINK_PENDING).
    What the link cannot bring back is said on the page (LINK_NOTES)."""
    link, notes = link_from_query(st.query_params.to_dict())
    spec = spec_for(link.dataset, **dict(link.data_params))
    try:
        load_spec(spec)
    except GatvizError as error:
        notes.append(
            f"The link's dataset could not be loaded ({error}); showing {DEFAULT_DATASET} instead."
        )
        spec, link = spec_for(DEFAULT_DATASET), Link()
    st.session_state[DATASET] = spec
    st.session_state[LINK_NOTES] = notes
    if link.rebuildable:
        shared = shared_models().get(link.key(), spec, link.model_name)
        if shared is None:
            st.session_state[LINK_PENDING] = link
        else:
            models()[link.model_name] = shared
            selection()["name"] = link.model_name


def pending_link(spec: tuple) -> Link | None:
    """The model the session's link asked for, when it has to be trained again."""
    link = st.session_state.get(LINK_PENDING)
    return link if link is not None and link_for(spec).key()[:2] == link.key()[:2] else None


def write_link(spec: tuple, record: ModelRecord | None) -> None:
    """Make the URL rebuild ``spec`` and ``record``; the page's own view keys are left alone."""
    link = (pending_link(spec) if record is None else None) or link_for(spec, record)
    wanted = link.to_query()
    for key in [key for key in st.query_params if is_link_key(key) and key not in wanted]:
        del st.query_params[key]
    changed = {key: value for key, value in wanted.items() if st.query_params.get(key) != value}
    if changed:
        st.query_params.update(changed)


def from_query(
    key: str,
    state_key: str,
    parse: Callable[[str], object],
    default,
    valid: Callable[[object], bool] | None = None,
) -> None:
    """Seed a widget's state from the URL's ``key`` once per session (``default`` when it is
    missing or ``parse`` raises ValueError or TypeError), so a link reopens the same view; on
    every run after, a value that is no longer ``valid`` (a node beyond a smaller graph's
    last, say) goes back to ``default``."""
    if state_key not in st.session_state:
        query = st.query_params
        try:
            st.session_state[state_key] = parse(query[key]) if key in query else default
        except (ValueError, TypeError):
            st.session_state[state_key] = default
    if valid is not None and not valid(st.session_state[state_key]):
        st.session_state[state_key] = default


def parse_bool(text: str) -> bool:
    """``true`` or ``false`` from a URL (anything else raises ValueError)."""
    if text not in ("true", "false"):
        raise ValueError(text)
    return text == "true"


def one_of(*allowed: str) -> Callable[[str], str]:
    """A parser that accepts only ``allowed`` (anything else raises ValueError)."""

    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(text)
        return text

    return parse


def write_view(values: dict, defaults: dict) -> None:
    """Put a page's view controls in the URL; those at their default are left out."""
    query = st.query_params
    for key, value in values.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if key in defaults and value == defaults[key]:
            if key in query:
                del query[key]
        elif query.get(key) != text:
            query[key] = text


def current_spec() -> tuple:
    """The session's dataset: from session state, else from the link it was opened with."""
    if DATASET not in st.session_state:
        open_link()
    return st.session_state[DATASET]


def current_dataset() -> GraphDataset:
    return load_spec(current_spec())


def set_dataset(spec: tuple) -> GraphDataset:
    """Load ``spec`` and make it current; on error the previous dataset stays (and it raises)."""
    dataset = load_spec(spec)
    st.session_state[DATASET] = spec
    st.session_state.pop(LINK_NOTES, None)  # the user has chosen: the link's notes are old
    record = current_model(spec)
    write_link(spec, record)
    show_status(dataset, record)
    return dataset
