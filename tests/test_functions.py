"""Activations, softmax and losses: values, numerical stability, and numerical differentiation."""
import math

import numpy as np
import pytest

from dlhelpers.functions import (CROSS_ENTROPY_DELTA, cross_entropy_error, elu, leaky_relu,
                                 log_softmax, mean_squared_error, one_hot, relu, sigmoid,
                                 sigmoid_grad, softmax)
from dlhelpers.gradcheck import numerical_gradient, rel_error
from dlhelpers.layers import SoftmaxWithLoss

HUGE = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -3.0]])
FLOATS = [np.float32, np.float64]


# ---------------------------------------------------------------- values
def test_sigmoid_values_and_gradient():
    x = np.array([-2.0, 0.0, 3.0])
    expected = [1 / (1 + math.exp(2.0)), 0.5, 1 / (1 + math.exp(-3.0))]
    np.testing.assert_allclose(sigmoid(x), expected, rtol=1e-12)
    s = np.array(expected)
    np.testing.assert_allclose(sigmoid_grad(x), s * (1 - s), rtol=1e-12)


def test_relu_leaky_elu_values():
    x = np.array([-2.0, -0.5, 0.0, 1.5])
    np.testing.assert_array_equal(relu(x), [0, 0, 0, 1.5])
    np.testing.assert_allclose(leaky_relu(x, 0.1), [-0.2, -0.05, 0, 1.5])
    np.testing.assert_allclose(elu(x, 1.0), [math.exp(-2) - 1, math.exp(-0.5) - 1, 0, 1.5])


def test_softmax_rows_sum_to_one_and_match_definition():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(softmax(x)[0], e / e.sum(), rtol=1e-12)
    np.testing.assert_allclose(softmax(x)[1], [1 / 3] * 3, rtol=1e-12)
    np.testing.assert_allclose(np.exp(log_softmax(x)), softmax(x), rtol=1e-12)
    # a single vector is softmaxed over its own entries
    np.testing.assert_allclose(softmax(np.array([1.0, 2.0, 3.0])), e / e.sum(), rtol=1e-12)


