"""MultiLayerNet: backprop against the numerical gradient, dtypes, parameters, and learning."""
import re

import numpy as np
import pytest

from dlhelpers.gradcheck import check_network_gradients
from dlhelpers.initializers import init_std
from dlhelpers.layers import BatchNormalization, Dropout
from dlhelpers.network import MultiLayerNet
from dlhelpers.optimizers import Adam, SGD
from dlhelpers.training import Trainer

ACTIVATIONS = ["relu", "sigmoid", "tanh", "leaky_relu", "elu"]
VARIANTS = {  # name: (use_batchnorm, use_dropout, weight_decay_lambda)
    "plain": (False, False, 0.0),
    "batchnorm": (True, False, 0.0),
    "dropout+decay": (False, True, 0.1),
    "batchnorm+dropout+decay": (True, True, 0.1),
}
# Every configuration is checked at several seeds: the report's round-off floor (see
# dlhelpers.gradcheck) must not need hand-picked ones.
SEEDS = (0, 1, 2)


def small_net(activation, variant, seed):
    use_bn, use_dropout, lam = VARIANTS[variant]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((10, 6))
    t = rng.integers(0, 4, 10)
    net = MultiLayerNet(6, [6, 5], 4, activation=activation, weight_init_std="he",
                        use_batchnorm=use_bn, use_dropout=use_dropout, dropout_ratio=0.3,
                        weight_decay_lambda=lam, seed=seed, dtype=np.float64)
    # Non-zero biases (and BN shifts): with zero biases a sample whose hidden units are all
    # switched off puts a pre-activation exactly on the ReLU kink, where no derivative exists.
    for key, value in net.params.items():
        if key.startswith(("b", "beta")):
            value[...] = 0.1 * rng.standard_normal(value.shape)
        elif key.startswith("gamma"):
            value[...] = 1 + 0.1 * rng.standard_normal(value.shape)
    return net, x, t


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backprop_matches_numerical_gradient(activation, variant, seed):
    net, x, t = small_net(activation, variant, seed)
    if net.use_dropout:
        net.loss(x, t, train_flg=True)
        masks = [layer.mask for layer in net.layers.values() if isinstance(layer, Dropout)]
        assert all(0 < np.count_nonzero(m) < m.size for m in masks)
    backprop = net.gradient(x, t)
    assert set(backprop) == set(net.params)
    assert all(backprop[k].shape == p.shape and backprop[k].dtype == np.float64 for k, p in net.params.items())
    report = check_network_gradients(net, x, t)
    assert set(report) == set(net.params)
    assert report.passed, f"{activation}/{variant} seed {seed}:\n{report}"
    for key in net.params:
        bias = re.fullmatch(r"b(\d+)", key)
        # BN subtracts the batch mean, so a bias added just before it cancels: its true gradient
        # is exactly zero, and the report must say so instead of a relative error of round-off.
        assert report.zero[key] == (bias is not None and f"BatchNorm{bias.group(1)}" in net.layers), key


def test_gradient_check_detects_a_missing_weight_decay_term():
    net, x, t = small_net("tanh", "plain", 0)
    net.weight_decay_lambda = 0.1  # the loss now has the penalty ...
    errors = check_network_gradients(net, x, t)
    assert errors["b1"] < 1e-7  # biases carry no penalty
    assert errors["W1"] < 1e-7  # ... and the gradient has lambda * W: a correct net passes
    correct_backward = net._backward

    def backward_without_decay(copy=False):  # a bug: forgets lambda * W in dW
        lam, net.weight_decay_lambda = net.weight_decay_lambda, 0.0
        try:
            return correct_backward(copy)
        finally:
            net.weight_decay_lambda = lam
    net._backward = backward_without_decay
    errors = check_network_gradients(net, x, t)
    assert errors["W1"] > 1e-3 and errors["b1"] < 1e-7


def test_numerical_gradient_leaves_running_stats_and_masks_alone():
    net, x, t = small_net("relu", "batchnorm+dropout+decay", 0)
    net.loss(x, t, train_flg=True)
    bn = net.layers["BatchNorm1"]
    mean, var = bn.running_mean.copy(), bn.running_var.copy()
    net.numerical_gradient(x, t)
    np.testing.assert_array_equal(bn.running_mean, mean)
    np.testing.assert_array_equal(bn.running_var, var)
    assert not any(layer.freeze_mask for layer in net.layers.values() if isinstance(layer, Dropout))


def test_weight_decay_adds_half_lambda_sum_of_squares():
    net, x, t = small_net("relu", "plain", 0)
    plain = net.loss(x, t)
    net.weight_decay_lambda = 0.3
    penalty = 0.5 * 0.3 * sum(np.sum(net.params[k] ** 2) for k in ("W1", "W2", "W3"))
    assert net.loss(x, t) == pytest.approx(plain + penalty, rel=1e-12)


