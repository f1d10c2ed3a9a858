"""Every layer's backward pass against the numerical gradient (float64), and each layer's behaviour.

The relative error is max |a - b| / max(1e-8, |a| + |b|); a correct float64 backward stays below 1e-7.
"""
import numpy as np
import pytest

from dlhelpers.functions import one_hot, softmax
from dlhelpers.gradcheck import check_layer_gradients, numerical_gradient, rel_error
from dlhelpers.layers import (ELU, Affine, BatchNormalization, Dropout, LeakyReLU, ReLU, Sigmoid,
                              SoftmaxWithLoss, Tanh, make_activation)

TOL = 1e-7


def randn(rng, *shape):
    return rng.standard_normal(shape)


def away_from_zero(rng, *shape):
    """Inputs at least 0.05 from 0, so a central difference never straddles a kink at 0."""
    x = randn(rng, *shape)
    return np.where(x >= 0, x + 0.05, x - 0.05)


def make_layer(name, rng):
    """(layer, input) pairs, float64, for the gradient checks."""
    if name == "Affine":
        return Affine(randn(rng, 12, 5), randn(rng, 5)), randn(rng, 4, 12)
    if name == "Affine-4D":
        return Affine(randn(rng, 12, 5), randn(rng, 5)), randn(rng, 4, 3, 2, 2)
    if name == "ReLU":
        return ReLU(), away_from_zero(rng, 4, 6)
    if name == "Sigmoid":
        return Sigmoid(), 2 * randn(rng, 4, 6)
    if name == "Tanh":
        return Tanh(), randn(rng, 4, 6)
    if name == "LeakyReLU":
        return LeakyReLU(0.1), away_from_zero(rng, 4, 6)
    if name == "ELU":
        return ELU(1.0), away_from_zero(rng, 4, 6)
    if name == "BatchNorm-2D":
        return BatchNormalization(1 + 0.1 * randn(rng, 6), randn(rng, 6)), 3 * randn(rng, 8, 6) + 1
    if name == "BatchNorm-4D":
        return BatchNormalization(1 + 0.1 * randn(rng, 3), randn(rng, 3)), randn(rng, 4, 3, 2, 2)
    if name == "Dropout":
        layer = Dropout(0.3, rng=7)
        return layer, randn(rng, 5, 8)
    raise KeyError(name)


LAYERS = ["Affine", "Affine-4D", "ReLU", "Sigmoid", "Tanh", "LeakyReLU", "ELU", "BatchNorm-2D",
          "BatchNorm-4D", "Dropout"]


@pytest.mark.parametrize("seed", (0, 1, 2))
@pytest.mark.parametrize("name", LAYERS)
def test_backward_matches_numerical_gradient(name, seed):
    rng = np.random.default_rng(seed)
    layer, x = make_layer(name, rng)
    out = layer.forward(x, train_flg=True)
    if isinstance(layer, Dropout):
        layer.freeze_mask = True  # the numerical gradient needs the same mask on every call
        assert 0 < np.count_nonzero(layer.mask == 0) < layer.mask.size  # the mask does something
    dout = randn(rng, *out.shape)
    report = check_layer_gradients(layer, x, dout)
    assert set(report) == {"x", *layer.params}
    assert report.threshold == TOL and report.passed, f"{name}, seed {seed}:\n{report}"


def test_gradient_check_catches_a_wrong_backward():
    """The checker itself must be able to fail: a Sigmoid with the derivative of tanh is caught."""
    class WrongSigmoid(Sigmoid):
        def backward(self, dout):
            return dout * (1.0 - self.out ** 2)

    rng = np.random.default_rng(0)
    x = randn(rng, 3, 4)
    report = check_layer_gradients(WrongSigmoid(), x, randn(rng, 3, 4))
    assert report["x"] > 1e-2 and report.failed == ["x"]


@pytest.mark.parametrize("name", LAYERS)
def test_backward_does_not_modify_dout(name):
    rng = np.random.default_rng(1)
    layer, x = make_layer(name, rng)
    out = layer.forward(x, train_flg=True)
    dout = randn(rng, *out.shape)
    saved = dout.copy()
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dout, saved)
    assert dx.shape == x.shape
    assert not np.shares_memory(dx, dout)


