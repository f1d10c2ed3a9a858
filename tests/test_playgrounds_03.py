"""Notebook 03's playgrounds, driven from Python: every control changes the result as it should."""
import numpy as np
import pytest

from dlhelpers.experiments import init_activations as ia


def final_loss(pg, n=10):
    return float(np.mean(pg.result.history["train_loss"][-n:]))





def test_histogram_playground_controls():
    pg = ia.histogram_playground()
    assert pg.error is None and len(pg.result.acts) == 5
    assert ia.saturation_fraction(pg.result.acts)[-1] > 0.5          # sigmoid, std 1: saturated
    init = pg.controls["weight_init_std"]
    init.std.value = 0.01                                             # collapses to 0.5
    assert pg.error is None and pg.values["weight_init_std"] == pytest.approx(0.01)
    assert np.all(pg.result.stds < 0.03) and ia.saturation_fraction(pg.result.acts)[-1] == 0
    init.scheme.value = "xavier"
    assert pg.values["weight_init_std"] == "xavier" and pg.result.stds[-1] > 0.08
    pg.controls["activation"].value = "relu"
    xavier_relu = pg.result.stds[-1]
    init.scheme.value = "he"
    assert pg.result.stds[-1] > 2 * xavier_relu and "dead units" in pg.result.message
    pg.controls["n_layers"].value = 10
    assert len(pg.result.acts) == 10 and len(pg.figure.axes) == 10
    for name in ("tanh", "leaky_relu", "elu", "sigmoid"):
        pg.controls["activation"].value = name
        assert pg.error is None and pg.result.activation == name
    assert pg.latency < 2


def test_training_playground_03_controls():
    pg = ia.training_playground()
    assert {"lr", "weight_init_std", "dropout_ratio", "activation", "hidden_size_list"} <= set(pg.controls)
    assert pg.error is None and pg.result.final_test_acc > 0.7
    pg.controls["hidden_size_list"].value = (100, 100, 100, 100)
    he_acc = pg.result.final_test_acc
    assert pg.result.trainer.network.hidden_size_list == [100, 100, 100, 100]
    init = pg.controls["weight_init_std"]
    init.scheme.value = "custom"
    init.std.value = 0.01                                              # does not learn
    assert pg.error is None and pg.result.final_test_acc < 0.2 < he_acc - 0.4
    init.scheme.value = "he"
    pg.controls["activation"].value = "sigmoid"
    assert pg.result.trainer.network.activation == "sigmoid" and pg.error is None
    pg.controls["dropout_ratio"].value = 0.5
    assert pg.result.trainer.network.use_dropout and pg.error is None
