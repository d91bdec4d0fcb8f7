import math

import pytest

import torch

from gatviz.config import ModelConfig, TrainConfig
from gatviz.training import predict, train


def test_same_seed_same_run(karate):
    config = TrainConfig(epochs=15, seed=3)
    a, b = train(karate, train_config=config), train(karate, train_config=config)
    assert a.history == b.history
    for p, q in zip(a.model.parameters(), b.model.parameters()):
        assert torch.equal(p, q)
    c = train(karate, train_config=TrainConfig(epochs=15, seed=4))
    assert a.history != c.history


def test_patience_zero_runs_every_epoch_and_early_stopping_stops(karate):
    assert len(train(karate, train_config=TrainConfig(epochs=40, patience=0)).history) == 40
    short = train(karate, train_config=TrainConfig(epochs=400, patience=5))
    assert len(short.history) < 400
    assert len(short.history) - short.best_epoch == 5


def test_callback_sees_every_epoch_and_can_stop(karate):
    seen = []

    def on_epoch(stats):
        seen.append(stats)
        return stats.epoch < 7

    result = train(karate, train_config=TrainConfig(epochs=50), on_epoch=on_epoch)
    assert [s.epoch for s in seen] == list(range(1, 8)) and len(result.history) == 7
    assert all(0 <= s.train_acc <= 1 and not math.isnan(s.train_loss) for s in seen)


def test_best_weights_are_restored(karate):
    result = train(karate, train_config=TrainConfig(epochs=60, patience=0))
    best = result.history[result.best_epoch - 1]
    assert best.val_acc == max(s.val_acc for s in result.history)
    pred, prob = predict(result.model, karate)
    test = karate.data.test_mask
    assert (pred[test] == karate.data.y[test]).float().mean().item() == pytest.approx(best.test_acc)
    assert torch.allclose(prob.sum(1), torch.ones(karate.num_nodes))


def test_every_model_option_trains(tiny):
    for config in (
        ModelConfig(conv="gatv2", residual="layer", layers=3),
        ModelConfig(out_concat=True, out_heads=2, residual="input"),
        ModelConfig(self_loops=False, activation="gelu", layers=1),
    ):
        result = train(tiny, config, TrainConfig(epochs=3))
        assert len(result.history) == 3


def test_cora_reaches_paper_accuracy(cora):
    # One seed of the reference recipe; the benchmark averages five.
    result = train(cora, ModelConfig(), TrainConfig(epochs=200, patience=0, seed=0))
    assert result.metrics["test_acc"] >= 0.80


def test_attention_snapshots_are_evenly_spaced_and_bounded(karate, monkeypatch):
    result = train(karate, train_config=TrainConfig(epochs=40, patience=0, snapshots=5))
    assert [s.epoch for s in result.snapshots] == [0, 10, 20, 30, 40]
    first, last = result.snapshots[0].attention, result.snapshots[-1].attention
    assert len(first) == 2 and first[0].alpha.shape == last[0].alpha.shape
    assert not torch.equal(first[0].alpha, last[0].alpha)  # training moved α
    sums = torch.zeros(karate.num_nodes).index_add_(0, last[1].edge_index[1], last[1].alpha[:, 0])
    assert torch.allclose(sums, torch.ones(karate.num_nodes), atol=1e-5)
    assert not train(karate, train_config=TrainConfig(epochs=3, snapshots=0)).snapshots

    import gatviz.training as training

    monkeypatch.setattr(training, "MAX_SNAPSHOT_VALUES", 1000)
    big = train(karate, train_config=TrainConfig(epochs=3))
    assert not big.snapshots and "no α snapshots" in big.snapshot_note


def test_training_that_diverges_stops_with_a_message(karate, monkeypatch):
    from gatviz import training
    from gatviz.errors import TrainingError

    cross_entropy = training.F.cross_entropy
    monkeypatch.setattr(
        training.F, "cross_entropy", lambda *a, **k: cross_entropy(*a, **k) * float("nan")
    )
    with pytest.raises(TrainingError, match="training diverged at epoch 1: the loss became nan"):
        training.train(karate)


def test_one_batch_with_every_neighbour_is_the_full_batch_step():
    """fanout 0 takes every in-edge of the L-hop field: the gradient is the full graph's."""
    from gatviz.datasets import load_dataset

    dataset = load_dataset("planted")
    model_config = ModelConfig(dropout=0.0, attn_dropout=0.0)
    full = train(dataset, model_config, TrainConfig(epochs=3, patience=0, snapshots=0))
    batched = train(
        dataset,
        model_config,
        TrainConfig(epochs=3, patience=0, snapshots=0, batch_size=10_000, fanout=0),
    )
    for (name, a), b in zip(full.model.state_dict().items(), batched.model.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-5), name
    assert [round(s.train_loss, 5) for s in full.history] == [
        round(s.train_loss, 5) for s in batched.history
    ]


