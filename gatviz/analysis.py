"""Is this attention meaningful? Every statistic of α beside the baseline it must beat.

Definitions are fixed so that results can be checked by hand. For a layer, N(i) is the set of
edges that layer attends over into node i, its self-loop included; α_i is the distribution
(α_ij)_{j ∈ N(i)} of one head; logs are natural (nats).

* :func:`node_divergence`: entropy H(α_i) and KL(α_i ‖ uniform_i) = log|N(i)| − H(α_i) per node;
  0 means the head averages its neighbours exactly as a mean aggregator (GCN-like) would.
* :func:`head_agreement`: mean Jensen–Shannon divergence between every two heads' α_i, beside
  each head's mean JS from uniform (JS is at most log 2).
* :func:`same_class_mass`: the α mass a node puts on same-class neighbours (self-loop excluded,
  the rest renormalised), beside the uniform baseline, the fraction of same-class neighbours.
* :func:`ranking_consistency`: how often two targets that share neighbours rank them alike.
  GAT's score LeakyReLU(a_srcᵀWh_j + a_dstᵀWh_i) is monotone in a_srcᵀWh_j, so it ranks any
  set of neighbours the same way for every target (*static* attention, Brody et al., 2022).
* :func:`ground_truth_auroc`: how well α ranks known-important edges, beside the model-free
  score 1/|N(i)| and random scores.
* :func:`compare_attention`: per-node JS between two models' attention on the same graph.

Interventions that rerun the model (uniform attention, deleting edges) are in
:mod:`gatviz.intervention`; :mod:`gatviz.report` runs everything and puts it into words.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from gatviz.attention import attended_count
from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from gatviz.model import LayerAttention
from gatviz.neighbourhood import edge_positions
from gatviz.ranks import average_ranks
from gatviz.uncertainty import auroc_interval, normal_interval

# Ground-truth masks that mark edges good attention should *down*-weight; for these, the
# AUROC asks whether α ranks the other edges above them.
DOWN_WEIGHTED_MASKS = {"noise"}
MAX_RANKING_TRIPLES = 2_000_000  # (target, target, shared neighbour) triples examined at most
RANK_TIE = 1e-4  # |log α_ij − log α_ik| below this counts as a tie, not an order


def _node_sum(values: Tensor, target: Tensor, num_nodes: int) -> Tensor:
    """Σ over each node's incoming edges. Shapes: (E', H) -> (N, H)."""
    return values.new_zeros((num_nodes,) + tuple(values.shape[1:])).index_add_(0, target, values)


def _xlogy(x: Tensor, y: Tensor) -> Tensor:
    return torch.special.xlogy(x, y)


def node_divergence(attention: list[LayerAttention], num_nodes: int) -> pd.DataFrame:
    """Entropy and KL from uniform of every node's attention, per layer and head.

    .. math::
        H(\\alpha_i) = -\\sum_{j \\in N(i)} \\alpha_{ij} \\log \\alpha_{ij}, \\qquad
        \\mathrm{KL}(\\alpha_i \\,\\|\\, U_i) = \\log |N(i)| - H(\\alpha_i)

    Nodes that attend over nothing (no incoming edge, no self-loop) are left out.
    ``normalised_entropy`` is H / log|N(i)| (1 = uniform), NaN where |N(i)| = 1.

    Returns:
        columns ``layer, head, node, attended, entropy, kl_from_uniform, normalised_entropy``
    """
    frames = []
    for layer, (edge_index, alpha) in enumerate(attention):
        target = edge_index[1]
        count = attended_count(edge_index, num_nodes)
        entropy = -_node_sum(_xlogy(alpha.double(), alpha.double()), target, num_nodes)
        nodes = (count > 0).nonzero().flatten()
        log_count = count[nodes].double().log().unsqueeze(1)
        entropy = entropy[nodes]
        kl = (log_count - entropy).clamp_min(0.0)
        normalised = torch.where(log_count > 0, entropy / log_count.clamp_min(1e-12), torch.nan)
        heads = alpha.size(1)
        frames.append(
            pd.DataFrame(
                {
                    "layer": layer,
                    "head": np.tile(np.arange(heads), nodes.numel()),
                    "node": np.repeat(nodes.numpy(), heads),
                    "attended": np.repeat(count[nodes].numpy(), heads),
                    "entropy": entropy.reshape(-1).numpy(),  # (V, H) -> (V * H,), node-major
                    "kl_from_uniform": kl.reshape(-1).numpy(),
                    "normalised_entropy": normalised.reshape(-1).numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def kl_by_head(divergence: pd.DataFrame) -> pd.DataFrame:
    """The layers × heads summary of :func:`node_divergence`: mean KL from uniform over all nodes,
    with its 95 % interval over the nodes (:func:`gatviz.uncertainty.normal_interval`), and mean
    normalised entropy over the nodes with a choice (|N(i)| > 1)."""
    grouped = divergence.groupby(["layer", "head"], sort=True)
    table = grouped.agg(
        kl_from_uniform_mean=("kl_from_uniform", "mean"),
        kl_std=("kl_from_uniform", "std"),
        normalised_entropy_mean=("normalised_entropy", "mean"),
        nodes=("node", "size"),
    ).reset_index()
    low, high = normal_interval(table["kl_from_uniform_mean"], table["kl_std"], table["nodes"])
    table.insert(3, "kl_from_uniform_low", low)
    table.insert(4, "kl_from_uniform_high", high)
    return table.drop(columns="kl_std")


def _js(p: Tensor, q: Tensor, target: Tensor, num_nodes: int) -> Tensor:
    """Per-node JS(p_i ‖ q_i) for distributions given per edge. Shapes: (E', K) -> (N, K)."""
    m = (p + q) / 2
    terms = 0.5 * (_xlogy(p, p) - _xlogy(p, m)) + 0.5 * (_xlogy(q, q) - _xlogy(q, m))
    return _node_sum(terms, target, num_nodes).clamp_min(0.0)


def head_agreement(
    attention: list[LayerAttention], num_nodes: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Do the heads of a layer attend alike? Mean JS divergence over nodes, in nats (≤ log 2).

    Returns:
        (``layer, head_a, head_b, js`` for every ordered pair of heads, diagonal 0;
        ``layer, head, js_from_uniform``: each head's mean JS from the uniform α)
    """
    pairs, uniform = [], []
    for layer, (edge_index, alpha) in enumerate(attention):
        target, alpha = edge_index[1], alpha.double()
        count = attended_count(edge_index, num_nodes)
        nodes = count > 0
        heads = alpha.size(1)
        flat = (1.0 / count[target].double()).unsqueeze(1).expand_as(alpha)
        js_uniform = _js(alpha, flat, target, num_nodes)[nodes].mean(0)
        a, b = torch.triu_indices(heads, heads, offset=1)
        js = torch.zeros(heads, heads, dtype=torch.float64)
        if a.numel():
            js[a, b] = _js(alpha[:, a], alpha[:, b], target, num_nodes)[nodes].mean(0)
            js[b, a] = js[a, b]
        grid_a, grid_b = np.meshgrid(np.arange(heads), np.arange(heads), indexing="ij")
        pairs.append(
            pd.DataFrame(
                {
                    "layer": layer,
                    "head_a": grid_a.reshape(-1),
                    "head_b": grid_b.reshape(-1),
                    "js": js.reshape(-1).numpy(),
                }
            )
        )
        uniform.append(
            pd.DataFrame(
                {"layer": layer, "head": np.arange(heads), "js_from_uniform": js_uniform.numpy()}
            )
        )
    return pd.concat(pairs, ignore_index=True), pd.concat(uniform, ignore_index=True)


def same_class_mass(attention: list[LayerAttention], y: Tensor) -> pd.DataFrame:
    """How much attention goes to neighbours of the node's own class, against uniform.

    For each labelled node i with at least one labelled neighbour j ≠ i: the α mass on
    same-class neighbours over the mass on all labelled neighbours (self-loop excluded, the rest
    renormalised), averaged over those nodes. The uniform baseline gives every neighbour the same
    weight, so it is the node-averaged fraction of same-class neighbours.

    ``difference_low, difference_high``: the 95 % interval of learned minus uniform, paired on
    the same nodes (:func:`gatviz.uncertainty.normal_interval`).

    Returns:
        columns ``layer, head, same_class_mass, same_class_mass_uniform, difference_low,
        difference_high, nodes``
    """
    num_nodes = y.numel()
    frames = []
    for layer, (edge_index, alpha) in enumerate(attention):
        source, target = edge_index
        keep = (source != target) & (y[source] >= 0) & (y[target] >= 0)
        source, target, alpha = source[keep], target[keep], alpha[keep].double()
        same = (y[source] == y[target]).double().unsqueeze(1)
        ones = torch.ones_like(same)
        mass = _node_sum(torch.cat([alpha * same, alpha, same, ones], 1), target, num_nodes)
        heads = alpha.size(1)
        nodes = mass[:, -1] > 0
        per_node = mass[nodes, :heads] / mass[nodes, heads : 2 * heads].clamp_min(1e-300)
        share = mass[nodes, -2] / mass[nodes, -1]  # the uniform baseline, per node
        learned = per_node.mean(0)
        uniform = float(share.mean()) if nodes.any() else math.nan
        if not nodes.any():
            learned = torch.full((heads,), math.nan, dtype=torch.float64)
        # Learned minus uniform, paired on the same nodes.
        difference = per_node - share.unsqueeze(1)
        spread = difference.std(0) if int(nodes.sum()) > 1 else torch.full((heads,), math.nan)
        low, high = normal_interval(difference.mean(0).numpy(), spread.numpy(), int(nodes.sum()))
        frames.append(
            pd.DataFrame(
                {
                    "layer": layer,
                    "head": np.arange(heads),
                    "same_class_mass": learned.numpy(),
                    "same_class_mass_uniform": uniform,
                    "difference_low": low,
                    "difference_high": high,
                    "nodes": int(nodes.sum()),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def same_label_by_label(attention: list[LayerAttention], y: Tensor) -> pd.DataFrame:
    """Same-label attention of multi-label nodes (y: (N, L) of 0/1), label by label.

    For a node i that has label l: the α mass on neighbours j ≠ i that have l too (self-loop
    excluded, the rest renormalised), beside the uniform share of such neighbours; averaged over
    the nodes with l (and a neighbour).

    Returns:
        columns ``layer, head, label, pairs, same_class_mass, same_class_mass_uniform``
    """
    y = y.float()
    num_nodes, labels = y.shape
    frames = []
    for layer, (edge_index, alpha) in enumerate(attention):
        source, target = edge_index
        keep = source != target
        source, target, alpha = source[keep], target[keep], alpha[keep]
        total = _node_sum(alpha.double(), target, num_nodes).float()  # (N, H)
        degree = torch.bincount(target, minlength=num_nodes).float()
        has = y * (degree > 0).float().unsqueeze(1)  # (N, L): the pairs measured
        pairs = has.sum(0)  # (L,)
        shared = torch.zeros_like(y).index_add_(0, target, y[source])  # neighbours with l
        uniform = (has * shared / degree.clamp_min(1).unsqueeze(1)).sum(0) / pairs.clamp_min(1)
        for h in range(alpha.size(1)):  # one head at a time keeps memory at N × L
            mass = torch.zeros_like(y).index_add_(0, target, y[source] * alpha[:, h : h + 1])
            share = (has * mass / total[:, h : h + 1].clamp_min(1e-30)).sum(0) / pairs.clamp_min(1)
            measured = (pairs > 0).numpy()
            frames.append(
                pd.DataFrame(
                    {
                        "layer": layer,
                        "head": h,
                        "label": np.arange(labels),
                        "pairs": pairs.long().numpy(),
                        "same_class_mass": np.where(measured, share.numpy(), np.nan),
                        "same_class_mass_uniform": np.where(measured, uniform.numpy(), np.nan),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def same_label_mass(attention: list[LayerAttention], y: Tensor) -> pd.DataFrame:
    """:func:`same_class_mass` for multi-label nodes: :func:`same_label_by_label` averaged over
    every (node, label) pair. Same columns as :func:`same_class_mass`, ``nodes`` counting the
    pairs."""
    return label_average(same_label_by_label(attention, y))


def label_average(by_label: pd.DataFrame) -> pd.DataFrame:
    """:func:`same_label_by_label`'s table averaged over labels, weighted by their pairs."""
    by_label = by_label[by_label["pairs"] > 0]
    rows = []
    for (layer, head), part in by_label.groupby(["layer", "head"], sort=True):
        weights = part["pairs"].to_numpy()
        rows.append(
            {
                "layer": layer,
                "head": head,
                "same_class_mass": float(np.average(part["same_class_mass"], weights=weights)),
                "same_class_mass_uniform": float(
                    np.average(part["same_class_mass_uniform"], weights=weights)
                ),
                "difference_low": math.nan,  # (node, label) pairs are not independent rows
                "difference_high": math.nan,
                "nodes": int(weights.sum()),
            }
        )
    columns = ["layer", "head", "same_class_mass", "same_class_mass_uniform"]
    return pd.DataFrame(rows, columns=columns + ["difference_low", "difference_high", "nodes"])


def _pairs_within_groups(group_sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For consecutive groups of the given sizes, every (p, q) with p < q in one group."""
    ends = np.repeat(np.cumsum(group_sizes), group_sizes)
    positions = np.arange(int(group_sizes.sum()))
    later = ends - positions - 1  # how many partners after each position
    first = np.repeat(positions, later)
    offset = np.arange(int(later.sum())) - np.repeat(np.cumsum(later) - later, later)
    return first, first + 1 + offset


def ranking_consistency(
    attention: list[LayerAttention],
    num_nodes: int,
    seed: int = 0,
    max_triples: int = MAX_RANKING_TRIPLES,
) -> pd.DataFrame:
    """The fraction of target pairs that rank their shared neighbours the same way.

    Over all pairs of targets (i, i') that share at least two neighbours j, k: the pair agrees
    when no two shared neighbours are ordered oppositely, i.e. never α_ij > α_ik while
    α_i'j < α_i'k (differences of log α under :data:`RANK_TIE` count as ties). GAT must give
    1.0; GATv2, whose attention is dynamic, can give less. Where more than ``max_triples``
    (target, target, neighbour) triples exist, a seeded sample of the source nodes is used.

    Returns:
        columns ``layer, head, target_pairs, consistency, sampled``
    """
    rng = np.random.default_rng(seed)
    frames = []
    for layer, (edge_index, alpha) in enumerate(attention):
        source, target = edge_index.numpy()
        log_alpha = np.log(np.clip(alpha.double().numpy(), 1e-300, None))
        heads = log_alpha.shape[1]
        out_degree = np.bincount(source, minlength=num_nodes)
        per_source = out_degree * (out_degree - 1) // 2
        sources = np.arange(num_nodes)
        sampled = int(per_source.sum()) > max_triples
        if sampled:  # keep a random set of sources whose triples fit in the budget
            order = rng.permutation(num_nodes)
            fits = np.cumsum(per_source[order]) <= max_triples
            sources = np.sort(order[fits])
        chosen = np.isin(source, sources)
        edges = np.nonzero(chosen)[0]
        edges = edges[np.argsort(source[edges], kind="stable")]
        group = np.bincount(source[edges], minlength=num_nodes)
        first, second = _pairs_within_groups(group[group > 0])
        e1, e2 = edges[first], edges[second]  # two edges from one source j into two targets
        swap = target[e1] > target[e2]
        e1, e2 = np.where(swap, e2, e1), np.where(swap, e1, e2)
        pair_key = target[e1].astype(np.int64) * num_nodes + target[e2]
        order = np.argsort(pair_key, kind="stable")
        e1, e2, pair_key = e1[order], e2[order], pair_key[order]
        keys, sizes = np.unique(pair_key, return_counts=True)
        shared = sizes >= 2
        # Comparisons of two shared neighbours (j, k) inside each target pair.
        p, q = _pairs_within_groups(sizes)
        pair_of = np.repeat(np.arange(keys.size), sizes)[p]
        d1 = log_alpha[e1[p]] - log_alpha[e1[q]]  # (comparisons, H): target i's order of j, k
        d2 = log_alpha[e2[p]] - log_alpha[e2[q]]  # the same for target i'
        opposite = (d1 * d2 < 0) & (np.abs(d1) > RANK_TIE) & (np.abs(d2) > RANK_TIE)
        disagreeing = np.zeros((keys.size, heads), dtype=bool)
        np.logical_or.at(disagreeing, pair_of, opposite)
        n_pairs = int(shared.sum())
        consistency = (
            1.0 - disagreeing[shared].sum(0) / n_pairs if n_pairs else np.full(heads, np.nan)
        )
        frames.append(
            pd.DataFrame(
                {
                    "layer": layer,
                    "head": np.arange(heads),
                    "target_pairs": n_pairs,
                    "consistency": consistency,
                    "sampled": sampled,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def auroc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve of ``score`` for the boolean ``positive`` (ties count half).

    The probability that a random positive scores above a random negative (Mann–Whitney U).
    """
    positive = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = average_ranks(np.asarray(score))
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def ground_truth_auroc(
    attention: list[LayerAttention], dataset: GraphDataset, draws: int = 5, seed: int = 0
) -> pd.DataFrame:
    """AUROC of α as a score for the dataset's ground-truth edges, beside model-free baselines.

    Positives are the edges of each mask (``motif``), or the edges outside it for masks of edges
    that good attention should down-weight (``noise``, see :data:`DOWN_WEIGHTED_MASKS`).
    Self-loops are not scored. Baselines: the inverse in-degree 1/|N(i)| of the edge's target,
    which needs no model (on BA-Shapes it alone reaches about 0.96), and random scores (mean of
    ``draws`` seeded draws, about 0.5).

    ``auroc_low, auroc_high``: α's AUROC's 95 % interval (Hanley–McNeil,
    :func:`gatviz.uncertainty.auroc_interval`; it treats the edges as independent).

    Returns:
        columns ``layer, head, mask, positives, auroc_attention, auroc_low, auroc_high,
        auroc_inverse_degree, auroc_random``; ``head`` is a head index or ``'mean'``. Empty
        without ground truth.
    """
    rows = []
    n = dataset.num_nodes
    edge_index = dataset.data.edge_index
    generator = torch.Generator().manual_seed(seed)
    for layer, (layer_edges, alpha) in enumerate(attention):
        position = edge_positions(layer_edges, edge_index, n)
        scored = (position >= 0) & (edge_index[0] != edge_index[1])
        alpha_edges = alpha[position[scored]]
        count = attended_count(layer_edges, n)
        inverse_degree = 1.0 / count[edge_index[1, scored]].double()
        for name, mask in dataset.edge_masks.items():
            positive = mask[scored].numpy().astype(bool)
            if name in DOWN_WEIGHTED_MASKS:
                positive = ~positive
            label = f"not {name}" if name in DOWN_WEIGHTED_MASKS else name
            base = {
                "layer": layer,
                "mask": label,
                "positives": int(positive.sum()),
                "auroc_inverse_degree": auroc(inverse_degree.numpy(), positive),
                "auroc_random": float(
                    np.mean(
                        [
                            auroc(torch.rand(positive.size, generator=generator).numpy(), positive)
                            for _ in range(draws)
                        ]
                    )
                ),
            }
            scores = [("mean", alpha_edges.mean(1))] + [
                (h, alpha_edges[:, h]) for h in range(alpha.size(1))
            ]
            positives, negatives = int(positive.sum()), int(positive.size - positive.sum())
            for head, score in scores:
                value = auroc(score.numpy(), positive)
                low, high = auroc_interval(value, positives, negatives)
                rows.append(
                    {
                        **base,
                        "head": head,
                        "auroc_attention": value,
                        "auroc_low": low,
                        "auroc_high": high,
                    }
                )
    columns = [
        "layer",
        "head",
        "mask",
        "positives",
        "auroc_attention",
        "auroc_low",
        "auroc_high",
        "auroc_inverse_degree",
        "auroc_random",
    ]
    return pd.DataFrame(rows, columns=columns)


def compare_attention(
    first: list[LayerAttention], second: list[LayerAttention], num_nodes: int
) -> pd.DataFrame:
    """Per-node JS divergence between two models' attention (each averaged over its heads).

    Both must attend over the same edges in a layer (same graph, same self-loop setting); layers
    only one model has are skipped.

    Returns:
        columns ``layer, node, js``
    """
    frames = []
    for layer, (a, b) in enumerate(zip(first, second)):
        position = edge_positions(b.edge_index, a.edge_index, num_nodes)
        if a.edge_index.size(1) != b.edge_index.size(1) or bool((position < 0).any()):
            raise GatvizError(
                f"layer {layer} of the two models attends over different edges "
                "(another graph or another self-loop setting); compare models "
                "trained on the same dataset with the same self-loop setting"
            )
        p = a.alpha.double().mean(1, keepdim=True)
        q = b.alpha.double()[position].mean(1, keepdim=True)
        target = a.edge_index[1]
        js = _js(p, q, target, num_nodes)[:, 0]
        nodes = (attended_count(a.edge_index, num_nodes) > 0).nonzero().flatten()
        frames.append(
            pd.DataFrame({"layer": layer, "node": nodes.numpy(), "js": js[nodes].numpy()})
        )
    return pd.concat(frames, ignore_index=True)