@pytest.mark.parametrize("labels", ["index", "one_hot"])
def test_softmax_with_loss_gradient(labels):
    rng = np.random.default_rng(2)
    x = 3 * randn(rng, 6, 4)
    t = rng.integers(0, 4, 6)
    if labels == "one_hot":
        t = one_hot(t, 4, np.float64)
    layer = SoftmaxWithLoss()
    numeric = numerical_gradient(lambda _: layer.forward(x, t), x)
    layer.forward(x, t)
    assert rel_error(layer.backward(1.0), numeric) < TOL
    assert rel_error(layer.backward(2.5), 2.5 * numeric) < TOL  # dout scales the gradient
    # and it is (y - t) / N
    t_hot = t if t.ndim == 2 else one_hot(t, 4, np.float64)
    np.testing.assert_allclose(layer.backward(1.0), (softmax(x) - t_hot) / 6, rtol=1e-12)


def test_softmax_with_loss_same_loss_for_both_label_forms():
    rng = np.random.default_rng(3)
    x = randn(rng, 5, 3)
    t = np.array([0, 2, 1, 1, 0])
    a, b = SoftmaxWithLoss(), SoftmaxWithLoss()
    assert a.forward(x, t) == pytest.approx(b.forward(x, one_hot(t, 3, np.float64)), rel=1e-12)
    assert a.forward(x, t) == pytest.approx(-np.mean(np.log(softmax(x)[np.arange(5), t])), rel=1e-12)
    np.testing.assert_allclose(a.backward(), b.backward(), rtol=1e-12)


# ---------------------------------------------------------------- Affine
def test_affine_forward_and_shapes():
    rng = np.random.default_rng(4)
    W, b = randn(rng, 12, 5), randn(rng, 5)
    x = randn(rng, 4, 3, 2, 2)
    layer = Affine(W, b)
    out = layer.forward(x)
    np.testing.assert_allclose(out, x.reshape(4, 12) @ W + b, rtol=1e-12)
    dx = layer.backward(np.ones((4, 5)))
    assert dx.shape == (4, 3, 2, 2)
    np.testing.assert_allclose(layer.grads["b"], [4] * 5)
    assert layer.W is W and layer.dW is layer.grads["W"]


def test_affine_without_input_gradient_still_computes_parameter_gradients():
    rng = np.random.default_rng(5)
    W, b, x, dout = randn(rng, 6, 3), randn(rng, 3), randn(rng, 4, 6), randn(rng, 4, 3)
    full, first = Affine(W.copy(), b.copy()), Affine(W.copy(), b.copy(), compute_input_grad=False)
    full.forward(x)
    first.forward(x)
    assert full.backward(dout) is not None
    assert first.backward(dout) is None
    np.testing.assert_allclose(first.grads["W"], x.T @ dout, rtol=1e-12)
    np.testing.assert_allclose(first.grads["W"], full.grads["W"], rtol=1e-12)


# ---------------------------------------------------------------- activations
def test_relu_mask_blocks_gradient_where_input_was_not_positive():
    layer = ReLU()
    out = layer.forward(np.array([[-1.0, 0.0, 2.0]]))
    np.testing.assert_array_equal(out, [[0, 0, 2]])
    np.testing.assert_array_equal(layer.backward(np.array([[5.0, 5.0, 5.0]])), [[0, 0, 5]])


def test_make_activation_by_name():
    assert isinstance(make_activation("ReLU"), ReLU)
    assert isinstance(make_activation("leaky-relu"), LeakyReLU)
    assert isinstance(make_activation("LeakyReLU"), LeakyReLU)
    assert isinstance(make_activation("elu"), ELU)


# ---------------------------------------------------------------- batch normalization
def test_batchnorm_train_mode_normalizes_each_feature_over_the_batch():
    rng = np.random.default_rng(6)
    x = 5 * randn(rng, 200, 4) + np.array([10.0, -3.0, 0.0, 100.0])
    gamma, beta = np.array([1.0, 2.0, 0.5, 1.0]), np.array([0.0, 1.0, -1.0, 3.0])
    out = BatchNormalization(gamma.copy(), beta.copy()).forward(x, train_flg=True)
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-10)
    np.testing.assert_allclose(out.std(axis=0), gamma, rtol=1e-5)


