"""Playgrounds of notebooks 04-06, driven from Python: every control changes the result as it should."""
import pytest

from dlhelpers.experiments import batchnorm as bn_exp


@pytest.fixture(scope="module")
def bn_playground():
    return bn_exp.batchnorm_playground()


def test_bn_playground_default_shows_bn_learning_where_the_plain_net_cannot(bn_playground):
    pg = bn_playground
    assert pg.error is None and pg.figure is not None
    assert pg.values["weight_init_std"] == 0.01
    assert pg.result.bn.final_train_acc > 0.7
    assert pg.result.plain.final_train_acc < 0.2  # chance level at std 0.01
    assert "with BN" in pg.result.message and "no BN" in pg.result.message


def test_bn_playground_controls(bn_playground):
    pg = bn_playground
    controls = pg.controls
    n = pg.n_updates

    controls["n_layers"].value = 1  # one hidden layer: even std 0.01 trains without BN
    assert pg.error is None and pg.values["n_layers"] == 1
    assert pg.result.plain.final_train_acc > 0.25  # chance is 0.11; four layers stayed there
    assert len(pg.result.bn.trainer.network.hidden_size_list) == 1

    controls["weight_init_std"].scheme.value = "he"  # a good init: the plain net learns well
    assert pg.error is None and pg.values["weight_init_std"] == "he"
    assert pg.result.plain.final_train_acc > 0.6

    controls["n_layers"].value = 4
    controls["lr"].value = 3.0  # too large for the plain net, not for the BN net
    assert pg.error is None
    assert pg.result.plain.diverged and not pg.result.bn.diverged
    assert pg.result.diverged and "diverged" in pg.result.message

    controls["lr"].value = 0.1
    he_bn = pg.result.bn.final_train_acc
    controls["dropout_ratio"].value = 0.5  # dropout slows both down in 6 epochs
    assert pg.error is None and pg.result.bn.final_train_acc < he_bn - 0.05
    assert pg.result.bn.trainer.network.use_dropout
    assert pg.n_updates == n + 6


# ----------------------------------------------------------------------------- notebook 05
from dlhelpers.experiments import overfitting as overfit  # noqa: E402


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


# ----------------------------------------------------------------------------- notebook 06
from dlhelpers.experiments import search_demos as demos  # noqa: E402


def test_search_playground_controls():
    pg = demos.search_playground()
    assert pg.error is None and pg.figure is not None
    first = pg.result
    assert len(first.result) == 10 and first.result.ranges["lr"] == pytest.approx((1e-6, 1e-2))
    assert "your pick" in first.message

    pg.controls["n_trials"].value = 6
    assert len(pg.result.result) == 6
    assert pg.result.result.trials == first.result.trials[:6]  # trial i depends only on its index

    pg.controls["lr_exponents"].value = (-3.0, 0.0)  # move the range up: much better trials
    assert pg.error is None
    lrs = pg.result.result.values("lr")
    assert lrs.min() >= 1e-3 and lrs.max() <= 1.0
    assert pg.result.result.best_trial.score > first.result.best_trial.score + 0.2

    pg.controls["wd_exponents"].value = (-2.0, -1.0)  # strong weight decay everywhere
    assert pg.result.result.values("weight_decay_lambda").min() >= 1e-2

    pg.controls["lr"].value = 1e-5  # your pick: far too small to learn in 6 epochs
    assert pg.result.pick.params["lr"] == pytest.approx(1e-5) and pg.result.pick.score < 0.3
    pg.controls["weight_init_std"].scheme.value = "custom"
    assert pg.values["weight_init_std"] == 0.01
    pg.controls["dropout_ratio"].value = 0.5
    assert pg.error is None and pg.values["dropout_ratio"] == 0.5
    assert "updated in" in pg.status.value


def test_search_playground_pick_reuses_search_and_reports_divergence():
    pg = demos.search_playground()
    searched = pg.result.result
    pg.controls["lr"].value = 0.05  # only the pick changes: the search itself is reused
    assert pg.result.result is searched
    assert pg.result.pick.index == 10 and not pg.result.diverged
    assert "your pick:" in pg.result.message

    pg.controls["weight_init_std"].scheme.value = "custom"
    pg.controls["weight_init_std"].std.value = 10.0
    pg.controls["lr"].value = 1.0  # huge weights and the largest rate: the pick blows up
    assert pg.error is None
    assert pg.result.diverged and pg.result.pick.result["diverged"]
    assert "your pick diverged" in pg.result.message and "#b00020" in pg.status.value

    pg.controls["lr"].value = 0.01  # and the playground keeps working
    assert not pg.result.diverged and pg.error is None
