"""Building a pack from an edge list and node table too big to read at once (out of core).

``gatviz pack --edges E --nodes N --out DIR`` reads the files in chunks of rows (pandas' chunked
CSV reader, pyarrow's Parquet batches) and writes the same pack that
:func:`gatviz.csv_graph.load_csv` then :func:`gatviz.pack.write_pack` would: the same node order,
edges (self-loops dropped, each edge in both directions unless ``undirected=False``, duplicates
merged, sorted by source then target), in-edge index, features, labels, split and description.
What stays in memory grows with the nodes (their ids, names and labels, and (N,)-sized arrays),
not with the edges or the features:

1. the nodes file's ids, names and labels (one pass over those columns);
2. the edges, chunk by chunk: ids matched to nodes, each edge as one int64 key
   ``source * N + target`` appended to one of several bucket files by key range;
3. each bucket in turn: sorted, duplicates merged, appended to ``edge_index.npy``; buckets are
   sized so that one fits in ``memory_mb``;
4. the in-edge index the same way, bucketed by target: (target, source, edge id) per edge;
5. the features, chunk by chunk, into ``x.npy``.

Bad input is refused as :func:`load_csv` refuses it, naming the file's line. Not handled here:
many graphs in one pair of files (a ``graph`` column), which stay :func:`load_csv`'s.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Iterator, TypeVar

import numpy as np
import pandas as pd
import torch

from gatviz.csv_graph import (
    FEATURES_GIVEN,
    ID_COLUMNS,
    NODE_COLUMNS,
    PARQUET_MAGIC,
    _delimiter,
    _ordered_ids,
    check_length,
    class_labels,
    default_features,
    describe,
    numeric_features,
)
from gatviz.datasets import random_split
from gatviz.errors import DatasetError
from gatviz.file_errors import line as _line
from gatviz.file_errors import shown as _shown
from gatviz.limits import MAX_COLUMNS, MAX_NODES, MAX_TEXT
from gatviz.pack import check_empty, describe_array, write_manifest, write_names

T = TypeVar("T")
CHUNK_ROWS = 1_000_000  # rows of a file read at once
MAX_BUCKETS = 256  # open bucket files at once


class _Table:
    """One CSV or Parquet file read in chunks of rows, with its (lower-cased) column names."""

    def __init__(self, path: Path, what: str, chunk_rows: int):
        if not path.is_file():
            raise DatasetError(f"no {what} file at {path}")
        self.path, self.what, self.chunk_rows = path, what, chunk_rows
        with open(path, "rb") as file:
            start = file.read(1 << 16)
        self.parquet = start[:4] == PARQUET_MAGIC
        if self.parquet:
            import pyarrow.parquet as pq

            self.file = pq.ParquetFile(path)
            self.raw_columns = list(self.file.schema_arrow.names)
            self.rows = self.file.metadata.num_rows
            self.empty = self.rows == 0
        else:
            if not start.strip():
                raise DatasetError(f"the {what} file is empty; it needs a header line and rows")
            header, _, rest = start.partition(b"\n")
            self.empty = not rest.strip() and path.stat().st_size <= len(start)
            self.sep = _delimiter(header)
            try:
                self.raw_columns = list(
                    pd.read_csv(path, nrows=0, sep=self.sep, encoding="utf-8-sig").columns
                )
            except (UnicodeDecodeError, ValueError, pd.errors.ParserError) as error:
                raise DatasetError(f"the {what} file's header cannot be read: {error}") from None
            self.rows = None
        self.columns = [str(c).strip().lower() for c in self.raw_columns]

    def chunks(self, columns: list[str], as_text: set[str]) -> Iterator[tuple[int, pd.DataFrame]]:
        """(first row, frame) per chunk of ``columns``; those in ``as_text`` as stripped text,
        the id columns as int64 where they are whole numbers, the rest as float32 where they
        parse (else as text, for the caller to report)."""
        raw = [self.raw_columns[self.columns.index(c)] for c in columns]
        if self.parquet:
            yield from self._parquet_chunks(raw, columns, as_text)
            return
        options = dict(
            sep=self.sep, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig"
        )
        dtypes = {
            r: (str if c in as_text else "int64" if c in ID_COLUMNS else "float32")
            for r, c in zip(raw, columns)
        }
        first = 0
        try:
            reader = pd.read_csv(
                self.path, usecols=raw, dtype=dtypes, chunksize=self.chunk_rows, **options
            )
            for frame in reader:
                yield first, self._tidy(frame, columns, as_text)
                first += len(frame)
        except UnicodeDecodeError:
            raise DatasetError(
                f"the {self.what} file is not UTF-8 text (near line {_line(first)}); save it as "
                "UTF-8"
            ) from None
        except (ValueError, OverflowError, pd.errors.ParserError) as error:
            if all(c in as_text for c in columns):
                raise DatasetError(f"the {self.what} file is not valid CSV: {error}") from None
            raise _NotNumbers(first) from None

    def _parquet_chunks(self, raw, columns, as_text):
        first = 0
        for batch in self.file.iter_batches(batch_size=self.chunk_rows, columns=raw):
            frame = batch.to_pandas()
            for r, c in zip(raw, columns):
                if c in as_text or frame[r].dtype.kind not in "iufb":
                    frame[r] = frame[r].map(lambda v: "" if v is None else str(v))
                elif c in ID_COLUMNS and frame[r].dtype.kind not in "iu":
                    raise _NotNumbers(first)
            yield first, self._tidy(frame, columns, as_text)
            first += len(frame)

    def _tidy(self, frame: pd.DataFrame, columns: list[str], as_text: set[str]) -> pd.DataFrame:
        frame.columns = columns
        for column in as_text & set(columns):
            frame[column] = frame[column].astype(str).str.strip()
        return frame


class _NotNumbers(Exception):
    """A chunk's id or feature column did not parse as numbers (from ``first`` on)."""

    def __init__(self, first: int):
        self.first = first


