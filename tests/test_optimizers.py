"""Optimizers against two update steps worked out by hand, so their state (velocity, h, m, v) matters.

Parameter w = [1, -2]; first gradient g1 = [0.5, -1], second gradient g2 = [0.1, 0.3]. Every
expected value below is written as the scalar arithmetic of the update rule.
"""
from math import sqrt

import numpy as np
import pytest

from dlhelpers.optimizers import (OPTIMIZERS, SGD, AdaGrad, Adam, ExponentialDecay, Momentum,
                                  Nesterov, RMSprop, StepDecay, make_optimizer)

W0 = [1.0, -2.0]
G1 = [0.5, -1.0]
G2 = [0.1, 0.3]


def two_steps(optimizer):
    """Run two updates in place; return (w after step 1, w after step 2)."""
    params = {"w": np.array(W0)}
    w = params["w"]
    optimizer.update(params, {"w": np.array(G1)})
    after1 = w.copy()
    optimizer.update(params, {"w": np.array(G2)})
    assert params["w"] is w  # updated in place: the network's layers hold this very array
    return after1, w.copy()


def check(optimizer, expected1, expected2):
    after1, after2 = two_steps(optimizer)
    np.testing.assert_allclose(after1, expected1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(after2, expected2, rtol=1e-12, atol=1e-15)


def test_sgd():
    lr = 0.1
    w1 = [1 - lr * 0.5, -2 - lr * -1.0]                 # [0.95, -1.9]
    w2 = [w1[0] - lr * 0.1, w1[1] - lr * 0.3]          # [0.94, -1.93]
    check(SGD(lr=lr), w1, w2)


def test_momentum():
    lr, a = 0.1, 0.9
    v1 = [-lr * 0.5, -lr * -1.0]                       # [-0.05, 0.1]
    w1 = [1 + v1[0], -2 + v1[1]]
    v2 = [a * v1[0] - lr * 0.1, a * v1[1] - lr * 0.3]  # [-0.055, 0.06]
    w2 = [w1[0] + v2[0], w1[1] + v2[1]]
    check(Momentum(lr=lr, momentum=a), w1, w2)


def test_nesterov():
    lr, a = 0.1, 0.9
    # v <- a v - lr g;  w <- w + a v - lr g  (look ahead along the new velocity, then correct)
    v1 = [-lr * 0.5, -lr * -1.0]
    w1 = [1 + a * v1[0] - lr * 0.5, -2 + a * v1[1] - lr * -1.0]      # [0.905, -1.81]
    v2 = [a * v1[0] - lr * 0.1, a * v1[1] - lr * 0.3]
    w2 = [w1[0] + a * v2[0] - lr * 0.1, w1[1] + a * v2[1] - lr * 0.3]
    check(Nesterov(lr=lr, momentum=a), w1, w2)
    # and it differs from plain momentum
    assert not np.allclose(two_steps(Momentum(lr=lr, momentum=a))[1], w2)


def test_adagrad():
    lr, eps = 0.1, 1e-7
    h1 = [0.5 ** 2, 1.0 ** 2]
    w1 = [1 - lr * 0.5 / (sqrt(h1[0]) + eps), -2 - lr * -1.0 / (sqrt(h1[1]) + eps)]  # ~[0.9, -1.9]
    h2 = [h1[0] + 0.1 ** 2, h1[1] + 0.3 ** 2]
    w2 = [w1[0] - lr * 0.1 / (sqrt(h2[0]) + eps), w1[1] - lr * 0.3 / (sqrt(h2[1]) + eps)]
    check(AdaGrad(lr=lr, eps=eps), w1, w2)


def test_rmsprop():
    lr, d, eps = 0.01, 0.9, 1e-7
    h1 = [(1 - d) * 0.5 ** 2, (1 - d) * 1.0 ** 2]
    w1 = [1 - lr * 0.5 / (sqrt(h1[0]) + eps), -2 - lr * -1.0 / (sqrt(h1[1]) + eps)]
    h2 = [d * h1[0] + (1 - d) * 0.1 ** 2, d * h1[1] + (1 - d) * 0.3 ** 2]
    w2 = [w1[0] - lr * 0.1 / (sqrt(h2[0]) + eps), w1[1] - lr * 0.3 / (sqrt(h2[1]) + eps)]
    check(RMSprop(lr=lr, decay_rate=d, eps=eps), w1, w2)


def test_adam():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8

    def step(w, m, v, g, t):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        return w - lr * m_hat / (sqrt(v_hat) + eps), m, v

    expected1, expected2 = [], []
    for w, g1, g2 in zip(W0, G1, G2):
        w, m, v = step(w, 0.0, 0.0, g1, 1)
        expected1.append(w)
        expected2.append(step(w, m, v, g2, 2)[0])
    # the first bias-corrected step has length lr in every coordinate
    np.testing.assert_allclose(expected1, [1 - lr, -2 + lr], rtol=1e-7)
    check(Adam(lr=lr, beta1=b1, beta2=b2, eps=eps), expected1, expected2)


def test_state_is_kept_per_parameter():
    opt = Momentum(lr=0.1, momentum=0.9)
    params = {"a": np.array([1.0]), "b": np.array([1.0])}
    opt.update(params, {"a": np.array([1.0]), "b": np.array([0.0])})
    opt.update(params, {"a": np.array([0.0]), "b": np.array([0.0])})
    # "a" keeps coasting on its velocity; "b" never had any
    np.testing.assert_allclose(params["a"], [1 - 0.1 - 0.09])
    np.testing.assert_allclose(params["b"], [1.0])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_goes_downhill_in_float32(name):
    opt = make_optimizer(name, lr=0.05)
    w = np.array([3.0, -2.0], dtype=np.float32)
    params = {"w": w}
    for _ in range(50):
        opt.update(params, {"w": 2 * params["w"]})  # gradient of |w|^2
    assert params["w"] is w and w.dtype == np.float32
    assert np.linalg.norm(w) < np.linalg.norm([3.0, -2.0]) * 0.8


def test_make_optimizer():
    assert isinstance(make_optimizer("ADAM", lr=0.01), Adam)
    assert make_optimizer("sgd").lr == 0.01
    opt = Nesterov(lr=0.2)
    assert make_optimizer(opt) is opt
    assert repr(SGD(lr=0.5)) == "SGD(lr=0.5)"


def test_step_decay():
    schedule = StepDecay(0.1, step_size=2, gamma=0.5)
    assert [schedule(e) for e in range(6)] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])


def test_exponential_decay():
    schedule = ExponentialDecay(0.1, decay_rate=0.9)
    assert [schedule(e) for e in range(3)] == pytest.approx([0.1, 0.09, 0.081])


def test_learning_rate_can_be_changed_between_steps():
    opt = SGD(lr=0.1)
    params = {"w": np.array([1.0])}
    opt.update(params, {"w": np.array([1.0])})
    opt.lr = 0.01
    opt.update(params, {"w": np.array([1.0])})
    np.testing.assert_allclose(params["w"], [1 - 0.1 - 0.01])
