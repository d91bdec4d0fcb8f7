"""What every page calls first: the session's dataset and model, the link's notes, the URL and
the sidebar's status."""

from __future__ import annotations

import streamlit as st

from gatviz.datasets import GraphDataset
from ui.keys import LINK_NOTES
from ui.links import current_dataset, current_spec, write_link
from ui.records import ModelRecord
from ui.state import current_model, select_pending
from ui.status import place_status, show_status
from ui.text import as_text


def sidebar() -> tuple[GraphDataset, ModelRecord | None]:
    """The status every page shows: current dataset and model with their key numbers."""
    spec = current_spec()
    select_pending()
    dataset = current_dataset()
    record = current_model(spec)
    for note in st.session_state.get(LINK_NOTES, []):
        st.warning(as_text(note), icon=":material/link:")
    write_link(spec, record)
    place_status()
    show_status(dataset, record)
    return dataset, record
