"""Build the playgrounds of notebooks 01-03 from Python, turn every control and check the effect."""
import numpy as np
import pytest

from dlhelpers.experiments import backprop as bp


def final_loss(pg, n=10):
    return float(np.mean(pg.result.history["train_loss"][-n:]))


# --------------------------------------------------------------------------- notebook 01
def test_training_playground_01_controls():
    pg = bp.training_playground()
    assert pg.error is None and pg.n_updates == 1
    assert set(pg.controls) == {"lr", "weight_init_std", "dropout_ratio"}
    base = final_loss(pg)
    first_acc_small_init = pg.result.history["train_acc"][1]

    pg.controls["lr"].value = 0.001                      # too small: the loss barely moves
    assert pg.error is None and final_loss(pg) > base + 0.5
    pg.controls["lr"].value = 3.0                        # too large: loss jumps, ends at chance
    assert pg.error is None
    assert max(pg.result.history["train_loss"]) > 4 and pg.result.final_test_acc < 0.3
    pg.controls["lr"].value = 0.1

    pg.controls["weight_init_std"].scheme.value = "he"   # He starts learning at once
    assert pg.values["weight_init_std"] == "he"
    assert pg.result.history["train_acc"][1] > first_acc_small_init + 0.1

    before = pg.result.history["train_loss"]
    pg.controls["dropout_ratio"].value = 0.5
    assert pg.error is None and pg.values["dropout_ratio"] == 0.5
    assert pg.result.history["train_loss"] != before
    assert pg.result.trainer.network.use_dropout
    assert pg.figure is not None and pg.latency < 5


# --------------------------------------------------------------------------- notebook 02
from dlhelpers.experiments import optimizer_paths as op  # noqa: E402


def test_path_playground_controls():
    pg = op.optimizer_playground()
    assert pg.error is None and pg.result.y_sign_changes >= 25
    c = pg.controls
    for name in ("momentum", "nesterov", "adagrad", "rmsprop", "adam", "sgd"):
        c["optimizer"].value = name
        assert pg.error is None and pg.values["optimizer"] == name
    c["lr"].value = 0.1
    short = pg.result.distance
    c["lr"].value = 0.5                             # a larger learning rate moves the path further
    assert pg.result.distance > short
    c["lr"].value = 1.2                             # beyond 1, SGD diverges along y
    assert pg.result.diverged and "diverged" in pg.result.message and pg.error is None
    c["lr"].value = 0.95
    sgd_path = pg.result.path.copy()
    c["beta"].value = 0.5                           # SGD has no beta: same path, a note says so
    assert np.array_equal(pg.result.path, sgd_path) and "no momentum" in pg.result.message
    c["optimizer"].value = "momentum"
    c["lr"].value = 0.1
    damped = pg.result.path.copy()
    c["beta"].value = 0.9
    assert not np.allclose(pg.result.path, damped)
    assert damped[:, 0].max() < 0 < pg.result.path[:, 0].max()   # more momentum: overshoots in x
    c["start_x"].value = 5.0
    c["start_y"].value = -3.0
    assert tuple(pg.result.path[0]) == (5.0, -3.0)
    c["steps"].value = 60
    assert len(pg.result.path) == 61
    assert pg.figure is not None and pg.latency < 1.0


def test_mnist_optimizer_playground_controls():
    pg = op.mnist_optimizer_playground()
    assert set(pg.controls) == {"lr", "weight_init_std", "dropout_ratio", "optimizer"}
    assert pg.error is None
    pg.controls["optimizer"].value = "adam"         # lr 0.1 is far too large for Adam
    too_large = final_loss(pg)
    pg.controls["lr"].value = 0.001
    assert pg.error is None and final_loss(pg) < too_large - 0.2
    assert type(pg.result.trainer.optimizer).__name__ == "Adam"
    pg.controls["dropout_ratio"].value = 0.3
    assert pg.result.trainer.network.use_dropout and pg.error is None
    pg.controls["weight_init_std"].scheme.value = "xavier"
    assert pg.result.trainer.network.weight_init_std == "xavier"


# --------------------------------------------------------------------------- notebook 03
from dlhelpers.experiments import init_activations as ia  # noqa: E402


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