def test_one_hot():
    np.testing.assert_array_equal(one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    assert one_hot(np.array([1]), 10).dtype == np.float32


# ---------------------------------------------------------------- stability
@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_is_finite_and_saturates_on_huge_inputs(dtype):
    x = np.array([-1e4, -1e3, 0.0, 1e3, 1e4], dtype=dtype)
    with np.errstate(all="raise"):  # no overflow warning either
        y = sigmoid(x)
    assert y.dtype == dtype
    assert np.all(np.isfinite(y))
    np.testing.assert_array_equal(y, np.array([0, 0, 0.5, 1, 1], dtype=dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_and_log_softmax_are_finite_on_huge_inputs(dtype):
    x = HUGE.astype(dtype)
    with np.errstate(over="raise", invalid="raise"):
        y = softmax(x)
        log_y = log_softmax(x)
    assert y.dtype == dtype and log_y.dtype == dtype
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(log_y))
    np.testing.assert_allclose(y.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(y[0], [1, 0, 0], atol=1e-6)
    np.testing.assert_allclose(y[2], [0.5, 0.5, 0], atol=1e-6)
    assert log_y[0, 1] == pytest.approx(-2e4, rel=1e-6)  # exact, not -inf


@pytest.mark.parametrize("dtype", FLOATS)
def test_cross_entropy_of_huge_scores_is_finite(dtype):
    y = softmax(HUGE.astype(dtype))
    t = np.array([1, 0, 2])  # the first and last rows put all mass on another class
    loss = cross_entropy_error(y, t)
    assert np.isfinite(loss)
    # each confidently wrong row costs -log(delta), the uniform row log 3
    expected = (-math.log(CROSS_ENTROPY_DELTA) * 2 + math.log(3)) / 3
    assert loss == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("labels", ["index", "one_hot"])
def test_softmax_with_loss_is_finite_on_huge_scores(dtype, labels):
    x = HUGE.astype(dtype)
    t = np.array([1, 0, 2])
    if labels == "one_hot":
        t = one_hot(t, 3, dtype)
    layer = SoftmaxWithLoss()
    with np.errstate(over="raise", invalid="raise"):
        loss = layer.forward(x, t)
        dx = layer.backward()
    # computed from log-softmax: the exact loss, far above the -log(delta) cap of cross_entropy_error
    assert loss == pytest.approx((2e4 + math.log(3) + (1e4 + 3 + math.log(2))) / 3, rel=1e-5)
    assert np.all(np.isfinite(dx)) and dx.dtype == dtype


# ---------------------------------------------------------------- losses
def test_cross_entropy_matches_definition_for_both_label_forms():
    y = np.array([[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]])
    t_idx = np.array([1, 2])
    t_hot = np.array([[0, 1, 0], [0, 0, 1]])
    expected = -(math.log(0.7 + 1e-7) + math.log(0.25 + 1e-7)) / 2
    assert cross_entropy_error(y, t_idx) == pytest.approx(expected, rel=1e-12)
    assert cross_entropy_error(y, t_hot) == pytest.approx(expected, rel=1e-12)
    # a single sample as a vector
    assert cross_entropy_error(y[0], t_hot[0]) == pytest.approx(-math.log(0.7 + 1e-7), rel=1e-12)


def test_cross_entropy_delta_keeps_log_zero_finite():
    y = np.array([[0.0, 1.0]])
    assert cross_entropy_error(y, np.array([0])) == pytest.approx(-math.log(1e-7), rel=1e-12)
    assert cross_entropy_error(y, np.array([0]), delta=1e-3) == pytest.approx(-math.log(1e-3), rel=1e-12)
    assert cross_entropy_error(y, np.array([1])) == pytest.approx(-math.log(1 + 1e-7), rel=1e-12)


def test_mean_squared_error_is_half_sum_of_squares_averaged_over_batch():
    y = np.array([[0.1, 0.6, 0.3], [0.2, 0.2, 0.6]])
    t = np.array([[0, 1, 0], [0, 0, 1]])
    first = 0.5 * (0.1 ** 2 + 0.4 ** 2 + 0.3 ** 2)
    second = 0.5 * (0.2 ** 2 + 0.2 ** 2 + 0.4 ** 2)
    assert mean_squared_error(y, t) == pytest.approx((first + second) / 2, rel=1e-12)
    assert mean_squared_error(y, np.array([1, 2])) == pytest.approx((first + second) / 2, rel=1e-12)
    assert mean_squared_error(y[0], t[0]) == pytest.approx(first, rel=1e-12)


# ---------------------------------------------------------------- numerical differentiation
def test_numerical_gradient_of_a_quadratic_and_x_is_restored():
    x = np.array([[3.0, -4.0], [0.5, 2.0]])
    before = x.copy()
    grad = numerical_gradient(lambda v: np.sum(v ** 2) + v[0, 1] * v[1, 0], x)
    expected = 2 * before + np.array([[0, 0.5], [-4.0, 0]])
    assert rel_error(grad, expected) < 1e-9
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, bool])
def test_numerical_gradient_refuses_integer_arrays(dtype):
    x = np.array([1, 2, 3]).astype(dtype)
    with pytest.raises(TypeError, match=r"dtype .*Convert it first.*astype\(np.float64\)"):
        numerical_gradient(lambda v: np.sum(v ** 2), x)


def test_numerical_gradient_refuses_non_arrays():
    with pytest.raises(TypeError, match="must be a NumPy array"):
        numerical_gradient(lambda v: sum(v), [1.0, 2.0])


def test_rel_error_definition():
    a, b = np.array([1.0, 0.0]), np.array([1.1, 0.0])
    assert rel_error(a, b) == pytest.approx(0.1 / 2.1)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(ValueError, match=r"cannot compare a of shape \(2,\) with b of shape \(3,\)"):
        rel_error(np.zeros(2), np.zeros(3))


# ---------------------------------------------------------------- values the mutation run found untested
def test_activations_on_known_values():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    from dlhelpers import functions as F
    np.testing.assert_allclose(F.tanh(x), np.tanh(x))
    np.testing.assert_allclose(F.relu(x), [0, 0, 0, 0.5, 2.0])
    np.testing.assert_allclose(F.leaky_relu(x, 0.1), [-0.2, -0.05, 0, 0.5, 2.0])
    np.testing.assert_allclose(F.elu(x, 2.0), [2 * np.expm1(-2), 2 * np.expm1(-0.5), 0, 0.5, 2.0])
    np.testing.assert_allclose(F.sigmoid_grad(np.array([0.0])), [0.25])
    assert F.relu([1, -1]).dtype == np.float64  # lists and ints become float64


def test_log_softmax_of_one_vector_and_of_a_stack():
    from dlhelpers import functions as F
    v = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(F.log_softmax(v), np.log(np.exp(v) / np.exp(v).sum()))
    stack = np.arange(24.0).reshape(2, 3, 4) * 0.1
    expected = np.log(np.exp(stack) / np.exp(stack).sum(axis=-1, keepdims=True))
    np.testing.assert_allclose(F.log_softmax(stack), expected)
    np.testing.assert_allclose(F.softmax(stack), np.exp(expected))


def test_single_sample_losses_take_every_label_form():
    from dlhelpers import functions as F
    y = np.array([0.1, 0.2, 0.7])
    expected = -np.log(0.7 + 1e-7)
    for t in (2, np.array(2), np.array([2]), np.array([0.0, 0.0, 1.0])):
        assert F.cross_entropy_error(y, t) == pytest.approx(expected)
    assert F.mean_squared_error(y, np.array([2])) == pytest.approx(0.5 * (0.01 + 0.04 + 0.09))


def test_one_hot_and_index_labels_agree_on_a_batch():
    from dlhelpers import functions as F
    y = np.array([[0.1, 0.2, 0.7], [0.6, 0.3, 0.1], [0.2, 0.5, 0.3]])
    t = np.array([2, 0, 1])
    expected = -np.mean(np.log(y[np.arange(3), t] + 1e-7))
    assert F.cross_entropy_error(y, t) == pytest.approx(expected)
    assert F.cross_entropy_error(y, F.one_hot(t, 3)) == pytest.approx(expected)
    assert F.mean_squared_error(y.astype(np.float32), t) == pytest.approx(F.mean_squared_error(y, F.one_hot(t, 3)))


def test_cross_entropy_refuses_values_outside_0_1():
    from dlhelpers import functions as F
    for y in ([[-0.1, 0.5, 0.6]], [[0.0, 1.5, 0.0]]):
        with pytest.raises(ValueError, match="takes probabilities in"):
            F.cross_entropy_error(np.array(y), np.array([1]))


def test_one_hot_edge_cases():
    from dlhelpers import functions as F
    np.testing.assert_array_equal(F.one_hot(np.array([0, 0])), np.eye(10)[[0, 0]])  # default: 10 classes
    np.testing.assert_array_equal(F.one_hot(np.array([0]), 1), [[1.0]])
    assert F.one_hot(np.array([1]), 2, dtype=np.uint8).dtype == np.uint8
    assert F.one_hot(np.array([1]), 2, dtype=np.int32).dtype == np.int32
    assert F.one_hot(np.array([1]), 2).dtype == np.float32
    with pytest.raises(TypeError, match="t must be a 1-D array of class indices, got None"):
        F.one_hot(None)


@pytest.mark.parametrize("call,error,message", [
    (lambda F: F.leaky_relu(np.ones(2), 1.5), ValueError, "alpha must be in [0, 1), got 1.5. A typical slope is 0.01."),
    (lambda F: F.elu(np.ones(2), 0), ValueError, "alpha must be in (0, inf), got 0.0. The usual value is 1.0."),
    (lambda F: F.cross_entropy_error(np.full((1, 2), 0.5), np.array([0]), 0), ValueError,
     "delta must be in (0, 1], got 0.0. The default 1e-7 is the usual choice."),
    (lambda F: F.cross_entropy_error(np.array([[-0.5, 1.5]]), np.array([0])), ValueError,
     "y holds values from -0.5 to 1.5; cross_entropy_error takes probabilities in [0, 1]. "
     "Pass softmax(scores), or use SoftmaxWithLoss on scores."),
    (lambda F: F.one_hot(np.zeros((2, 10), int)), ValueError, "t must be a 1-D array of class indices, got shape (2, 10)"),
    (lambda F: F.one_hot(np.array([1]), 2, dtype=bool), TypeError,
     "dtype must be a float or integer dtype such as np.float32, got bool"),
    (lambda F: F.one_hot(np.array([1]), 2, dtype="floaty"), TypeError,
     "dtype must be a NumPy dtype such as np.float32, got 'floaty'"),
    (lambda F: F.softmax(np.array([1.0, np.inf])), ValueError, "x contains infinite values; clean them first"),
    (lambda F: F.softmax(np.zeros((0, 3))), ValueError, "x is empty (shape (0, 3)); pass at least one sample"),
    (lambda F: F.mean_squared_error(np.zeros((2, 3, 1)), np.array([0, 1])), ValueError,
     "y has shape (2, 3, 1); pass (N, C) outputs or one sample as (C,)"),
])
def test_messages_say_what_to_do(call, error, message):
    from dlhelpers import functions as F
    with pytest.raises(error) as info:
        call(F)
    assert str(info.value) == message
