"""What the app's pages share: session-state keys, cached library calls and the status sidebar.

The only module besides the pages that imports streamlit. Pages stay linear: controls -> a call
here (cached) -> render.
"""
from __future__ import annotations

import copy
import ctypes
import hashlib
import os
import re
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import pandas as pd
import streamlit as st
import torch
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from gatviz.analysis import compare_attention, kl_by_head, node_divergence
from gatviz.attention import (attention_table, dataset_attention, explain_alpha,
                              neighbourhood_attention)
from gatviz.checkpoint import checkpoint_bytes
from gatviz.config import ModelConfig, TrainConfig
from gatviz.csv_graph import load_csv
from gatviz.datasets import DATASETS, DEFAULT_DATASET, DOWNLOADED, GraphDataset, load_dataset
from gatviz.errors import GatvizError
from gatviz.intervention import deletion_curves
from gatviz.limits import WHOLE_ATTENTION_EDGES
from gatviz.links import CSV, Link, is_link_key, link_from_query
from gatviz.model import GAT, LayerAttention
from gatviz.overlay import OverlayOptions, overlay_html
from gatviz.report import AnalysisReport, analyze
from gatviz.tasks import METRIC_NAMES, TASK_NAMES
from gatviz.training import EpochStats, Snapshot, predict, train

# Session-state keys.
DATASET = "dataset_spec"  # tuple describing the loaded dataset (see load_spec)
MODELS = "models"  # name -> ModelRecord, every model trained or loaded in this session
MODEL = "model_name"  # the model the Attention page shows
TRAIN_PICK = "train_model_pick"  # the Train page's model selectbox
ATTENTION_PICK = "att_model"  # the Attention page's model selectbox
ANALYSIS_PICK = "analysis_model"  # the Analysis page's model selectbox
SELECT_NEXT = "select_next"  # {"name": model} that every picker shows from the next run on
COMPARE_PICKS = ("compare_a", "compare_b")  # the Compare page's two model selectboxes
LINK_NOTES = "link_notes"  # what the link this session was opened with could not bring back
LINK_PENDING = "link_pending"  # the link's model, when it has to be trained again
UPLOADS = "uploads"  # SHA-256 digest -> bytes of the files this session uploaded

NAMED_DATASETS = list(DATASETS)

# The app trains while the server and the browser draw on the same cores, and PyTorch's default
# of one busy-waiting thread per core fights them for the CPU. The library leaves PyTorch's
# settings to its caller; the app chooses its own: $GATVIZ_APP_THREADS threads (default 1;
# 0 keeps PyTorch's default). bench/app_latency.py measures both.
APP_THREADS = int(os.environ.get("GATVIZ_APP_THREADS", "1"))
if APP_THREADS > 0:
    torch.set_num_threads(APP_THREADS)


def _fewer_malloc_arenas(arenas: int = 2) -> None:
    """Streamlit runs every rerun in a new thread, and glibc gives threads their own memory
    arenas (up to 8 per core), each keeping what was freed in it: the server's resident memory
    grows with reruns. Two arenas keep it near what is in use (bench/app_latency.py). Where
    the C library is not glibc, nothing changes."""
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # -8: M_ARENA_MAX
    except (OSError, AttributeError):
        pass


_fewer_malloc_arenas()


@dataclass
class ModelRecord:
    """A trained model with what the pages show of it, computed once."""

    name: str
    dataset_spec: tuple
    model: GAT
    train_config: TrainConfig
    metrics: dict
    history: list[EpochStats] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    snapshot_note: str = ""
    note: str = ""  # how training ended, when it was not the usual way
    attention: list[LayerAttention] = field(default_factory=list)
    pred: torch.Tensor | None = None
    prob: torch.Tensor | None = None
    source: str = "trained"  # 'trained' here, or CHECKPOINT (a file a link cannot carry)
    stopped: bool = False  # training was stopped before its last epoch
    # Analyses computed on demand, kept with the model: they live and die with this session.
    derived: dict = field(default_factory=dict)
    # Names the model's weights in caches shared by the server's sessions: fresh for every
    # model trained or loaded, the same for the copies of one model from the shared cache.
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def model_config(self) -> ModelConfig:
        return self.model.config

    @property
    def effective_train_config(self) -> TrainConfig:
        """The settings that rebuild these weights: a stopped run counts the epochs it ran."""
        ran = len(self.history)
        if self.stopped and 0 < ran < self.train_config.epochs:
            return replace(self.train_config, epochs=ran)
        return self.train_config

    def derive(self, key: tuple, compute: Callable):
        """``compute()`` the first time ``key`` is asked for, the stored value after that."""
        if key not in self.derived:
            self.derived[key] = compute()
        return self.derived[key]


