"""The model's embedding space: every node's last hidden representation projected to 2-D.

The representation is the input of the last GAT layer (for a one-layer model, the features
themselves). :func:`project` maps it to two dimensions with PCA (the default: exact, through the
SVD of the centred matrix, signs fixed so that a projection repeats), t-SNE (scikit-learn) or
UMAP (``pip install umap-learn``); :func:`embedding_table` adds what a point is coloured by:
true class, prediction, correct or wrong, and the last layer's attention entropy and KL from
uniform (mean over heads).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from gatviz.analysis import node_divergence
from gatviz.attention import dataset_attention, layer_inputs
from gatviz.datasets import GraphDataset
from gatviz.errors import GatvizError
from gatviz.model import GAT
from gatviz.training import predict

PROJECTIONS = ("pca", "tsne", "umap")
MAX_NONLINEAR_NODES = 20_000  # t-SNE and UMAP above this take minutes: PCA only


def hidden_embedding(model: GAT, dataset: GraphDataset) -> Tensor:
    """Every node's input to the last GAT layer, from one eval-mode pass. Shapes: (N, D)."""
    inputs = layer_inputs(model, dataset.data.x, dataset.data.edge_index)
    last = inputs[-1]
    last = last.to_dense() if last.layout != torch.strided else last
    return last.detach().cpu().double()


def project(embedding: Tensor, method: str = "pca", seed: int = 0) -> np.ndarray:
    """Two coordinates per row of ``embedding`` (N, D) -> (N, 2)."""
    if method not in PROJECTIONS:
        raise GatvizError(f"the projection must be one of {PROJECTIONS} (got {method!r})")
    n = embedding.size(0)
    if n < 3:
        raise GatvizError(f"a projection needs at least 3 nodes (got {n})")
    if method != "pca" and n > MAX_NONLINEAR_NODES:
        raise GatvizError(
            f"{method} on {n:,} nodes would take minutes; it is offered up to "
            f"{MAX_NONLINEAR_NODES:,} nodes: use PCA"
        )
    data = embedding.double()
    if method == "pca":
        centred = data - data.mean(0)
        _, _, vh = torch.linalg.svd(centred, full_matrices=False)
        components = vh[:2]
        if components.size(0) < 2:  # one feature: a second, empty axis
            components = torch.cat([components, torch.zeros_like(components)])
        # An SVD's signs are arbitrary: make each component's largest loading positive.
        signs = torch.sign(components.gather(1, components.abs().argmax(1, keepdim=True)))
        coords = centred @ (components * torch.where(signs == 0, 1.0, signs)).t()
        return coords.numpy()
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = float(min(30.0, (n - 1) / 3))
        tsne = TSNE(n_components=2, init="pca", random_state=seed, perplexity=perplexity)
        return tsne.fit_transform(data.numpy())
    try:
        import umap
    except ImportError as error:
        raise GatvizError("UMAP needs the umap-learn package: pip install umap-learn") from error
    if not hasattr(umap, "UMAP"):  # PyPI's "umap" is another package, also imported as umap
        raise GatvizError(
            "the umap module installed is not umap-learn's (it has no UMAP): pip uninstall umap, "
            "then pip install umap-learn"
        )
    return umap.UMAP(n_components=2, random_state=seed).fit_transform(data.numpy())


def embedding_table(
    model: GAT, dataset: GraphDataset, method: str = "pca", seed: int = 0
) -> pd.DataFrame:
    """The projection with what colours each point, one row per node.

    Returns:
        columns ``node, x, y, label, prediction, correct, entropy, kl`` (``label`` -1 for an
        unlabelled node, ``correct`` None there; ``entropy`` is H / log|N(i)|, NaN for a node
        with one neighbour)
    """
    if dataset.task != "node":
        raise GatvizError(
            "the embedding view colours nodes by their class and prediction; this dataset's "
            f"task is {dataset.task}"
        )
    coords = project(hidden_embedding(model, dataset), method, seed)
    pred, _ = predict(model, dataset)
    divergence = node_divergence(dataset_attention(model, dataset), dataset.num_nodes)
    last = divergence[divergence["layer"] == divergence["layer"].max()]
    per_node = last.groupby("node")[["normalised_entropy", "kl_from_uniform"]].mean()
    per_node = per_node.reindex(range(dataset.num_nodes))
    y = dataset.data.y
    labelled = (y >= 0).numpy()
    correct = np.where(labelled, (pred == y).numpy(), None)
    return pd.DataFrame(
        {
            "node": np.arange(dataset.num_nodes),
            "x": coords[:, 0],
            "y": coords[:, 1],
            "label": y.numpy(),
            "prediction": pred.numpy(),
            "correct": correct,
            "entropy": per_node["normalised_entropy"].to_numpy(),
            "kl": per_node["kl_from_uniform"].to_numpy(),
        }
    )
