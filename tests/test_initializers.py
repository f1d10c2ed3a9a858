"""Each initialization name has one meaning: the stated std (or uniform limit), the stated draw."""
import numpy as np
import pytest

from dlhelpers.initializers import INIT_RULES, he_std, init_std, init_weights
from dlhelpers.network import MultiLayerNet

N_IN, N_OUT = 784, 100
EXPECTED_STD = {
    "xavier": np.sqrt(1 / N_IN), "lecun": np.sqrt(1 / N_IN), "sigmoid": np.sqrt(1 / N_IN),
    "glorot": np.sqrt(2 / (N_IN + N_OUT)), "glorot_uniform": np.sqrt(2 / (N_IN + N_OUT)),
    "he": np.sqrt(2 / N_IN), "relu": np.sqrt(2 / N_IN),
    "leaky_relu": np.sqrt(2 / ((1 + 0.01 ** 2) * N_IN)),
}


@pytest.mark.parametrize("scheme", list(EXPECTED_STD))
def test_init_std_and_the_drawn_weights_have_the_stated_scale(scheme):
    assert init_std(scheme, N_IN, N_OUT) == pytest.approx(EXPECTED_STD[scheme], rel=1e-12)
    W = init_weights(scheme, N_IN, N_OUT, np.random.default_rng(0))
    assert W.shape == (N_IN, N_OUT) and W.dtype == np.float32
    assert W.std() == pytest.approx(EXPECTED_STD[scheme], rel=0.02)


def test_glorot_uniform_is_uniform_within_its_limit_and_the_others_are_gaussian():
    rng = np.random.default_rng(0)
    limit = np.sqrt(6 / (N_IN + N_OUT))
    U = init_weights("glorot_uniform", N_IN, N_OUT, rng)
    assert np.abs(U).max() <= limit and np.abs(U).max() > 0.99 * limit
    G = init_weights("glorot", N_IN, N_OUT, rng)
    kurtosis = lambda w: float(np.mean(w ** 4) / np.mean(w ** 2) ** 2)
    assert kurtosis(U) == pytest.approx(1.8, abs=0.05)      # uniform
    assert kurtosis(G) == pytest.approx(3.0, abs=0.1)       # Gaussian
    assert np.abs(G).max() > limit


def test_he_std_with_a_leaky_slope_and_every_rule_is_listed():
    assert he_std(50) == pytest.approx(np.sqrt(2 / 50))
    assert he_std(50, 1.0) == pytest.approx(np.sqrt(1 / 50))   # slope 1: a linear unit, LeCun's rule
    assert set(INIT_RULES) == {"xavier", "glorot", "glorot_uniform", "he", "leaky_relu"}


def test_network_layers_use_the_named_scheme_with_their_own_fans():
    net = MultiLayerNet(784, [200, 100], 10, weight_init_std="glorot_uniform", seed=0)
    for i, (n_in, n_out) in enumerate(((784, 200), (200, 100), (100, 10)), start=1):
        assert np.abs(net.params[f"W{i}"]).max() <= np.sqrt(6 / (n_in + n_out))
    net = MultiLayerNet(784, [200], 10, weight_init_std="xavier", seed=0)
    assert net.params["W1"].std() == pytest.approx(np.sqrt(1 / 784), rel=0.02)


@pytest.mark.parametrize("args, message", [
    (("he", 0), "fan_in must be a positive integer"),
    (("glorot", 10, 0), "fan_out must be a positive integer"),
    (("kaiming", 10), "unknown weight_init_std 'kaiming'"),
])
def test_bad_arguments_are_named(args, message):
    with pytest.raises(ValueError, match=message):
        init_std(*args)


def test_init_weights_wants_a_generator():
    with pytest.raises(TypeError, match="rng must be a np.random.Generator"):
        init_weights("he", 3, 2, 0)