def _numbers_else_text(table: _Table, columns: list[str], consume: Callable[[Iterator], T]) -> T:
    """``consume(chunks)`` over ``columns`` read as numbers (whole-number ids as int64, features
    as float32, as :func:`load_csv` reads them fast); if one does not parse so, ``consume`` runs
    again from the start over the columns as text, which finds the line to report (it must not
    keep anything from the first run)."""
    try:
        return consume(table.chunks(columns, set()))
    except _NotNumbers:
        return consume(table.chunks(columns, set(columns)))


def _ids(table: _Table, columns: list[str]) -> list[tuple[int, pd.DataFrame]]:
    """Every chunk of the id ``columns``, held in memory (for the nodes file's ids, which grow
    with the nodes), blank ids refused."""
    return _numbers_else_text(table, columns, lambda chunks: list(_no_blanks(chunks, table.what)))


def _no_blanks(chunks: Iterator, what: str) -> Iterator[tuple[int, pd.DataFrame]]:
    """The chunks, a blank or too long id in a text column refused with its line."""
    for first, frame in chunks:
        text = [c for c in frame.columns if frame[c].dtype.kind not in "iu"]
        _check_blank(frame, text, first, what)
        yield first, frame


def _check_blank(frame: pd.DataFrame, columns: list[str], first: int, what: str) -> None:
    for column in columns:
        blank = (frame[column] == "").to_numpy().nonzero()[0]
        if blank.size:
            raise DatasetError(
                f"{what} file line {_line(first + int(blank[0]))}: column '{column}' is empty"
            )
        check_length(frame[column], column, what, first)


