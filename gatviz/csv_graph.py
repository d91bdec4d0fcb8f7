"""A user's own graph from CSV (or Parquet): an edge list and an optional node table.

Edges file: columns ``source`` and ``target`` (node ids, any text). Nodes file (optional): a column
``id``, optionally ``name`` and ``label``, and any other columns are numeric node features.
Problems are reported with the file, line and column to fix; nothing is evaluated or unpickled.
Many graphs in one pair of files: a ``graph`` column, and graph labels in a ``graph_label``
column or a third file (:mod:`gatviz.csv_graph_sets`).

Big graphs (tens of millions of edges) load column-wise: ids that are whole numbers are parsed
as int64 and features as float32 straight from the text, ids are matched with a hash index, and
nothing makes one Python object per row. Text ids and anything the fast reading refuses take the
careful path, which reports the line to fix. A file that starts with Parquet's magic bytes is read
as Parquet (pyarrow, which Streamlit already needs), with the same columns and limits.

Without features, nodes get one-hot ids (small graphs) or one-hot degrees; without labels the graph
can still be explored with a model trained elsewhere.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import BinaryIO, Callable, Union

import numpy as np
import pandas as pd
import torch
from torch_geometric.data import Data
from torch_geometric.utils import coalesce, degree, remove_self_loops, to_undirected

from gatviz.csv_graph_sets import as_graph_set, check_graph_count, node_graphs
from gatviz.datasets import GraphDataset, attach_split
from gatviz.errors import DatasetError
from gatviz.file_errors import line as _line
from gatviz.file_errors import shown as _shown
from gatviz.limits import (
    MAX_CELLS,
    MAX_CLASSES,
    MAX_COLUMNS,
    MAX_CSV_BYTES,
    MAX_EDGES,
    MAX_GRAPHS,
    MAX_NODES,
    MAX_TEXT,
)
from gatviz.synthetic import one_hot_degrees

CsvSource = Union[str, Path, bytes, BinaryIO]
ONE_HOT_LIMIT = 1000  # up to this many nodes, missing features become one-hot ids
# Read as text; the rest are numbers (features).
TEXT_COLUMNS = ("source", "target", "id", "name", "label", "graph", "graph_label")
ID_COLUMNS = ("source", "target", "id", "graph")  # whole-number ids are read as int64
NODE_COLUMNS = ("id", "name", "label", "graph", "graph_label")  # the nodes file's non-features
PARQUET_MAGIC = b"PAR1"


def _bytes(source: CsvSource, what: str) -> bytes:
    """The file's bytes, refused before reading when larger than MAX_CSV_BYTES."""
    too_big = (
        f"the {what} file is larger than {MAX_CSV_BYTES // 2**20} MB, the most gatviz "
        "reads; use a smaller graph"
    )
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise DatasetError(f"no {what} file at {path}")
        if path.stat().st_size > MAX_CSV_BYTES:
            raise DatasetError(too_big)
        return path.read_bytes()
    data = (
        bytes(source)
        if isinstance(source, (bytes, bytearray, memoryview))
        else source.read(MAX_CSV_BYTES + 1)
    )
    if len(data) > MAX_CSV_BYTES:
        raise DatasetError(too_big)
    return data


def _check_utf8(data: bytes, what: str) -> None:
    """Refuse text that is not UTF-8, naming the line (decoded 1 MB at a time, then dropped)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 20
    for start in range(0, len(data), step):
        try:
            decoder.decode(data[start : start + step], final=start + step >= len(data))
        except UnicodeDecodeError as error:
            offset = min(max(start + error.start, 0), len(data) - 1)
            line = data.count(b"\n", 0, offset) + 1
            raise DatasetError(
                f"the {what} file is not UTF-8 text (byte 0x{data[offset]:02x} on line {line}, "
                "as Latin-1 or Windows encodings write accented letters); save it as UTF-8, "
                "for example with Excel's 'CSV UTF-8' format"
            ) from None


def _delimiter(header: bytes) -> str:
    """Commas, or the semicolons or tabs that some locales' spreadsheets write instead."""
    if b"," in header:
        return ","
    for candidate in (";", "\t", "|"):
        if candidate.encode() in header:
            return candidate
    return ","


