"""gatviz: train Graph Attention Networks and look at what their attention does.

The package flows one way: ``config`` -> ``datasets`` -> ``model`` -> ``training`` /
``checkpoint`` -> ``attention`` -> ``intervention`` / ``analysis`` -> ``report`` and
``overlay``. Nothing here imports streamlit.

The names most code needs are here, each re-exported from the module that owns it and imported
on first use (``import gatviz`` itself stays light: the app draws its home page before torch is
imported)::

    import gatviz

    cora = gatviz.load_dataset("cora")
    result = gatviz.train(cora, gatviz.ModelConfig(heads=4), gatviz.TrainConfig(epochs=100))
    alpha = gatviz.dataset_attention(result.model, cora)   # every layer's α on its edges
    report = gatviz.analyze(result.model, cora)            # every statistic and its baseline
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# name -> the module that owns it
API = {
    "ModelConfig": "gatviz.config",
    "TrainConfig": "gatviz.config",
    "load_dataset": "gatviz.datasets",
    "load_csv": "gatviz.csv_graph",
    "train": "gatviz.training",
    "predict": "gatviz.training",
    "dataset_attention": "gatviz.attention",
    "attention_table": "gatviz.attention",
    "analyze": "gatviz.report",
    "read_checkpoint": "gatviz.checkpoint",
    "save_checkpoint": "gatviz.checkpoint",
    "overlay_html": "gatviz.overlay",
    "preset": "gatviz.presets",
    "show": "gatviz.notebook",
    "show_heads": "gatviz.notebook",
    "show_embedding": "gatviz.notebook",
    "show_analysis": "gatviz.notebook",
    "widget": "gatviz.jupyter_widget",
}
__all__ = sorted(API)


def __getattr__(name: str):
    if name in API:
        value = getattr(importlib.import_module(API[name]), name)
        globals()[name] = value  # imported once
        return value
    raise AttributeError(f"module 'gatviz' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(API))
