"""The perturbation switch: one ulp on every drawn weight, nothing else, and only when asked."""
import numpy as np
import pytest

from dlhelpers import MultiLayerNet, init_weights
from dlhelpers.perturb import ENV_VAR, perturb_weights, perturbation_on


def draw(scheme=0.1, dtype=np.float32):
    return init_weights(scheme, 30, 20, np.random.default_rng(0), dtype)


def test_off_by_default_and_with_zero(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert not perturbation_on()
    monkeypatch.setenv(ENV_VAR, "0")
    assert not perturbation_on()
    W = draw()
    assert perturb_weights(W) is W


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_on_moves_every_nonzero_weight_by_one_float32_ulp(monkeypatch, dtype):
    monkeypatch.delenv(ENV_VAR, raising=False)
    plain = draw(dtype=dtype)
    monkeypatch.setenv(ENV_VAR, "1")
    moved = draw(dtype=dtype)
    assert moved.dtype == plain.dtype and moved.shape == plain.shape
    diff = moved.astype(np.float64) - plain.astype(np.float64)
    assert np.all(diff > 0)
    assert np.all(diff <= 2 * np.spacing(np.abs(plain).astype(np.float32)))
    if dtype == np.float32:
        assert np.array_equal(moved[plain > 0], np.nextafter(plain[plain > 0], np.float32(np.inf)))


def test_on_keeps_zeros_so_a_symmetric_start_stays_symmetric(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "1")
    assert not draw(scheme=0.0).any()
    W = np.full((3, 4), 0.5, dtype=np.float32)
    moved = perturb_weights(W)
    assert len(np.unique(moved)) == 1 and moved[0, 0] > 0.5


def test_a_network_starts_from_perturbed_weights_and_the_switch_is_read_at_each_call(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    a = MultiLayerNet(12, [8], 3, seed=1).params["W1"]
    monkeypatch.setenv(ENV_VAR, "1")
    b = MultiLayerNet(12, [8], 3, seed=1).params["W1"]
    assert not np.array_equal(a, b) and np.allclose(a, b, rtol=1e-6, atol=0)


def test_a_bad_value_is_refused_with_what_to_set(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "yes")
    with pytest.raises(ValueError, match=r"DLHELPERS_PERTURB must be 1 .* got 'yes'"):
        perturbation_on()
