"""Notebook 04's playground, driven from Python: every control changes the result as it should."""
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
