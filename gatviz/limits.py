"""Every limit gatviz puts on input from outside, in one place (the README's "Limits" lists them).

Each is checked where the input enters, before the work it bounds: a file's size before it is
read, its line count and header before it is parsed, a checkpoint's header before any tensor is
allocated. A refused input gets a :class:`~gatviz.errors.GatvizError` that names the limit.
"""

# CSV graphs (gatviz.csv_graph)
MAX_CSV_BYTES = 256 * 2**20  # size of one edges or nodes file
MAX_EDGES = 2_000_000  # rows of the edges file
MAX_NODES = 200_000  # nodes: rows of the nodes file, or distinct ids in the edges file
MAX_COLUMNS = 5_000  # columns of the nodes file (id, name, label and the features)
MAX_CELLS = 50_000_000  # rows × columns of the nodes file (200 MB of float32 features)
MAX_CLASSES = 1_000  # distinct labels
MAX_TEXT = 200  # characters in one id, name or label, and in a dataset or file name

# Checkpoints (gatviz.checkpoint)
MAX_CHECKPOINT_BYTES = 1 << 30  # 1 GiB: far above any GAT gatviz trains
MAX_HEADER_BYTES = 1 << 20  # the safetensors JSON header, metadata included
MAX_JSON_DEPTH = 16  # nesting of that JSON (gatviz writes depth 3)
MAX_PARAMETERS = 100_000_000  # parameters the checkpoint's config may describe
MAX_FEATURES = 1_000_000  # input features a checkpoint may expect

# Links (gatviz.links, gatviz.config.parse_text)
MAX_QUERY_VALUE = 64  # characters in one setting's value in a URL
