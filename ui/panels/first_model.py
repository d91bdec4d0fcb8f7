"""A page that shows a model, opened before there is one: it offers to train the link's model
(the one the URL names, which this server no longer holds) or the reference GAT, right there."""

from __future__ import annotations

import streamlit as st

from gatviz.config import ModelConfig, TrainConfig
from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from ui.links import pending_link
from ui.live import train_live
from ui.records import ModelRecord
from ui.state import unique_name
from ui.text import as_text


def offer_training(dataset: GraphDataset, spec: tuple) -> ModelRecord:
    """The model trained here on a click; until then the page stops below the offer."""
    intro = st.empty()  # cleared once a model is trained here, which the page then shows
    link = pending_link(spec)
    record = None
    with intro.container():
        if link is not None:
            settings = {**link.model_config.to_query(), **link.train_config.to_query()}
            described = (
                as_text(", ".join(f"{k} = {v}" for k, v in settings.items()))
                if settings
                else "the default settings"
            )
            st.info(
                f"This link shows the model {as_text(link.model_name)} ({described}), which "
                "this server no longer holds: models are kept while there is room, and not "
                "across restarts. Training is seeded, so training it again gives the same "
                "weights and the same attention."
            )
            label, name = "Train the link's model", link.model_name
            model_config, train_config = link.model_config, link.train_config
        else:
            st.info(
                "No model on this dataset yet. Train the reference GAT right here (8 heads "
                "× 8 hidden, dropout 0.6, 200 epochs), or set every knob on the **Train** "
                "page or load a checkpoint there."
            )
            label, name = "Train the default GAT here", unique_name(f"{dataset.name} GAT")
            model_config, train_config = ModelConfig(task=dataset.task), TrainConfig()
        if st.button(label, type="primary"):
            try:
                record = train_live(dataset, spec, name, model_config, train_config, curves=False)
            except GatvizError as error:
                st.error(as_text(error))
    if record is None:
        st.stop()
    intro.empty()
    return record