def spec_for(name: str, **params) -> tuple:
    """A hashable description of a dataset; it is the cache key and what session state keeps.
    Parameters left out take their defaults, so equal datasets have equal specs."""
    if name in DOWNLOADED:
        return (name, params.get("root") or "")
    return (name, Link.for_dataset(name, **params).data_params)


def link_for(spec: tuple, record: ModelRecord | None = None) -> Link:
    """The link that rebuilds a dataset and (given) a model."""
    if spec[0] == CSV:
        link = Link(CSV, csv_name=spec[1])
    elif spec[0] in DOWNLOADED:
        link = Link.for_dataset(spec[0])  # the download directory is this server's business
    else:
        link = Link(spec[0], spec[1])
    if record is None:
        return link
    return link.with_model(record.name, record.model_config, record.effective_train_config,
                           record.source)


def csv_spec(name: str, edges: bytes, nodes: bytes | None, graphs: bytes | None = None
             ) -> tuple:
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
    specs = [spec, st.session_state.get(DATASET, ())] + \
        [record.dataset_spec for record in models().values()]
    used = {digest for kept in specs if kept[:1] == ("csv",) for digest in kept[2:]}
    for digest in set(uploads) - used:
        del uploads[digest]
    return spec


def load_spec(spec: tuple) -> GraphDataset:
    if spec[0] == "csv":
        uploads = st.session_state.get(UPLOADS, {})
        if spec[2] not in uploads:
            raise GatvizError(f"this session no longer holds the files of {spec[1]}; upload "
                              "them again on the Dataset page")
        return _load_csv(spec, uploads[spec[2]], uploads.get(spec[3]),
                         uploads.get(spec[4]) if len(spec) > 4 else None)
    return _load_named(spec)


@st.cache_resource(show_spinner="Loading the dataset…", max_entries=8)
def _load_csv(spec: tuple, _edges: bytes, _nodes: bytes | None,
              _graphs: bytes | None = None) -> GraphDataset:
    """Cached by the spec, whose digests stand for the files' bytes (not hashed again)."""
    return load_csv(_edges, _nodes, name=spec[1], graphs=_graphs)


@st.cache_resource(show_spinner="Loading the dataset…", max_entries=8)
def _load_named(spec: tuple) -> GraphDataset:
    kind = spec[0]
    if kind in DOWNLOADED:
        return load_dataset(kind, root=Path(spec[1]) if spec[1] else None)
    return load_dataset(kind, **dict(spec[1]))


def current_spec() -> tuple:
    """The session's dataset: from session state, else from the link it was opened with."""
    if DATASET not in st.session_state:
        open_link()
    return st.session_state[DATASET]


def current_dataset() -> GraphDataset:
    return load_spec(current_spec())


def set_dataset(spec: tuple) -> GraphDataset:
    """Load ``spec`` and make it current; on error the previous dataset stays (and it raises)."""
    dataset = load_spec(spec)
    st.session_state[DATASET] = spec
    st.session_state.pop(LINK_NOTES, None)  # the user has chosen: the link's notes are old
    record = current_model(spec)
    write_link(spec, record)
    show_status(dataset, record)
    return dataset


def models() -> dict[str, ModelRecord]:
    return st.session_state.setdefault(MODELS, {})


def models_for(spec: tuple) -> dict[str, ModelRecord]:
    return {name: record for name, record in models().items() if record.dataset_spec == spec}


def whole_attention(dataset: GraphDataset) -> bool:
    """Whether the app computes α for the whole graph (else around the node in view)."""
    return dataset.num_edges <= WHOLE_ATTENTION_EDGES


def prepare(record: ModelRecord, dataset: GraphDataset) -> None:
    """What the views need of a model, computed once: its predictions for every node and, on
    graphs up to WHOLE_ATTENTION_EDGES edges, every layer's α."""
    record.pred, record.prob = predict(record.model, dataset)
    record.attention = dataset_attention(record.model, dataset) if whole_attention(dataset) \
        else []


