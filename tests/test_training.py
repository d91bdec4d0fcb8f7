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
    for config in (ModelConfig(conv="gatv2", residual="layer", layers=3),
                   ModelConfig(out_concat=True, out_heads=2, residual="input"),
                   ModelConfig(self_loops=False, activation="gelu", layers=1)):
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
    monkeypatch.setattr(training.F, "cross_entropy",
                        lambda *a, **k: cross_entropy(*a, **k) * float("nan"))
    with pytest.raises(TrainingError, match="training diverged at epoch 1: the loss became nan"):
        training.train(karate)
