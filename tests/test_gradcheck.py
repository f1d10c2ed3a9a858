"""The gradient-check report: strict where it must be, no false alarms on correct float64 nets."""
import re
import warnings

import numpy as np
import pytest

from dlhelpers.gradcheck import (GradientCheck, check_layer_gradients, check_network_gradients,
                                 compare_gradients, rel_error)
from dlhelpers.layers import Affine, Sigmoid
from dlhelpers.network import MultiLayerNet


def test_rel_error_keeps_its_floor_at_1e_8():
    # Small gradients must still be compared relatively: a floor raised to 1e-2 would turn
    # this 1/3 into 1e-4 and let a wrong gradient pass.
    assert rel_error(np.array([1e-6]), np.array([2e-6])) == pytest.approx(1 / 3)
    assert rel_error(np.array([0.0]), np.array([1e-9])) == pytest.approx(0.1)   # 1e-9 / 1e-8
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) == pytest.approx(0.2 / 4.2)


def test_compare_gradients_without_atol_is_rel_error_and_with_atol_still_catches_bugs():
    rng = np.random.default_rng(0)
    g = 1e-4 * rng.standard_normal(50)
    noisy = g + 1e-11 * rng.standard_normal(50)         # round-off of a float64 central difference
    assert compare_gradients({"w": g}, {"w": noisy})["w"] == pytest.approx(rel_error(g, noisy))
    assert compare_gradients({"w": g}, {"w": noisy}, atol=5e-10).passed
    assert not compare_gradients({"w": g}, {"w": 1.1 * g}, atol=5e-10).passed   # 10 % off: a bug
    with pytest.raises(ValueError, match="same names"):
        compare_gradients({"w": g}, {"v": g})


def test_report_prints_one_banded_line_per_name_and_reads_like_a_dict():
    report = GradientCheck({"W1": 3.14e-8, "W0": 4e-9, "b1": 0.0, "W2": 0.2},
                           {"W1": 1.0, "W0": 1.0, "b1": 1e-17, "W2": 1.0},
                           {"W1": 1.0, "W0": 1.0, "b1": 2e-11, "W2": 1.0}, threshold=1e-7, atol=5e-10)
    assert str(report).splitlines() == ["    W1  rel. error < 1e-07  ok",
                                        "    W0  rel. error < 1e-08  ok",
                                        "    b1  gradient ~0 (|backprop| and |numerical| below round-off)  ok",
                                        "    W2  rel. error ~2e-01  CHECK THIS"]
    assert list(report) == ["W1", "W0", "b1", "W2"] and report["W2"] == 0.2 and max(report.values()) == 0.2
    assert report.failed == ["W2"] and not report.passed


@pytest.mark.parametrize("err", [1e-12, 2e-9, 9.9e-9])
def test_a_passing_line_is_the_same_whatever_its_last_digits(err):
    lines = {GradientCheck({"W": e}, {"W": 1.0}, {"W": 1.0}, threshold=1e-7, atol=0).line("W")
             for e in (err, err * 0.7, err * 1.01)}
    assert lines == {"     W  rel. error < 1e-08  ok"}


def bn_net(seed):
    rng = np.random.default_rng(seed)
    net = MultiLayerNet(12, [6, 6], 3, use_batchnorm=True, weight_init_std=0.5, seed=seed, dtype=np.float64)
    return net, rng.standard_normal((8, 12)), rng.integers(0, 3, 8)


@pytest.mark.parametrize("seed", range(4))
def test_a_bias_before_batch_norm_is_reported_as_zero_gradient_not_as_an_error(seed):
    net, x, t = bn_net(seed)
    report = check_network_gradients(net, x, t)
    assert report.passed, str(report)
    assert report.zero == {k: k in ("b1", "b2") for k in net.params}
    assert "gradient ~0" in report.line("b1") and report.line("b1").endswith("ok")


@pytest.mark.parametrize("seed", range(4))
def test_tanh_net_on_mnist_like_input_has_no_false_alarm(seed):
    rng = np.random.default_rng(seed)
    x = np.where(rng.random((3, 40)) < 0.7, 0.0, rng.random((3, 40)))   # mostly-zero pixels
    net = MultiLayerNet(40, [10], 10, activation="tanh", weight_init_std="xavier", seed=seed,
                        dtype=np.float64)
    net.params["b1"][...] = 0.1 * rng.standard_normal(10)
    report = check_network_gradients(net, x, rng.integers(0, 10, 3))
    assert report.passed, str(report)


def test_a_wrong_network_gradient_is_caught():
    net, x, t = bn_net(0)
    correct = net.gradient

    def off_by_two(x, t):   # e.g. a forgotten 1/N with N = 2 in one parameter
        grads = correct(x, t)
        grads["W3"] = 2 * grads["W3"]
        return grads
    net.gradient = off_by_two
    report = check_network_gradients(net, x, t)
    assert report.failed == ["W3"] and report["W3"] > 0.3
    assert "CHECK THIS" in report.line("W3")


def test_float32_input_or_parameters_give_a_warning_that_names_the_argument():
    rng = np.random.default_rng(0)
    layer = Affine(rng.standard_normal((4, 3)), rng.standard_normal(3))
    x64, dout = rng.standard_normal((2, 4)), rng.standard_normal((2, 3))
    layer32 = Affine(layer.W.astype(np.float32), layer.b.astype(np.float32))  # layers refuse mixed dtypes
    with pytest.warns(UserWarning, match=r"^x is float32: a gradient check needs float64"):
        check_layer_gradients(layer32, x64.astype(np.float32), dout)
    with pytest.warns(UserWarning, match=r"layer parameter W is float32"):
        check_layer_gradients(layer32, x64.astype(np.float32), dout)
    net = MultiLayerNet(4, [3], 2, seed=0)     # float32 by default
    with pytest.warns(UserWarning, match=re.escape("network (parameters W1, b1, W2, b2) is float32")):
        check_network_gradients(net, x64, np.array([0, 1]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")        # float64 everywhere: silent
        assert check_layer_gradients(Sigmoid(), x64, rng.standard_normal((2, 4))).passed
    with pytest.raises(TypeError, match="dout must be a float NumPy array"):
        check_layer_gradients(Sigmoid(), x64, [[1.0] * 4] * 2)
