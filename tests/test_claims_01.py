"""Notebook 01's claims, asserted with the functions and settings the notebook uses."""
import numpy as np
import pytest

from dlhelpers import MultiLayerNet, Trainer, load_mnist
from dlhelpers.experiments import backprop as bp
from dlhelpers.gradcheck import compare_gradients
from dlhelpers.training import blas_thread_limit


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()



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
    report = bp.network_gradient_errors(x[:3], t[:3], hidden_size_list=[10], seed=0)
    assert set(report) == {"W1", "b1", "W2", "b2"}
    assert report.passed and max(report.values()) < 1e-7
    assert str(report).count("ok") == 4
    for layer, errs in bp.layer_gradient_errors(seed=0).items():
        assert errs.passed and max(errs.values()) < 1e-7, layer


def test_gradient_check_catches_a_wrong_gradient(mnist):
    (x, t), _ = mnist
    net = MultiLayerNet(784, [10], 10, seed=0, dtype=np.float64)
    x64 = x[:3].astype(np.float64)
    backprop = net.gradient(x64, t[:3])
    numeric = net.numerical_gradient(x64, t[:3])
    report = compare_gradients({"W2": 2 * backprop["W2"]}, numeric={"W2": numeric["W2"]})
    assert report["W2"] > 0.3   # e.g. a forgotten 1/N with N = 2
    assert "CHECK THIS" in str(report)


def test_accuracy_is_a_step_function_while_the_loss_is_smooth(mnist):
    (x, t), _ = mnist
    net = MultiLayerNet(784, [50], 10, weight_init_std="he", seed=1)
    along = bp.loss_along_direction(net, x[:200], t[:200], np.linspace(-0.5, 0.5, 101))
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
    trainer = Trainer(net, x, t, x_test=xt, t_test=tt, epochs=20, mini_batch_size=100, optimizer="sgd",
                      optimizer_param={"lr": 0.1}, seed=42, verbose=False, progress=False)
    h = trainer.train()
    assert h["train_loss"][0] > 2.2 and np.mean(h["train_loss"][-40:]) < 0.4
    assert h["test_acc"][-1] > 0.85 and h["train_acc"][-1] > 0.9
    assert h["train_acc"][-1] - h["test_acc"][-1] < 0.1