def test_layer_order_and_parameter_names():
    net = MultiLayerNet(8, [5, 4], 3, use_batchnorm=True, use_dropout=True, seed=0)
    assert list(net.layers) == ["Affine1", "BatchNorm1", "Activation1", "Dropout1",
                                "Affine2", "BatchNorm2", "Activation2", "Dropout2", "Affine3"]
    assert sorted(net.params) == sorted(["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2",
                                         "beta2", "W3", "b3"])
    assert net.params["W2"].shape == (5, 4) and net.params["gamma2"].shape == (4,)
    # the layers hold the very same arrays, so in-place updates train the network
    assert net.layers["Affine2"].params["W"] is net.params["W2"]
    assert net.layers["BatchNorm1"].params["gamma"] is net.params["gamma1"]
    # the first Affine layer skips the gradient w.r.t. the input
    assert not net.layers["Affine1"].compute_input_grad and net.layers["Affine2"].compute_input_grad


def test_optimizer_step_updates_the_layers_in_place():
    net = MultiLayerNet(6, [5], 3, seed=0)
    x, t = np.random.default_rng(0).standard_normal((4, 6)), np.array([0, 1, 2, 1])
    layer_W = net.layers["Affine1"].params["W"]
    before = layer_W.copy()
    SGD(lr=0.5).update(net.params, net.gradient(x, t))
    assert net.layers["Affine1"].params["W"] is layer_W
    assert not np.allclose(layer_W, before)


@pytest.mark.parametrize("scheme,activation", [("he", "relu"), ("xavier", "sigmoid"), (0.01, "tanh")])
def test_initial_weight_scale(scheme, activation):
    net = MultiLayerNet(784, [200, 100], 10, activation=activation, weight_init_std=scheme, seed=0)
    for i, fan_in in ((1, 784), (2, 200)):
        expected = init_std(scheme, fan_in)
        assert np.std(net.params[f"W{i}"]) == pytest.approx(expected, rel=0.03)
        np.testing.assert_array_equal(net.params[f"b{i}"], 0)
    assert init_std("he", 100) == pytest.approx(np.sqrt(2 / 100))
    assert init_std("xavier", 100) == pytest.approx(0.1)


def test_same_seed_same_network():
    a = MultiLayerNet(10, [7], 3, seed=5)
    b = MultiLayerNet(10, [7], 3, seed=5)
    c = MultiLayerNet(10, [7], 3, seed=6)
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


# ---------------------------------------------------------------- float32 by default
def test_float32_is_the_default_end_to_end(mnist_sample):
    (x_train, t_train), _ = mnist_sample
    assert x_train.dtype == np.float32
    x, t = x_train[:32], t_train[:32]
    net = MultiLayerNet(784, [20, 20], 10, use_batchnorm=True, use_dropout=True, dropout_ratio=0.2,
                        weight_decay_lambda=1e-3, seed=0)
    assert net.dtype == np.float32
    assert all(p.dtype == np.float32 for p in net.params.values())
    out = x
    for layer in net.layers.values():  # every activation stays float32
        out = layer.forward(out, train_flg=True)
        assert out.dtype == np.float32, type(layer).__name__
    assert net.predict(x).dtype == np.float32
    assert net.predict(x.astype(np.float64)).dtype == np.float32  # input is converted
    grads = net.gradient(x, t)
    assert all(g.dtype == np.float32 for g in grads.values())
    opt = Adam(lr=1e-3)
    opt.update(net.params, grads)
    assert all(p.dtype == np.float32 for p in net.params.values())
    assert all(m.dtype == np.float32 for m in opt.m.values())
    assert all(a.dtype == np.float32 for a in net.hidden_activations(x))
    bn = next(layer for layer in net.layers.values() if isinstance(layer, BatchNormalization))
    assert bn.running_mean.dtype == np.float32 and bn.running_var.dtype == np.float32


def test_float64_network_on_request():
    net = MultiLayerNet(5, [4], 2, dtype=np.float64, seed=0)
    assert all(p.dtype == np.float64 for p in net.params.values())
    assert net.predict(np.ones((3, 5), np.float32)).dtype == np.float64


# ---------------------------------------------------------------- behaviour
def test_predict_accuracy_and_loss_shapes(mnist_sample):
    (x_train, t_train), _ = mnist_sample
    net = MultiLayerNet(784, [30], 10, seed=0)
    scores = net.predict(x_train[:7])
    assert scores.shape == (7, 10)
    # untrained, with small scores: the loss is close to ln(10), the check CS231n recommends
    assert net.loss(x_train[:500], t_train[:500]) == pytest.approx(np.log(10), abs=0.3)
    acc = net.accuracy(x_train[:250], t_train[:250], batch_size=100)  # batches of 100, 100, 50
    expected = np.mean(net.predict(x_train[:250]).argmax(axis=1) == t_train[:250])
    assert acc == pytest.approx(expected)
    one_hot = np.eye(10, dtype=np.float32)[t_train[:250]]
    assert net.accuracy(x_train[:250], one_hot) == pytest.approx(expected)
    # (N, 1, 28, 28) images are flattened by the network
    np.testing.assert_allclose(net.predict(x_train[:3].reshape(3, 1, 28, 28)), net.predict(x_train[:3]))


