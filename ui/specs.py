"""Which dataset: its spec (a hashable description that session state keeps), its cached
load, and the link that rebuilds it with a model."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import streamlit as st

from gatviz.csv_graph import load_csv
from gatviz.datasets import DATASETS, DOWNLOADED, GraphDataset, load_dataset
from gatviz.errors import GatvizError
from gatviz.links import CSV, PACK, Link
from gatviz.pack import load_pack, packs_in
from ui.keys import DATASET, UPLOADS
from ui.records import ModelRecord
from ui.state import models

NAMED_DATASETS = list(DATASETS)
PACKS_ENV = "GATVIZ_PACKS"  # a folder of packs (gatviz pack) this server offers by name


def _pack_root() -> Path | None:
    root = os.environ.get(PACKS_ENV, "").strip()
    return Path(root) if root else None


def server_packs() -> list[str]:
    """The packs in the folder $GATVIZ_PACKS names (none when it is unset)."""
    root = _pack_root()
    return packs_in(root) if root else []


def spec_for(name: str, **params) -> tuple:
    """A hashable description of a dataset; it is the cache key and what session state keeps.
    Parameters left out take their defaults, so equal datasets have equal specs."""
    if name in DOWNLOADED:
        return (name, params.get("root") or "")
    return (name, Link.for_dataset(name, **params).data_params)


def link_for(spec: tuple, record: ModelRecord | None = None) -> Link:
    """The link that rebuilds a dataset and (given) a model."""
    if spec[0] in (CSV, PACK):
        link = Link(spec[0], csv_name=spec[1])
    elif spec[0] in DOWNLOADED:
        link = Link.for_dataset(spec[0])  # the download directory is this server's business
    else:
        link = Link(spec[0], spec[1])
    if record is None:
        return link
    return link.with_model(
        record.name, record.model_config, record.effective_train_config, record.source
    )


def csv_spec(name: str, edges: bytes, nodes: bytes | None, graphs: bytes | None = None) -> tuple:
    """The spec of a graph uploaded as files: its name and the files' SHA-256 digests. The
    bytes stay in this session (UPLOADS), out of the spec: Streamlit hashes a cached call's
    arguments on every call, which for a 10-million-edge upload cost a second per rerun."""
    uploads = st.session_state.setdefault(UPLOADS, {})
    digests = []
    for data in (edges, nodes, graphs):
        digest = None if data is None else hashlib.sha256(data).hexdigest()
        if digest is not None:
            uploads[digest] = data
        digests.append(digest)
    spec = ("csv", name, *digests)
    # Keep only the files that the current dataset, this spec or a model still refers to.
    specs = [spec, st.session_state.get(DATASET, ())] + [
        record.dataset_spec for record in models().values()
    ]
    used = {digest for kept in specs if kept[:1] == ("csv",) for digest in kept[2:]}
    for digest in set(uploads) - used:
        del uploads[digest]
    return spec


def load_spec(spec: tuple) -> GraphDataset:
    if spec[0] == "csv":
        uploads = st.session_state.get(UPLOADS, {})
        if spec[2] not in uploads:
            raise GatvizError(
                f"this session no longer holds the files of {spec[1]}; upload "
                "them again on the Dataset page"
            )
        return _load_csv(
            spec,
            uploads[spec[2]],
            uploads.get(spec[3]),
            uploads.get(spec[4]) if len(spec) > 4 else None,
        )
    if spec[0] == PACK:
        return _load_pack(spec)
    return _load_named(spec)


@st.cache_resource(show_spinner="Opening the pack…", max_entries=8)
def _load_pack(spec: tuple) -> GraphDataset:
    """A pack from $GATVIZ_PACKS, by name: memory-mapped, so the server holds only the pages
    that the views read."""
    root = _pack_root()
    if root is None or spec[1] not in packs_in(root):
        raise GatvizError(
            f"this server has no pack named {spec[1][:80]!r} (its pack folder is set by "
            f"${PACKS_ENV})"
        )
    return load_pack(root / spec[1])


@st.cache_resource(show_spinner="Loading the dataset…", max_entries=8)
def _load_csv(
    spec: tuple, _edges: bytes, _nodes: bytes | None, _graphs: bytes | None = None
) -> GraphDataset:
    """Cached by the spec, whose digests stand for the files' bytes (not hashed again)."""
    return load_csv(_edges, _nodes, name=spec[1], graphs=_graphs)


@st.cache_resource(show_spinner="Loading the dataset…", max_entries=8)
def _load_named(spec: tuple) -> GraphDataset:
    kind = spec[0]
    if kind in DOWNLOADED:
        return load_dataset(kind, root=Path(spec[1]) if spec[1] else None)
    return load_dataset(kind, **dict(spec[1]))
