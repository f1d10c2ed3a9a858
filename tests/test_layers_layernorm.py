"""LayerNormalization: forward normalizes each sample, backward passes a float64 gradient check."""
import numpy as np
import pytest

from dlhelpers import MultiLayerNet
from dlhelpers.gradcheck import check_layer_gradients, check_network_gradients
from dlhelpers.layers import LayerNormalization


def _layer(rng, d=6, dtype=np.float64):
    return LayerNormalization(rng.normal(1.0, 0.3, size=d).astype(dtype), rng.normal(0.0, 0.3, size=d).astype(dtype))


def test_forward_gives_each_sample_mean_beta_and_spread_gamma(rng):
    layer = LayerNormalization(np.ones(5), np.zeros(5))
    x = rng.normal([3.0, -1.0, 0.5, 10.0, 2.0], [2.0, 0.1, 1.0, 5.0, 1.0], size=(7, 5))
    out = layer.forward(x, train_flg=True)
    assert np.allclose(out.mean(axis=1), 0.0, atol=1e-12)
    assert np.allclose(out.var(axis=1), 1.0, atol=1e-4)  # var / (var + eps)
    assert np.array_equal(out, layer.forward(x, train_flg=False))  # no train/test difference
    assert np.allclose(layer.forward(x[:1]), out[:1])  # a batch of one: the same answer


def test_backward_matches_central_differences_in_float64(rng):
    layer = _layer(rng)
    x = rng.normal(2.0, 3.0, size=(8, 6))
    report = check_layer_gradients(layer, x, rng.standard_normal((8, 6)))
    assert report.passed and set(report) == {"x", "gamma", "beta"}
    assert max(report[name] for name in report) < 1e-7, str(report)


def test_backward_catches_a_missing_term(rng, monkeypatch):
    """The check is sharp: drop the variance term of dx and it fails."""
    layer = _layer(rng)
    x = rng.normal(2.0, 3.0, size=(8, 6))

    def wrong(dout):
        dxn = dout * layer.params["gamma"]
        layer.grads["beta"][...] = dout.sum(axis=0)
        layer.grads["gamma"][...] = np.sum(dout * layer.xn, axis=0)
        return layer.inv_std * (dxn - dxn.mean(axis=1, keepdims=True))

    monkeypatch.setattr(layer, "backward", wrong)
    assert not check_layer_gradients(layer, x, rng.standard_normal((8, 6))).passed


def test_a_layernorm_network_passes_the_whole_network_check(rng):
    net = MultiLayerNet(12, [6, 6], 3, use_layernorm=True, weight_init_std=0.5, seed=0, dtype=np.float64)
    assert [name for name in net.layers if name.startswith("LayerNorm")] == ["LayerNorm1", "LayerNorm2"]
    assert {"gamma1", "beta1", "gamma2", "beta2"} <= set(net.params)
    report = check_network_gradients(net, rng.standard_normal((8, 12)), rng.integers(0, 3, 8))
    assert report.passed, str(report)
    assert all(report[name] < 1e-7 for name in report if not report.zero[name]), str(report)


def test_batchnorm_and_layernorm_are_exclusive_and_arguments_are_checked():
    with pytest.raises(ValueError, match="use_batchnorm and use_layernorm"):
        MultiLayerNet(4, [3], 2, use_batchnorm=True, use_layernorm=True)
    with pytest.raises(ValueError, match="shape"):
        LayerNormalization(np.ones(3), np.zeros(3)).forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match="at least 2 features"):
        LayerNormalization(np.ones(1), np.zeros(1))
    with pytest.raises(ValueError, match="before forward"):
        LayerNormalization(np.ones(3), np.zeros(3)).backward(np.ones((2, 3)))


def test_matches_torch_layer_norm_if_available(rng):
    torch = pytest.importorskip("torch")
    layer = _layer(rng)
    x = rng.normal(2.0, 3.0, size=(5, 6))
    dout = rng.standard_normal((5, 6))
    tx = torch.tensor(x, requires_grad=True)
    tg = torch.tensor(layer.params["gamma"], requires_grad=True)
    tb = torch.tensor(layer.params["beta"], requires_grad=True)
    ty = torch.nn.functional.layer_norm(tx, (6,), tg, tb, eps=layer.eps)
    ty.backward(torch.tensor(dout))
    assert np.allclose(layer.forward(x), ty.detach().numpy(), atol=1e-12)
    dx = layer.backward(dout)
    assert np.allclose(dx, tx.grad.numpy(), atol=1e-10)
    assert np.allclose(layer.grads["gamma"], tg.grad.numpy()) and np.allclose(layer.grads["beta"], tb.grad.numpy())
