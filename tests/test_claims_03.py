"""Notebook 03's claims, asserted with the functions and settings the notebook uses."""
import numpy as np
import pytest

from dlhelpers import load_mnist
from dlhelpers.experiments import init_activations as ia


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()





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
