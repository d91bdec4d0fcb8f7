"""A graph as a folder of memory-mapped arrays: ``gatviz pack`` writes it, :func:`load_pack`
opens it without reading it.

A pack holds one node-classification graph: ``pack.json`` (the format version, the name, the
class names, and each array's shape and dtype) and one ``.npy`` file per array: the edge list,
the in-edge index by target (CSR: ``in_ptr``, ``in_source``, ``in_edge_id``, what sampling and
the views read), the features, the labels and the split masks, and the node names as text.
:func:`load_pack` opens every array with ``np.load(mmap_mode="r")``: the operating system pages
them in as they are read, and processes that open the same pack (the ranks of a data-parallel
job on one machine) share one copy through the page cache. Nothing is unpickled
(``allow_pickle=False``); a pack from another format version, a missing or truncated file, or
arrays that disagree with each other are refused with the reason.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Data

from gatviz.datasets import GraphDataset
from gatviz.errors import DatasetError
from gatviz.neighbourhood import InEdges

FORMAT, VERSION = "gatviz-pack", 1
MANIFEST = "pack.json"
ARRAYS = ("edge_index", "in_ptr", "in_source", "in_edge_id", "x", "y",
          "train_mask", "val_mask", "test_mask")  # fmt: skip
MAX_MANIFEST_BYTES = 64 * 2**20  # class names and arrays' shapes: a few kB in a real pack


def write_pack(dataset: GraphDataset, folder: str | Path) -> Path:
    """Write ``dataset`` (one graph, node classification) as a pack in ``folder`` (created;
    must be empty or absent)."""
    folder = Path(folder)
    if dataset.num_graphs != 1 or dataset.task != "node":
        raise DatasetError(
            f"a pack holds one graph for node classification; {dataset.name} is "
            f"{dataset.num_graphs} graph(s) with task {dataset.task}"
        )
    check_empty(folder)
    data, index = dataset.data, dataset.in_edges
    arrays: dict[str, Tensor] = {
        "edge_index": data.edge_index,
        "in_ptr": index.ptr,
        "in_source": index.source,
        "in_edge_id": index.edge_id,
        "x": data.x.to_dense() if data.x.layout != torch.strided else data.x,
        "y": data.y,
        "train_mask": data.train_mask,
        "val_mask": data.val_mask,
        "test_mask": data.test_mask,
    }
    shapes = {}
    for name, tensor in arrays.items():
        array = tensor.contiguous().numpy()
        np.save(folder / f"{name}.npy", array, allow_pickle=False)
        shapes[name] = describe_array(array)
    write_names(folder, dataset.node_names)
    write_manifest(folder, dataset, shapes)
    return folder


def describe_array(array: np.ndarray) -> dict:
    """An array's entry in the manifest."""
    return {"shape": list(array.shape), "dtype": array.dtype.str}


def write_names(folder: Path, names: list[str]) -> None:
    (folder / "node_names.txt").write_text(
        "".join(_one_line(name) + "\n" for name in names), encoding="utf-8"
    )


def write_manifest(folder: Path, dataset: GraphDataset, shapes: dict) -> None:
    """Written last: a pack whose writing stopped half-way has no manifest and is refused.
    ``dataset`` may be any object with the dataset's name, description, class names and
    sizes."""
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "name": dataset.name,
        "description": dataset.description,
        "class_names": list(dataset.class_names),
        "num_nodes": dataset.num_nodes,
        "num_edges": dataset.num_edges,
        "arrays": shapes,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def check_empty(folder: Path) -> None:
    """Refuse a folder that already holds files; create it otherwise."""
    if folder.exists() and any(folder.iterdir()):
        raise DatasetError(f"{folder} is not empty: give a new folder for the pack")
    folder.mkdir(parents=True, exist_ok=True)


def _one_line(name: str) -> str:
    return name.replace("\r", " ").replace("\n", " ")