def _node_table(table: _Table):
    """The nodes file's ids, names and labels (in memory: they grow with the nodes only)."""
    if "id" not in table.columns:
        raise DatasetError("the nodes file needs column(s) id; found " + ", ".join(table.columns))
    text: list[str] = [c for c in ("name", "label") if c in table.columns]
    parts = [frame for _, frame in _ids(table, ["id"])]
    ids = pd.concat([p["id"] for p in parts], ignore_index=True)
    if ids.empty:
        raise DatasetError("the nodes file has a header but no rows; add one line per node")
    duplicated = ids.duplicated().to_numpy().nonzero()[0]
    if duplicated.size:
        row = int(duplicated[0])
        raise DatasetError(
            f"nodes file line {_line(row)}: id {_shown(ids[row])} appears twice; ids must be unique"
        )
    names = ids.astype(str).tolist()
    labels, cut, first_cut = None, 0, 0
    if text:
        frame = pd.concat([f for _, f in table.chunks(text, set(text))], ignore_index=True)
        if "name" in frame:
            long = frame["name"].str.len() > MAX_TEXT
            if bool(long.any()):
                cut, first_cut = int(long.sum()), int(long.to_numpy().nonzero()[0][0])
                frame.loc[long, "name"] = frame.loc[long, "name"].str[: MAX_TEXT - 1] + "…"
            names = [name or node_id for name, node_id in zip(frame["name"], names)]
        if "label" in frame:
            check_length(frame["label"], "label", "nodes")
            labels = frame["label"]
    return ids, names, labels, cut, first_cut


class _Buckets:
    """Rows of int64 appended to one of ``count`` files by key range, then read back one by one."""

    def __init__(self, folder: Path, name: str, count: int, width: int):
        self.paths = [folder / f"{name}-{k}.bin" for k in range(count)]
        self.files = [open(path, "wb") for path in self.paths]
        self.width = width

    def add(self, key: np.ndarray, rows: np.ndarray) -> None:
        """Append ``rows`` (M, k) int64, each to the bucket of its ``key``."""
        bucket = key // self.width
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(len(self.files) + 1))
        for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
            if b > a:
                self.files[k].write(np.ascontiguousarray(rows[order[a:b]]).tobytes())

    def discard(self) -> None:
        for file, path in zip(self.files, self.paths):
            file.close()
            path.unlink()

    def read(self, columns: int) -> Iterator[np.ndarray]:
        for file in self.files:
            file.close()
        for path in self.paths:
            rows = np.fromfile(path, dtype=np.int64).reshape(-1, columns)
            path.unlink()
            yield rows


def _array(path: Path, dtype, shape: tuple[int, ...]) -> np.ndarray:
    """A new ``.npy`` file mapped for writing (an empty array is saved as it is: an empty file
    cannot be mapped)."""
    if math.prod(shape) == 0:
        empty = np.zeros(shape, dtype=dtype)
        np.save(path, empty, allow_pickle=False)
        return empty
    return np.lib.format.open_memmap(path, "w+", dtype, shape)


def _flush(array: np.ndarray) -> None:
    if isinstance(array, np.memmap):
        array.flush()


def _bucket_count(rows: int, bytes_per_row: int, memory_mb: int) -> int:
    return int(min(MAX_BUCKETS, max(1, math.ceil(rows * bytes_per_row / (memory_mb * 2**20)))))


def build_pack(
    edges: str | Path,
    nodes: str | Path | None,
    out: str | Path,
    *,
    name: str = "csv",
    undirected: bool = True,
    seed: int = 0,
    chunk_rows: int = CHUNK_ROWS,
    memory_mb: int = 256,
) -> Path:
    """Write the pack of the graph in ``edges`` (and ``nodes``) to ``out``, out of core; the
    arguments are :func:`load_csv`'s. ``memory_mb`` bounds a bucket of edges held at once."""
    out = Path(out)
    edge_table = _Table(Path(edges), "edges", chunk_rows)
    for column in ("source", "target"):
        if column not in edge_table.columns:
            raise DatasetError(
                "the edges file needs column(s) source, target; found "
                + ", ".join(edge_table.columns)
            )
    if edge_table.empty:
        raise DatasetError("the edges file has a header but no rows; add one line per edge")
    if "graph" in edge_table.columns:
        raise DatasetError("the edges file names many graphs (a 'graph' column): a pack holds one")
    node_table = _Table(Path(nodes), "nodes", chunk_rows) if nodes is not None else None
    if node_table is not None:
        if {"graph", "graph_label"} & set(node_table.columns):
            raise DatasetError("the nodes file names many graphs: a pack holds one")
        features = [c for c in node_table.columns if c not in NODE_COLUMNS]
        if len(features) > MAX_COLUMNS:
            raise DatasetError(f"the nodes file has {len(features):,} feature columns; "
                               f"gatviz reads at most {MAX_COLUMNS:,}")  # fmt: skip
        ids, names, labels, cut, first_cut = _node_table(node_table)
    else:
        features, labels, cut, first_cut = [], None, 0, 0
        ids = pd.Series(_edge_ids(edge_table))
        names = ids.astype(str).tolist()
    if len(ids) > MAX_NODES:
        raise DatasetError(
            f"the graph has {len(ids):,} nodes; gatviz handles at most {MAX_NODES:,}"
        )
    check_empty(out)
    try:
        return _build(edge_table, node_table, ids, names, labels, features, cut, first_cut,
                      out, name, undirected, seed, memory_mb)  # fmt: skip
    except BaseException:
        for path in out.iterdir():  # the folder was empty: everything in it is this build's
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        raise


