"""Train: every GAT knob, live curves while it trains, results, and checkpoints in and out."""

import ui  # noqa: F401  (before any other import: see app_pages/home.py)

from functools import partial

import streamlit as st

from gatviz.errors import GatvizError
from ui.panels.baseline import baseline_panel
from ui.charts import ACCURACY_COLUMNS, LOSS_COLUMNS, confusion_spec, curves_spec
from ui.panels.checkpoint_upload import checkpoint_upload
from ui.keys import MODEL, TRAIN_PICK
from ui.links import current_spec, write_link
from ui.live import train_live
from ui.panels.train_form import train_form
from ui.panels.scores import scores_panel
from ui.sidebar import sidebar
from ui.state import current_model, models_for
from ui.text import as_text
from ui.views import checkpoint_for

st.set_page_config(page_title="gatviz · Train")
dataset, record = sidebar()
spec = current_spec()
st.title("Train a GAT")
MAX_CONFUSION_CLASSES = 30  # above this, a confusion matrix is too many cells to read
try:
    submitted = train_form(dataset)
    if submitted is not None:
        train_live(dataset, spec, *submitted)  # the results follow
except GatvizError as error:
    st.error(as_text(error))

checkpoint_upload(dataset, spec)  # the model it loads becomes the current one
available = models_for(spec)
if not available:
    st.info("No model on this dataset yet: set the knobs above and press **Train GAT**.")
    st.stop()

names = list(available)
record = current_model(spec)
if st.session_state.get(TRAIN_PICK) not in names:
    st.session_state[TRAIN_PICK] = record.name
chosen = st.selectbox("Model", names, key=TRAIN_PICK)
if chosen != record.name:
    st.session_state[MODEL] = chosen
record = available[chosen]
write_link(spec, record)

st.subheader(f"Results: {as_text(record.name)}", anchor=False)
scores_panel(record, dataset)
if dataset.num_graphs > 1:  # what the graph adds: the same widths and settings, no edges
    baseline_panel(record, dataset)

left, right = st.columns(2)
with left:
    if record.history:
        rows = [h.__dict__ for h in record.history]
        st.markdown(
            f"**Training curves** (best epoch {record.metrics.get('best_epoch')}, "
            "whose weights were kept)"
        )
        for columns in (LOSS_COLUMNS, ACCURACY_COLUMNS):
            st.vega_lite_chart(
                record.derive(("curves", tuple(columns)), lambda: curves_spec(rows, columns, 180)),
                width="stretch",
            )
    else:
        st.caption("Loaded from a checkpoint: no training curves.")
    for note in (record.note, record.snapshot_note):
        if note:
            st.caption(note)
with right:
    test = dataset.score_rows("test")
    names = dataset.target_names
    if dataset.task == "multilabel":
        st.caption(
            "No confusion matrix for a multi-label task: every node has any number of "
            f"its {dataset.num_classes} labels; the score is micro-F1 over every "
            "(node, label) pair."
        )
    elif test.numel() and dataset.num_classes > MAX_CONFUSION_CLASSES:
        st.caption(
            f"No confusion matrix: {dataset.num_classes:,} classes would make "
            f"{dataset.num_classes**2:,} cells (it is drawn up to "
            f"{MAX_CONFUSION_CLASSES} classes)."
        )
    elif test.numel():
        st.markdown(
            "**Confusion matrix** (test graphs)"
            if dataset.task == "graph"
            else "**Confusion matrix** (test nodes)"
        )
        st.vega_lite_chart(
            record.derive(
                ("confusion",),
                lambda: confusion_spec(
                    [names[int(c)] for c in dataset.targets[test]],
                    [names[int(c)] for c in record.pred[test]],
                ),
            ),
            width="stretch",
        )

st.download_button(
    "Download checkpoint (.safetensors)",
    partial(checkpoint_for, record, dataset),
    file_name=f"{record.name.replace(' ', '_')}.safetensors",
    mime="application/octet-stream",
    on_click="ignore",
)
