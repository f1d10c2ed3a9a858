"""Optimizers against two update steps worked out by hand, so their state (velocity, h, m, v) matters.

Parameter w = [1, -2]; first gradient g1 = [0.5, -1], second gradient g2 = [0.1, 0.3]. Every
expected value below is written as the scalar arithmetic of the update rule.
"""
from math import sqrt

import numpy as np
import pytest

from dlhelpers.optimizers import (OPTIMIZERS, SGD, AdaGrad, Adam, AdamW, ExponentialDecay, Momentum,
                                  Nesterov, OneCycle, RMSprop, StepDecay, WarmupCosine, make_optimizer,
                                  make_schedule)

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


# ---------------------------------------------------------------- defaults and messages (found by mutation testing)
def test_default_settings_are_the_books():
    from dlhelpers import optimizers as O
    assert O.SGD().lr == 0.01
    for cls in (O.Momentum, O.Nesterov):
        assert (cls().lr, cls().momentum) == (0.01, 0.9)
    assert (O.AdaGrad().lr, O.AdaGrad().eps) == (0.01, 1e-7)
    assert (O.RMSprop().lr, O.RMSprop().decay_rate, O.RMSprop().eps) == (0.01, 0.99, 1e-7)
    adam = O.Adam()
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps, adam.t) == (0.001, 0.9, 0.999, 1e-8, 0)
    step = O.StepDecay(0.1)
    assert (step.step_size, step.gamma) == (10, 0.5)
    assert [step(e) for e in (0, 9, 10, 25)] == [0.1, 0.1, 0.05, 0.025]
    assert O.ExponentialDecay(0.1).decay_rate == 0.95
    assert O.ExponentialDecay(0.1)(2) == pytest.approx(0.1 * 0.95 ** 2)


LR_HINT = "Typical values are 0.1 to 1e-4 (SGD around 0.01-0.1, Adam around 1e-3)."


@pytest.mark.parametrize("call,error,message", [
    (lambda O: O.SGD(lr=-1), ValueError, f"lr (the learning rate) must be a positive number, got -1. {LR_HINT}"),
    (lambda O: O.SGD(lr="0.1"), TypeError, f"lr (the learning rate) must be a number, got a str ('0.1'). {LR_HINT}"),
    (lambda O: O.StepDecay(0), ValueError, f"initial_lr (the learning rate) must be a positive number, got 0. {LR_HINT}"),
    (lambda O: O.Adam(eps=0), ValueError,
     "eps must be in (0, 1], got 0.0. eps keeps the step finite when a gradient is 0; 1e-8 to 1e-7 is usual."),
    (lambda O: O.AdaGrad(eps=2), ValueError,
     "eps must be in (0, 1], got 2.0. eps keeps the step finite when a gradient is 0; 1e-8 to 1e-7 is usual."),
    (lambda O: O.SGD().update([1], {}), TypeError, "SGD.update: params must be a dict of arrays (name -> ndarray), got list"),
    (lambda O: O.SGD().update({}, None), TypeError, "SGD.update: grads must be a dict of arrays (name -> ndarray), got NoneType"),
    (lambda O: O.SGD().update({"W": [1.0]}, {"W": np.ones(1)}), TypeError,
     "SGD.update: params['W'] must be a float32/float64 NumPy array (it is updated in place), got list"),
    (lambda O: O.SGD().update({"W": np.ones(1, int)}, {"W": np.ones(1)}), TypeError,
     "SGD.update: params['W'] must be a float32/float64 NumPy array (it is updated in place), got ndarray int64"),
    (lambda O: O.Momentum().update({"W": np.ones(1)}, {"W": [1.0]}), TypeError,
     "Momentum.update: grads['W'] must be a float32/float64 NumPy array, got list"),
    (lambda O: O.Momentum().update({"W": np.ones(1)}, {"W": np.ones(1, np.float16)}), TypeError,
     "Momentum.update: grads['W'] must be a float32/float64 NumPy array, got ndarray float16"),
    (lambda O: O.Adam().update({"W": np.ones(2)}, {"W": np.ones((1, 2))}), ValueError,
     "Adam.update: grads['W'] has shape (1, 2) but params['W'] has shape (2,); they must match exactly (no broadcasting)"),
    (lambda O: O.RMSprop().update({"W": np.ones(2)}, {"V": np.ones(2)}), ValueError,
     "RMSprop.update: grads has key 'V' but params does not; pass the gradients of these parameters only (['W'])"),
    (lambda O: O.make_optimizer(O.SGD(), lr=1), TypeError,
     "make_optimizer got an Optimizer instance and also ['lr']; pass either a ready optimizer or a name with its settings"),
    (lambda O: O.make_optimizer("sgd", momentum=0.9, beta=1), TypeError, "SGD has no setting 'beta', 'momentum'; it takes ['lr']"),
    (lambda O: O.make_optimizer(None), TypeError, "name must be an optimizer name such as 'adam' or an Optimizer, got None"),
    (lambda O: O.StepDecay(0.1, step_size=0), ValueError, "step_size must be a positive integer, got 0. It is a number of epochs."),
    (lambda O: O.StepDecay(0.1, gamma=0), ValueError, "gamma must be in (0, 1], got 0.0. 0.5 halves the rate each step."),
    (lambda O: O.ExponentialDecay(0.1, decay_rate=2), ValueError,
     "decay_rate must be in (0, 1], got 2.0. 0.95 shrinks the rate by 5 % per epoch."),
    (lambda O: O.StepDecay(0.1)(-1), ValueError, "epoch must be a non-negative integer, got -1."),
    (lambda O: O.Momentum(momentum=1), ValueError, "momentum must be in [0, 1), got 1.0."),
])
def test_messages_say_what_to_do(call, error, message):
    from dlhelpers import optimizers as O
    with pytest.raises(error) as info:
        call(O)
    assert str(info.value) == message


