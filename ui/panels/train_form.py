"""Every knob of a GAT as one form, filled from a preset (PyG's reference model, the GAT paper's
PPI model, the GATv2 paper's DictionaryLookup model) and read into the configs that the CLI
and the tests build too."""

from __future__ import annotations

import streamlit as st

from gatviz.config import ACTIVATIONS, CONVS, POOLS, RESIDUALS, ModelConfig, TrainConfig
from gatviz.datasets import GraphDataset
from gatviz.limits import MAX_TEXT
from gatviz.presets import PRESETS
from gatviz.tasks import TASK_NAMES
from ui.state import unique_name
from ui.text import as_text

PRESET_NAMES = {
    "reference": "PyG's reference GAT (examples/gat.py)",
    "ppi": "the GAT paper's PPI model",
    "dictionary-lookup": "the GATv2 paper's DictionaryLookup model",
}


def train_form(dataset: GraphDataset) -> tuple[str, ModelConfig, TrainConfig] | None:
    """The model's name and configs when *Train GAT* was pressed, else None. Impossible
    settings raise GatvizError (from the configs), saying what to change."""
    chosen_preset = st.selectbox(
        "Start from",
        list(PRESETS),
        format_func=lambda key: PRESET_NAMES.get(key, key),
        help="A preset fills the knobs below, which can then be changed like any others.",
    )
    st.caption(
        f"On {as_text(dataset.name)}: {TASK_NAMES[dataset.task]} (from the dataset). "
        + PRESETS[chosen_preset].description
    )
    m, t = PRESETS[chosen_preset].model, PRESETS[chosen_preset].train
    many = dataset.num_graphs > 1
    with st.form("train"):
        name = st.text_input(
            "Model name", unique_name(f"{dataset.name[:150]} GAT"), max_chars=MAX_TEXT
        )
        c = st.columns(4)
        conv = c[0].selectbox("Layer type", CONVS, format_func=str.upper)
        layers = c[1].number_input("Layers", 1, 4, m.layers)
        hidden = c[2].number_input("Hidden units per head", 1, 1024, m.hidden)
        heads = c[3].number_input("Heads per hidden layer", 1, 16, m.heads)
        c = st.columns(4)
        out_heads = c[0].number_input("Output heads", 1, 16, m.out_heads)
        out_concat = (
            c[1].selectbox("Output heads are", ["averaged", "concatenated"]) == "concatenated"
        )
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
    if not start:
        return None
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
    return name, model_config, train_config