def require_whole_attention(dataset: GraphDataset, what: str) -> None:
    """Stop a page that needs every α of the graph when the graph is too big for that."""
    if not whole_attention(dataset):
        st.info(f"{as_text(dataset.name)} has {dataset.num_edges:,} edges, more than the "
                f"{WHOLE_ATTENTION_EDGES:,} whose attention the app computes for the whole graph "
                f"at once (GATVIZ_WHOLE_ATTENTION_EDGES), which {what} needs. The **Attention** "
                "page shows exact α around any node; `python -m gatviz analyze` measures the "
                "whole graph outside the browser.")
        st.stop()


LOCAL_VIEWS = 16  # neighbourhoods whose α a model keeps on a big graph (the latest first)


def view_attention(record: ModelRecord, dataset: GraphDataset, node: int | None,
                   hops: int) -> list[LayerAttention]:
    """Every layer's α for a view: the whole graph's when the app keeps it, else α on the
    edges into the nodes within ``hops`` of ``node``, computed from their receptive field
    (exact) and kept for the latest LOCAL_VIEWS views."""
    if record.attention:
        return record.attention
    if node is None:
        raise GatvizError(f"{dataset.name} has {dataset.num_edges:,} edges, more than the "
                          f"{WHOLE_ATTENTION_EDGES:,} whose attention the app computes at once; "
                          "pick a node and view its neighbourhood")
    views = record.derive(("views",), OrderedDict)
    key = (node, hops)
    if key not in views:
        local = neighbourhood_attention(record.model, dataset, node, hops)
        near = local.nodes[local.distance <= hops]
        inside = torch.zeros(dataset.num_nodes, dtype=torch.bool)
        inside[near] = True
        # Only the edges into the view's nodes: exact, and all that a view or its table uses.
        views[key] = [LayerAttention(edges[:, inside[edges[1]]], alpha[inside[edges[1]]])
                      for edges, alpha in local.attention]
        while len(views) > LOCAL_VIEWS:
            views.popitem(last=False)
    views.move_to_end(key)
    return views[key]


def add_model(record: ModelRecord, dataset: GraphDataset,
              session: tuple[dict, dict] | None = None) -> ModelRecord:
    """Compute what the views need once (attention, predictions), keep the model and make it
    the current one on every page.

    ``session`` is (:func:`models`, :func:`selection`) fetched earlier, for when session state
    can no longer be read: after a stop request, Streamlit raises on every access to it.
    """
    if record.pred is None:
        prepare(record, dataset)
    store, pending = session or (models(), selection())
    store[record.name] = record
    pending["name"] = record.name  # the pickers follow at the start of the next run
    if session is None:
        st.session_state.pop(LINK_PENDING, None)
        select_pending()
        show_status(dataset, record)
    return record


def selection() -> dict:
    """The model every picker should show next; see :func:`select_pending`."""
    return st.session_state.setdefault(SELECT_NEXT, {})


def select_pending() -> None:
    """Make a newly added model the current one, including in the pickers' widget state (which
    can only be set before the pickers are drawn in a run).

    A run that interrupted a training (Stop, or any click) starts while the interrupted one is
    still storing its model: it waits for that first, so that the model is there to show.
    """
    pending = selection()
    training = pending.get("training")
    if training is not None:
        training.wait(timeout=TRAINING_WIND_DOWN_SECONDS)
        pending.pop("training", None)
    name = pending.pop("name", None)
    if name is not None:
        for key in (MODEL, TRAIN_PICK, ATTENTION_PICK, ANALYSIS_PICK):
            st.session_state[key] = name


# Links ------------------------------------------------------------------------------------------

SHARED_MODELS_MB = float(os.environ.get("GATVIZ_SHARED_MODELS_MB", "100"))


