"""Every layer's backward pass against the numerical gradient (float64), and each layer's behaviour.

The relative error is max |a - b| / max(1e-8, |a| + |b|); a correct float64 backward stays below 1e-7.
"""
import numpy as np
import pytest

from dlhelpers.functions import one_hot, softmax
from dlhelpers.gradcheck import check_layer_gradients, numerical_gradient, rel_error
from dlhelpers.activations import make_activation
from dlhelpers.layers import (ELU, Affine, BatchNormalization, Dropout, LeakyReLU, ReLU, Sigmoid,
                              SoftmaxWithLoss, Tanh)

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


# ---------------------------------------------------------------- checks and values found by mutation testing
ALL_LAYERS = {
    "Affine": lambda: Affine(np.ones((3, 4)), np.zeros(4)),
    "ReLU": ReLU, "LeakyReLU": LeakyReLU, "Sigmoid": Sigmoid, "Tanh": Tanh, "ELU": ELU,
    "Dropout": lambda: Dropout(0.5, rng=0),
    "BatchNormalization": lambda: BatchNormalization(np.ones(3), np.zeros(3)),
}


@pytest.mark.parametrize("name", ALL_LAYERS)
def test_layer_messages_start_with_the_layer_name(name):
    make = ALL_LAYERS[name]
    with pytest.raises(TypeError) as info:
        make().forward([[1.0, 2.0, 3.0]], True)
    assert str(info.value) == f"{name}: x must be a NumPy float array, got list; pass np.asarray(x, dtype=np.float32)"
    with pytest.raises(TypeError) as info:
        make().forward(np.ones((2, 3), dtype=np.int64), True)
    assert str(info.value) == f"{name}: x has dtype int64; layers compute in float32 or float64. Pass x.astype(np.float32)."
    with pytest.raises(ValueError) as info:
        make().forward(np.array(1.0), True)
    assert str(info.value).startswith(f"{name}: x has shape (); this layer takes at least ")
    with pytest.raises(ValueError) as info:
        make().backward(np.ones((2, 3)))
    assert str(info.value).startswith(f"{name}.backward was called before ")
    layer = make()
    out = layer.forward(np.ones((2, 3)) * [[1.0], [2.0]], True)
    with pytest.raises(ValueError) as info:
        layer.backward(np.ones((3,) + out.shape[1:]))
    assert str(info.value) == (f"{name}: dout has shape {(3,) + out.shape[1:]} but the last forward returned shape "
                               f"{out.shape}; pass the gradient of that output")
    with pytest.raises(TypeError) as info:
        layer.backward(np.ones(out.shape).tolist())
    assert str(info.value).startswith(f"{name}: dout must be a NumPy float array, got list")


@pytest.mark.parametrize("cls", [ReLU, LeakyReLU, Sigmoid, Tanh, ELU, Dropout])
def test_elementwise_layers_take_any_shape_and_keep_float32(cls):
    layer = cls()
    for shape in ((3,), (2, 3), (2, 1, 2, 2)):
        x = np.linspace(-1, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape)
        out = layer.forward(x, True)
        assert out.shape == shape and out.dtype == np.float32
        dx = layer.backward(np.ones_like(out))
        assert dx.shape == shape and dx.dtype == np.float32
    assert layer.params == {} and layer.grads == {}


def test_leaky_relu_and_elu_known_values():
    x = np.array([[-2.0, 0.0, 0.5, 2.0]])
    leaky = LeakyReLU(0.1)
    np.testing.assert_allclose(leaky.forward(x), [[-0.2, 0.0, 0.5, 2.0]])
    np.testing.assert_allclose(leaky.backward(np.ones_like(x)), [[0.1, 0.1, 1.0, 1.0]])  # slope at 0: alpha
    assert LeakyReLU().alpha == 0.01
    elu = ELU(2.0)
    np.testing.assert_allclose(elu.forward(x), [[2 * np.expm1(-2), 0.0, 0.5, 2.0]])
    np.testing.assert_allclose(elu.backward(np.ones_like(x)), [[2 * np.exp(-2), 2.0, 1.0, 1.0]])  # slope at 0: alpha
    assert ELU().alpha == 1.0


def test_dropout_book_form_keeps_dtype_and_scales_at_test_time():
    layer = Dropout(0.25, inverted=False, rng=0)
    assert layer.freeze_mask is False and layer.inverted is False
    x = np.ones((2, 3), np.float32)
    out = layer.forward(x, False)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, 0.75)


