"""A user's own graph from CSV: an edge list and an optional node table.

Edges file: columns ``source`` and ``target`` (node ids, any text). Nodes file (optional): a column
``id``, optionally ``name`` and ``label``, and any other columns are numeric node features.
Problems are reported with the file, line and column to fix; nothing is evaluated or unpickled.

Without features, nodes get one-hot ids (small graphs) or one-hot degrees; without labels the graph
can still be explored with a model trained elsewhere.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO, Union

import pandas as pd
import torch
from torch_geometric.data import Data
from torch_geometric.utils import coalesce, remove_self_loops, to_undirected

from gatviz.datasets import GraphDataset, attach_split
from gatviz.errors import DatasetError
from gatviz.synthetic import degree_features

CsvSource = Union[str, Path, bytes, BinaryIO]
MAX_NODES = 200_000
MAX_EDGES = 2_000_000
ONE_HOT_LIMIT = 1000  # up to this many nodes, missing features become one-hot ids


def _read(source: CsvSource, what: str) -> pd.DataFrame:
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        frame = pd.read_csv(source, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise DatasetError(f"the {what} file is empty; it needs a header line and rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        raise DatasetError(f"the {what} file is not valid CSV: {error}".strip()) from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame.apply(lambda column: column.str.strip())


def _line(row: int) -> int:
    """CSV line of a 0-based data row: the header is line 1."""
    return row + 2


def _first_blank(frame: pd.DataFrame, column: str) -> int | None:
    blank = (frame[column] == "").to_numpy().nonzero()[0]
    return int(blank[0]) if blank.size else None


def _require_columns(frame: pd.DataFrame, needed: tuple[str, ...], what: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DatasetError(f"the {what} file needs column(s) {', '.join(missing)}; found "
                           f"{', '.join(frame.columns) or 'none'} (check the header line)")
    for column in needed:
        row = _first_blank(frame, column)
        if row is not None:
            raise DatasetError(f"{what} file line {_line(row)}: column '{column}' is empty")


def _ordered_ids(ids: pd.Series) -> list[str]:
    unique = list(dict.fromkeys(ids))
    if all(i.lstrip("-").isdigit() for i in unique):
        return sorted(unique, key=int)
    return unique


def load_csv(edges: CsvSource, nodes: CsvSource | None = None, *, name: str = "csv",
             undirected: bool = True, seed: int = 0) -> GraphDataset:
    """Build a :class:`GraphDataset` from an edge list and an optional node table.

    Args:
        edges: path, bytes or binary file of the edge list (``source,target``).
        nodes: the same for the node table (``id[,name][,label][,feature...]``). (default: None)
        name (str): dataset name shown in the app and stored in checkpoints. (default: "csv")
        undirected (bool): add the reverse of every edge, as citation graphs do. (default: True)
        seed (int): seeds the train/val/test split of the labelled nodes. (default: 0)
    """
    edge_frame = _read(edges, "edges")
    _require_columns(edge_frame, ("source", "target"), "edges")
    if edge_frame.empty:
        raise DatasetError("the edges file has a header but no rows; add one line per edge")
    if len(edge_frame) > MAX_EDGES:
        raise DatasetError(f"the edges file has {len(edge_frame):,} rows; gatviz handles at "
                           f"most {MAX_EDGES:,}")

    node_frame = None
    if nodes is not None:
        node_frame = _read(nodes, "nodes")
        _require_columns(node_frame, ("id",), "nodes")
        if node_frame.empty:
            raise DatasetError("the nodes file has a header but no rows; add one line per node")
        duplicated = node_frame["id"].duplicated().to_numpy().nonzero()[0]
        if duplicated.size:
            row = int(duplicated[0])
            raise DatasetError(f"nodes file line {_line(row)}: id '{node_frame['id'][row]}' "
                               "appears twice; ids must be unique")
        ids = list(node_frame["id"])
    else:
        ids = _ordered_ids(pd.concat([edge_frame["source"], edge_frame["target"]]))
    if len(ids) > MAX_NODES:
        raise DatasetError(f"the graph has {len(ids):,} nodes; gatviz handles at most "
                           f"{MAX_NODES:,}")

    index = {node_id: i for i, node_id in enumerate(ids)}
    for column in ("source", "target"):
        mapped = edge_frame[column].map(index)
        unknown = mapped.isna().to_numpy().nonzero()[0]
        if unknown.size:
            row = int(unknown[0])
            raise DatasetError(f"edges file line {_line(row)}: {column} "
                               f"'{edge_frame[column][row]}' is not an id in the nodes file")
        edge_frame[column + "_index"] = mapped.astype("int64")

    n = len(ids)
    edge_index = torch.tensor(edge_frame[["source_index", "target_index"]].to_numpy().T)
    edge_index, _ = remove_self_loops(edge_index)
    edge_index = to_undirected(edge_index, num_nodes=n) if undirected else coalesce(edge_index,
                                                                                   num_nodes=n)

    names, labels, x = list(ids), None, None
    if node_frame is not None:
        if "name" in node_frame.columns:
            names = [name or node_id for name, node_id in zip(node_frame["name"], ids)]
        if "label" in node_frame.columns:
            labels = list(node_frame["label"])
        feature_columns = [c for c in node_frame.columns if c not in ("id", "name", "label")]
        if feature_columns:
            x = _numeric_features(node_frame, feature_columns)

    feature_note = "features from the nodes file"
    if x is None:
        if n <= ONE_HOT_LIMIT:
            x, feature_note = torch.eye(n), "one-hot node ids as features (none were given)"
        else:
            x, feature_note = degree_features(edge_index, n), "one-hot degrees as features"

    class_names: list[str] = []
    y = torch.full((n,), -1, dtype=torch.long)
    if labels is not None:
        class_names = _ordered_ids(pd.Series([label for label in labels if label]))
        position = {label: c for c, label in enumerate(class_names)}
        y = torch.tensor([position.get(label, -1) for label in labels], dtype=torch.long)
    data = attach_split(Data(x=x, edge_index=edge_index, y=y, num_nodes=n), seed)
    labelled = int((y >= 0).sum())
    label_note = (f"{labelled} of {n} nodes labelled with {len(class_names)} classes"
                  if class_names else
                  "no labels: explore the attention of a model trained elsewhere on the same "
                  "features, or add a label column to train here")
    description = (f"Your graph from CSV: {n} nodes and {edge_index.size(1)} directed edges"
                   f"{' (each edge in both directions)' if undirected else ''}; {feature_note}; "
                   f"{label_note}.")
    return GraphDataset(name, data, class_names, names, description)


def _numeric_features(frame: pd.DataFrame, columns: list[str]) -> torch.Tensor:
    values = frame[columns].apply(pd.to_numeric, errors="coerce")
    bad = values.isna().to_numpy()
    if bad.any():
        row, col = (int(i[0]) for i in bad.nonzero())
        raise DatasetError(f"nodes file line {_line(row)}, column '{columns[col]}': "
                           f"'{frame[columns[col]][row]}' is not a number (feature columns must "
                           "be numeric; rename it to 'name' or 'label' if it is not a feature)")
    return torch.tensor(values.to_numpy(dtype="float32"))
