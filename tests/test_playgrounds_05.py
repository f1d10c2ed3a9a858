"""Notebook 05's playground, driven from Python: every control changes the result as it should."""
from dlhelpers.experiments import overfitting as overfit




def test_regularization_playground_controls():
    pg = overfit.regularization_playground()
    assert pg.error is None and pg.figure is not None and pg.values["epochs"] == 40
    pg.controls["epochs"].value = 20  # the rest of the test at half the cost
    base = pg.result
    assert len(base.history["train_acc"]) == 21
    assert base.history["train_acc"][-1] > 0.95 and base.gap > 0.1  # it overfits

    pg.controls["weight_decay_lambda"].value = 0.1
    assert pg.error is None and pg.values["weight_decay_lambda"] == 0.1
    assert pg.result.run.trainer.network.weight_decay_lambda == 0.1
    assert pg.result.gap < base.gap / 1.5

    pg.controls["weight_decay_lambda"].value = 0.0
    pg.controls["dropout_ratio"].value = 0.5  # underfits
    assert pg.error is None and pg.result.history["train_acc"][-1] < 0.8

    pg.controls["dropout_ratio"].value = 0.0
    pg.controls["lr"].value = 0.01  # the slow book rate: far from memorized after 20 epochs
    assert pg.result.history["train_acc"][-1] < base.history["train_acc"][-1] - 0.2

    pg.controls["weight_init_std"].scheme.value = "custom"  # std 0.01 stalls the 4-layer net
    assert pg.values["weight_init_std"] == 0.01 and pg.result.history["train_acc"][-1] < 0.2
    assert pg.error is None
