"""The claims notebooks 01-03 make, asserted with the functions the notebooks call."""
import numpy as np
import pytest

from dlhelpers import MultiLayerNet, Trainer, load_mnist
from dlhelpers.gradcheck import compare_gradients
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
    settings = {k: op.MNIST_SETTINGS[k] for k in ("SGD", "Momentum", "Adam")}
    race = compare_on_mnist(settings, iterations=250, data=mnist)
    early = {k: float(np.mean(v[100:250])) for k, v in race.losses.items()}
    assert max(early, key=early.get) == "SGD"
    assert early["SGD"] > 2 * early["Adam"] and early["SGD"] > 2 * early["Momentum"]
    # identical start: every network saw the same first batch with the same weights
    first = {k: v[0] for k, v in race.losses.items()}
    assert max(first.values()) - min(first.values()) < 1e-6


# --------------------------------------------------------------------------- notebook 03
from dlhelpers.experiments import init_activations as ia  # noqa: E402


def test_equal_or_zero_init_leaves_every_hidden_unit_identical():
    for init, activation in (("zero", "sigmoid"), ("equal", "relu")):
        run = ia.symmetric_init_experiment(init, activation, iterations=200)
        assert all(v < 1e-6 for v in run["spread"].values()), (init, run["spread"])
        W1 = run["network"].params["W1"]
        if init == "equal":     # the weights did change, all in the same way
            assert np.abs(W1 - 0.01).max() > 1e-3
    random = ia.symmetric_init_experiment("he", "relu", iterations=200)
    assert all(v > 0.1 for v in random["spread"].values())
    assert random["train_acc"] > 0.8


def test_sigmoid_histograms_saturate_at_std_1_and_collapse_to_half_at_std_001():
    big = ia.activation_histograms("sigmoid", 1.0, n_layers=5, n_units=100, n_samples=1000)
    assert len(big) == 5 and big[0].shape == (1000, 100)
    assert np.all(ia.saturation_fraction(big, tol=0.05) > 0.5)
    small = ia.activation_histograms("sigmoid", 0.01)
    for a in small:
        assert np.mean(np.abs(a - 0.5) < 0.05) > 0.95
    assert np.all(ia.layer_stats(small)[1] < 0.03)
    xavier = ia.activation_histograms("sigmoid", "xavier")
    assert np.all(ia.saturation_fraction(xavier) < 0.05)
    assert np.all(ia.layer_stats(xavier)[1] > 3 * ia.layer_stats(small)[1])


def test_he_keeps_relu_spread_where_xavier_shrinks():
    he = ia.layer_stats(ia.activation_histograms("relu", "he"))[1]
    xavier = ia.layer_stats(ia.activation_histograms("relu", "xavier"))[1]
    assert he[-1] / he[0] > 0.8
    assert np.all(np.diff(xavier) < 0) and xavier[-1] / xavier[0] < 0.5
    tiny = ia.layer_stats(ia.activation_histograms("relu", 0.01))[1]
    assert tiny[-1] < 1e-3
    deep = {name: ia.layer_std_profile("relu", name) for name in ("he", "xavier")}
    assert deep["he"][-1] > 0.5 and deep["xavier"][-1] < 0.05


def test_cs231n_deep_tanh_net_forward_and_backward():
    small, large, xavier = (ia.deep_net_statistics(s) for s in (0.01, 1.0, "xavier"))
    assert small["std"][-1] < 1e-4 and np.all(np.diff(small["std"]) < 0)
    assert np.all(large["std"] > 0.95)
    assert np.all((xavier["std"] > 0.1) & (xavier["std"] < 0.7))
    for d in (small, large, xavier):
        assert np.all(np.abs(d["mean"]) < 0.05)
    assert small["grad_std"][0] < 1e-4 * small["grad_std"][-1]      # vanishes towards the input
    assert large["grad_std"][0] > 1e3 * large["grad_std"][-1]       # explodes towards the input
    assert 0.1 < xavier["grad_std"][0] / xavier["grad_std"][-1] < 1
    assert xavier["dW_norm"].max() / xavier["dW_norm"].min() < 1.5    # similar in every layer


