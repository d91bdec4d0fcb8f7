"""gatviz.embedding: the last hidden layer, PCA equal to an independent SVD-free computation,
repeatable projections, and refusals that say what to do."""

import numpy as np
import pytest
import torch

from gatviz.embedding import embedding_table, hidden_embedding, project
from gatviz.errors import GatvizError


def test_pca_equals_the_top_two_eigenvectors_of_the_covariance(karate, karate_trained):
    model = karate_trained[0].model
    hidden = hidden_embedding(model, karate)
    assert hidden.shape == (34, model.config.hidden * model.config.heads)
    coords = project(hidden, "pca")
    centred = (hidden - hidden.mean(0)).numpy()
    values, vectors = np.linalg.eigh(centred.T @ centred)
    top = vectors[:, ::-1][:, :2]
    for k in range(2):  # equal up to the sign of each axis
        other = centred @ top[:, k]
        assert np.allclose(np.abs(coords[:, k]), np.abs(other), atol=1e-8)
    assert np.array_equal(coords, project(hidden, "pca"))  # repeatable, signs fixed


def test_the_table_colours_each_node_and_tsne_is_seeded(karate, karate_trained):
    model = karate_trained[0].model
    table = embedding_table(model, karate)
    assert list(table.columns) == [
        "node",
        "x",
        "y",
        "label",
        "prediction",
        "correct",
        "entropy",
        "kl",
    ]
    assert len(table) == 34 and table["correct"].isin([True, False]).all()
    assert (table["kl"] >= -1e-9).all()
    hidden = hidden_embedding(model, karate)
    assert np.array_equal(project(hidden, "tsne", seed=1), project(hidden, "tsne", seed=1))


def test_projections_refuse_what_they_cannot_do(karate, karate_trained, monkeypatch):
    import gatviz.embedding as embedding

    with pytest.raises(GatvizError, match="the projection must be one of"):
        project(torch.rand(10, 4), "mds")
    with pytest.raises(GatvizError, match="at least 3 nodes"):
        project(torch.rand(2, 4))
    monkeypatch.setattr(embedding, "MAX_NONLINEAR_NODES", 5)
    with pytest.raises(GatvizError, match="use PCA"):
        project(torch.rand(10, 4), "tsne")
    monkeypatch.setitem(__import__("sys").modules, "umap", None)
    with pytest.raises(GatvizError, match="pip install umap-learn"):
        project(torch.rand(4, 4), "umap")
    # PyPI's unrelated "umap" package imports as umap too, without UMAP.
    import types

    monkeypatch.setitem(__import__("sys").modules, "umap", types.ModuleType("umap"))
    with pytest.raises(GatvizError, match="not umap-learn's"):
        project(torch.rand(4, 4), "umap")
