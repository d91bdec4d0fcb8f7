"""Loading a checkpoint on the Train page: a gatviz .safetensors or a GAT trained in plain PyG,
read without unpickling and checked against the current dataset."""

from __future__ import annotations

import streamlit as st

from gatviz.checkpoint import IMPORTED, read_checkpoint
from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from gatviz.limits import MAX_TEXT
from gatviz.links import CHECKPOINT
from ui.records import ModelRecord
from ui.state import add_model, unique_name
from ui.text import as_text


def checkpoint_upload(dataset: GraphDataset, spec: tuple) -> ModelRecord | None:
    """The expander with the uploader; the model loaded by its button, else None."""
    with st.expander("Load a checkpoint (.safetensors saved by gatviz, or a GAT trained in PyG)"):
        st.caption(
            "A model trained in your own PyG code loads too: save its state_dict with "
            "safetensors and its constructor arguments as metadata (docs: *Models "
            "trained elsewhere*)."
        )
        upload = st.file_uploader("Checkpoint", type=["safetensors"])
        if not st.button("Load checkpoint", disabled=upload is None):
            return None
        try:
            checkpoint = read_checkpoint(upload.getvalue())
            notes = checkpoint.check_fits(dataset)
            loaded = add_model(
                ModelRecord(
                    unique_name(upload.name.rsplit(".", 1)[0][:MAX_TEXT]),
                    spec,
                    checkpoint.build_model(),
                    checkpoint.train_config,
                    checkpoint.metrics,
                    source=CHECKPOINT,
                ),
                dataset,
            )
        except GatvizError as error:
            st.error(f"Could not load {as_text(upload.name)}: {as_text(error)}")
            return None
        origin = (f"trained on {checkpoint.dataset}, " if checkpoint.dataset else "") + (
            checkpoint.version if checkpoint.version == IMPORTED else f"gatviz {checkpoint.version}"
        )
        st.success(f"Loaded {as_text(loaded.name)} ({as_text(origin)}).")
        for note in notes:
            st.caption(f"Note: {as_text(note)}.")
        return loaded
