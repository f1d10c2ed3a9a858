"""The checkers of notebooks 01-03 accept correct answers and name the typical mistakes."""
import numpy as np

from dlhelpers.exercises import nb01
from dlhelpers.exercises.hints import leaked_reference_lines


def likely(result):
    """The failure message of ``result``; fails if it passed or if it prints reference code."""
    assert not result.passed and result.attempted
    assert not leaked_reference_lines(result.message), result.message
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
    assert "add a small delta" in likely(nb01.check_cross_entropy_error(no_delta))

    def summed(y, t):
        return ce_ok(y, t) * len(y)
    assert "not divided by the batch size" in likely(nb01.check_cross_entropy_error(summed))
    assert "sign is flipped" in likely(nb01.check_cross_entropy_error(lambda y, t: -ce_ok(y, t)))

    def every_class(y, t):
        return -np.sum(np.log(y + 1e-7)) / len(y)
    assert "every class" in likely(nb01.check_cross_entropy_error(every_class))

    def log10(y, t):
        t = t.argmax(axis=1) if t.ndim == 2 else t
        return -np.sum(np.log10(y[np.arange(len(y)), t] + 1e-7)) / len(y)
    assert "natural log" in likely(nb01.check_cross_entropy_error(log10))

    def big_delta(y, t):
        t = t.argmax(axis=1) if t.ndim == 2 else t
        return -np.mean(np.log(y[np.arange(len(y)), t] + 1e-3))
    assert "delta is too large" in likely(nb01.check_cross_entropy_error(big_delta))


def test_cross_entropy_accepts_any_small_delta():
    """A clip floor or another tiny delta is as valid as the notebook's + 1e-7."""
    def clipped(y, t):
        if t.ndim == 2:
            t = np.argmax(t, axis=1)
        return -np.mean(np.log(np.clip(y, 1e-12, 1)[np.arange(len(y)), t]))

    def one_hot_clip(y, t):
        if t.ndim == 1:
            t = np.eye(y.shape[1])[t]
        return -np.sum(t * np.log(np.clip(y, 1e-12, 1))) / len(y)

    def tiny_delta(y, t):
        t = t.argmax(axis=1) if t.ndim == 2 else t
        return -np.mean(np.log(y[np.arange(len(y)), t] + 1e-10))
    for fn in (clipped, one_hot_clip, tiny_delta):
        assert nb01.check_cross_entropy_error(fn).passed, fn.__name__


def test_a_list_instead_of_a_tuple_gets_one_line():
    message = likely(nb01.check_affine_backward(lambda d, x, W: [d @ W.T, x.T @ d, d.sum(axis=0)]))
    assert "returned a list of 3 values; return a tuple" in message
    assert "array(" not in message and "[[" not in message


def test_affine_backward_checker():
    assert nb01.check_affine_backward(lambda d, x, W: (d @ W.T, x.T @ d, d.sum(axis=0))).passed
    assert "W transposed" in likely(nb01.check_affine_backward(lambda d, x, W: (d @ W.T, d.T @ x, d.sum(axis=0))))
    assert "mean of dout" in likely(nb01.check_affine_backward(lambda d, x, W: (d @ W.T, x.T @ d, d.mean(axis=0))))
    assert "one row per sample" in likely(nb01.check_affine_backward(lambda d, x, W: (d @ W.T, x.T @ d, d)))
    assert "shape mismatch" in likely(nb01.check_affine_backward(lambda d, x, W: (d @ W, x.T @ d, d.sum(axis=0))))
    assert "as a tuple" in likely(nb01.check_affine_backward(lambda d, x, W: (d @ W.T, x.T @ d)))
    assert "dx is wrong" in likely(nb01.check_affine_backward(lambda d, x, W: (-(d @ W.T), x.T @ d, d.sum(axis=0))))


class MissingFactor(nb01.BuggySigmoid):
    def backward(self, dout):
        return dout * (1.0 - self.out)


class NaNForLargeInputs(nb01.BuggySigmoid):
    def forward(self, x, train_flg=False):
        with np.errstate(over="ignore", invalid="ignore"):
            self.out = np.exp(x) / (1.0 + np.exp(x))  # inf / inf = NaN for x = 800
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)


class StillBuggy(nb01.BuggySigmoid):
    pass


