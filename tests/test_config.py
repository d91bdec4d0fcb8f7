import pytest

from gatviz.config import ModelConfig, TrainConfig
from gatviz.errors import ConfigError


def test_defaults_are_the_pyg_reference():
    model, training = ModelConfig(), TrainConfig()
    assert (model.layers, model.hidden, model.heads, model.out_heads) == (2, 8, 8, 1)
    assert (model.dropout, model.attn_dropout, model.out_concat) == (0.6, 0.6, False)
    assert (training.lr, training.weight_decay, training.epochs) == (0.005, 5e-4, 200)
    assert model.layer_heads() == [8, 1]


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"residual": "yes"}, "residual must be one of {'none', 'layer', 'input'} (got 'yes')"),
        ({"layers": 5}, "layers must be between 1 and 4 (got 5)"),
        ({"heads": 2.5}, "heads must be a whole number"),
        ({"dropout": "0.5"}, "dropout must be a number"),
        ({"self_loops": "no"}, "self_loops must be true or false"),
        ({"conv": "gcn"}, "conv must be one of"),
    ],
)
def test_model_config_rejects_bad_settings(kwargs, fragment):
    with pytest.raises(ConfigError) as error:
        ModelConfig(**kwargs)
    assert fragment in str(error.value)


def test_train_config_rejects_bad_settings():
    with pytest.raises(ConfigError, match="patience must be between 0"):
        TrainConfig(patience=-1)
    with pytest.raises(ConfigError, match="device must be one of"):
        TrainConfig(device="tpu")


def test_round_trip_and_unknown_keys():
    config = ModelConfig(layers=3, conv="gatv2", residual="input")
    assert ModelConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match="has no setting"):
        ModelConfig.from_dict({**config.to_dict(), "evil": 1})
