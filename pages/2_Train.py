"""Train: every GAT knob, live curves while it trains, results, and checkpoints in and out."""
import app_state  # noqa: F401  (before any other import: see app.py)

from functools import partial

import altair as alt
import pandas as pd
import streamlit as st

from app_state import (ACCURACY_COLUMNS, CURVE_HEIGHT, LOSS_COLUMNS, MODEL, TRAIN_PICK,
                       ModelRecord, add_model, as_text, checkpoint_for, current_model,
                       current_spec, curves_spec, models_for, sidebar, train_live, unique_name,
                       write_link)
from gatviz.checkpoint import IMPORTED, read_checkpoint
from gatviz.config import ACTIVATIONS, CONVS, RESIDUALS, ModelConfig, TrainConfig
from gatviz.errors import GatvizError
from gatviz.limits import MAX_TEXT
from gatviz.links import CHECKPOINT

st.set_page_config(page_title="gatviz · Train", page_icon="🕸️", layout="wide")
dataset, record = sidebar()
spec = current_spec()
st.title("Train a GAT")
st.caption(f"On {as_text(dataset.name)}. The defaults are PyG's reference GAT (examples/gat.py).")

MAX_CONFUSION_CLASSES = 30  # above this, a confusion matrix is too many cells to read
m, t = ModelConfig(), TrainConfig()
with st.form("train"):
    name = st.text_input("Model name", unique_name(f"{dataset.name[:150]} GAT"),
                         max_chars=MAX_TEXT)
    c = st.columns(4)
    conv = c[0].selectbox("Layer type", CONVS, format_func=str.upper)
    layers = c[1].number_input("Layers", 1, 4, m.layers)
    hidden = c[2].number_input("Hidden units per head", 1, 256, m.hidden)
    heads = c[3].number_input("Heads per hidden layer", 1, 16, m.heads)
    c = st.columns(4)
    out_heads = c[0].number_input("Output heads", 1, 16, m.out_heads)
    out_concat = c[1].selectbox("Output heads are", ["averaged", "concatenated"]) == "concatenated"
    residual = c[2].selectbox("Residual", RESIDUALS, help="none; layer: PyG's residual=True in "
                              "every layer; input: a skip from the input features to the output")
    activation = c[3].selectbox("Activation", ACTIVATIONS)
    c = st.columns(4)
    dropout = c[0].slider("Feature dropout", 0.0, 0.9, m.dropout, 0.05)
    attn_dropout = c[1].slider("Attention dropout", 0.0, 0.9, m.attn_dropout, 0.05)
    negative_slope = c[2].slider("LeakyReLU slope in e_ij", 0.0, 1.0, m.negative_slope, 0.05)
    self_loops = c[3].checkbox("Self-loops (attend to itself)", m.self_loops)
    c = st.columns(5)
    lr = c[0].number_input("Learning rate", 1e-5, 1.0, t.lr, format="%.4f")
    weight_decay = c[1].number_input("Weight decay", 0.0, 1.0, t.weight_decay, format="%.5f")
    epochs = c[2].number_input("Epochs", 1, 5000, t.epochs)
    patience = c[3].number_input("Patience (0 = off)", 0, 5000, t.patience)
    seed = c[4].number_input("Seed", 0, 2**31 - 1, t.seed)
    c = st.columns(5)
    batch_size = c[0].number_input(
        "Batch size (0 = whole graph)", 0, 1_000_000, t.batch_size, step=256,
        help="Training nodes per step, each batch on its sampled neighbourhood: for graphs too "
             "big for a whole-graph step. Evaluation always uses the whole graph.")
    fanout = c[1].number_input("Sampled in-edges per node and layer (0 = all)", 0, 1000,
                               t.fanout,
                               help="With batches: how many incoming edges each node keeps "
                                    "per layer, drawn at random, as PyG's NeighborLoader does.")
    start = st.form_submit_button("Train GAT", type="primary")

if start:
    try:
        model_config = ModelConfig(
            layers=int(layers), hidden=int(hidden), heads=int(heads), out_heads=int(out_heads),
            out_concat=out_concat, dropout=float(dropout), attn_dropout=float(attn_dropout),
            activation=activation, negative_slope=float(negative_slope), self_loops=self_loops,
            residual=residual, conv=conv)
        train_config = TrainConfig(lr=float(lr), weight_decay=float(weight_decay),
                                   epochs=int(epochs), patience=int(patience), seed=int(seed),
                                   batch_size=int(batch_size), fanout=int(fanout))
        train_live(dataset, spec, name, model_config, train_config)  # the results follow
    except GatvizError as error:
        st.error(as_text(error))

