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
        assert "Likely mistake: " in result.message and text in result.message, (text, result.message)
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


# ----------------------------------------------------------------------------- notebook 05
from dlhelpers.exercises import nb05  # noqa: E402


def test_weight_decay_checker():
    assert nb05.check_weight_decay_terms(lambda W, dW, lam: (0.5 * lam * np.sum(W ** 2), dW + lam * W)).passed
    mistakes = {
        "missing the 1/2": lambda W, dW, lam: (lam * np.sum(W ** 2), dW + lam * W),
        "uses the norm": lambda W, dW, lam: (0.5 * lam * np.linalg.norm(W), dW + lam * W),
        "lambda/2 * W": lambda W, dW, lam: (0.5 * lam * np.sum(W ** 2), dW + 0.5 * lam * W),
        "data gradient dW is missing": lambda W, dW, lam: (0.5 * lam * np.sum(W ** 2), lam * W),
        "sign of the decay term": lambda W, dW, lam: (0.5 * lam * np.sum(W ** 2), dW - lam * W),
        "2 * lambda * W": lambda W, dW, lam: (0.5 * lam * np.sum(W ** 2), dW + 2 * lam * W),
    }
    for text, wrong in mistakes.items():
        result = nb05.check_weight_decay_terms(wrong)
        assert not result.passed and "Likely mistake" in result.message and text in result.message, (text, result.message)


def test_inverted_dropout_checker():
    assert nb05.check_inverted_dropout_train(lambda x, keep, r: x * keep / (1 - r)).passed
    mistakes = {
        "book's form": lambda x, keep, r: x * keep,
        "divided by the dropout ratio": lambda x, keep, r: x * keep / r,
        "multiplied by (1 - ratio)": lambda x, keep, r: x * keep * (1 - r),
        "mask is inverted": lambda x, keep, r: x * ~keep / (1 - r),
    }
    for text, wrong in mistakes.items():
        result = nb05.check_inverted_dropout_train(wrong)
        assert not result.passed and "Likely mistake" in result.message and text in result.message, (text, result.message)


def _early(val_acc, patience, ties=False, late=False, best_is_stop=False):
    best, best_epoch, waited = -1.0, 0, 0
    for epoch in range(1, len(val_acc)):
        if (val_acc[epoch] >= best) if ties else (val_acc[epoch] > best):
            best, best_epoch, waited = val_acc[epoch], epoch, 0
        else:
            waited += 1
            if (waited > patience) if late else (waited >= patience):
                return epoch, epoch if best_is_stop else best_epoch
    return len(val_acc) - 1, len(val_acc) - 1 if best_is_stop else best_epoch


@pytest.mark.parametrize("kwargs, text", [
    ({"ties": True}, "a tie counts as an improvement"),
    ({"late": True}, "one epoch late"),
    ({"best_is_stop": True}, "not the epoch where training stopped"),
])
def test_early_stop_checker(kwargs, text):
    assert nb05.check_early_stop(_early).passed
    result = nb05.check_early_stop(lambda v, p: _early(v, p, **kwargs))
    assert not result.passed and "Likely mistake" in result.message and text in result.message, result.message


def test_early_stop_reference_agrees_with_the_notebook_rule():
    from dlhelpers.experiments.overfitting import early_stop_epoch
    rng = np.random.default_rng(5)
    for trial in range(20):
        curve, patience = nb05._curve_inputs(rng, trial)
        stop, best = nb05.early_stop(curve, patience)
        ref_stop, ref_best = early_stop_epoch(curve, patience)
        assert best == ref_best and stop == (ref_stop if ref_stop is not None else len(curve) - 1)


# ----------------------------------------------------------------------------- notebook 06
from dlhelpers.exercises import nb06  # noqa: E402


def test_sample_log_uniform_checker():
    assert nb06.check_sample_log_uniform(lambda rng, lo, hi, n: 10.0 ** rng.uniform(lo, hi, n)).passed
    mistakes = {
        "uniform in the VALUE": lambda rng, lo, hi, n: rng.uniform(10.0 ** lo, 10.0 ** hi, n),
        "these are the exponents": lambda rng, lo, hi, n: rng.uniform(lo, hi, n),
        "base e": lambda rng, lo, hi, n: np.exp(rng.uniform(lo, hi, n)),
    }
    for text, wrong in mistakes.items():
        result = nb06.check_sample_log_uniform(wrong)
        assert not result.passed and "Likely mistake" in result.message and text in result.message, (text, result.message)
    swapped = nb06.check_sample_log_uniform(lambda rng, lo, hi, n: 10.0 ** rng.uniform(hi, lo, n))
    assert not swapped.passed and "raised ValueError" in swapped.message


def _narrow(values, scores, top_k, margin, worst=False, pad="log"):
    order = np.argsort(scores if worst else -scores, kind="stable")[:top_k]
    logs = np.log10(values[order])
    if pad == "none":
        return 10.0 ** logs.min(), 10.0 ** logs.max()
    if pad == "value":
        return 10.0 ** logs.min() - margin, 10.0 ** logs.max() + margin
    if pad == "exponents":
        return logs.min() - margin, logs.max() + margin
    return 10.0 ** (logs.min() - margin), 10.0 ** (logs.max() + margin)


@pytest.mark.parametrize("kwargs, text", [
    ({"worst": True}, "LOWEST scores"), ({"pad": "none"}, "margin is missing"),
    ({"pad": "value"}, "it is in decades"), ({"pad": "exponents"}, "these are exponents"),
])
def test_narrow_range_checker(kwargs, text):
    assert nb06.check_narrow_range(_narrow).passed
    result = nb06.check_narrow_range(lambda v, s, k, m: _narrow(v, s, k, m, **kwargs))
    assert not result.passed and "Likely mistake" in result.message and text in result.message, result.message


def test_narrow_range_reference_matches_the_search_helper():
    from dlhelpers import search
    rng = np.random.default_rng(3)
    values, scores, top_k, margin = nb06._narrow_inputs(rng, 0)
    trials = [search.Trial(i, {"lr": v}, i, None, s) for i, (v, s) in enumerate(zip(values, scores))]
    result = search.SearchResult(trials, ranges={"lr": (1e-6, 1e-1)})
    helper = search.narrow_ranges(result, top_k=top_k, margin=margin, move=0)["lr"]
    assert np.allclose(helper, nb06.narrow_range(values, scores, top_k, margin))


def test_update_ratio_checker():
    assert nb06.check_update_ratio(lambda a, b: np.linalg.norm(b - a) / np.linalg.norm(a)).passed
    mistakes = {
        "upside down": lambda a, b: np.linalg.norm(a) / np.linalg.norm(b - a),
        "AFTER the update": lambda a, b: np.linalg.norm(b - a) / np.linalg.norm(b),
        "per-element ratios": lambda a, b: np.mean(np.abs(b - a) / np.abs(a)),
        "squared norms": lambda a, b: np.sum((b - a) ** 2) / np.sum(a ** 2),
    }
    for text, wrong in mistakes.items():
        result = nb06.check_update_ratio(wrong)
        assert not result.passed and "Likely mistake" in result.message and text in result.message, (text, result.message)