def test_dead_relus_after_a_too_large_learning_rate():
    dead = ia.dead_units_after_training(lrs=(0.1, 1.0), iterations=300)
    assert np.all(dead[0.1]["dead"] < 0.1) and dead[0.1]["test_acc"] > 0.85
    assert np.all(dead[1.0]["dead"] > 0.5) and dead[1.0]["test_acc"] < 0.2
    assert np.all(dead[1.0]["dead_at_init"] < 0.05)
    a = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    assert ia.dead_relu_fraction(a) == pytest.approx(1 / 3)


def test_activation_functions_and_maxout():
    x = np.linspace(-3, 3, 61)
    for name, (fn, dfn) in ia.ACTIVATION_CURVES.items():
        h = 1e-6
        numeric = (fn(x + h) - fn(x - h)) / (2 * h)
        smooth = np.abs(x) > 1e-3
        assert np.allclose(dfn(x)[smooth], numeric[smooth], atol=1e-5), name
    rng = np.random.default_rng(0)
    xs, W, b = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    assert np.allclose(ia.maxout(xs, W, b, np.zeros((4, 3)), np.zeros(3)), np.maximum(xs @ W + b, 0))


def test_a_stack_of_linear_layers_is_one_linear_layer():
    s = ia.linear_stack(sizes=(4, 6, 5, 3))
    assert s["W"].shape == (4, 3)
    assert np.max(np.abs(s["stacked"] - s["single"])) < 1e-12


def test_preprocessing_and_the_positive_input_sign_argument():
    rng = np.random.default_rng(0)
    positive = rng.uniform(0, 1, size=(1000, 10))
    assert ia.gradient_sign_agreement(positive) == 1.0
    assert ia.gradient_sign_agreement(positive - positive.mean(axis=0)) < 0.05
    paths = ia.positive_input_paths(steps=100, lr=0.3)
    assert ia.same_sign_steps(paths["positive"]) == 1.0
    assert ia.same_sign_steps(paths["centred"]) < 0.6
    target = np.array([1.0, -1.0])
    assert np.linalg.norm(paths["centred"][-1] - target) < 0.5 * np.linalg.norm(paths["positive"][-1] - target)
    steps = ia.preprocess_2d()
    assert np.allclose(steps["zero-centred"].mean(axis=0), 0, atol=1e-12)
    assert np.allclose(steps["normalized"].std(axis=0), 1)
    white = steps["whitened"]
    assert np.allclose(white.T @ white / len(white), np.eye(2), atol=1e-6)
    dec = steps["decorrelated"]
    assert abs(dec[:, 0] @ dec[:, 1]) / len(dec) < 1e-10 and dec[:, 0].var() > dec[:, 1].var()


def test_init_rules_have_the_stated_scales():
    rng = np.random.default_rng(0)
    n_in, n_out = 784, 100
    expected = {"xavier": np.sqrt(1 / n_in), "glorot": np.sqrt(2 / (n_in + n_out)),
                "glorot_uniform": np.sqrt(2 / (n_in + n_out)), "he": np.sqrt(2 / n_in),
                "leaky_relu": np.sqrt(2 / (1.0001 * n_in))}
    assert set(ia.INIT_RULES) == set(expected)   # the table notebook 03 prints
    for scheme, std in expected.items():
        W = ia.init_weights(scheme, n_in, n_out, rng)
        assert W.shape == (n_in, n_out) and W.std() == pytest.approx(std, rel=0.02), scheme
    bound = np.sqrt(6 / (n_in + n_out))
    assert np.abs(ia.init_weights("glorot_uniform", n_in, n_out, rng)).max() <= bound


def test_mnist_he_and_xavier_learn_and_std_001_stays_at_chance(mnist):
    from dlhelpers.experiments.mnist_compare import compare_on_mnist
    race = compare_on_mnist(ia.MNIST_INIT_SETTINGS, iterations=2000, mini_batch_size=128, data=mnist)
    assert race.final_loss("std = 0.01") > 2.29 and race.test_acc["std = 0.01"] < 0.15
    assert race.test_acc["Xavier"] > 0.85 and race.test_acc["He"] > 0.85
    assert race.final_loss("He") < race.final_loss("Xavier") < 0.5
    early = {k: float(np.mean(v[:500])) for k, v in race.losses.items()}
    assert early["He"] < early["Xavier"] < early["std = 0.01"]     # He learns fastest
