"""The claims notebooks 01-03 make, asserted with the functions the notebooks call."""
import numpy as np
import pytest

from dlhelpers import MultiLayerNet, Trainer, load_mnist
from dlhelpers.experiments import backprop as bp
from dlhelpers.training import blas_thread_limit


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


# --------------------------------------------------------------------------- notebook 01
def test_multiply_node_swaps_inputs_and_add_node_passes_through():
    mul, add = bp.MulNode(), bp.AddNode()
    mul.forward(3.0, 5.0)
    assert mul.backward(2.0) == (10.0, 6.0)        # dx = dout * y, dy = dout * x
    assert add.backward(2.0) == (2.0, 2.0)
    v = bp.fruit_example()
    assert v["price"] == pytest.approx(715.0)
    assert v["d_apple"] == pytest.approx(2.2) and v["d_n_apple"] == pytest.approx(110.0)
    assert v["d_orange"] == pytest.approx(3.3) and v["d_n_orange"] == pytest.approx(165.0)
    assert v["d_tax"] == pytest.approx(650.0)


def test_backprop_agrees_with_numerical_gradient(mnist):
    (x, t), _ = mnist
    errors = bp.network_gradient_errors(x[:3], t[:3], hidden_size=10, seed=0)
    assert set(errors) == {"W1", "b1", "W2", "b2"}
    assert max(errors.values()) < 1e-6
    assert "✘" not in bp.gradient_check_verdicts(errors, threshold=1e-6)
    for layer, errs in bp.layer_gradient_errors(seed=0).items():
        assert max(errs.values()) < 1e-7, layer


def test_gradient_check_catches_a_wrong_gradient(mnist):
    (x, t), _ = mnist
    net = MultiLayerNet(784, [10], 10, seed=0, dtype=np.float64)
    x64 = x[:3].astype(np.float64)
    backprop = net.gradient(x64, t[:3])
    numeric = net.numerical_gradient(x64, t[:3])
    from dlhelpers import rel_error
    assert rel_error(2 * backprop["W2"], numeric["W2"]) > 0.3   # e.g. a forgotten 1/N with N = 2
    verdict = bp.gradient_check_verdicts({"W2": rel_error(2 * backprop["W2"], numeric["W2"])}, 1e-6)
    assert "✘" in verdict


def test_accuracy_is_a_step_function_while_the_loss_is_smooth(mnist):
    (x, t), _ = mnist
    net = MultiLayerNet(784, [50], 10, weight_init_std="he", seed=1)
    along = bp.loss_along_direction(net, x[:200], t[:200], np.linspace(-0.5, 0.5, 201))
    assert np.mean(np.diff(along["accuracy"]) == 0) > 0.6
    assert np.mean(np.diff(along["loss"]) == 0) == 0
    # the weights are restored afterwards
    net2 = MultiLayerNet(784, [50], 10, weight_init_std="he", seed=1)
    assert np.array_equal(net.params["W1"], net2.params["W1"])


def test_central_difference_beats_forward_difference():
    e = bp.difference_errors(np.sin, np.cos, 1.0, np.logspace(-14, -1, 53))
    i = np.argmin(np.abs(e["h"] - 1e-4))
    assert e["central"][i] < e["forward"][i] / 100
    assert 1e-7 < e["h"][np.argmin(e["central"])] < 1e-3
    # error orders at large h: forward ~ h, central ~ h^2
    big = e["h"] > 1e-4
    slope_f = np.polyfit(np.log10(e["h"][big]), np.log10(e["forward"][big]), 1)[0]
    slope_c = np.polyfit(np.log10(e["h"][big]), np.log10(e["central"][big]), 1)[0]
    assert slope_f == pytest.approx(1, abs=0.15) and slope_c == pytest.approx(2, abs=0.15)


def test_learning_rate_on_the_bowl():
    grad = lambda p: 2 * p  # noqa: E731
    dist = {lr: np.linalg.norm(bp.gradient_descent_path(grad, (-3.0, 4.0), lr, 20)[-1])
            for lr in (0.01, 0.1, 0.95, 1.02)}
    assert dist[0.1] < 0.1 < dist[0.95] < dist[0.01] < 5 < dist[1.02]


def test_numerical_gradient_is_far_slower_than_backprop(mnist):
    (x, t), _ = mnist
    net = MultiLayerNet(784, [50], 10, weight_init_std=0.01, seed=0)
    with blas_thread_limit(1):
        cost = bp.numerical_gradient_cost(net, x[:100], t[:100], n_probe=20)
    assert cost["n_params"] == 39760
    assert cost["ratio"] > 1000


def test_batches_raise_throughput(mnist):
    (x, t), _ = mnist
    net = MultiLayerNet(784, [50], 10, seed=0)
    with blas_thread_limit(1):
        speed = bp.throughput_by_batch_size(net, x, t, batch_sizes=(1, 100), n_samples=500)
    assert speed[100] > 5 * speed[1]


def test_two_layer_net_learns_mnist_in_twenty_epochs(mnist):
    (x, t), (xt, tt) = mnist
    net = MultiLayerNet(784, [50], 10, weight_init_std=0.01, seed=42)
    trainer = Trainer(net, x, t, xt, tt, epochs=20, mini_batch_size=100, optimizer="sgd",
                      optimizer_param={"lr": 0.1}, seed=42, verbose=False, progress=False)
    h = trainer.train()
    assert h["train_loss"][0] > 2.2 and np.mean(h["train_loss"][-40:]) < 0.4
    assert h["test_acc"][-1] > 0.85 and h["train_acc"][-1] > 0.9
    assert h["train_acc"][-1] - h["test_acc"][-1] < 0.1


# --------------------------------------------------------------------------- notebook 02
from dlhelpers.experiments import optimizer_paths as op  # noqa: E402


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
    settings = {k: op.MNIST_SETTINGS[k] for k in ("SGD", "Momentum", "AdaGrad", "Adam")}
    race = compare_on_mnist(settings, iterations=300, data=mnist)
    early = {k: float(np.mean(v[100:300])) for k, v in race.losses.items()}
    assert max(early, key=early.get) == "SGD"
    assert early["SGD"] > 2 * early["Adam"] and early["SGD"] > 2 * early["AdaGrad"]
    # identical start: every network saw the same first batch with the same weights
    first = {k: v[0] for k, v in race.losses.items()}
    assert max(first.values()) - min(first.values()) < 1e-6
