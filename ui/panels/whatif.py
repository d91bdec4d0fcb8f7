"""What if? (Attention page) Edits around the centre node — remove one of its incoming edges,
add one, give it another node's features — kept in the session and the link, undone one at a
time; α of the centre's incoming edges and its prediction before and after, the edited graph
drawn around it, and the greedy smallest set of incoming edges whose removal flips the
prediction, in the order of α or of an attribution method's scores."""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable, TypeVar

import pandas as pd
import streamlit as st

from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from gatviz.attribution import METHODS
from gatviz.overlay import LEGEND_HEIGHT
from gatviz.whatif import (
    MAX_EDITS,
    Edit,
    WhatIf,
    attribution_scores,
    edited_overlay,
    edits_text,
    flipping_set,
    parse_edits,
    what_if,
)
from ui.links import from_query
from ui.panels.attributions import NAMES
from ui.records import ModelRecord
from ui.text import as_text

EDITS, EDITS_OF, OPENED = "att_edits", "att_edits_dataset", "att_edits_opened"
T = TypeVar("T")
KEPT = 8  # what-ifs a model keeps (each a few neighbourhood passes)
KEPT_PAGES = 4  # edited graphs' overlays a model keeps (each ~0.7 MB of HTML)
EDITED_HEIGHT = 420  # pixels of the edited graph's view
ORDERS = {"alpha": "α (last layer, mean over heads)", **{m: NAMES[m] for m in METHODS}}
KINDS = {
    "remove": "remove an incoming edge",
    "add": "add an edge from node",
    "features": "give it the features of node",
}


def seed_edits(dataset: GraphDataset) -> list[Edit]:
    """The session's edits of this dataset (from the link once; cleared for another dataset)."""
    from_query("edits", EDITS, lambda text: tuple(parse_edits(text)), ())
    if st.session_state.get(EDITS_OF) != dataset.name:
        if EDITS_OF in st.session_state:  # another dataset than the edits were made on
            st.session_state[EDITS] = ()
        st.session_state[EDITS_OF] = dataset.name
    return list(st.session_state[EDITS])


def link_value() -> str:
    return edits_text(list(st.session_state.get(EDITS, ())))


def _set(edits: list[Edit]) -> None:
    st.session_state[EDITS] = tuple(edits)


def _kept(record: ModelRecord, name: str, size: int, key: tuple, compute: Callable[[], T]) -> T:
    """``compute()`` kept with the model under ``key``, for the latest ``size`` keys."""
    kept: OrderedDict = record.derived.setdefault((name,), OrderedDict())
    if key not in kept:
        kept[key] = compute()
        while len(kept) > size:
            kept.popitem(last=False)
    kept.move_to_end(key)
    return kept[key]


def _result(record: ModelRecord, dataset: GraphDataset, node: int, edits: list[Edit]) -> WhatIf:
    return _kept(record, "what_if", KEPT, (dataset.name, node, tuple(edits)),
                 lambda: what_if(record.model, dataset, node, edits, hops=1))  # fmt: skip


def _edited_page(
    record: ModelRecord, dataset: GraphDataset, result: WhatIf, layer: int, head: int | str
) -> str:
    key = (dataset.name, result.centre, tuple(result.edits), layer, head)

    def draw() -> str:
        return edited_overlay(result, dataset, layer, head, height=EDITED_HEIGHT)

    return _kept(record, "what_if_pages", KEPT_PAGES, key, draw)