class SharedModels:
    """Models trained on this server that any session may reopen through a link, keyed by
    :meth:`Link.key` (dataset and settings). Only models a link can rebuild are kept (never a
    CSV graph's or a checkpoint's), and the least recently used go first once they hold more
    than ``budget`` bytes.

    The store keeps its own copy of each model and hands every session another: a session
    may hook a model for a moment (the uniform-attention knockout does), which must not reach
    a model another session is running. α, predictions and snapshots are shared as they are
    (nothing writes to them).
    """

    def __init__(self, budget: float):
        self.budget = budget
        self._records: OrderedDict[tuple, tuple[ModelRecord, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, spec: tuple, name: str, note: str = "") -> ModelRecord | None:
        """A session's copy of the model stored under ``key``, named ``name``, on the session's
        dataset ``spec`` (the same graph: a Planetoid spec also names the directory the
        session read it from)."""
        with self._lock:
            if key not in self._records:
                return None
            self._records.move_to_end(key)
            stored = self._records[key][0]
        return replace(stored, name=name, dataset_spec=spec, note=note or stored.note,
                       model=copy.deepcopy(stored.model), derived={})

    def put(self, key: tuple, record: ModelRecord) -> None:
        size = record_bytes(record)
        if size > self.budget:
            return
        stored = replace(record, model=copy.deepcopy(record.model), derived={})
        with self._lock:
            self._records[key] = (stored, size)
            self._records.move_to_end(key)
            while sum(size for _, size in self._records.values()) > self.budget:
                self._records.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        return len(self._records)


def record_bytes(record: ModelRecord) -> int:
    """Memory held by a model's tensors: weights, α (with its snapshots) and predictions."""
    tensors = list(record.model.state_dict().values()) + [record.pred, record.prob]
    for layers in [record.attention] + [snapshot.attention for snapshot in record.snapshots]:
        for layer in layers:
            tensors += [layer.edge_index, layer.alpha]
    storages = {}
    for tensor in tensors:
        if tensor is not None:
            storage = tensor.untyped_storage()
            storages[storage.data_ptr()] = storage.nbytes()
    return sum(storages.values())


@st.cache_resource(show_spinner=False)
def shared_models() -> SharedModels:
    return SharedModels(SHARED_MODELS_MB * 2**20)


@st.cache_resource(show_spinner=False)
def training_lock() -> threading.Lock:
    """One training at a time on this server: seeding sets PyTorch's global random state, so
    two trainings at once would draw each other's dropout masks and neither would repeat."""
    return threading.Lock()


def share(record: ModelRecord, store: SharedModels | None = None) -> None:
    """Keep a model for links opened in other sessions, when a link can rebuild it."""
    link = link_for(record.dataset_spec, record)
    if link.rebuildable:
        (store or shared_models()).put(link.key(), record)


def open_link() -> None:
    """Start this session from the URL it was opened with: its dataset, and its model when
    this server still has it; else the model is offered for training again (LINK_PENDING).
    What the link cannot bring back is said on the page (LINK_NOTES)."""
    link, notes = link_from_query(st.query_params.to_dict())
    spec = spec_for(link.dataset, **dict(link.data_params))
    try:
        load_spec(spec)
    except GatvizError as error:
        notes.append(f"The link's dataset could not be loaded ({error}); showing "
                     f"{DEFAULT_DATASET} instead.")
        spec, link = spec_for(DEFAULT_DATASET), Link()
    st.session_state[DATASET] = spec
    st.session_state[LINK_NOTES] = notes
    if link.rebuildable:
        shared = shared_models().get(link.key(), spec, link.model_name)
        if shared is None:
            st.session_state[LINK_PENDING] = link
        else:
            models()[link.model_name] = shared
            selection()["name"] = link.model_name


def pending_link(spec: tuple) -> Link | None:
    """The model the session's link asked for, when it has to be trained again."""
    link = st.session_state.get(LINK_PENDING)
    return link if link is not None and link_for(spec).key()[:2] == link.key()[:2] else None


def write_link(spec: tuple, record: ModelRecord | None) -> None:
    """Make the URL rebuild ``spec`` and ``record``; the page's own view keys are left alone."""
    link = (pending_link(spec) if record is None else None) or link_for(spec, record)
    wanted = link.to_query()
    for key in [key for key in st.query_params if is_link_key(key) and key not in wanted]:
        del st.query_params[key]
    changed = {key: value for key, value in wanted.items() if st.query_params.get(key) != value}
    if changed:
        st.query_params.update(changed)


def from_query(key: str, state_key: str, parse: Callable[[str], object], default) -> None:
    """Seed a widget's state from the URL's ``key`` once per session (``default`` when it is
    missing or ``parse`` raises ValueError or TypeError), so a link reopens the same view."""
    if state_key not in st.session_state:
        query = st.query_params
        try:
            st.session_state[state_key] = parse(query[key]) if key in query else default
        except (ValueError, TypeError):
            st.session_state[state_key] = default


def write_view(values: dict, defaults: dict) -> None:
    """Put a page's view controls in the URL; those at their default are left out."""
    query = st.query_params
    for key, value in values.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if key in defaults and value == defaults[key]:
            if key in query:
                del query[key]
        elif query.get(key) != text:
            query[key] = text


MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:^=&])")