def test_fixed_sigmoid_checker(capsys):
    from dlhelpers.gradcheck import check_layer_gradients
    from dlhelpers.exercises.references import FixedSigmoid
    rng = np.random.default_rng(1)
    x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    assert check_layer_gradients(nb01.BuggySigmoid(), x, dout)["x"] > 1e-2  # the bug is visible
    assert check_layer_gradients(FixedSigmoid(), x, dout)["x"] < 1e-7
    assert nb01.check_fixed_sigmoid(FixedSigmoid).passed
    assert "relative error" in capsys.readouterr().out
    assert "still the planted bug" in likely(nb01.check_fixed_sigmoid(StillBuggy))
    assert "buggy class itself" in likely(nb01.check_fixed_sigmoid(nb01.BuggySigmoid))
    assert "factor y is missing" in likely(nb01.check_fixed_sigmoid(MissingFactor))
    assert "NaN or a wrong value" in likely(nb01.check_fixed_sigmoid(NaNForLargeInputs))


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
    assert "library's own" in nb02.check_momentum(Momentum).message  # not the reader's code
    assert "in place" in likely(nb02.check_momentum(MomentumNotInPlace))
    assert "not remembered between calls" in likely(nb02.check_momentum(MomentumForgets))
    assert "points uphill" in likely(nb02.check_momentum(MomentumUphill))
    assert "old velocity" in likely(nb02.check_momentum(MomentumLate))
    assert "cls(lr, momentum)" in likely(nb02.check_momentum(MomentumWrongSignature))


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


class GoodLion:
    def __init__(self, lr=1e-4, beta1=0.9, beta2=0.99, order="blend", sign=True, swap=False):
        self.lr, self.b1, self.b2, self.m = lr, beta1, beta2, {}
        if swap:
            self.b1, self.b2 = beta2, beta1
        self.order, self.sign = order, sign

    def update(self, params, grads):
        for k in params:
            g = grads[k]
            m = self.m.get(k, np.zeros_like(g))
            if self.order == "m first":
                m = self.b2 * m + (1 - self.b2) * g
            c = self.b1 * m + (1 - self.b1) * g
            params[k] -= self.lr * (np.sign(c) if self.sign else c)
            if self.order != "m first":
                m = self.b2 * m + (1 - self.b2) * g
            self.m[k] = m


class LionNotInPlace(GoodLion):
    def update(self, params, grads):
        for k in params:
            params[k] = params[k] - self.lr * np.sign(grads[k])


def test_lion_checker():
    assert nb02.check_lion(GoodLion).passed
    cases = {
        "m was updated before the step": dict(order="m first"),
        "Lion steps by lr * sign(c)": dict(sign=False),
        "beta1 and beta2 are swapped": dict(swap=True),
    }
    for text, kwargs in cases.items():
        msg = likely(nb02.check_lion(lambda lr, beta1, beta2, kw=kwargs: GoodLion(lr, beta1, beta2, **kw)))
        assert text in msg, (text, msg)
    assert "in place" in likely(nb02.check_lion(LionNotInPlace))


def test_lion_runs_in_the_path_playground():
    """The contract written in nb02's docstring is the one the playground uses."""
    from dlhelpers.experiments.optimizer_paths import optimizer_path
    from dlhelpers.exercises.references import Lion
    path = optimizer_path(Lion(lr=0.3), steps=30)
    assert path.shape == (31, 2) and np.all(np.isfinite(path))
    assert abs(path[-1, 1]) < abs(path[0, 1])  # it moves downhill in y


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
        "Glorot/Xavier scale": lambda fi, fo, rng: np.sqrt(2 / (fi + fo)) * rng.standard_normal((fi, fo)),
        "ignores its rng argument": lambda fi, fo, rng: np.sqrt(2 / fi) * np.random.randn(fi, fo),
        "does not come from rng": lambda fi, fo, rng: np.sqrt(2 / fi) * np.random.default_rng(0).standard_normal((fi, fo)),
    }
    for text, fn in cases.items():
        assert text in likely(nb03.check_he_init(fn)), text


def test_leaky_he_std_checker(capsys):
    assert nb03.check_leaky_he_std(lambda n, a: np.sqrt(2 / ((1 + a ** 2) * n))).passed
    out = capsys.readouterr().out
    assert "activation histograms" in out and "plain He" in out
    cases = {
        "enters linearly": lambda n, a: np.sqrt(2 / ((1 + a) * n)),
        "plain He": lambda n, a: np.sqrt(2 / n),
        "that is the variance": lambda n, a: 2 / ((1 + a ** 2) * n),
        "wrong sign": lambda n, a: np.sqrt(2 / ((1 - a ** 2) * n)) if a < 1 else 1e9,
        "gain is inverted": lambda n, a: np.sqrt((1 + a ** 2) / (2 * n)),
    }
    for text, fn in cases.items():
        result = nb03.check_leaky_he_std(fn)
        assert text in likely(result), text
        assert "1 + a^2" not in result.message and "(1+a^2)" not in result.message  # the answer is never told


def test_the_leaky_std_keeps_activations_level():
    from dlhelpers.exercises.references import leaky_he_std
    stds = nb03._activation_stds(leaky_he_std(100, 0.5), 0.5)
    he = nb03._activation_stds(np.sqrt(2 / 100), 0.5)
    assert 0.5 < stds[-1] / stds[0] < 2 and he[-1] / he[0] > 2


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
