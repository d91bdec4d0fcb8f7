import pytest
import torch

from gatviz.datasets import load_dataset
from gatviz.errors import DatasetError


def test_ba_shapes_has_house_motifs_and_is_seeded():
    a = load_dataset("ba-shapes", num_nodes=60, num_motifs=10, seed=1)
    b = load_dataset("ba-shapes", num_nodes=60, num_motifs=10, seed=1)
    c = load_dataset("ba-shapes", num_nodes=60, num_motifs=10, seed=2)
    assert a.num_nodes == 60 + 5 * 10
    assert torch.equal(a.data.edge_index, b.data.edge_index)
    assert not torch.equal(a.data.edge_index, c.data.edge_index)
    motif = a.edge_masks["motif"]
    src, dst = a.data.edge_index
    # Motif edges join motif nodes (label > 0) only; houses have 6 undirected edges each.
    assert bool((a.data.y[src[motif]] > 0).all() & (a.data.y[dst[motif]] > 0).all())
    assert int(motif.sum()) == 10 * 6 * 2


def test_planted_marks_exactly_the_cross_community_edges():
    d = load_dataset("planted", communities=3, size=30, p_in=0.2, noise=0.25, seed=5)
    src, dst = d.data.edge_index
    crossing = d.data.y[src] != d.data.y[dst]
    assert torch.equal(d.edge_masks["noise"], crossing)
    fraction = crossing.float().mean().item()
    assert abs(fraction - 0.25) < 0.02
    again = load_dataset("planted", communities=3, size=30, p_in=0.2, noise=0.25, seed=5)
    assert torch.equal(again.data.x, d.data.x)


def test_planted_without_noise_and_bad_parameters():
    clean = load_dataset("planted", noise=0.0)
    assert not clean.edge_masks["noise"].any()
    with pytest.raises(DatasetError, match="noise must be between 0.0 and 0.9"):
        load_dataset("planted", noise=1.5)


def test_dictionary_lookup_structure_and_labels():
    data = load_dataset("dictionary-lookup", k=4, graphs=3, seed=2)
    assert data.num_nodes == 3 * 8 and data.num_edges == 3 * 4 * 4 and data.num_classes == 4
    source, target = data.data.edge_index
    x, y = data.data.x, data.data.y
    is_query = x[:, -1] > 0
    assert bool((~is_query[source]).all() & is_query[target].all())  # keys -> queries only
    assert bool((y[~is_query] == -1).all() & (y[is_query] >= 0).all())
    attribute, value = x[:, :4].argmax(1), x[:, 4:8].argmax(1)
    lookup = data.edge_masks["lookup"]
    assert torch.equal(lookup, attribute[source] == attribute[target])
    # Each query has exactly one matching key, and its label is that key's value.
    assert torch.equal(
        torch.bincount(target[lookup], minlength=24)[is_query], torch.ones(12, dtype=torch.long)
    )
    assert torch.equal(y[target[lookup]], value[source[lookup]])
    assert torch.equal(load_dataset("dictionary-lookup", k=4, graphs=3, seed=2).data.x, x)
    with pytest.raises(DatasetError, match="k must be between"):
        load_dataset("dictionary-lookup", k=1)