AUTOLINKS = re.compile(r"(?i)(https?|ftp|mailto|www|@)")  # where GFM starts a bare link
WORD_JOINER = "\u2060"  # invisible; splits "http://", "www." and "a@b" so none becomes a link


def as_text(text: str) -> str:
    """``text`` escaped for Streamlit's markdown, so that it shows as typed: text from a URL
    or a file is data, never markup (nor a link: bare URLs are autolinked after escapes)."""
    escaped = MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(str(text).split()))
    return AUTOLINKS.sub(lambda match: match.group(1) + WORD_JOINER, escaped)


def current_model(spec: tuple) -> ModelRecord | None:
    available = models_for(spec)
    if not available:
        return None
    name = st.session_state.get(MODEL) or st.query_params.get("model")
    return available.get(name) or list(available.values())[-1]


REUSED = ("Trained earlier on this server with the same settings and seed, which give the same "
          "weights: reused.")
LIVE_UPDATE_SECONDS = 0.5  # how often the progress bar and the live curves are redrawn
TRAINING_WIND_DOWN_SECONDS = 60  # the most a new run waits for an interrupted training
LOSS_COLUMNS, ACCURACY_COLUMNS = ["train_loss", "val_loss"], ["train_acc", "val_acc", "test_acc"]
CURVE_HEIGHT = 160  # pixels of a curve chart's plot area


def curves_spec(rows: list[dict], columns: list[str], height: int) -> dict:
    """A Vega-Lite line chart of ``columns`` over ``epoch``, one line per column.

    Written by hand rather than with ``st.line_chart``, which builds and validates an altair
    chart on every call: 0.25 s a redraw of the live curves here, most of the cost of
    training in the app."""
    values = [{"epoch": row["epoch"], "series": column, "value": row[column]}
              for row in rows for column in columns if row[column] == row[column]]  # no NaN
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            # Fit the width only: Streamlit's default here squeezed the plot into what the
            # legend and axis titles left of ``height``.
            "autosize": {"type": "fit-x", "contains": "padding"},
            "data": {"values": values}, "height": height, "mark": {"type": "line"},
            "encoding": {
                "x": {"field": "epoch", "type": "quantitative"},
                "y": {"field": "value", "type": "quantitative", "title": None},
                "color": {"field": "series", "type": "nominal", "sort": columns, "title": None,
                          "legend": {"orient": "top", "direction": "horizontal"}},
                "tooltip": [{"field": "epoch", "type": "quantitative"},
                            {"field": "series", "type": "nominal"},
                            {"field": "value", "type": "quantitative", "format": ".3f"}]}}


ALPHA_RANGE = ["#cfd8e3", "#f4a259", "#b3001b"]  # the overlay's α colours, low to high


def incoming_bars_spec(long: pd.DataFrame, order: list[str], height: int) -> dict:
    """Vega-Lite grouped bars of α (``from``, ``head``, ``α`` columns): one group per
    neighbour in ``order``, one bar per head. Hand-written for the reason of
    :func:`curves_spec`: altair's validation cost more than the rest of a rerun."""
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "data": {"values": long.to_dict("records")}, "height": height, "mark": "bar",
            "encoding": {
                "x": {"field": "from", "type": "nominal", "sort": order, "title": None,
                      "axis": {"labelAngle": -45, "labelLimit": 90}},
                "y": {"field": "α", "type": "quantitative"},
                "color": {"field": "head", "type": "nominal"},
                "xOffset": {"field": "head", "type": "nominal"},
                "tooltip": [{"field": "from", "type": "nominal"},
                            {"field": "head", "type": "nominal"},
                            {"field": "α", "type": "quantitative", "format": ".3f"}]}}


