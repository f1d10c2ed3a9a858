"""The checkers of notebooks 01-03 accept correct answers and name the typical mistakes."""
import numpy as np
import pytest

from dlhelpers.exercises import nb01


def likely(result):
    assert not result.passed
    return result.message


# --------------------------------------------------------------------------- notebook 01
def mse_ok(y, t):
    return 0.5 * np.sum((y - t) ** 2) / y.shape[0]


def ce_ok(y, t):
    if t.ndim == 2:
        t = t.argmax(axis=1)
    return -np.sum(np.log(y[np.arange(len(y)), t] + 1e-7)) / len(y)


def test_mse_checker(capsys):
    assert nb01.check_mean_squared_error(mse_ok).passed
    assert "✔" in capsys.readouterr().out
    assert "factor 1/2 is missing" in likely(nb01.check_mean_squared_error(lambda y, t: np.sum((y - t) ** 2) / len(y)))
    assert "not divided by the batch size" in likely(nb01.check_mean_squared_error(lambda y, t: 0.5 * np.sum((y - t) ** 2)))
    assert "all N * C entries" in likely(nb01.check_mean_squared_error(lambda y, t: 0.5 * np.mean((y - t) ** 2)))
    assert "Hint:" in likely(nb01.check_mean_squared_error(lambda y, t: 0.0))


def test_cross_entropy_checker():
    assert nb01.check_cross_entropy_error(ce_ok).passed
    one_hot_only = lambda y, t: -np.sum(t * np.log(y + 1e-7)) / len(y)  # noqa: E731
    assert "only handles one-hot labels" in likely(nb01.check_cross_entropy_error(one_hot_only))

    def index_only(y, t):
        return -np.sum(np.log(y[np.arange(len(y)), t] + 1e-7)) / len(y)
    assert "only handles class indices" in likely(nb01.check_cross_entropy_error(index_only))

    def no_delta(y, t):
        t = t.argmax(axis=1) if t.ndim == 2 else t
        with np.errstate(divide="ignore"):
            return -np.sum(np.log(y[np.arange(len(y)), t])) / len(y)
    assert "add the small delta" in likely(nb01.check_cross_entropy_error(no_delta))

    def summed(y, t):
        return ce_ok(y, t) * len(y)
    assert "not divided by the batch size" in likely(nb01.check_cross_entropy_error(summed))
    assert "sign is flipped" in likely(nb01.check_cross_entropy_error(lambda y, t: -ce_ok(y, t)))

    def every_class(y, t):
        return -np.sum(np.log(y + 1e-7)) / len(y)
    assert "every class" in likely(nb01.check_cross_entropy_error(every_class))


def test_affine_backward_checker():
    assert nb01.check_affine_backward(lambda d, x, W: (d @ W.T, x.T @ d, d.sum(axis=0))).passed
    assert "W transposed" in likely(nb01.check_affine_backward(lambda d, x, W: (d @ W.T, d.T @ x, d.sum(axis=0))))
    assert "mean of dout" in likely(nb01.check_affine_backward(lambda d, x, W: (d @ W.T, x.T @ d, d.mean(axis=0))))
    assert "one row per sample" in likely(nb01.check_affine_backward(lambda d, x, W: (d @ W.T, x.T @ d, d)))
    assert "shape mismatch" in likely(nb01.check_affine_backward(lambda d, x, W: (d @ W, x.T @ d, d.sum(axis=0))))
    assert "tuple" in likely(nb01.check_affine_backward(lambda d, x, W: [d @ W.T, x.T @ d]))
    assert "dx is wrong" in likely(nb01.check_affine_backward(lambda d, x, W: (-(d @ W.T), x.T @ d, d.sum(axis=0))))


# --------------------------------------------------------------------------- notebook 02
from dlhelpers.exercises import nb02  # noqa: E402


class GoodMomentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, {}

    def update(self, params, grads):
        for k in params:
            self.v.setdefault(k, np.zeros_like(params[k]))
            self.v[k] = self.momentum * self.v[k] - self.lr * grads[k]
            params[k] += self.v[k]


class MomentumNotInPlace(GoodMomentum):
    def update(self, params, grads):
        for k in params:
            self.v.setdefault(k, np.zeros_like(params[k]))
            self.v[k] = self.momentum * self.v[k] - self.lr * grads[k]
            params[k] = params[k] + self.v[k]


class MomentumForgets(GoodMomentum):
    def update(self, params, grads):
        for k in params:
            v = self.momentum * np.zeros_like(params[k]) - self.lr * grads[k]
            params[k] += v


class MomentumUphill(GoodMomentum):
    def update(self, params, grads):
        for k in params:
            self.v.setdefault(k, np.zeros_like(params[k]))
            self.v[k] = self.momentum * self.v[k] + self.lr * grads[k]
            params[k] += self.v[k]


