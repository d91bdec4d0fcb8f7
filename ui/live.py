"""Training in the app: a progress bar, a Stop button and live curves, then the model kept in
the session and shared with the server's other sessions."""

from __future__ import annotations

import threading
import time

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from gatviz.config import ModelConfig, TrainConfig
from gatviz.datasets import GraphDataset
from gatviz.training import EpochStats, train
from ui.charts import ACCURACY_COLUMNS, CURVE_HEIGHT, LOSS_COLUMNS, curves_spec
from ui.records import ModelRecord, metric_name, prepare
from ui.shared import REUSED, share, shared_models, training_lock
from ui.specs import link_for
from ui.state import add_model, models, selection, unique_name

LIVE_UPDATE_SECONDS = 0.5  # how often the progress bar and the live curves are redrawn


def train_live(
    dataset: GraphDataset,
    spec: tuple,
    name: str,
    model_config: ModelConfig,
    train_config: TrainConfig,
    curves: bool = True,
) -> ModelRecord:
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
        st.button(
            "Stop training",
            help="Stops after the current epoch and keeps the best "
            "weights so far as a usable model.",
        )
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
            progress.progress(
                stats.epoch / train_config.epochs,
                text=f"Epoch {stats.epoch} / {train_config.epochs} · "
                f"val {metric_name(dataset)} {stats.val_acc:.3f}",
            )
            if curves:
                for chart, columns in zip(charts, (LOSS_COLUMNS, ACCURACY_COLUMNS)):
                    chart.vega_lite_chart(curves_spec(rows, columns, CURVE_HEIGHT), width="stretch")
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
                record = ModelRecord(
                    name,
                    spec,
                    result.model,
                    train_config,
                    result.metrics,
                    result.history,
                    result.snapshots,
                    result.snapshot_note,
                )
                record.stopped = bool(interrupted)
                prepare(record, dataset)
                share(record, store)  # before the lock goes: sessions waiting reuse it
        finally:
            lock.release()
        if interrupted:  # stored before the next run looks (it waits for `finished`)
            record.note = (
                f"Stopped after {len(result.history)} of {train_config.epochs} "
                f"epochs; the best weights so far (epoch {result.best_epoch}) were "
                "kept."
            )
            add_model(record, dataset, session)
    finally:
        finished.set()  # before add_model below, which waits for it (select_pending)
    if earlier is not None:
        live.empty()
        return add_model(earlier, dataset)
    if interrupted:
        raise interrupted[0]
    add_model(record, dataset)
    live.progress(
        1.0,
        text=f"Done: {len(result.history)} epochs, best at epoch "
        f"{result.best_epoch} (weights restored).",
    )
    return record