def whatif_panel(
    record: ModelRecord, dataset: GraphDataset, node: int, layer: int, head: int | str
) -> None:
    # Open once there are edits (a link's, say) and from then on: a change of `expanded` makes
    # Streamlit redraw the expander closed, so undoing the last edit would shut it.
    if st.session_state.get(EDITS):
        st.session_state[OPENED] = True
    with st.expander(
        "What if? Edit the graph around this node", expanded=st.session_state.get(OPENED, False)
    ):
        if dataset.task != "node":
            st.caption(
                "What-if edits look at one node's predicted class: node classification only "
                "(this model predicts graphs or many labels per node)."
            )
            return
        edits = list(st.session_state.get(EDITS, ()))
        names = dataset.node_names
        sources = dataset.in_edges.source[
            dataset.in_edges.ptr[node] : dataset.in_edges.ptr[node + 1]
        ].tolist()
        c = st.columns([1.6, 1.4, 1, 1, 1])
        kind = c[0].selectbox("Edit", list(KINDS), key="whatif_kind", format_func=KINDS.get)
        if kind == "remove":
            choices = sorted(set(sources))
            other = c[1].selectbox(
                "Incoming edge from",
                choices,
                key="whatif_source",
                format_func=lambda v: f"{v} · {names[v]}",
                disabled=not choices,
            )
        else:
            other = int(c[1].number_input("Node", 0, dataset.num_nodes - 1, 0, key="whatif_other"))
        # remove or add other → node, or node gets other's features
        edit = None if other is None else Edit(kind, int(other), node)
        c[2].button(
            "Apply",
            on_click=lambda: _set(edits + [edit]) if edit is not None else None,
            disabled=edit is None or len(edits) >= MAX_EDITS,
            key="whatif_apply",
        )
        c[3].button("Undo last", on_click=lambda: _set(edits[:-1]), disabled=not edits)
        c[4].button("Clear", on_click=lambda: _set([]), disabled=not edits)
        if edits:
            st.caption("Edits (in the link): " + "; ".join(e.describe() for e in edits))
            try:
                result = _result(record, dataset, node, edits)
            except GatvizError as error:
                st.warning(f"{as_text(error)}. Undo the last edit or clear them.")
                return
            _show(result, dataset, node, layer)
            st.markdown(
                f"**The edited graph around node {node}**: α after the edits (layer {layer}), "
                "the predictions after them on hover, added edges dashed"
            )
            st.iframe(
                _edited_page(record, dataset, result, layer, head),
                height=EDITED_HEIGHT + LEGEND_HEIGHT,
            )
        _flip(record, dataset, node, edits)


def _show(result: WhatIf, dataset: GraphDataset, node: int, layer: int) -> None:
    names, targets = dataset.node_names, dataset.target_names
    change = result.prediction()
    before, after = change["before"], change["after"]
    c = st.columns(2)
    c[0].metric(
        "Prediction before",
        as_text(targets[before["class"]]) if dataset.task == "node" else str(before["class"]),
        f"p = {before['probability']:.3f}",
        delta_color="off",
    )
    flipped = before["class"] != after["class"]
    c[1].metric(
        "after the edits" + (" (changed)" if flipped else ""),
        as_text(targets[after["class"]]) if dataset.task == "node" else str(after["class"]),
        f"p = {after['probability']:.3f}",
        delta_color="off",
    )
    table = result.alpha[(result.alpha["layer"] == layer) & (result.alpha["target"] == node)]
    st.markdown(f"**α into node {node}, layer {layer}** (mean over heads), before and after")
    st.dataframe(
        pd.DataFrame(
            {
                "from": [f"{v} · {names[v]}" for v in table["source"]],  # cells are text
                "before": table["before"].astype(float),
                "after": table["after"].astype(float),
                "change": table["change"].astype(float),
            }
        ).style.format(
            {"before": "{:.4f}", "after": "{:.4f}", "change": "{:+.2e}"}, na_rep="— (none)"
        ),
        hide_index=True,
    )


def _flip(record: ModelRecord, dataset: GraphDataset, node: int, edits: list[Edit]) -> None:
    st.caption(
        "The fewest incoming edges whose removal changes the prediction, searched greedily: "
        "removed in order of α, or of an attribution method's score for the predicted class "
        "(the edges it leans on most first), until the prediction changes."
    )
    c = st.columns([2, 1])
    order = c[0].selectbox(
        "Order the edges by", list(ORDERS), format_func=ORDERS.get, key="whatif_order"
    )
    key = ("flip", dataset.name, node, tuple(edits), order)
    found = record.derived.get(key, "not searched")
    if found == "not searched":
        slot = c[1].empty()  # the button goes once the set is found
        if not slot.button("Find the smallest flipping set", key="whatif_flip"):
            return
        slot.empty()

        def search() -> list[Edit] | None:
            scores = None
            if order != "alpha":
                with st.spinner(f"Scoring the incoming edges by {ORDERS[order]}…"):
                    scores = attribution_scores(record.model, dataset, node, order, edits)
            return flipping_set(record.model, dataset, node, scores=scores, edits=edits)

        found = record.derive(key, search)
    if found is None:
        st.caption(
            f"Removing its incoming edges one by one by {ORDERS[order]} (up to 50) never "
            "changes it."
        )
        return
    st.caption(
        f"By {ORDERS[order]}, {len(found)} edge(s): "
        + "; ".join(e.describe() for e in found)
        + " (apply them to see)"
    )
    st.button("Apply these", on_click=lambda: _set(edits + found), key="whatif_apply_flip")