def heads_grid_spec(overview: pd.DataFrame, order: list[str]) -> dict:
    """Vega-Lite small multiples of α by neighbour, a row per layer and a column per head
    (``layer``, ``head``, ``from``, ``α`` columns), coloured like the overlay."""
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "data": {"values": overview.to_dict("records")},
            "facet": {"row": {"field": "layer", "type": "nominal"},
                      "column": {"field": "head", "type": "nominal"}},
            "spec": {"width": 110, "height": 90, "mark": "bar", "encoding": {
                "x": {"field": "from", "type": "nominal", "sort": order, "title": "neighbour",
                      "axis": {"labels": len(order) <= 30}},
                "y": {"field": "α", "type": "quantitative"},
                "color": {"field": "α", "type": "quantitative",
                          "scale": {"range": ALPHA_RANGE}, "legend": None},
                "tooltip": [{"field": "layer", "type": "nominal"},
                            {"field": "head", "type": "nominal"},
                            {"field": "from", "type": "nominal"},
                            {"field": "α", "type": "quantitative", "format": ".3f"}]}}}


def train_live(dataset: GraphDataset, spec: tuple, name: str, model_config: ModelConfig,
               train_config: TrainConfig, curves: bool = True) -> ModelRecord:
    """Train with a progress bar, a Stop button and (``curves``) live loss and accuracy curves,
    then keep the model in the session.

    Stop, like any other click during training, makes Streamlit stop the run and rerun the
    page: it raises its request inside the next drawing call (and on every later access to
    session state). Training then stops, the best weights so far are kept as the model through
    references taken before training, and the request is raised again so Streamlit goes on.
    """
    session = models(), selection()  # read now: after a stop, session state raises on access
    name = unique_name(name.strip() or "GAT")
    store = shared_models()
    key = link_for(spec).with_model(name, model_config, train_config).key()
    earlier = store.get(key, spec, name, REUSED)
    if earlier is not None:  # seeded training would give the very same weights
        return add_model(earlier, dataset)
    finished = threading.Event()
    session[1]["training"] = finished
    live = st.empty()  # progress, Stop and curves; only a line saying how it ended afterwards
    with live.container():
        progress = st.progress(0.0, text="Starting…")
        st.button("Stop training", help="Stops after the current epoch and keeps the best "
                                        "weights so far as a usable model.")
        if curves:
            left, right = st.columns(2)
            charts = (left.empty(), right.empty())
    rows: list[dict] = []
    drawn = [0.0]  # when the progress was last redrawn
    interrupted: list[ScriptControlException] = []

    def on_epoch(stats: EpochStats) -> bool | None:
        rows.append(stats.__dict__)
        last = stats.epoch == train_config.epochs
        if time.monotonic() - drawn[0] < LIVE_UPDATE_SECONDS and not last:
            return None
        try:
            progress.progress(stats.epoch / train_config.epochs,
                              text=f"Epoch {stats.epoch} / {train_config.epochs} · "
                                   f"val {metric_name(dataset)} {stats.val_acc:.3f}")
            if curves:
                for chart, columns in zip(charts, (LOSS_COLUMNS, ACCURACY_COLUMNS)):
                    chart.vega_lite_chart(curves_spec(rows, columns, CURVE_HEIGHT),
                                          width="stretch")
        except ScriptControlException as request:  # Stop, or another click: keep what we have
            interrupted.append(request)
            return False
        drawn[0] = time.monotonic()
        return None

    lock = training_lock()
    try:
        if not lock.acquire(blocking=False):
            progress.progress(0.0, text="Waiting for another session's training to finish…")
            lock.acquire()
        try:
            earlier = store.get(key, spec, name, REUSED)  # the one waited for: this model?
            if earlier is None:
                result = train(dataset, model_config, train_config, on_epoch=on_epoch)
                record = ModelRecord(name, spec, result.model, train_config, result.metrics,
                                     result.history, result.snapshots, result.snapshot_note)
                record.stopped = bool(interrupted)
                prepare(record, dataset)
                share(record, store)  # before the lock goes: sessions waiting reuse it
        finally:
            lock.release()
        if interrupted:  # stored before the next run looks (it waits for `finished`)
            record.note = (f"Stopped after {len(result.history)} of {train_config.epochs} "
                           f"epochs; the best weights so far (epoch {result.best_epoch}) were "
                           "kept.")
            add_model(record, dataset, session)
    finally:
        finished.set()  # before add_model below, which waits for it (select_pending)
    if earlier is not None:
        live.empty()
        return add_model(earlier, dataset)
    if interrupted:
        raise interrupted[0]
    add_model(record, dataset)
    live.progress(1.0, text=f"Done: {len(result.history)} epochs, best at epoch "
                            f"{result.best_epoch} (weights restored).")
    return record


