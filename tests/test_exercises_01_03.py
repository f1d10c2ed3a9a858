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