def test_make_optimizer_passes_settings_and_returns_instances():
    from dlhelpers import optimizers as O
    opt = O.make_optimizer("Adam", lr=0.01, beta1=0.5)
    assert isinstance(opt, O.Adam) and (opt.lr, opt.beta1) == (0.01, 0.5)
    ready = O.SGD(0.2)
    assert O.make_optimizer(ready) is ready


def test_a_reused_optimizer_refuses_a_network_of_another_shape():
    from dlhelpers import optimizers as O
    opt = O.Adam()
    opt.update({"W": np.zeros((2, 3))}, {"W": np.ones((2, 3))})
    with pytest.raises(ValueError, match=r"params\['W'\] has shape \(3, 3\) but this optimizer's state for it has shape \(2, 3\)"):
        opt.update({"W": np.zeros((3, 3))}, {"W": np.ones((3, 3))})


# ------------------------------------------------------------------ AdamW and the modern schedules
def test_adamw_is_decay_outside_adam():
    lr, wd = 0.1, 0.2
    w1, w2 = two_steps(AdamW(lr=lr, weight_decay=wd))
    # step 1: shrink first, then Adam's first step (m_hat = g, v_hat = g^2: a step of lr * sign(g))
    shrunk = [w * (1 - lr * wd) for w in W0]
    assert np.allclose(w1, [s - lr * g / (abs(g) + 1e-8) for s, g in zip(shrunk, G1)])
    # and step 2 equals Adam's second step applied after a second shrink
    adam = Adam(lr=lr)
    p = {"w": np.array(w1) * (1 - lr * wd)}
    adam.t, adam.m, adam.v = 1, {"w": 0.1 * np.array(G1)}, {"w": 0.001 * np.array(G1) ** 2}
    adam.update(p, {"w": np.array(G2)})
    assert np.allclose(w2, p["w"])
    assert isinstance(make_optimizer("AdamW", weight_decay=0.01), AdamW)
    with pytest.raises(ValueError, match="weight_decay"):
        AdamW(weight_decay=-0.1)
    with pytest.raises(TypeError, match="AdamW has no setting 'momentum'"):
        make_optimizer("adamw", momentum=0.9)


def test_warmup_cosine():
    s = WarmupCosine(0.3, total_epochs=12, warmup_epochs=2)
    rates = [s(e) for e in range(12)]
    assert rates[:3] == pytest.approx([0.1, 0.2, 0.3])                 # linear warmup to the peak
    assert rates[2] == max(rates) and all(a > b for a, b in zip(rates[2:], rates[3:]))
    assert rates[7] == pytest.approx(0.15 * (1 + np.cos(np.pi * 0.5)))  # halfway down the cosine
    assert 0 < rates[-1] < 0.01
    assert WarmupCosine(1.0, 4, warmup_epochs=0, final_lr=0.1)(0) == pytest.approx(1.0)
    for kwargs, match in [({"peak_lr": 0}, "peak_lr"), ({"warmup_epochs": 12}, "warmup_epochs"),
                          ({"final_lr": 0.5}, "final_lr"), ({"total_epochs": 0}, "total_epochs")]:
        with pytest.raises(ValueError, match=match):
            WarmupCosine(**{"peak_lr": 0.3, "total_epochs": 12, **kwargs})
    with pytest.raises(ValueError, match="past the schedule's end"):
        s(12)


def test_one_cycle():
    s = OneCycle(0.3, total_epochs=12)
    rates = [s(e) for e in range(12)]
    assert rates[0] == pytest.approx(0.3 / 25) and max(rates) == pytest.approx(0.3)
    peak = int(np.argmax(rates))
    assert peak == 4 and all(a < b for a, b in zip(rates[:peak], rates[1:peak + 1]))
    assert all(a > b for a, b in zip(rates[peak:], rates[peak + 1:]))
    assert rates[-1] == pytest.approx(0.3 / 1e4)
    for kwargs, match in [({"pct_start": 1.0}, "pct_start"), ({"div_factor": 0.5}, "div_factor"),
                          ({"total_epochs": 1}, "total_epochs"), ({"max_lr": -1}, "max_lr")]:
        with pytest.raises(ValueError, match=match):
            OneCycle(**{"max_lr": 0.3, "total_epochs": 12, **kwargs})


def test_make_schedule_and_the_trainer_accepts_the_new_schedules():
    assert isinstance(make_schedule("one_cycle", 0.1, 5), OneCycle)
    assert isinstance(make_schedule("warmup_cosine", 0.1, 5), WarmupCosine)
    with pytest.raises(ValueError, match="unknown schedule"):
        make_schedule("cyclic", 0.1)
    from dlhelpers import MultiLayerNet, Trainer
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((40, 6)).astype(np.float32), rng.integers(0, 3, 40)
    net = MultiLayerNet(6, [8], 3, seed=0)
    trainer = Trainer(net, x, t, epochs=4, mini_batch_size=10, optimizer="sgd", optimizer_param={"lr": 0.1},
                      lr_schedule=OneCycle(0.1, total_epochs=4), verbose=False, progress=False)
    trainer.train()
    assert trainer.history["lr"] == pytest.approx([OneCycle(0.1, 4)(e) for e in range(4)])