class MomentumLate(GoodMomentum):
    def update(self, params, grads):
        for k in params:
            self.v.setdefault(k, np.zeros_like(params[k]))
            params[k] += self.v[k]
            self.v[k] = self.momentum * self.v[k] - self.lr * grads[k]


class MomentumWrongSignature:
    def __init__(self, learning_rate):
        pass


def test_momentum_checker():
    assert nb02.check_momentum(GoodMomentum).passed
    from dlhelpers.optimizers import Momentum
    assert nb02.check_momentum(Momentum).passed
    assert "in place" in likely(nb02.check_momentum(MomentumNotInPlace))
    assert "not remembered between calls" in likely(nb02.check_momentum(MomentumForgets))
    assert "points uphill" in likely(nb02.check_momentum(MomentumUphill))
    assert "old velocity" in likely(nb02.check_momentum(MomentumLate))
    assert "cls(lr=..., momentum=...)" in likely(nb02.check_momentum(MomentumWrongSignature))


class GoodAdam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, correct=True, t_per_key=False, square=True):
        self.lr, self.b1, self.b2 = lr, beta1, beta2
        self.t, self.m, self.v = 0, {}, {}
        self.correct, self.t_per_key, self.square = correct, t_per_key, square

    def update(self, params, grads):
        if not self.t_per_key:
            self.t += 1
        for k in params:
            if self.t_per_key:
                self.t += 1
            g = grads[k]
            self.m[k] = self.b1 * self.m.get(k, 0) + (1 - self.b1) * g
            self.v[k] = self.b2 * self.v.get(k, 0) + (1 - self.b2) * (g * g if self.square else g)
            m, v = self.m[k], self.v[k]
            if self.correct:
                m, v = m / (1 - self.b1 ** self.t), v / (1 - self.b2 ** self.t)
            with np.errstate(invalid="ignore"):
                params[k] -= self.lr * m / (np.sqrt(v) + 1e-8)


def test_adam_checker():
    assert nb02.check_adam(GoodAdam).passed
    msg = likely(nb02.check_adam(lambda lr, beta1, beta2: GoodAdam(lr, beta1, beta2, correct=False)))
    assert "bias correction is missing" in msg
    msg = likely(nb02.check_adam(lambda lr, beta1, beta2: GoodAdam(lr, beta1, beta2, t_per_key=True)))
    assert "once per call of update" in msg
    msg = likely(nb02.check_adam(lambda lr, beta1, beta2: GoodAdam(lr, beta2, beta1)))
    assert "swapped" in msg
    msg = likely(nb02.check_adam(lambda lr, beta1, beta2: GoodAdam(lr, beta1, beta2, square=False)))
    assert "squared gradient" in msg


# --------------------------------------------------------------------------- notebook 03
from dlhelpers.exercises import nb03  # noqa: E402


def test_he_init_checker():
    assert nb03.check_he_init(lambda fi, fo, rng: np.sqrt(2 / fi) * rng.standard_normal((fi, fo))).passed
    assert nb03.check_he_init(lambda fi, fo, rng: rng.normal(0, np.sqrt(2 / fi), (fi, fo))).passed
    cases = {
        "Xavier/LeCun": lambda fi, fo, rng: np.sqrt(1 / fi) * rng.standard_normal((fi, fo)),
        "uses fan_out": lambda fi, fo, rng: np.sqrt(2 / fo) * rng.standard_normal((fi, fo)),
        "square root is missing": lambda fi, fo, rng: (2 / fi) * rng.standard_normal((fi, fo)),
        "std 1": lambda fi, fo, rng: rng.standard_normal((fi, fo)),
        "transposed": lambda fi, fo, rng: np.sqrt(2 / fi) * rng.standard_normal((fo, fi)),
        "uniformly": lambda fi, fo, rng: rng.uniform(-np.sqrt(6 / fi), np.sqrt(6 / fi), (fi, fo)),
        "not a 2-D matrix": lambda fi, fo, rng: np.sqrt(2 / fi) * rng.standard_normal(fi * fo),
        "not centred": lambda fi, fo, rng: np.sqrt(2 / fi) * (rng.standard_normal((fi, fo)) + 0.5),
    }
    for text, fn in cases.items():
        assert text in likely(nb03.check_he_init(fn)), text


def test_dead_relu_fraction_checker():
    assert nb03.check_dead_relu_fraction(lambda a: float(np.mean(np.all(a <= 0, axis=0)))).passed
    cases = {
        "counted zero entries": lambda a: np.mean(a == 0),
        "axis 1": lambda a: np.mean(np.all(a <= 0, axis=1)),
        "np.any": lambda a: np.mean(np.any(a <= 0, axis=0)),
        "number of dead units": lambda a: np.sum(np.all(a <= 0, axis=0)),
        "one entry per unit": lambda a: np.all(a <= 0, axis=0),
    }
    for text, fn in cases.items():
        assert text in likely(nb03.check_dead_relu_fraction(fn)), text