with st.expander("Load a checkpoint (.safetensors saved by gatviz, or a GAT trained in PyG)"):
    st.caption("A model trained in your own PyG code loads too: save its state_dict with "
               "safetensors and its constructor arguments as metadata (README: *Models trained "
               "elsewhere*).")
    upload = st.file_uploader("Checkpoint", type=["safetensors"])
    if st.button("Load checkpoint", disabled=upload is None):
        try:
            checkpoint = read_checkpoint(upload.getvalue())
            notes = checkpoint.check_fits(dataset)
            loaded = add_model(ModelRecord(
                unique_name(upload.name.rsplit(".", 1)[0][:MAX_TEXT]), spec,
                checkpoint.build_model(),
                checkpoint.train_config, checkpoint.metrics, source=CHECKPOINT), dataset)
            origin = (f"trained on {checkpoint.dataset}, " if checkpoint.dataset else "") + \
                (checkpoint.version if checkpoint.version == IMPORTED
                 else f"gatviz {checkpoint.version}")
            st.success(f"Loaded {as_text(loaded.name)} ({as_text(origin)}).")
            for note in notes:
                st.caption(f"Note: {as_text(note)}.")
            record = loaded
        except GatvizError as error:
            st.error(f"Could not load {as_text(upload.name)}: {as_text(error)}")

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

st.subheader(f"Results: {as_text(record.name)}")
metrics = record.metrics
c = st.columns(4)
c[0].metric("Train accuracy", f"{metrics.get('train_acc', float('nan')):.3f}")
c[1].metric("Validation accuracy", f"{metrics.get('val_acc', float('nan')):.3f}")
c[2].metric("Test accuracy", f"{metrics.get('test_acc', float('nan')):.3f}")
c[3].metric("Best epoch", f"{metrics.get('best_epoch', '?')} / {metrics.get('epochs_run', '?')}")

left, right = st.columns(2)
with left:
    if record.history:
        rows = [h.__dict__ for h in record.history]
        st.markdown(f"**Training curves** (best epoch {record.metrics.get('best_epoch')}, "
                    "whose weights were kept)")
        for columns in (LOSS_COLUMNS, ACCURACY_COLUMNS):
            st.vega_lite_chart(record.derive(("curves", tuple(columns)), lambda: curves_spec(
                rows, columns, 180)), width="stretch")
    else:
        st.caption("Loaded from a checkpoint: no training curves.")
    for note in (record.note, record.snapshot_note):
        if note:
            st.caption(note)
with right:
    test = dataset.data.test_mask & (dataset.data.y >= 0)

    def confusion() -> dict:
        """The test nodes' confusion matrix as a Vega-Lite spec (built once per model)."""
        truth = [dataset.class_names[int(c)] for c in dataset.data.y[test]]
        guess = [dataset.class_names[int(c)] for c in record.pred[test]]
        matrix = pd.crosstab(pd.Series(truth, name="true"), pd.Series(guess, name="predicted"))
        cells = matrix.stack().reset_index(name="nodes")
        return (alt.Chart(cells).mark_rect().encode(
            x="predicted:N", y="true:N",
            color=alt.Color("nodes:Q", scale=alt.Scale(scheme="blues")),
            tooltip=["true", "predicted", "nodes"]) + alt.Chart(cells).mark_text().encode(
            x="predicted:N", y="true:N", text="nodes:Q")).to_dict()

    if bool(test.any()) and dataset.num_classes > MAX_CONFUSION_CLASSES:
        st.caption(f"No confusion matrix: {dataset.num_classes:,} classes would make "
                   f"{dataset.num_classes ** 2:,} cells (it is drawn up to "
                   f"{MAX_CONFUSION_CLASSES} classes).")
    elif bool(test.any()):
        st.markdown("**Confusion matrix** (test nodes)")
        st.vega_lite_chart(record.derive(("confusion",), confusion), width="stretch")

st.download_button("Download checkpoint (.safetensors)",
                   partial(checkpoint_for, record, dataset),
                   file_name=f"{record.name.replace(' ', '_')}.safetensors",
                   mime="application/octet-stream", on_click="ignore")