def load_pack(folder: str | Path) -> GraphDataset:
    """The dataset a pack holds, its arrays memory-mapped (read-only) rather than read."""
    folder = Path(folder)
    manifest = _manifest(folder)
    n, e = manifest["num_nodes"], manifest["num_edges"]
    arrays = {name: _open(folder, name, manifest["arrays"].get(name)) for name in ARRAYS}
    expected = {
        "edge_index": (2, e),
        "in_ptr": (n + 1,),
        "in_source": (e,),
        "in_edge_id": (e,),
        "y": (n,),
        "train_mask": (n,),
        "val_mask": (n,),
        "test_mask": (n,),
    }
    for name, shape in expected.items():
        if tuple(arrays[name].shape) != shape:
            raise DatasetError(
                f"{folder}: {name}.npy has shape {tuple(arrays[name].shape)}, but a graph of "
                f"{n:,} nodes and {e:,} edges needs {shape}: the pack is inconsistent; rebuild it"
            )
    if arrays["x"].ndim != 2 or arrays["x"].shape[0] != n:
        raise DatasetError(f"{folder}: x.npy must have one row per node ({n:,})")
    if n and int(arrays["in_ptr"][-1]) != e:
        raise DatasetError(f"{folder}: the in-edge index does not end at {e:,} edges; rebuild it")
    names = (folder / "node_names.txt").read_text(encoding="utf-8").split("\n")[:n]
    if len(names) != n:
        raise DatasetError(f"{folder}: node_names.txt has {len(names):,} names for {n:,} nodes")
    tensors = {name: _tensor(array) for name, array in arrays.items()}
    data = Data(
        x=tensors["x"],
        edge_index=tensors["edge_index"],
        y=tensors["y"],
        train_mask=tensors["train_mask"],
        val_mask=tensors["val_mask"],
        test_mask=tensors["test_mask"],
        num_nodes=n,
    )
    dataset = GraphDataset(
        name=str(manifest["name"]),
        data=data,
        class_names=[str(c) for c in manifest["class_names"]],
        node_names=names,
        description=str(manifest.get("description", "")),
    )
    # The index was built when the pack was written: the cached property is filled, not rebuilt.
    dataset.__dict__["in_edges"] = InEdges(
        tensors["in_ptr"], tensors["in_source"], tensors["in_edge_id"]
    )
    return dataset


MAX_LISTED = 500  # packs listed from one folder


def packs_in(root: str | Path) -> list[str]:
    """The names of the packs in ``root``: its sub-folders that hold a manifest (sorted, at
    most MAX_LISTED). The app offers these by name, so that no path is typed into it."""
    root = Path(root)
    if not root.is_dir():
        return []
    names = sorted(p.name for p in root.iterdir() if (p / MANIFEST).is_file())
    return names[:MAX_LISTED]


def _manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        raise DatasetError(
            f"{folder} is not a gatviz pack (no {MANIFEST}; a pack whose writing stopped half-way "
            "has none): write it with `python -m gatviz pack`"
        )
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise DatasetError(f"{path} is larger than a pack's manifest can be")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DatasetError(f"{path} is not valid JSON ({error}); rebuild the pack") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DatasetError(f"{path} is not a gatviz pack's manifest")
    if manifest.get("version") != VERSION:
        raise DatasetError(
            f"{folder} was written by another version of gatviz (pack format "
            f"{manifest.get('version')!r}; this one reads {VERSION}): rebuild it with "
            "`python -m gatviz pack`"
        )
    for key, kind in (("num_nodes", int), ("num_edges", int), ("arrays", dict),
                      ("class_names", list), ("name", str)):  # fmt: skip
        if not isinstance(manifest.get(key), kind) or isinstance(manifest.get(key), bool):
            raise DatasetError(f"{path}: {key!r} is missing or not a {kind.__name__}")
    if manifest["num_nodes"] < 0 or manifest["num_edges"] < 0:
        raise DatasetError(f"{path}: negative sizes")
    return manifest


def _open(folder: Path, name: str, described: object) -> np.ndarray:
    path = folder / f"{name}.npy"
    if not path.is_file():
        raise DatasetError(f"{folder}: {name}.npy is missing; rebuild the pack")
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as error:  # a truncated file cannot be mapped
        raise DatasetError(
            f"{folder}: {name}.npy cannot be read as an array ({error}): it is truncated or "
            "damaged; rebuild the pack"
        ) from error
    if (
        not isinstance(described, dict)
        or list(array.shape) != described.get("shape")
        or (array.dtype.str != described.get("dtype"))
    ):
        raise DatasetError(
            f"{folder}: {name}.npy holds {array.dtype.str} {list(array.shape)}, not what "
            f"{MANIFEST} says ({described}); rebuild the pack"
        )
    return array


def _tensor(array: np.ndarray) -> Tensor:
    """A tensor over the mapped pages (no copy). Read-only: PyTorch warns that it cannot mark
    the tensor so, and gatviz never writes into a dataset's arrays."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return torch.from_numpy(array)