def test_a_batch_on_its_neighbourhood_gives_the_full_graph_logits():
    from gatviz.datasets import load_dataset
    from gatviz.neighbourhood import sample_subgraph
    from gatviz.training import model_input

    dataset = load_dataset("ba-shapes")
    model = train(dataset, ModelConfig(layers=3), TrainConfig(epochs=2, snapshots=0)).model
    with torch.no_grad():
        whole = model(model_input(dataset.data.x, torch.device("cpu")), dataset.data.edge_index)
        batch = torch.tensor([3, 40, 41, 300, 555])
        sub = sample_subgraph(dataset.in_edges, batch, fanout=0, hops=3)
        local = model(model_input(dataset.data.x[sub.nodes], torch.device("cpu")), sub.edge_index)
    assert torch.equal(sub.nodes[:5], batch)
    assert torch.allclose(local[:5], whole[batch], atol=1e-5)


def test_mini_batch_training_with_sampling_learns_and_repeats():
    from gatviz.datasets import load_dataset

    dataset = load_dataset("planted")
    config = TrainConfig(epochs=40, patience=0, snapshots=0, batch_size=32, fanout=3, seed=4)
    first, second = train(dataset, train_config=config), train(dataset, train_config=config)
    assert first.metrics == second.metrics
    full = train(dataset, train_config=TrainConfig(epochs=40, patience=0, snapshots=0, seed=4))
    assert first.metrics["val_acc"] >= full.metrics["val_acc"] - 0.1
    assert first.metrics["val_acc"] > 0.5  # four classes: chance is 0.25


@pytest.mark.parametrize(
    "config",
    [
        ModelConfig(),
        ModelConfig(layers=3, residual="layer", conv="gatv2", heads=3),
        ModelConfig(residual="input", out_heads=2, out_concat=True),
        ModelConfig(self_loops=False, activation="relu"),
    ],
)
def test_chunked_inference_equals_the_whole_graph_pass(config):
    from gatviz import layerwise
    from gatviz.datasets import load_dataset
    from gatviz.training import chunked_logits, model_input

    dataset = load_dataset("planted")
    model = train(dataset, config, TrainConfig(epochs=5, snapshots=0)).model
    cpu = torch.device("cpu")
    with torch.no_grad():
        whole = model(model_input(dataset.data.x, cpu), dataset.data.edge_index)
    assert all(layerwise.supports(conv) for conv in model.convs)  # projected once per layer
    for chunk_edges in (7, 100, 10**9):  # many chunks, a few, one
        assert torch.allclose(chunked_logits(model, dataset, cpu, chunk_edges), whole, atol=1e-5)
    # A layer with a propagate hook runs its own forward on each chunk's gathered inputs.
    handle = model.convs[0].register_propagate_forward_hook(lambda *args: None)
    try:
        assert not layerwise.supports(model.convs[0])
        assert torch.allclose(chunked_logits(model, dataset, cpu, 100), whole, atol=1e-5)
    finally:
        handle.remove()


def test_predict_on_a_big_graph_goes_chunk_by_chunk(monkeypatch):
    from gatviz import training
    from gatviz.datasets import load_dataset

    dataset = load_dataset("planted")
    model = train(dataset, train_config=TrainConfig(epochs=3, snapshots=0)).model
    whole = predict(model, dataset)
    calls = []
    chunked = training.chunked_logits
    monkeypatch.setattr(training, "CHUNK_EDGES", 50)
    monkeypatch.setattr(
        training,
        "chunked_logits",
        lambda *args, **kwargs: calls.append(1) or chunked(*args, **kwargs),
    )
    pred, prob = predict(model, dataset)
    assert calls and torch.equal(pred, whole[0]) and torch.allclose(prob, whole[1], atol=1e-6)


def test_a_big_feature_matrix_is_converted_once_and_dropped_with_it():
    """model_input keeps the CSR copy of a whole dataset's features (every pass over Cora
    converted 15.5 MB again), equal to a fresh conversion, and lets it go with the tensor."""
    import gc

    from gatviz import training
    from gatviz.training import model_input

    cpu = torch.device("cpu")
    x = (torch.rand(2000, 600) < 0.02).float()
    first = model_input(x, cpu)
    assert first.layout == torch.sparse_csr and model_input(x, cpu) is first
    fresh = model_input(x[:1000], cpu)  # a cut: converted, not kept
    assert model_input(x[:1000], cpu) is not fresh
    assert torch.equal(fresh.to_dense(), x[:1000])
    key = id(x)
    del x, first
    gc.collect()
    assert key not in training._CONVERTED