def test_reaches_full_training_accuracy_on_100_images(mnist_sample):
    (x_train, t_train), (x_test, t_test) = mnist_sample
    x, t = x_train[:100], t_train[:100]
    net = MultiLayerNet(784, [50], 10, seed=0)
    assert net.accuracy(x, t) < 0.5
    trainer = Trainer(net, x, t, x_test=x_test[:100], t_test=t_test[:100], epochs=40, mini_batch_size=20,
                      optimizer="adam", optimizer_param={"lr": 0.003}, seed=0, verbose=False,
                      progress=False)
    trainer.train()
    assert net.accuracy(x, t) == 1.0
    assert trainer.history["train_acc"][-1] == 1.0
    assert trainer.history["train_loss"][-1] < 0.05


def test_copy_and_set_params_keep_layer_references():
    net = MultiLayerNet(4, [3], 2, seed=0)
    saved = net.copy_params()
    W1 = net.params["W1"]
    W1 += 1.0
    assert not np.array_equal(saved["W1"], W1)
    net.set_params(saved)
    assert net.params["W1"] is W1 and net.layers["Affine1"].params["W"] is W1
    np.testing.assert_array_equal(W1, saved["W1"])


def test_batchnorm_network_predicts_a_single_sample_in_test_mode(mnist_sample):
    (x_train, t_train), _ = mnist_sample
    net = MultiLayerNet(784, [20], 10, use_batchnorm=True, seed=0)
    for start in range(0, 500, 50):  # a few training-mode passes fill the running statistics
        net.gradient(x_train[start:start + 50], t_train[start:start + 50])
    batch = net.predict(x_train[:5])
    for i in range(5):
        np.testing.assert_allclose(net.predict(x_train[i:i + 1])[0], batch[i], rtol=1e-5, atol=1e-6)


def test_get_and_set_state_cover_weights_and_batchnorm_statistics(mnist_sample):
    (x, t), _ = mnist_sample
    net = MultiLayerNet(784, [20, 20], 10, use_batchnorm=True, seed=0)
    net.gradient(x[:50], t[:50])
    state = net.get_state()
    assert set(state["running_stats"]) == {"BatchNorm1", "BatchNorm2"}
    scores = net.predict(x[:20])
    for start in range(50, 500, 50):  # training changes both the weights and the running statistics
        grads = net.gradient(x[start:start + 50], t[start:start + 50])
        for key in net.params:
            net.params[key] -= 0.1 * grads[key]
    assert not np.allclose(net.predict(x[:20]), scores)
    W1 = net.params["W1"]
    net.set_state(state)
    np.testing.assert_array_equal(net.predict(x[:20]), scores)
    assert net.params["W1"] is W1  # restored in place: the layers still hold the same arrays
    net.gradient(x[:50], t[:50])  # the snapshot is a copy: training on does not change it
    net.set_state(state)
    np.testing.assert_array_equal(net.predict(x[:20]), scores)
    with pytest.raises(ValueError, match="get_state"):
        net.set_state(state["params"])


def test_backward_needs_a_training_forward_pass_first(mnist_sample):
    (x, t), _ = mnist_sample
    net = MultiLayerNet(784, [10], 10, seed=0)
    with pytest.raises(RuntimeError, match=r"forward pass first.*train_flg=True"):
        net.backward()
    loss = net.loss(x[:20], t[:20], train_flg=True)
    assert net.last_loss == loss
    grads = net.backward()
    expected = net.gradient(x[:20], t[:20])
    for key in expected:
        np.testing.assert_array_equal(grads[key], expected[key])


def test_layers_are_recognised_by_class_not_by_name(mnist_sample):
    (x, _), _ = mnist_sample
    net = MultiLayerNet(784, [12, 8], 10, activation="tanh", use_dropout=True, use_batchnorm=True, seed=0)
    renamed = type(net.layers)((f"layer{i}", layer) for i, layer in enumerate(net.layers.values()))
    net.layers = renamed
    outs = net.hidden_activations(x[:5])
    assert [o.shape for o in outs] == [(5, 12), (5, 8)]
    assert all(np.abs(o).max() <= 1 for o in outs)  # tanh outputs, not batch-norm outputs
    state = MultiLayerNet(784, [12, 8], 10, use_batchnorm=True, seed=0).get_state()
    assert len(state["running_stats"]) == 2


def test_set_params_refuses_unknown_names_and_wrong_shapes():
    net = MultiLayerNet(4, [3], 2, seed=0)
    with pytest.raises(ValueError, match="unknown parameter names"):
        net.set_params({"W9": np.zeros((4, 3))})
    with pytest.raises(ValueError, match=r"params\['W1'\] has shape \(3, 4\), expected \(4, 3\)"):
        net.set_params({"W1": np.zeros((3, 4))})