def test_batchnorm_running_averages_follow_the_momentum_rule():
    x1 = np.array([[1.0, 2.0], [3.0, 6.0]])
    x2 = np.array([[0.0, 0.0], [2.0, 2.0]])
    bn = BatchNormalization(np.ones(2), np.zeros(2), momentum=0.8)
    bn.forward(x1, True)
    np.testing.assert_allclose(bn.running_mean, 0.2 * np.array([2.0, 4.0]))
    np.testing.assert_allclose(bn.running_var, 0.8 * 1.0 + 0.2 * np.array([1.0, 4.0]))
    bn.forward(x2, True)
    np.testing.assert_allclose(bn.running_mean, 0.8 * 0.2 * np.array([2.0, 4.0]) + 0.2 * np.array([1.0, 1.0]))
    np.testing.assert_allclose(bn.running_var, 0.8 * (0.8 + 0.2 * np.array([1.0, 4.0])) + 0.2 * np.array([1.0, 1.0]))
    # inference uses exactly those statistics
    x = np.array([[1.0, 1.0]])
    expected = (x - bn.running_mean) / np.sqrt(bn.running_var + bn.eps)
    np.testing.assert_allclose(bn.forward(x, False), expected)


def test_batchnorm_accepts_the_smallest_valid_inputs():
    bn = BatchNormalization(np.ones(3), np.zeros(3), running_mean=np.zeros(3), running_var=np.full(3, 0.5))
    out = bn.forward(np.array([[0.0, 1.0, 2.0], [2.0, 3.0, 4.0]]), True)  # a batch of two trains
    np.testing.assert_allclose(np.abs(out), 1.0, rtol=1e-4)
    img = BatchNormalization(np.ones(2), np.zeros(2)).forward(np.arange(4.0).reshape(1, 2, 2, 1), True)
    assert img.shape == (1, 2, 2, 1)  # one image of two pixels: two values per channel


@pytest.mark.parametrize("make,error,message", [
    (lambda: BatchNormalization(np.ones(3), np.zeros(3)).forward(np.ones((1, 3)), True), ValueError,
     "BatchNormalization in training mode needs at least 2 values per feature (got x of shape (1, 3)): the variance "
     "of one sample is 0 and the output would be beta. Use a batch of 2 or more, or train_flg=False."),
    (lambda: BatchNormalization(np.ones(3), np.zeros(3), running_mean=np.zeros(3)), ValueError,
     "BatchNormalization: pass both running_mean and running_var, or neither"),
    (lambda: BatchNormalization(np.ones(3), np.zeros(3), running_mean=np.zeros(3), running_var=-np.ones(3)), ValueError,
     "BatchNormalization: running_var holds negative values; variances are >= 0"),
    (lambda: BatchNormalization(np.ones(3), np.zeros(3), running_mean=np.zeros(3), running_var=np.ones(2)), ValueError,
     "BatchNormalization: running_var has shape (2,); expected (3,) like gamma"),
    (lambda: BatchNormalization(np.ones(3), np.zeros(3)).backward(np.ones((2, 3))), ValueError,
     "BatchNormalization.backward was called before a training-mode forward (forward(x, train_flg=True)); "
     "run one on a batch first"),
    (lambda: BatchNormalization(np.ones(3), np.zeros(3), eps=0), ValueError,
     "eps must be in (0, inf), got 0.0. It keeps a constant feature from dividing by zero; 1e-5 is usual."),
    (lambda: BatchNormalization(np.ones(3), np.zeros(3), momentum=1), ValueError,
     "momentum must be in [0, 1), got 1.0. It weights the old running value; 0.9 is usual."),
    (lambda: Dropout().backward(np.ones(2)), ValueError,
     "Dropout.backward was called before a training-mode forward (forward(x, train_flg=True)); nothing was dropped yet"),
    (lambda: Dropout("x"), TypeError, "dropout_ratio must be a number, got a str ('x'). It is the probability of "
     "dropping a unit: 0 keeps every unit; 0.5 drops half; 1 would drop all."),
    (lambda: SoftmaxWithLoss().backward(), ValueError,
     "SoftmaxWithLoss.backward was called before forward; run forward(x, t) first"),
    (lambda: SoftmaxWithLoss().forward(np.ones(3), np.array([0])), ValueError,
     "SoftmaxWithLoss: x has shape (3,); pass scores of shape (N, C), one row per sample "
     "(x.reshape(1, -1) for a single sample)"),
    (lambda: SoftmaxWithLoss().forward(np.ones((2, 3))), ValueError,
     "SoftmaxWithLoss.forward needs the labels t as its second argument"),
    (lambda: (lambda s: (s.forward(np.ones((2, 3)), np.array([0, 1])), s.backward("1")))(SoftmaxWithLoss()), TypeError,
     "dout must be a number, got a str ('1'). It is the upstream gradient of the loss, usually 1.0."),
    (lambda: LeakyReLU(2), ValueError, "alpha must be in [0, 1), got 2.0. A typical slope is 0.01."),
    (lambda: ELU(0), ValueError, "alpha must be in (0, inf), got 0.0. The usual value is 1.0."),
    (lambda: Affine(np.ones((3, 4)), np.zeros(4)).forward(np.ones((2, 5))), ValueError,
     "Affine: x has shape (2, 5) and dtype float64; this layer takes (N, 3) float64 (W is (3, 4)). Reshape or astype x."),
    (lambda: Affine(np.full((3, 4), np.inf), np.zeros(4)), ValueError, "Affine: W contains infinite values; clean them first"),
    (lambda: Affine(np.ones((3, 4)), [0.0] * 4), TypeError, "Affine: b must be a NumPy float array (an optimizer updates "
     "it in place), got list; pass np.asarray(b, dtype=np.float32)"),
])
def test_layer_messages_say_what_to_do(make, error, message):
    with pytest.raises(error) as info:
        make()
    assert str(info.value) == message