def _read(source: CsvSource, what: str, max_rows: int, max_columns: int) -> pd.DataFrame:
    """See :func:`_parse`; a nodes file may have its named columns beside MAX_COLUMNS
    features."""
    extra = len(NODE_COLUMNS) if what == "nodes" else 0
    return _parse(source, what, max_rows, max_columns + extra)


def _parse(source: CsvSource, what: str, max_rows: int, max_columns: int) -> pd.DataFrame:
    """Parse a CSV (or Parquet) file after checking its size, encoding, line count and header
    against the limits, so that a file too big for them is refused before it is parsed."""
    data = _bytes(source, what)
    if data[:4] == PARQUET_MAGIC:
        return _read_parquet(data, what, max_rows, max_columns)
    if not data.strip():
        raise DatasetError(f"the {what} file is empty; it needs a header line and rows")
    _check_utf8(data, what)
    end = data.find(b"\n")
    header = data if end < 0 else data[:end]
    sep = _delimiter(header)
    columns = header.count(sep.encode()) + 1
    _check_shape(what, None, columns, max_rows, max_columns)  # before counting the lines
    rows = data.count(b"\n") - (1 if data.endswith(b"\n") else 0)  # at most; blank lines count
    _check_shape(what, rows, columns, max_rows, max_columns)
    options = dict(sep=sep, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig")
    try:
        names = pd.read_csv(io.BytesIO(data), nrows=0, **options).columns
        text = {name: str for name in names if str(name).strip().lower() in TEXT_COLUMNS}
        # Fast: whole-number ids as int64, features as float32, no Python object per row.
        # Anything that does not parse so (text ids, a blank, a word among numbers) is read
        # again as text below, which finds the line to report.
        fast = {
            name: "int64" if str(name).strip().lower() in ID_COLUMNS else "float32"
            for name in names
            if name not in text or str(name).strip().lower() in ID_COLUMNS
        }
        try:
            frame = pd.read_csv(io.BytesIO(data), dtype={**text, **fast}, nrows=max_rows, **options)
        except (ValueError, OverflowError):
            frame = pd.read_csv(io.BytesIO(data), dtype=text, nrows=max_rows, **options)
    except pd.errors.EmptyDataError:
        raise DatasetError(f"the {what} file is empty; it needs a header line and rows") from None
    except (pd.errors.ParserError, ValueError) as error:
        raise DatasetError(f"the {what} file is not valid CSV: {error}".strip()) from None
    frame.attrs["raw"] = (data, sep)  # to quote a value as written, in an error message
    return _tidy(frame, what)


def _check_shape(
    what: str, rows: int | None, columns: int, max_rows: int, max_columns: int
) -> None:
    """Refuse a file with more columns, rows (when known) or values than gatviz reads."""
    if columns > max_columns:
        named = (
            (f" ({max_columns - len(NODE_COLUMNS):,} features besides {', '.join(NODE_COLUMNS)})")
            if what == "nodes"
            else ""
        )
        raise DatasetError(
            f"the {what} file has {columns:,} columns; gatviz reads at most {max_columns:,}{named}"
        )
    if rows is None:
        return
    if rows > max_rows:
        raise DatasetError(f"the {what} file has {rows:,} rows; gatviz reads at most {max_rows:,}")
    if rows * columns > MAX_CELLS:
        raise DatasetError(
            f"the {what} file has {rows:,} rows × {columns:,} columns; gatviz "
            f"reads at most {MAX_CELLS:,} values"
        )


def _tidy(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """Lower-case column names; strip and bound the text in the text columns."""
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    for column in frame.columns:
        if column in TEXT_COLUMNS and not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].str.strip()
            if column == "name":  # a display name only: cut, not refused
                long = frame[column].str.len() > MAX_TEXT
                if bool(long.any()):
                    frame.attrs["cut_names"] = int(long.sum())
                    frame.attrs["first_cut"] = int(long.to_numpy().nonzero()[0][0])
                    frame.loc[long, column] = frame.loc[long, column].str[: MAX_TEXT - 1] + "…"
                continue
            check_length(frame[column], column, what)
    return frame


def _read_parquet(data: bytes, what: str, max_rows: int, max_columns: int) -> pd.DataFrame:
    """A Parquet file's columns, its row and column counts checked (from the footer) before
    any column is read. Text columns become text, numbers stay numbers; nothing else is read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        rows, schema = parquet.metadata.num_rows, parquet.schema_arrow
    except (pa.ArrowException, OSError, ValueError) as error:
        raise DatasetError(
            f"the {what} file starts like Parquet but cannot be read: {str(error)[:200]}"
        ) from None
    _check_shape(what, rows, len(schema.names), max_rows, max_columns)
    for field in schema:
        kind = field.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if not (
            pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_boolean(kind)
            or pa.types.is_string(kind)
            or pa.types.is_large_string(kind)
        ):
            raise DatasetError(
                f"the {what} file's column {_shown(field.name)} holds "
                f"{field.type}; gatviz reads numbers and text"
            )
    try:
        frame = parquet.read(use_pandas_metadata=False).to_pandas()
    except (pa.ArrowException, OSError, ValueError) as error:
        raise DatasetError(f"the {what} file's data cannot be read: {str(error)[:200]}") from None
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object)
        lower = str(column).strip().lower()
        if lower in TEXT_COLUMNS and not (lower in ID_COLUMNS and frame[column].dtype.kind in "iu"):
            frame[column] = frame[column].map(lambda v: "" if v is None else str(v))
        elif frame[column].dtype.kind == "b":
            frame[column] = frame[column].astype("float32")
    return _tidy(frame, what)


def check_length(values: pd.Series, column: str, what: str, first: int = 0) -> None:
    """Refuse text longer than MAX_TEXT, naming its line (``values`` start at row ``first``)."""
    lengths = values.str.len().to_numpy()
    if lengths.size and lengths.max() > MAX_TEXT:
        row = int(lengths.argmax())
        raise DatasetError(
            f"{what} file line {_line(first + row)}: the {column} is {lengths[row]:,} "
            f"characters long; gatviz keeps at most {MAX_TEXT}"
        )


def _first_blank(frame: pd.DataFrame, column: str) -> int | None:
    blank = (frame[column] == "").to_numpy().nonzero()[0]
    return int(blank[0]) if blank.size else None


def _require_columns(frame: pd.DataFrame, needed: tuple[str, ...], what: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        found = ", ".join(str(c)[:40] for c in frame.columns[:10]) or "none"
        more = f" and {len(frame.columns) - 10:,} more" if len(frame.columns) > 10 else ""
        raise DatasetError(
            f"the {what} file needs column(s) {', '.join(missing)}; found "
            f"{found}{more} (check the header line)"
        )
    for column in needed:
        row = _first_blank(frame, column)
        if row is not None:
            raise DatasetError(f"{what} file line {_line(row)}: column '{column}' is empty")


def _ordered_ids(ids: pd.Series) -> np.ndarray:
    """The distinct ids in order of appearance, or in numeric order when they are all whole
    numbers (``1, 2, 10``, not ``1, 10, 2``)."""
    unique = pd.unique(ids)
    if ids.dtype.kind in "iu":
        return np.sort(unique)
    text = pd.Series(unique, dtype=object)
    if len(text) and bool(text.str.fullmatch(r"-?[0-9]+").all()):
        return unique[np.argsort([int(i) for i in unique], kind="stable")]
    return unique


def _same_kind(*columns: pd.Series) -> list[pd.Series]:
    """The id columns as they are when all were parsed as numbers or all read as text, else all
    as text, so that ids parsed as numbers in one file match the same ids read as text in the
    other."""
    if len({column.dtype.kind in "iu" for column in columns}) == 1:
        return list(columns)
    return [column.astype(str) for column in columns]


def load_csv(
    edges: CsvSource,
    nodes: CsvSource | None = None,
    *,
    name: str = "csv",
    undirected: bool = True,
    seed: int = 0,
    graphs: CsvSource | None = None,
) -> GraphDataset:
    """Build a :class:`GraphDataset` from an edge list and an optional node table.

    Args:
        edges: path, bytes or binary file of the edge list (``source,target[,graph]``).
        nodes: the same for the node table (``id[,name][,label][,graph][,graph_label]
            [,feature...]``). (default: None)
        graphs: the same for graph labels (``graph,label``); with it, or a ``graph_label``
            column, the task is graph classification. (default: None)
        name (str): dataset name shown in the app and stored in checkpoints. (default: "csv")
        undirected (bool): add the reverse of every edge, as citation graphs do. (default: True)
        seed (int): seeds the train/val/test split of the labelled nodes. (default: 0)
    """
    edge_frame = _read(edges, "edges", MAX_EDGES, MAX_COLUMNS)
    _require_columns(edge_frame, ("source", "target"), "edges")
    if edge_frame.empty:
        raise DatasetError("the edges file has a header but no rows; add one line per edge")

    node_frame = None
    if nodes is not None:
        node_frame = _read(nodes, "nodes", MAX_NODES, MAX_COLUMNS)
        _require_columns(node_frame, ("id",), "nodes")
        if node_frame.empty:
            raise DatasetError("the nodes file has a header but no rows; add one line per node")
        duplicated = node_frame["id"].duplicated().to_numpy().nonzero()[0]
        if duplicated.size:
            row = int(duplicated[0])
            raise DatasetError(
                f"nodes file line {_line(row)}: id "
                f"{_shown(node_frame['id'][row])} appears twice; ids must be "
                "unique"
            )
        ids = node_frame["id"]
    else:
        ids = pd.Series(
            _ordered_ids(pd.concat([edge_frame["source"], edge_frame["target"]], ignore_index=True))
        )
    if len(ids) > MAX_NODES:
        raise DatasetError(
            f"the graph has {len(ids):,} nodes; gatviz handles at most {MAX_NODES:,}"
        )
    graphs_frame = None
    if graphs is not None:
        graphs_frame = _read(graphs, "graph labels", MAX_GRAPHS, MAX_COLUMNS)
        _require_columns(graphs_frame, ("graph", "label"), "graph labels")
    many = (
        graphs_frame is not None
        or "graph" in edge_frame
        or (node_frame is not None and ("graph" in node_frame or "graph_label" in node_frame))
    )
    if many:  # refused before any work when the files name too many graphs
        for frame, what in ((node_frame, "nodes"), (edge_frame, "edges")):
            if frame is not None and "graph" in frame:
                check_graph_count(frame["graph"], what)

    keys, sources, targets = _same_kind(ids, edge_frame["source"], edge_frame["target"])
    index = pd.Index(keys)  # a hash index: every edge's ids are looked up at once
    mapped = {}
    for column, values in (("source", sources), ("target", targets)):
        mapped[column] = index.get_indexer(values)
        unknown = (mapped[column] < 0).nonzero()[0]
        if unknown.size:
            row = int(unknown[0])
            raise DatasetError(
                f"edges file line {_line(row)}: {column} "
                f"{_shown(edge_frame[column][row])} is not an id in the nodes "
                "file"
            )

    n = len(ids)
    node_graph = (
        node_graphs(node_frame, edge_frame, mapped["source"], mapped["target"], n) if many else None
    )
    edge_index = torch.from_numpy(np.stack([mapped["source"], mapped["target"]]).astype(np.int64))
    del mapped, edge_frame
    edge_index, _ = remove_self_loops(edge_index)
    edge_index = (
        to_undirected(edge_index, num_nodes=n) if undirected else coalesce(edge_index, num_nodes=n)
    )

    names, labels, x = ids.astype(str).tolist(), None, None
    if node_frame is not None:
        if "name" in node_frame.columns:
            names = [name or node_id for name, node_id in zip(node_frame["name"], names)]
        if "label" in node_frame.columns:
            labels = node_frame["label"]
        feature_columns = [c for c in node_frame.columns if c not in NODE_COLUMNS]
        if feature_columns:
            x = numeric_features(node_frame, feature_columns)

    feature_note = FEATURES_GIVEN
    if x is None:
        x, feature_note = default_features(n, lambda: degree(edge_index[1], n))
    class_names, y = class_labels(labels, n)
    data = attach_split(Data(x=x, edge_index=edge_index, y=y, num_nodes=n), seed)
    cut = node_frame.attrs.get("cut_names", 0) if node_frame is not None else 0
    first_cut = node_frame.attrs.get("first_cut", 0) if node_frame is not None else 0
    description = describe(
        n, edge_index.size(1), undirected, feature_note, class_names, y, cut, first_cut
    )
    dataset = GraphDataset(name, data, class_names, names, description)
    if node_graph is not None:  # many graphs
        return as_graph_set(dataset, node_graph, node_frame, graphs_frame, seed)
    return dataset


FEATURES_GIVEN = "features from the nodes file"


def default_features(n: int, in_degree: Callable[[], torch.Tensor]) -> tuple[torch.Tensor, str]:
    """Features for a graph whose nodes file gives none, and the note saying which: one-hot
    ids for a small graph, else one-hot in-degrees (``in_degree()`` is called only then)."""
    if n <= ONE_HOT_LIMIT:
        return torch.eye(n), "one-hot node ids as features (none were given)"
    return one_hot_degrees(in_degree()), "one-hot degrees as features"


def class_labels(labels: pd.Series | None, n: int) -> tuple[list[str], torch.Tensor]:
    """The class names (in :func:`_ordered_ids` order) and each node's class (-1: none)."""
    if labels is None:
        return [], torch.full((n,), -1, dtype=torch.long)
    class_names = [str(c) for c in _ordered_ids(labels[labels != ""])]
    if len(class_names) > MAX_CLASSES:
        raise DatasetError(
            f"the nodes file has {len(class_names):,} distinct labels; "
            f"gatviz trains on at most {MAX_CLASSES:,} classes (is the label "
            "column really a class, not an id?)"
        )
    return class_names, torch.from_numpy(pd.Index(class_names).get_indexer(labels).astype(np.int64))


def describe(
    n: int,
    num_edges: int,
    undirected: bool,
    feature_note: str,
    class_names: list[str],
    y: torch.Tensor,
    cut: int = 0,
    first_cut: int = 0,
) -> str:
    """The dataset description of a graph read from files."""
    label_note = (
        f"{int((y >= 0).sum())} of {n} nodes labelled with {len(class_names)} classes"
        if class_names
        else "no labels: explore the attention of a model trained elsewhere on the same "
        "features, or add a label column to train here"
    )
    cut_note = (
        f" {cut:,} node name(s) longer than {MAX_TEXT} characters were cut to that "
        f"length (the first on nodes file line {_line(first_cut)})."
        if cut
        else ""
    )
    return (
        f"Your graph from CSV: {n} nodes and {num_edges} directed edges"
        f"{' (each edge in both directions)' if undirected else ''}; {feature_note}; "
        f"{label_note}.{cut_note}"
    )


def numeric_features(frame: pd.DataFrame, columns: list[str], first: int = 0) -> torch.Tensor:
    """The feature columns as float32, refusing any value that is not a finite number (with its
    line: ``frame`` starts at row ``first`` of the file, for a file read in chunks)."""
    values = frame[columns]
    text = [c for c in columns if not pd.api.types.is_numeric_dtype(values[c])]
    if text:
        values = values.copy()
        values[text] = values[text].apply(pd.to_numeric, errors="coerce")
    # float32 straight away: a float64 copy of a big node table would double its memory.
    with np.errstate(over="ignore", invalid="ignore"):  # overflow to inf is refused below
        features = values.to_numpy(dtype="float32")
    bad = np.isnan(features)
    if bad.any():
        row, col = (int(i[0]) for i in bad.nonzero())
        given = frame[columns[col]].iloc[row]
        raise DatasetError(
            f"nodes file line {_line(first + row)}, column {_shown(columns[col])}: "
            f"{_shown(given) if given != '' else 'an empty value'} is not a "
            "number (feature columns must be numeric; rename it to 'name' or "
            "'label' if it is not a feature)"
        )
    bad = ~np.isfinite(features)
    if bad.any():
        row, col = (int(i[0]) for i in bad.nonzero())
        raise DatasetError(
            f"nodes file line {_line(first + row)}, column {_shown(columns[col])}: "
            f"{_shown(_as_written(frame, row, columns[col]))} is not a finite "
            "float32 number (features must lie within ±3.4e38; scale them)"
        )
    return torch.from_numpy(np.require(features, requirements="W"))  # Arrow memory is read-only


def _as_written(frame: pd.DataFrame, row: int, column: str) -> str:
    """A value as the file wrote it (pandas has parsed ``1e400`` into ``inf`` by now)."""
    data, sep = frame.attrs.get("raw", (b"", ","))
    lines = data.split(b"\n", _line(row))
    try:
        fields = next(
            csv.reader(
                [lines[_line(row) - 1].decode("utf-8", "replace")],
                delimiter=sep,
                skipinitialspace=True,
            )
        )
        return fields[list(frame.columns).index(column)].strip()
    except (IndexError, StopIteration, csv.Error):
        return str(frame[column].iloc[row])