def unique_name(base: str) -> str:
    name, k = base, 2
    while name in models():
        name, k = f"{base} ({k})", k + 1
    return name


@st.cache_data(max_entries=64, show_spinner=False)
def _overlay(_record: ModelRecord, _dataset: GraphDataset, uid: str, spec: tuple,
             options: OverlayOptions) -> str:
    layers = view_attention(_record, _dataset, options.node, options.hops)
    return overlay_html(_dataset, layers, options, _record.pred, _record.prob)


def cached_overlay(record: ModelRecord, dataset: GraphDataset, options: OverlayOptions) -> str:
    """The overlay HTML, cached by the model's weights (its uid: two sessions share an entry
    only for the same model from the shared cache), the dataset spec and the options."""
    return _overlay(record, dataset, record.uid, record.dataset_spec, options)


def attention_csv(record: ModelRecord, dataset: GraphDataset, node: int, hops: int,
                  graph: int | None = None) -> bytes:
    """The attention table as CSV bytes: the whole graph's, or on a big graph the view's (the
    edges into the nodes within ``hops`` of ``node``); ``graph``, the graph's number in its
    set, goes in a first column. Downloads are built when clicked (pass
    ``partial(attention_csv, ...)``), so that a page does not hold every file it offers."""
    table = attention_table(view_attention(record, dataset, node, hops))
    if graph is not None:
        table.insert(0, "graph", graph)
    return table.to_csv(index=False).encode()


def graph_record(record: ModelRecord, dataset: GraphDataset, g: int
                 ) -> tuple[GraphDataset, ModelRecord]:
    """Graph ``g`` of a set of many graphs alone, and the model's record on it: its own α
    (computed on the graph alone, which equals its part of the whole set's), node predictions
    (node tasks) or the graph's prediction (graph task), kept with the model. The views then
    treat the graph as any single graph."""
    if dataset.num_graphs == 1:
        return dataset, record
    graphs = record.derive(("graphs",), OrderedDict)  # the latest LOCAL_VIEWS graphs viewed
    if g not in graphs:
        graphs[g] = _part(record, dataset, dataset.graph(g), torch.tensor([g]), f"g{g}")
        while len(graphs) > LOCAL_VIEWS:
            graphs.popitem(last=False)
    graphs.move_to_end(g)
    return graphs[g]


def split_record(record: ModelRecord, dataset: GraphDataset, split: str
                 ) -> tuple[GraphDataset, ModelRecord]:
    """The graphs of ``split`` ('train', 'val', 'test' or 'all') of a set, and the model's
    record on them, as :func:`graph_record` does for one graph."""
    if dataset.num_graphs == 1 or split == "all":
        return dataset, record
    graphs = dataset.split_graphs(split)
    return record.derive(("split", split), lambda: _part(
        record, dataset, dataset.subset(graphs, f"{dataset.name} ({split} graphs)"), graphs,
        split))


def _part(record: ModelRecord, dataset: GraphDataset, part: GraphDataset, graphs: torch.Tensor,
          tag: str) -> tuple[GraphDataset, ModelRecord]:
    nodes = dataset.nodes_of(graphs)
    rows = graphs if dataset.task == "graph" else nodes
    new_id = torch.full((dataset.num_nodes,), -1, dtype=torch.long)
    new_id[nodes] = torch.arange(nodes.numel())

    def cut(layers: list[LayerAttention]) -> list[LayerAttention]:
        """The part's edges of α taken on the whole set, in the part's node ids."""
        kept = [new_id[edges[1]] >= 0 for edges, _ in layers]
        return [LayerAttention(new_id[edges[:, keep]], alpha[keep])
                for (edges, alpha), keep in zip(layers, kept)]

    view = replace(record, pred=record.pred[rows], prob=record.prob[rows],
                   attention=dataset_attention(record.model, part) if whole_attention(part)
                   else [], derived={}, uid=f"{record.uid}-{tag}",
                   snapshots=[Snapshot(s.epoch, cut(s.attention)) for s in record.snapshots])
    return part, view


