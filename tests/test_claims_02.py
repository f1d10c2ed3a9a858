"""Notebook 02's claims, asserted with the functions and settings the notebook uses."""
import numpy as np
import pytest

from dlhelpers import load_mnist
from dlhelpers.experiments import optimizer_paths as op


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()





def test_sgd_zigzags_on_the_anisotropic_bowl_and_the_others_much_less():
    paths = op.book_paths(steps=30)
    changes = {name: op.sign_changes(p[:, 1]) for name, p in paths.items()}
    assert changes["SGD"] >= 25                       # a sign change at (almost) every step
    for name in ("Momentum", "Nesterov", "Adam"):
        assert changes[name] <= 5, name
    assert changes["AdaGrad"] == 0 and changes["RMSprop"] == 0
    assert paths["SGD"].shape == (31, 2) and tuple(paths["SGD"][0]) == op.START


@pytest.mark.parametrize("lr", [0.1, 0.2, 0.3])
def test_momentum_and_adam_reach_smaller_f_than_sgd_at_the_same_learning_rate(lr):
    sweep = op.lr_sweep(names=("sgd", "momentum", "nesterov", "adam"), lrs=[lr], steps=30)
    assert sweep["momentum"][0] < sweep["sgd"][0]
    assert sweep["nesterov"][0] < sweep["sgd"][0]
    assert sweep["adam"][0] < sweep["sgd"][0]
    if lr <= 0.2:  # one to two orders of magnitude for the momentum methods
        assert sweep["momentum"][0] < sweep["sgd"][0] / 7


def test_sgd_learning_rate_is_capped_by_the_steep_direction():
    sweep = op.lr_sweep(names=("sgd",), lrs=[0.5, 0.95, 1.05], steps=200)["sgd"]
    assert sweep[0] < 1e-3 and sweep[1] < 1e-3
    assert not np.isfinite(sweep[2]) or sweep[2] > 1e3


def test_adagrad_step_vanishes_while_rmsprop_and_adam_keep_theirs():
    s = op.constant_gradient_steps(("adagrad", "rmsprop", "adam"), lr=0.1, steps=200)
    assert s["adagrad"][99] == pytest.approx(s["adagrad"][0] / 10, rel=1e-3)
    assert np.all(np.diff(s["adagrad"]) < 0)
    assert s["rmsprop"][199] > 0.09 and s["adam"][199] == pytest.approx(0.1, rel=1e-3)


def test_learning_rate_decay_beats_both_constant_rates():
    runs = op.noisy_decay_comparison(lr=0.5, small_lr=0.05, epochs=40, steps_per_epoch=10)
    big, small, step, expo = (runs[k]["f"] for k in runs)
    assert big[49] < small[49] / 2                  # a large rate starts fast...
    assert big[-1] > 0.5 * big[99]                  # ...then stalls at its noise floor
    for decayed in (step, expo):
        assert decayed[-1] < big[-1] / 5 and decayed[-1] < small[-1]
    assert runs["step decay from 0.5"]["lr"][-1] == pytest.approx(0.5 * 0.3 ** 3)


def test_plain_sgd_is_the_slowest_start_on_mnist(mnist):
    from dlhelpers.experiments.mnist_compare import compare_on_mnist
    settings = {k: op.MNIST_SETTINGS[k] for k in ("SGD", "Momentum", "Adam")}
    race = compare_on_mnist(settings, iterations=250, data=mnist)
    early = {k: float(np.mean(v[100:250])) for k, v in race.losses.items()}
    assert max(early, key=early.get) == "SGD"
    assert early["SGD"] > 2 * early["Adam"] and early["SGD"] > 2 * early["Momentum"]
    # identical start: every network saw the same first batch with the same weights
    first = {k: v[0] for k, v in race.losses.items()}
    assert max(first.values()) - min(first.values()) < 1e-6
