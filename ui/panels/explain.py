"""Every term of one node's α in one layer and head, from the model's weights: the scores
e_ij, their exponentials and the softmax, beside the α the model gives."""

from __future__ import annotations

import streamlit as st

from gatviz.datasets import GraphDataset
from ui.records import ModelRecord
from ui.views import explained_alpha

MAX_ROWS = 300  # terms listed; the largest α first


def explain_panel(
    record: ModelRecord, dataset: GraphDataset, layer: int, node: int, head: int | str
) -> None:
    heads = record.model.convs[layer].heads
    with st.expander(f"Explain this α: every term of node {node}'s attention in layer {layer}"):
        chosen = st.selectbox(
            "Head",
            list(range(heads)),
            key="explain_head",
            index=head if isinstance(head, int) else 0,
            format_func=lambda h: f"head {h}",
        )
        terms = explained_alpha(record, dataset, layer, node, chosen)
        slope = record.model_config.negative_slope
        if record.model_config.conv == "gat":
            st.markdown(
                f"GAT: e_ij = LeakyReLU(a_srcᵀWh_j + a_dstᵀWh_i) with slope {slope}; "
                "α_ij = exp(e_ij) / Σ_k exp(e_ik). a_dstᵀWh_i is the same for every "
                "neighbour: only a_srcᵀWh_j orders them."
            )
        else:
            st.markdown(
                f"GATv2: e_ij = aᵀ LeakyReLU(W_s h_j + W_t h_i) with slope {slope}, a "
                "sum over channels, split here into the channels that add to e_ij and "
                "those that subtract; α_ij = exp(e_ij) / Σ_k exp(e_ik)."
            )
        shifted = terms.attrs.get("shifted_by", 0.0)
        exp_label = f"exp(e_ij − {shifted:.2f})" if shifted else "exp(e_ij)"
        shown = terms.rename(
            columns={
                "exp_e": exp_label,
                "alpha": "α = exp / Σ exp",
                "alpha_model": "α from the model",
            }
        )
        shown.insert(1, "name", [dataset.node_names[v] for v in terms["source"]])
        shown = shown.sort_values("α = exp / Σ exp", ascending=False)
        st.dataframe(
            shown.head(MAX_ROWS).style.format(precision=4), hide_index=True, width="stretch"
        )
        st.caption(
            f"Σ {exp_label} = {terms['exp_e'].sum():.4f} over {len(terms):,} edges "
            f"(self-loop included); α sums to {terms['alpha'].sum():.4f}."
            + (f" The {MAX_ROWS} largest α are listed." if len(terms) > MAX_ROWS else "")
        )
