"""gatviz home: what the app is for, the attention it shows, and how to start.

This page draws its text before importing the app's modules: they import torch and PyG (about
5 s), and a cold start should show a page sooner. The import happens at the end of the page
instead. Every other page imports ``ui`` before anything else, so that a page opened while this
import is running waits for it (see ui/__init__.py).
"""

import streamlit as st

st.set_page_config(page_title="gatviz: GAT attention explorer")

st.title("gatviz: see what a Graph Attention Network attends to")
st.markdown(
    "A GAT lets every node decide how much to listen to each neighbour. gatviz trains one on "
    "your graph and draws those learned weights, **α**, on the graph itself: per layer, per head, "
    "around any node, with the numbers one hover away. Then it checks whether they mean "
    "anything, for example whether they differ from uniform and whether the heads agree."
)

st.subheader("The attention, in three lines")
left, right = st.columns([3, 2])
with left:
    st.latex(
        r"e_{ij} = \mathrm{LeakyReLU}\left(a^\top "
        r"\left[\, W h_i \,\Vert\, W h_j \,\right]\right)"
    )
    st.latex(
        r"\alpha_{ij} = \mathrm{softmax}_{j \in \mathcal{N}(i)}\left(e_{ij}\right) "
        r"= \frac{\exp(e_{ij})}{\sum_{k \in \mathcal{N}(i)} \exp(e_{ik})}"
    )
    st.latex(
        r"h_i' = \Big\Vert_{k=1}^{K} \sigma\Big(\sum_{j \in \mathcal{N}(i)} "
        r"\alpha_{ij}^{k} W^{k} h_j\Big) \qquad "
        r"h_i^{\mathrm{out}} = \frac{1}{K} \sum_{k=1}^{K} \sum_{j \in \mathcal{N}(i)} "
        r"\alpha_{ij}^{k} W^{k} h_j"
    )
with right:
    st.markdown(
        "- **e_ij** scores how relevant neighbour *j* looks to node *i*.\n"
        "- **α_ij** turns the scores of *i*'s neighbours (itself included) into weights that "
        "sum to 1. These are the edge widths and colours you will see.\n"
        "- **K heads** each learn their own α. Hidden layers concatenate the heads; the last "
        "layer averages them. The Attention page shows every head separately, or their mean "
        "or max."
    )

st.subheader("Quick start")
with st.spinner("Loading PyTorch and PyG…"):
    from ui.sidebar import sidebar  # noqa: E402  (drawn above first: see the docstring)
    from ui.text import as_text  # noqa: E402

    dataset, record = sidebar()
st.markdown(
    f"1. **Dataset**: {as_text(dataset.name)} is loaded ({dataset.num_nodes} nodes). Switch to "
    "Cora, a synthetic graph with known structure, or your own CSV on the Dataset page.\n"
    "2. **Train**: the defaults are the reference GAT (8 heads × 8 hidden, dropout 0.6). Press "
    "*Train GAT* and watch the curves.\n"
    "3. **Attention**: pick a node, a layer and a head. Hover an edge for its α in every head; "
    "jump to the next misclassified node to see what it listened to.\n"
    "4. **Analysis**: is the attention different from uniform, do the heads agree, and do the "
    "predictions change without it? Every number beside its baseline. **Compare** puts two "
    "models side by side."
)
if record is None:
    st.info("No model yet: start on the **Train** page (karate trains in a second).")
else:
    st.success(f"Model {as_text(record.name)} is ready: open the **Attention** page.")
