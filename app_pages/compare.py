"""Compare: two models on one graph: accuracy, how differently they attend, side by side."""

import ui  # noqa: F401  (before any other import: see app_pages/home.py)

import altair as alt
import streamlit as st

from gatviz.errors import GatvizError
from gatviz.overlay import LEGEND_HEIGHT, OverlayOptions
from ui.keys import COMPARE_PICKS
from ui.links import current_spec
from ui.panels.score_table import score_table
from ui.sidebar import sidebar
from ui.state import models_for
from ui.text import as_text
from ui.views import attention_difference, cached_overlay, require_whole_attention

st.set_page_config(page_title="gatviz · Compare")
dataset, record = sidebar()
spec = current_spec()
st.title("Compare two models")
available = models_for(spec)
if len(available) < 2:
    st.info(
        "This page needs two models on the current dataset, for example a GAT and a GATv2: "
        "train or load them on the **Train** page (layer type is the first knob)."
    )
    st.stop()

require_whole_attention(dataset, "comparing two models node by node")
names = list(available)
for key, default in zip(COMPARE_PICKS, (names[0], names[-1])):
    if st.session_state.get(key) not in available:
        st.session_state[key] = default
c = st.columns(2)
first = available[c[0].selectbox("Model A", names, key=COMPARE_PICKS[0])]
second = available[c[1].selectbox("Model B", names, key=COMPARE_PICKS[1])]

score_table(first, second, dataset)

try:
    difference = attention_difference(first, second, dataset)
except GatvizError as error:
    st.warning(as_text(error))
    st.stop()

st.subheader("How differently do they attend?")
st.caption(
    "Per node, the Jensen–Shannon divergence between the two models' α_i (each averaged "
    "over its heads): 0 = the same weights, log 2 ≈ 0.693 = nothing in common."
)
shared_layers = sorted(difference["layer"].unique())
layer = st.selectbox("Layer", shared_layers, index=len(shared_layers) - 1)
js = difference[difference["layer"] == layer]
c = st.columns([1, 2])
c[0].metric(
    "Mean JS over nodes", f"{js['js'].mean():.4f}", delta="identical models: 0", delta_color="off"
)
c[1].altair_chart(
    alt.Chart(js)
    .mark_bar()
    .encode(
        x=alt.X("js:Q", bin=alt.Bin(maxbins=40), title="JS between the models (nats)"),
        y=alt.Y("count()", title="nodes"),
    )
    .properties(height=180),
    width="stretch",
)
top = js.nlargest(10, "js").assign(name=lambda f: [dataset.node_names[v] for v in f["node"]])
st.markdown("**Where they differ most**")
st.dataframe(top[["node", "name", "js"]].style.format({"js": "{:.4f}"}), hide_index=True)

st.subheader("Side by side")
node = st.selectbox(
    "Centre node",
    top["node"].tolist() + [v for v in range(dataset.num_nodes) if v not in set(top["node"])],
    format_func=lambda v: f"{v} · {dataset.node_names[v]}",
    help="Default: the node where the two models differ most.",
)
c = st.columns(2)
for column, model in zip(c, (first, second)):
    options = OverlayOptions(
        node=node,
        hops=1,
        layer=min(layer, len(model.attention) - 1),
        head="mean",
        color_by="prediction",
        height=460,
    )
    with column:
        st.markdown(f"**{'A' if model is first else 'B'}** · {model.model_config.conv.upper()}")
        try:
            st.iframe(
                cached_overlay(model, dataset, options)[0], height=options.height + LEGEND_HEIGHT
            )
        except GatvizError as error:
            st.warning(as_text(error))
