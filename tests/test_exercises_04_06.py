"""Checkers of notebooks 04-06: correct answers pass, typical mistakes get their specific diagnosis."""
import numpy as np
import pytest

from dlhelpers.exercises import nb04

EPS = 1e-5


def _forward_correct(x, gamma, beta):
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    return gamma * (x - mu) / np.sqrt(var + EPS) + beta


FORWARD_MISTAKES = {
    "gamma and beta are not applied": lambda x, g, b: (x - x.mean(0)) / np.sqrt(x.var(0) + EPS),
    "eps is missing": lambda x, g, b: g * (x - x.mean(0)) / np.sqrt(x.var(0)) + b,
    "eps is added outside": lambda x, g, b: g * (x - x.mean(0)) / (np.sqrt(x.var(0)) + EPS) + b,
    "unbiased one": lambda x, g, b: g * (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + EPS) + b,
    "instead of the standard deviation": lambda x, g, b: g * (x - x.mean(0)) / (x.var(0) + EPS) + b,
    "wrong axis": lambda x, g, b: g * (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + EPS) + b,
}


def test_batchnorm_forward_checker(capsys):
    assert nb04.check_batchnorm_forward(_forward_correct).passed
    assert "✔" in capsys.readouterr().out
    for text, wrong in FORWARD_MISTAKES.items():
        result = nb04.check_batchnorm_forward(wrong)
        assert not result.passed
        assert f"Likely mistake: " in result.message and text in result.message, (text, result.message)
        assert "Hint:" in result.message


def _running_correct(rm, rv, x, momentum):
    return momentum * rm + (1 - momentum) * x.mean(0), momentum * rv + (1 - momentum) * x.var(0)


RUNNING_MISTAKES = {
    "momentum multiplies the wrong term":
        lambda rm, rv, x, m: ((1 - m) * rm + m * x.mean(0), (1 - m) * rv + m * x.var(0)),
    "fed the batch standard deviation": lambda rm, rv, x, m: (m * rm + (1 - m) * x.mean(0), m * rv + (1 - m) * x.std(0)),
    "unbiased one": lambda rm, rv, x, m: (m * rm + (1 - m) * x.mean(0), m * rv + (1 - m) * x.var(0, ddof=1)),
    "swapped": lambda rm, rv, x, m: _running_correct(rm, rv, x, m)[::-1],
}


def test_update_running_stats_checker():
    assert nb04.check_update_running_stats(_running_correct).passed
    for text, wrong in RUNNING_MISTAKES.items():
        result = nb04.check_update_running_stats(wrong)
        assert not result.passed and "Likely mistake" in result.message and text in result.message, (text, result.message)


def _backward_parts(dout, x, gamma):
    inv_std = 1.0 / np.sqrt(x.var(0) + EPS)
    xn = (x - x.mean(0)) * inv_std
    return inv_std, xn, dout * gamma


def _backward_correct(dout, x, gamma):
    inv_std, xn, g = _backward_parts(dout, x, gamma)
    return inv_std * (g - g.mean(0) - xn * (g * xn).mean(0)), (dout * xn).sum(0), dout.sum(0)


def _swap(dout, x, gamma):
    dx, dg, db = _backward_correct(dout, x, gamma)
    return dx, db, dg


def _no_xn(dout, x, gamma):
    dx, dg, db = _backward_correct(dout, x, gamma)
    return dx, dout.sum(0), db


def _constants(dout, x, gamma):
    inv_std, xn, g = _backward_parts(dout, x, gamma)
    return g * inv_std, (dout * xn).sum(0), dout.sum(0)


def _mean_only(dout, x, gamma):
    inv_std, xn, g = _backward_parts(dout, x, gamma)
    return inv_std * (g - g.mean(0)), (dout * xn).sum(0), dout.sum(0)


def _no_gamma(dout, x, gamma):
    inv_std, xn, g = _backward_parts(dout, x, gamma)
    return inv_std * (dout - dout.mean(0) - xn * (dout * xn).mean(0)), (dout * xn).sum(0), dout.sum(0)


@pytest.mark.parametrize("wrong, text", [
    (_swap, "swapped"), (_no_xn, "dgamma is missing x_hat"), (_constants, "as constants"),
    (_mean_only, "but not the variance's"), (_no_gamma, "gamma is missing from dx"),
])
def test_batchnorm_backward_checker(wrong, text):
    assert nb04.check_batchnorm_backward(_backward_correct).passed
    result = nb04.check_batchnorm_backward(wrong)
    assert not result.passed and "Likely mistake" in result.message and text in result.message, result.message


def test_a_crashing_answer_is_reported_not_raised():
    result = nb04.check_batchnorm_forward(lambda x, g, b: x @ np.ones((3, 3)))
    assert not result.passed and "raised" in result.message