def metric_name(dataset: GraphDataset) -> str:
    """What the scores of a model on ``dataset`` measure: accuracy or micro-F1."""
    return METRIC_NAMES[dataset.task]


def analysis_report(record: ModelRecord, dataset: GraphDataset) -> AnalysisReport:
    """Every analysis but the deletion curves, computed once per model."""
    return record.derive(("report",), lambda: analyze(record.model, dataset, None,
                                                      attention=record.attention))


def deletion_table(record: ModelRecord, dataset: GraphDataset, layer: int) -> pd.DataFrame:
    return record.derive(("deletion", layer), lambda: deletion_curves(
        record.model, dataset, record.attention, layer))


def snapshot_divergence(record: ModelRecord, dataset: GraphDataset, layer: int,
                        head: int) -> pd.DataFrame:
    """Mean KL from uniform of one layer and head at every α snapshot: ``epoch, kl_...``
    (computed for all the layer's heads at once)."""
    def compute() -> pd.DataFrame:
        return pd.concat([kl_by_head(node_divergence([snapshot.attention[layer]],
                                                     dataset.num_nodes)).assign(
            epoch=snapshot.epoch) for snapshot in record.snapshots], ignore_index=True)

    every_head = record.derive(("snapshot_kl", layer), compute)
    return every_head[every_head["head"] == head][["epoch", "kl_from_uniform_mean"]]


def attention_difference(first: ModelRecord, second: ModelRecord,
                         dataset: GraphDataset) -> pd.DataFrame:
    """Per-node JS between two models' attention (raises GatvizError if their edges differ)."""
    return first.derive(("compare", second.name), lambda: compare_attention(
        first.attention, second.attention, dataset.num_nodes))


def explained_alpha(record: ModelRecord, dataset: GraphDataset, layer: int, node: int,
                    head: int) -> pd.DataFrame:
    return record.derive(("explain", layer, node, head), lambda: explain_alpha(
        record.model, dataset.data.x, dataset.data.edge_index, layer, node, head,
        dataset.in_edges))


def table_csv(table: pd.DataFrame) -> bytes:
    """A table as CSV bytes, for a download built when clicked (see :func:`attention_csv`)."""
    return table.to_csv(index=False).encode()


def checkpoint_for(record: ModelRecord, dataset: GraphDataset) -> bytes:
    return checkpoint_bytes(record.model, dataset, record.train_config, record.metrics)


def sidebar() -> tuple[GraphDataset, ModelRecord | None]:
    """The status every page shows: current dataset and model with their key numbers."""
    spec = current_spec()
    select_pending()
    dataset = current_dataset()
    record = current_model(spec)
    for note in st.session_state.get(LINK_NOTES, []):
        st.warning(as_text(note), icon=":material/link:")
    write_link(spec, record)
    _run.status = st.sidebar.empty()
    show_status(dataset, record)
    return dataset, record


_run = threading.local()  # this script run's sidebar status (script runs are threads)


def show_status(dataset: GraphDataset, record: ModelRecord | None) -> None:
    """Draw the sidebar's status, again when a page changes the dataset or the model within
    a run (so it needs no second run to catch up)."""
    status = getattr(_run, "status", None)
    if status is None:
        return
    with status.container():
        st.markdown(f"**Dataset:** {as_text(dataset.name)}")
        graphs = f"{dataset.num_graphs:,} graphs · " if dataset.num_graphs > 1 else ""
        kind = "labels" if dataset.task == "multilabel" else "classes"
        st.caption(f"{graphs}{dataset.num_nodes:,} nodes · {dataset.num_edges:,} edges · "
                   f"{dataset.num_features:,} features · {dataset.num_classes} {kind} · "
                   f"{TASK_NAMES[dataset.task]}")
        if record is None:
            st.markdown("**Model:** none yet")
            st.caption("Train one on the Train page or load a checkpoint.")
        else:
            config = record.model_config
            st.markdown(f"**Model:** {as_text(record.name)}")
            test_acc = record.metrics.get("test_acc", float("nan"))
            st.caption(f"{config.conv.upper()} · {config.layers} layers · {config.heads} heads "
                       f"× {config.hidden} · test {metric_name(dataset)} {test_acc:.3f} on "
                       f"{int(dataset.score_rows('test').numel()):,} "
                       f"{'graphs' if dataset.task == 'graph' else 'nodes'}")