def _build(edge_table, node_table, ids, names, labels, features, cut, first_cut, out, name,
           undirected, seed, memory_mb) -> Path:  # fmt: skip
    n = len(ids)
    with tempfile.TemporaryDirectory(dir=out, prefix=".building-") as scratch:
        work = Path(scratch)
        num_edges, in_degree = _write_edges(edge_table, ids, n, undirected, out, work, memory_mb)
    shapes = {
        k: describe_array(np.load(out / f"{k}.npy", mmap_mode="r"))
        for k in ("edge_index", "in_ptr", "in_source", "in_edge_id")
    }
    feature_note = FEATURES_GIVEN
    if features:
        assert node_table is not None
        shapes["x"] = _write_features(node_table, features, n, out)
    else:
        x, feature_note = default_features(n, lambda: torch.from_numpy(in_degree))
        np.save(out / "x.npy", x.numpy(), allow_pickle=False)
        shapes["x"] = describe_array(x.numpy())
    class_names, y = class_labels(labels, n)
    masks = random_split(y, seed)
    for key, tensor in zip(("y", "train_mask", "val_mask", "test_mask"), (y, *masks)):
        array = tensor.numpy()
        np.save(out / f"{key}.npy", array, allow_pickle=False)
        shapes[key] = describe_array(array)
    write_names(out, names)
    description = describe(n, num_edges, undirected, feature_note, class_names, y, cut, first_cut)
    summary = SimpleNamespace(name=name, description=description, class_names=class_names,
                              num_nodes=n, num_edges=num_edges)  # fmt: skip
    write_manifest(out, summary, shapes)  # type: ignore[arg-type]
    return out


def _edge_ids(table: _Table) -> np.ndarray:
    """Without a nodes file: the distinct ids of the edges, in :func:`load_csv`'s order
    (sources then targets in order of appearance, or numeric order)."""

    def distinct(chunks: Iterator) -> dict[str, list]:
        seen: dict[str, list] = {"source": [], "target": []}
        for _, frame in _no_blanks(chunks, "edges"):  # distinct per chunk, then over all
            for column in seen:
                seen[column].append(pd.unique(frame[column]))
        return seen

    seen = _numbers_else_text(table, ["source", "target"], distinct)
    both = pd.Series(np.concatenate(seen["source"] + seen["target"]))
    return _ordered_ids(pd.Series(pd.unique(both), dtype=both.dtype))


