"""Notebook 02's playgrounds, driven from Python: every control changes the result as it should."""
import numpy as np

from dlhelpers.experiments import optimizer_paths as op


def final_loss(pg, n=10):
    return float(np.mean(pg.result.history["train_loss"][-n:]))





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
