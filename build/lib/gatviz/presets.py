"""Named settings from the papers, offered by the Train page and ``gatviz train --preset``.

A preset is only a starting point: it fills the ordinary knobs (:class:`ModelConfig`,
:class:`TrainConfig`), which then show and can be changed like any others.
"""

from __future__ import annotations

from typing import NamedTuple

from gatviz.config import ModelConfig, TrainConfig
from gatviz.errors import ConfigError


class Preset(NamedTuple):
    model: ModelConfig
    train: TrainConfig
    description: str


PRESETS = {
    "reference": Preset(
        ModelConfig(),
        TrainConfig(),
        "PyG's examples/gat.py (the GAT paper's transductive model): 2 layers, "
        "8 heads × 8 hidden, dropout 0.6, lr 0.005, weight decay 5e-4.",
    ),
    "ppi": Preset(
        ModelConfig(
            layers=3,
            hidden=256,
            heads=4,
            out_heads=6,
            out_concat=False,
            dropout=0.0,
            attn_dropout=0.0,
            activation="elu",
            residual="layer",
            task="multilabel",
        ),
        TrainConfig(lr=0.005, weight_decay=0.0, epochs=100, patience=100, graph_batch=2),
        "The GAT paper's inductive PPI model: 3 layers with 4, 4 and 6 heads, 256 hidden per "
        "head, skip connections, ELU, no dropout, lr 0.005, no weight decay, batches of 2 "
        "graphs; the last layer averages its 6 heads.",
    ),
    "dictionary-lookup": Preset(
        ModelConfig(
            layers=1,
            hidden=128,
            heads=1,
            out_heads=1,
            linear_out=True,
            dropout=0.0,
            attn_dropout=0.0,
            self_loops=False,
            conv="gatv2",
        ),
        TrainConfig(
            lr=0.001, weight_decay=0.0, epochs=100, patience=0, graph_batch=1024, snapshots=0
        ),
        "The GATv2 paper's DictionaryLookup model: one GATv2 layer (set GAT to compare) of "
        "width 128 with 1 head, no self-loops, a linear output read on the query nodes, "
        "batches of 1,024 graphs, lr 0.001.",
    ),
}


def preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ConfigError(f"preset must be one of {sorted(PRESETS)} (got {name!r})")
    return PRESETS[name]