def _write_edges(table, ids, n, undirected, out, work, memory_mb):
    """Steps 2-4: the deduplicated, sorted edge list and the in-edge index by target."""
    index = pd.Index(ids)
    text_index: pd.Index | None = None  # the ids as text, when one file's ids are text
    numeric = ids.dtype.kind in "iu"
    rows_guess = table.rows or max(1, table.path.stat().st_size // 4)  # >= 4 bytes a CSV row
    # A bucket of keys is held with its sorted copy: 16 bytes a key.
    count = _bucket_count(rows_guess * (2 if undirected else 1), 16, memory_mb)

    def bucket(chunks: Iterator) -> _Buckets:
        nonlocal text_index
        buckets = _Buckets(work, "edges", count, max(1, math.ceil(n * n / count)))
        try:
            for first, frame in chunks:
                mapped = []
                for column in ("source", "target"):
                    values, lookup = frame[column], index
                    if numeric != (values.dtype.kind in "iu"):  # compared as text, as load_csv
                        if text_index is None:
                            text_index = pd.Index(ids.astype(str))
                        values, lookup = values.astype(str), text_index
                    position = lookup.get_indexer(values)
                    unknown = (position < 0).nonzero()[0]
                    if unknown.size:
                        row = int(unknown[0])
                        if values.iloc[row] == "":
                            raise DatasetError(f"edges file line {_line(first + row)}: column "
                                               f"'{column}' is empty")  # fmt: skip
                        raise DatasetError(
                            f"edges file line {_line(first + row)}: {column} "
                            f"{_shown(frame[column].iloc[row])} is not an id in the nodes file"
                        )
                    mapped.append(position.astype(np.int64))
                source, target = mapped
                keep = source != target  # self-loops dropped, as load_csv drops them
                source, target = source[keep], target[keep]
                key = source * n + target
                if undirected:
                    key = np.concatenate([key, target * n + source])
                buckets.add(key, key.reshape(-1, 1))
        except _NotNumbers:
            buckets.discard()  # the run over text starts again with new buckets
            raise
        return buckets

    buckets = _numbers_else_text(table, ["source", "target"], bucket)
    # Step 3: each bucket sorted and deduplicated, appended in key order.
    parts = work / "sorted.bin"
    num_edges = 0
    with open(parts, "wb") as file:
        for rows in buckets.read(1):
            unique = np.unique(rows[:, 0])
            num_edges += unique.size
            file.write(unique.tobytes())
    edge_index = _array(out / "edge_index.npy", np.int64, (2, num_edges))
    keys = np.memmap(parts, np.int64, "r", shape=(num_edges,)) if num_edges else np.zeros(0, int)
    in_degree = np.zeros(n, dtype=np.int64)
    step = max(1, memory_mb * 2**20 // 96)  # edges a block: ~96 bytes of temporaries each
    for a in range(0, num_edges, step):
        block = np.asarray(keys[a : a + step])
        edge_index[0, a : a + block.size] = block // n
        edge_index[1, a : a + block.size] = block % n
        in_degree += np.bincount(block % n, minlength=n)
    # Step 4: the in-edge index, bucketed by target; within a target, by edge id.
    ptr = _array(out / "in_ptr.npy", np.int64, (n + 1,))
    ptr[0] = 0
    np.cumsum(in_degree, out=ptr[1:])
    count = _bucket_count(num_edges, 72, memory_mb)  # 24-byte rows, sorted by a copy
    by_target = _Buckets(work, "targets", count, max(1, math.ceil(n / count)))
    for a in range(0, num_edges, step):
        target = np.asarray(edge_index[1, a : a + step])
        source = np.asarray(edge_index[0, a : a + step])
        edge_id = np.arange(a, a + target.size, dtype=np.int64)
        by_target.add(target, np.stack([target, source, edge_id], axis=1))
    in_source = _array(out / "in_source.npy", np.int64, (num_edges,))
    in_edge_id = _array(out / "in_edge_id.npy", np.int64, (num_edges,))
    at = 0
    for rows in by_target.read(3):
        rows = rows[np.argsort(rows[:, 0], kind="stable")]  # edge ids were appended in order
        in_source[at : at + len(rows)] = rows[:, 1]
        in_edge_id[at : at + len(rows)] = rows[:, 2]
        at += len(rows)
    for array in (edge_index, ptr, in_source, in_edge_id):
        _flush(array)
    del keys
    return num_edges, in_degree


def _write_features(table: _Table, columns: list[str], n: int, out: Path) -> dict:
    """Step 5: the feature columns as float32, chunk by chunk, refusing what is not a finite
    number with its line and column (as :func:`load_csv` does)."""
    x = _array(out / "x.npy", np.float32, (n, len(columns)))

    def write(chunks: Iterator) -> None:
        for first, frame in chunks:
            block = numeric_features(frame, columns, first).numpy()
            x[first : first + len(block)] = block

    _numbers_else_text(table, columns, write)
    _flush(x)
    return describe_array(x)
