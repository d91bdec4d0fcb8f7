"""Every limit gatviz puts on input from outside, in one place (docs/limits.md lists them).

Each is checked where the input enters, before the work it bounds: a file's size before it is
read, its line count and header before it is parsed, a checkpoint's header before any tensor is
allocated. A refused input gets a :class:`~gatviz.errors.GatvizError` that names the limit.

The graph sizes are settings: the environment variables ``GATVIZ_MAX_EDGES``,
``GATVIZ_MAX_NODES``, ``GATVIZ_MAX_CELLS``, ``GATVIZ_MAX_FILE_MB``, ``GATVIZ_MAX_CLASSES``,
``GATVIZ_MAX_GRAPHS`` and ``GATVIZ_WHOLE_ATTENTION_EDGES`` (whole numbers, read when gatviz is
imported) raise or lower them, for a bigger machine or a small hosted demo. The others bound
what no real model or file needs and are fixed.
"""

from __future__ import annotations

import os
import warnings


def setting(name: str, default: int) -> int:
    """``$GATVIZ_<name>`` as a positive whole number (``_`` allowed), else ``default``."""
    text = os.environ.get(f"GATVIZ_{name}", "").strip()
    if not text:
        return default
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        warnings.warn(
            f"GATVIZ_{name}={text!r} is not a positive whole number; using the default {default:,}",
            stacklevel=2,
        )
        return default
    return value


# Graphs from files (gatviz.csv_graph): CSV or Parquet.
MAX_CSV_BYTES = setting("MAX_FILE_MB", 1024) * 2**20  # size of one edges or nodes file
MAX_EDGES = setting("MAX_EDGES", 20_000_000)  # rows of the edges file
MAX_NODES = setting("MAX_NODES", 5_000_000)  # rows of the nodes file, or distinct ids in edges
MAX_COLUMNS = 5_000  # columns of the nodes file (id, name, label and the features)
MAX_CELLS = setting("MAX_CELLS", 200_000_000)  # rows × columns of the nodes file (800 MB float32)
MAX_CLASSES = setting("MAX_CLASSES", 1_000)  # distinct labels (classes, or multi-label labels)
MAX_GRAPHS = setting("MAX_GRAPHS", 100_000)  # graphs in one set (a file's graph ids, a TU set)
MAX_TEXT = 200  # characters in one id, name or label, and in a dataset or file name
# Above this many directed edges the app computes α around the node in view (exact, from its
# receptive field) instead of for the whole graph, and the whole-graph analyses are left to the
# command line.
WHOLE_ATTENTION_EDGES = setting("WHOLE_ATTENTION_EDGES", 1_000_000)

# Checkpoints (gatviz.checkpoint)
MAX_CHECKPOINT_BYTES = 1 << 30  # 1 GiB: far above any GAT gatviz trains
MAX_HEADER_BYTES = 1 << 20  # the safetensors JSON header, metadata included
MAX_JSON_DEPTH = 16  # nesting of that JSON (gatviz writes depth 3)
MAX_PARAMETERS = 100_000_000  # parameters the checkpoint's config may describe
MAX_FEATURES = 1_000_000  # input features a checkpoint may expect

# Links (gatviz.links, gatviz.config.parse_text)
MAX_QUERY_VALUE = 64  # characters in one setting's value in a URL