def test_softmax_with_loss_takes_a_single_class():
    layer = SoftmaxWithLoss()
    assert layer.forward(np.array([[3.0], [-1.0]]), np.array([0, 0])) == pytest.approx(0.0)


@pytest.mark.parametrize("make,error,message", [
    (lambda: BatchNormalization([1.0], np.zeros(1)), TypeError, "BatchNormalization: gamma must be a NumPy float array "
     "(an optimizer updates it in place), got list; pass np.asarray(gamma, dtype=np.float32)"),
    (lambda: BatchNormalization(np.ones(1), None), TypeError, "BatchNormalization: beta must be a NumPy float array "
     "(an optimizer updates it in place), got NoneType; pass np.asarray(beta, dtype=np.float32)"),
    (lambda: BatchNormalization(np.ones(1), np.zeros(1), running_mean=np.zeros((1, 1)), running_var=np.ones(1)), ValueError,
     "BatchNormalization: running_mean must be a non-empty 1-D array, got shape (1, 1)"),
    (lambda: BatchNormalization(np.ones(1), np.zeros(1), running_mean=np.zeros(1), running_var=[1.0]), TypeError,
     "BatchNormalization: running_var must be a NumPy float array (an optimizer updates it in place), got list; "
     "pass np.asarray(running_var, dtype=np.float32)"),
    (lambda: BatchNormalization(np.ones(3), np.zeros(3)).forward(np.ones(3)), ValueError,
     "BatchNormalization: x has shape (3,); this layer takes at least 2 dimension(s) (N, ...)"),
    (lambda: Affine(np.ones((3, 4)), np.zeros(4)).forward(np.ones(3)), ValueError,
     "Affine: x has shape (3,); this layer takes at least 2 dimension(s) (N, ...)"),
    (lambda: SoftmaxWithLoss().forward([[1.0, 2.0]], np.array([0])), TypeError,
     "SoftmaxWithLoss: x must be a NumPy float array, got list; pass np.asarray(x, dtype=np.float32)"),
])
def test_layer_constructor_messages(make, error, message):
    with pytest.raises(error) as info:
        make()
    assert str(info.value) == message


def test_batchnorm_uses_given_running_statistics_including_zero_variance():
    mean, var = np.array([1.0, 2.0]), np.array([0.0, 4.0])
    bn = BatchNormalization(np.ones(2), np.zeros(2), eps=1e-5, running_mean=mean, running_var=var)
    x = np.array([[1.0, 4.0]])
    np.testing.assert_allclose(bn.forward(x, False), (x - mean) / np.sqrt(var + 1e-5))