def test_batchnorm_running_stats_update_and_use_in_test_mode():
    rng = np.random.default_rng(7)
    bn = BatchNormalization(np.array([2.0, 0.5]), np.array([1.0, -1.0]), momentum=0.9)
    x = randn(rng, 50, 2) * [3.0, 0.1] + [4.0, -2.0]
    bn.forward(x, train_flg=True)
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * x.var(axis=0), rtol=1e-12)
    rm, rv = bn.running_mean.copy(), bn.running_var.copy()

    # test mode: the running statistics are used and left unchanged
    batch = randn(rng, 7, 2)
    out = bn.forward(batch, train_flg=False)
    expected = np.array([2.0, 0.5]) * (batch - rm) / np.sqrt(rv + bn.eps) + np.array([1.0, -1.0])
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_array_equal(bn.running_mean, rm)
    np.testing.assert_array_equal(bn.running_var, rv)
    # ... so it differs from what train mode would give on the same batch
    assert not np.allclose(out, bn.forward(batch.copy(), train_flg=True))


def test_batchnorm_batch_of_one_in_test_mode():
    rng = np.random.default_rng(8)
    bn = BatchNormalization(np.array([1.5, 1.0, 0.7]), np.array([0.0, 0.2, -0.3]))
    for _ in range(20):
        bn.forward(randn(rng, 32, 3) * 2 + 1, train_flg=True)
    batch = randn(rng, 5, 3)
    full = bn.forward(batch, train_flg=False)
    for i in range(5):
        one = bn.forward(batch[i:i + 1], train_flg=False)
        assert one.shape == (1, 3) and np.all(np.isfinite(one))
        expected = bn.params["gamma"] * (batch[i] - bn.running_mean) / np.sqrt(bn.running_var + bn.eps) \
            + bn.params["beta"]
        np.testing.assert_allclose(one[0], expected, rtol=1e-12)
        np.testing.assert_allclose(one[0], full[i], rtol=1e-12)  # independent of the other samples


def test_batchnorm_4d_normalizes_per_channel():
    rng = np.random.default_rng(9)
    x = randn(rng, 6, 3, 4, 4) * np.array([1.0, 5.0, 0.2])[None, :, None, None] + 7
    bn = BatchNormalization(np.ones(3), np.zeros(3))
    out = bn.forward(x, train_flg=True)
    assert out.shape == x.shape
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-10)
    v = x.var(axis=(0, 2, 3))
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), v / (v + bn.eps), rtol=1e-10)
    assert bn.running_mean.shape == (3,)


# ---------------------------------------------------------------- dropout
def test_dropout_rate_and_inverted_scaling_keep_the_mean():
    x = np.ones((400, 500), dtype=np.float32)
    layer = Dropout(0.3, rng=0)
    out = layer.forward(x, train_flg=True)
    dropped = np.mean(out == 0)
    assert abs(dropped - 0.3) < 0.01  # 200,000 draws: the standard error is 0.001
    np.testing.assert_allclose(np.unique(out), [0, 1 / 0.7], rtol=1e-6)
    assert abs(out.mean() - 1.0) < 0.01
    assert out.dtype == np.float32
    # test mode is the identity for inverted dropout
    assert layer.forward(x, train_flg=False) is x


def test_dropout_book_variant_scales_at_test_time():
    x = np.full((200, 300), 2.0)
    layer = Dropout(0.4, inverted=False, rng=1)
    out = layer.forward(x, train_flg=True)
    np.testing.assert_array_equal(np.unique(out), [0.0, 2.0])  # kept units are not scaled
    np.testing.assert_allclose(layer.forward(x, train_flg=False), 2.0 * 0.6)
    assert abs(out.mean() - 2.0 * 0.6) < 0.02


def test_dropout_masks_are_fresh_unless_frozen():
    x = np.ones((20, 30))
    layer = Dropout(0.5, rng=2)
    first = layer.forward(x, train_flg=True).copy()
    second = layer.forward(x, train_flg=True).copy()
    assert not np.array_equal(first, second)
    layer.freeze_mask = True
    np.testing.assert_array_equal(layer.forward(x, train_flg=True), second)
    dout = np.full((20, 30), 3.0)
    np.testing.assert_array_equal(layer.backward(dout), 3.0 * second)  # the same mask gates the gradient


def test_dropout_ratio_zero_keeps_everything():
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(Dropout(0.0, rng=0).forward(x, train_flg=True), x)
