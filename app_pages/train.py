"""Train: every GAT knob, live curves while it trains, results, and checkpoints in and out."""

import ui  # noqa: F401  (before any other import: see app_pages/home.py)

from functools import partial

import streamlit as st

from gatviz.config import ACTIVATIONS, CONVS, POOLS, RESIDUALS, ModelConfig, TrainConfig
from gatviz.errors import GatvizError
from gatviz.limits import MAX_TEXT
from gatviz.presets import PRESETS
from gatviz.tasks import TASK_NAMES
from ui.baseline_panel import baseline_panel
from ui.charts import ACCURACY_COLUMNS, LOSS_COLUMNS, confusion_spec, curves_spec
from ui.checkpoint_upload import checkpoint_upload
from ui.keys import MODEL, TRAIN_PICK
from ui.links import current_spec, write_link
from ui.live import train_live
from ui.scores_panel import scores_panel
from ui.sidebar import sidebar
from ui.state import current_model, models_for, unique_name
from ui.text import as_text
from ui.views import checkpoint_for

st.set_page_config(page_title="gatviz · Train")
dataset, record = sidebar()
spec = current_spec()
st.title("Train a GAT")
MAX_CONFUSION_CLASSES = 30  # above this, a confusion matrix is too many cells to read
chosen_preset = st.selectbox(
    "Start from",
    list(PRESETS),
    format_func=lambda key: {
        "reference": "PyG's reference GAT (examples/gat.py)",
        "ppi": "the GAT paper's PPI model",
        "dictionary-lookup": "the GATv2 paper's DictionaryLookup model",
    }.get(key, key),
    help="A preset fills the knobs below, which can then be changed like any others.",
)
st.caption(
    f"On {as_text(dataset.name)}: {TASK_NAMES[dataset.task]} (from the dataset). "
    + PRESETS[chosen_preset].description
)
m, t = PRESETS[chosen_preset].model, PRESETS[chosen_preset].train
many = dataset.num_graphs > 1
with st.form("train"):
    name = st.text_input("Model name", unique_name(f"{dataset.name[:150]} GAT"), max_chars=MAX_TEXT)
    c = st.columns(4)
    conv = c[0].selectbox("Layer type", CONVS, format_func=str.upper)
    layers = c[1].number_input("Layers", 1, 4, m.layers)
    hidden = c[2].number_input("Hidden units per head", 1, 1024, m.hidden)
    heads = c[3].number_input("Heads per hidden layer", 1, 16, m.heads)
    c = st.columns(4)
    out_heads = c[0].number_input("Output heads", 1, 16, m.out_heads)
    out_concat = c[1].selectbox("Output heads are", ["averaged", "concatenated"]) == "concatenated"
    residual = c[2].selectbox(
        "Residual",
        RESIDUALS,
        help="none; layer: PyG's residual=True in "
        "every layer; input: a skip from the input features to the output",
    )
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
        "Batch size (0 = whole graph)",
        0,
        1_000_000,
        t.batch_size,
        step=256,
        help="Training nodes per step, each batch on its sampled neighbourhood: for graphs too "
        "big for a whole-graph step. Evaluation always uses the whole graph.",
    )
    fanout = c[1].number_input(
        "Sampled in-edges per node and layer (0 = all)",
        0,
        1000,
        t.fanout,
        help="With batches: how many incoming edges each node keeps "
        "per layer, drawn at random, as PyG's NeighborLoader does.",
    )
    graph_batch = c[2].number_input(
        "Graphs per batch",
        1,
        100_000,
        t.graph_batch,
        disabled=not many,
        help="A set of many graphs trains on batches of whole training graphs (PyG's "
        "DataLoader); the PPI paper uses 2.",
    )
    pool = c[3].selectbox(
        "Readout (graph task)",
        POOLS,
        index=POOLS.index(m.pool),
        disabled=dataset.task != "graph",
        help="How the node embeddings are pooled into one vector per graph.",
    )
    linear_out = c[4].checkbox(
        "Linear output",
        m.linear_out or dataset.task == "graph",
        disabled=dataset.task == "graph",
        help="The last GAT layer keeps its hidden units and a linear "
        "layer reads the classes (always so for graph tasks).",
    )
    start = st.form_submit_button("Train GAT", type="primary")

if start:
    try:
        model_config = ModelConfig(
            layers=int(layers),
            hidden=int(hidden),
            heads=int(heads),
            out_heads=int(out_heads),
            out_concat=out_concat,
            dropout=float(dropout),
            attn_dropout=float(attn_dropout),
            activation=activation,
            negative_slope=float(negative_slope),
            self_loops=self_loops,
            residual=residual,
            conv=conv,
            task=dataset.task,
            pool=pool,
            linear_out=linear_out and dataset.task != "graph",
        )
        train_config = TrainConfig(
            lr=float(lr),
            weight_decay=float(weight_decay),
            epochs=int(epochs),
            patience=int(patience),
            seed=int(seed),
            batch_size=int(batch_size),
            fanout=int(fanout),
            graph_batch=int(graph_batch),
        )
        train_live(dataset, spec, name, model_config, train_config)  # the results follow
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
if many:  # what the graph adds: the same widths and settings without edges
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
