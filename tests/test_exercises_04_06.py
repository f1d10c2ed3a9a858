"""Checkers of notebooks 04-06: correct answers pass, typical mistakes get their specific diagnosis."""
import numpy as np
import pytest

from dlhelpers.exercises import nb04
from dlhelpers.exercises.hints import leaked_reference_lines

EPS = 1e-5


def likely(result):
    """The failure message of ``result``; fails if it passed or if it prints reference code."""
    assert not result.passed and result.attempted
    assert not leaked_reference_lines(result.message), result.message
    return result.message


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
        message = likely(nb04.check_batchnorm_forward(wrong))
        assert "Likely mistake: " in message and text in message, (text, message)
        assert "Hint:" in message


def test_the_books_eps_is_named_not_called_missing():
    message = likely(nb04.check_batchnorm_forward(lambda x, g, b: _forward_correct_eps(x, g, b, 10e-7)))
    assert "eps is 1e-6 (the book writes it 10e-7" in message and "missing" not in message
    message = likely(nb04.check_batchnorm_forward(lambda x, g, b: _forward_correct_eps(x, g, b, 1e-3)))
    assert "eps is about 1.0e-03" in message


def _forward_correct_eps(x, gamma, beta, eps):
    return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta


def test_a_list_instead_of_a_tuple_is_one_line():
    message = likely(nb04.check_update_running_stats(lambda rm, rv, x, m: list(_running_correct(rm, rv, x, m))))
    assert "returned a list of 2 values; return a tuple" in message
    assert "array(" not in message and "[[" not in message and len(message.splitlines()) <= 5


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
        message = likely(nb04.check_update_running_stats(wrong))
        assert "Likely mistake" in message and text in message, (text, message)


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
    message = likely(nb04.check_batchnorm_backward(wrong))
    assert "Likely mistake" in message and text in message, message


def _staged(dout, cache, mu_path=True, var_path=True, swap=False, as_list=False):
    from dlhelpers.exercises.references import batchnorm_backward_staged
    dx, dgamma, dbeta = batchnorm_backward_staged(dout, cache)
    n = dout.shape[0]
    g = dout * cache["gamma"]
    x_hat, inv_std = cache["x_hat"], cache["inv_std"]
    if not mu_path:
        dx = dx + (g * inv_std).mean(0)
    if not var_path:
        dx = dx + x_hat * (g * x_hat).mean(0) * inv_std
    del n
    out = (dx, dbeta, dgamma) if swap else (dx, dgamma, dbeta)
    return list(out) if as_list else out


@pytest.mark.parametrize("kwargs, text", [
    ({"mu_path": False}, "path through mu is missing"),
    ({"var_path": False}, "path through the variance is missing"),
    ({"mu_path": False, "var_path": False}, "only follows the path x -> x_mu -> x_hat"),
    ({"swap": True}, "dgamma and dbeta are swapped"),
    ({"as_list": True}, "returned a list"),
])
def test_batchnorm_backward_staged_checker(kwargs, text):
    message = likely(nb04.check_batchnorm_backward_staged(lambda d, c: _staged(d, c, **kwargs)))
    assert text in message, message


def test_the_staged_forward_matches_the_one_line_forward():
    from dlhelpers.exercises.references import batchnorm_forward_train
    rng = np.random.default_rng(0)
    x, gamma, beta = rng.standard_normal((5, 3)), rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    out, cache = nb04.batchnorm_forward_staged(x, gamma, beta)
    assert np.allclose(out, batchnorm_forward_train(x, gamma, beta))
    assert {"x_mu", "var", "std", "inv_std", "x_hat", "gamma", "eps"} <= set(cache)


def test_a_crashing_answer_is_reported_not_raised():
    result = nb04.check_batchnorm_forward(lambda x, g, b: x @ np.ones((3, 3)))
    assert not result.passed and "raised" in result.message


# ----------------------------------------------------------------------------- notebook 05
from dlhelpers.exercises import nb05  # noqa: E402
from dlhelpers.exercises import references as ref  # noqa: E402


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
        message = likely(nb05.check_weight_decay_terms(wrong))
        assert "Likely mistake" in message and text in message, (text, message)


def test_inverted_dropout_checker():
    assert nb05.check_inverted_dropout_train(lambda x, keep, r: x * keep / (1 - r)).passed
    mistakes = {
        "book's form": lambda x, keep, r: x * keep,
        "divided by the dropout ratio": lambda x, keep, r: x * keep / r,
        "multiplied by (1 - ratio)": lambda x, keep, r: x * keep * (1 - r),
        "mask is inverted": lambda x, keep, r: x * ~keep / (1 - r),
    }
    for text, wrong in mistakes.items():
        message = likely(nb05.check_inverted_dropout_train(wrong))
        assert "Likely mistake" in message and text in message, (text, message)


def _early(val_acc, patience, ties=False, late=False, best_is_stop=False, skip_first=False):
    best, best_epoch, waited = (-1.0, 0, 0) if skip_first else (val_acc[0], 0, 0)
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
    ({"skip_first": True}, "val_acc[0] was ignored"),
])
def test_early_stop_checker(kwargs, text):
    assert nb05.check_early_stop(_early).passed
    message = likely(nb05.check_early_stop(lambda v, p: _early(v, p, **kwargs)))
    assert "Likely mistake" in message and text in message, message


def test_early_stop_reference_follows_the_prose():
    """"Strictly better than all earlier ones", epoch 0 included: a start that is never beaten is the best."""
    from dlhelpers.exercises.references import early_stop
    assert early_stop([0.5, 0.4, 0.45, 0.5, 0.3], patience=3) == (3, 0)
    assert early_stop([0.1, 0.4, 0.4, 0.5, 0.5, 0.5], patience=2) == (5, 3)
    assert early_stop([0.1, 0.2, 0.3], patience=5) == (2, 2)


def test_early_stop_list_is_one_line():
    message = likely(nb05.check_early_stop(lambda v, p: list(_early(v, p))))
    assert "return a tuple (stop_epoch, best_epoch), not a list" in message


def test_regularizer_checker(monkeypatch):
    """The baseline's 12 seeds are cached; each further setting takes 12 runs (about 6-12 s)."""
    result = nb05.check_regularizer(ref.regularizer_settings())
    assert result.passed and "validation" in result.message and "of 12 seeds" in result.message
    # the settings the notebook prints are its own answer: refused before any training
    for shown in ({"dropout_ratio": 0.1}, {"weight_decay_lambda": 0.01}, {"dropout_ratio": 0.3, "weight_decay_lambda": 0}):
        assert "already measured" in nb05.check_regularizer(shown).message
    n = len(nb05.REG_BUDGET["seeds"])
    base_train, base_val = nb05._runs()
    # the diagnosis branches, on recorded accuracies (no training)
    monkeypatch.setitem(nb05._RUNS, (0.3, 0.0), (base_train - 0.5, base_val - 0.3))
    assert "underfits" in likely(nb05.check_regularizer({"weight_decay_lambda": 0.3}))
    monkeypatch.setitem(nb05._RUNS, (0.0, 0.9), (base_train, base_val + 0.003 + 0.03 * (np.arange(n) % 2 * 2 - 1)))
    assert "not larger than the seed-to-seed noise" in likely(nb05.check_regularizer({"dropout_ratio": 0.9}))
    assert "both settings are 0" in likely(nb05.check_regularizer({"dropout_ratio": 0.0}))
    assert "unknown setting(s) 'lambda'" in likely(nb05.check_regularizer({"lambda": 0.1}))
    assert "dropout_ratio must be in [0, 1)" in likely(nb05.check_regularizer({"dropout_ratio": 1.5}))
    assert "the dict is empty" in likely(nb05.check_regularizer({}))
    assert "return a dict" in likely(nb05.check_regularizer(lambda: [0.1]))


# ----------------------------------------------------------------------------- notebook 06
from dlhelpers.exercises import nb06  # noqa: E402


def test_log_uniform_draws_checker():
    assert nb06.check_sample_log_uniform is nb06.check_log_uniform_draws  # the old name still works
    assert nb06.check_log_uniform_draws(lambda rng, lo, hi, n: 10.0 ** rng.uniform(lo, hi, n)).passed
    mistakes = {
        "uniform in the VALUE": lambda rng, lo, hi, n: rng.uniform(10.0 ** lo, 10.0 ** hi, n),
        "these are the exponents": lambda rng, lo, hi, n: rng.uniform(lo, hi, n),
        "base e": lambda rng, lo, hi, n: np.exp(rng.uniform(lo, hi, n)),
    }
    for text, wrong in mistakes.items():
        message = likely(nb06.check_log_uniform_draws(wrong))
        assert "Likely mistake" in message and text in message, (text, message)
    swapped = nb06.check_log_uniform_draws(lambda rng, lo, hi, n: 10.0 ** rng.uniform(hi, lo, n))
    assert not swapped.passed


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
    message = likely(nb06.check_narrow_range(lambda v, s, k, m: _narrow(v, s, k, m, **kwargs)))
    assert "Likely mistake" in message and text in message, message


def test_narrow_range_reference_matches_the_search_helper():
    from dlhelpers import search
    rng = np.random.default_rng(3)
    values, scores, top_k, margin = nb06._narrow_inputs(rng, 0)
    trials = [search.Trial(i, {"lr": v}, i, None, s) for i, (v, s) in enumerate(zip(values, scores))]
    result = search.SearchResult(trials, ranges={"lr": (1e-6, 1e-1)})
    helper = search.narrow_ranges(result, top_k=top_k, margin=margin, move=0)["lr"]
    from dlhelpers.exercises.references import narrow_range
    assert np.allclose(helper, narrow_range(values, scores, top_k, margin))


def test_update_ratio_checker():
    assert nb06.check_update_ratio(lambda a, b: np.linalg.norm(b - a) / np.linalg.norm(a)).passed
    mistakes = {
        "upside down": lambda a, b: np.linalg.norm(a) / np.linalg.norm(b - a),
        "AFTER the update": lambda a, b: np.linalg.norm(b - a) / np.linalg.norm(b),
        "per-element ratios": lambda a, b: np.mean(np.abs(b - a) / np.abs(a)),
        "squared norms": lambda a, b: np.sum((b - a) ** 2) / np.sum(a ** 2),
    }
    for text, wrong in mistakes.items():
        message = likely(nb06.check_update_ratio(wrong))
        assert "Likely mistake" in message and text in message, (text, message)


@pytest.mark.parametrize("kwargs, text", [
    ({"swapped": True}, "the number of trials first"),
    ({"ceil": True}, "rounded up"),
    ({"zero_ok": True}, "a rung with 0 trials"),
    ({"raise_last": False}, "the last rung trains for max_epochs"),
    ({"capped": True}, "the last rung trains for max_epochs"),   # the former exercise rule
    ({"cumulative": True}, "cumulative"),
])
def test_halving_schedule_checker(kwargs, text):
    def rungs(n_trials, reduction_factor, min_epochs, max_epochs):
        return nb06._halving_variant(n_trials, reduction_factor, min_epochs, max_epochs)

    def wrong(n_trials, reduction_factor, min_epochs, max_epochs):
        return nb06._halving_variant(n_trials, reduction_factor, min_epochs, max_epochs, **kwargs)
    assert nb06.check_halving_schedule(rungs).passed
    message = likely(nb06.check_halving_schedule(wrong))
    assert text in message, message


def test_halving_schedule_reference_examples():
    """The one rule: dlhelpers.search.halving_schedule(n_trials, min_epochs, max_epochs, eta)."""
    from dlhelpers.exercises.references import halving_schedule
    assert halving_schedule(27, 1, 27, 3) == ([27, 9, 3, 1], [1, 3, 9, 27])
    assert halving_schedule(20, 1, 8, 2) == ([20, 10, 5, 2], [1, 2, 4, 8])
    assert halving_schedule(1, 3, 30, 2) == ([1], [30])
    assert halving_schedule(10, 2, 100, 3) == ([10, 3, 1], [2, 6, 100])   # the winner gets max_epochs
    assert halving_schedule(2, 1, 27, 3) == ([2], [27])                   # never a rung of 0 trials


# ----------------------------------------------------------------------------- 06: halving with resumed training
def _halving_loop(from_scratch=False, keep_worst=False, full_budget=False):
    from dlhelpers import search

    def resumed_halving(configs, train, evaluate, min_epochs, max_epochs, eta):
        sizes, budgets = search.halving_schedule(len(configs), min_epochs, max_epochs, eta)
        alive, rungs, states, done = list(range(len(configs))), [], {}, 0
        for k, budget in enumerate(budgets):
            scores = {}
            for i in alive:
                start = None if from_scratch else states.get(i)
                epochs = budget if (from_scratch or full_budget) else budget - done
                states[i] = train(configs[i], epochs, start)
                scores[i] = evaluate(configs[i], states[i])
            rungs.append(list(alive))
            done = budget
            ranked = sorted(alive, key=lambda i: ((scores[i] if keep_worst else -scores[i]), i))
            if k + 1 < len(sizes):
                alive = sorted(ranked[:sizes[k + 1]])
        return ranked[0], rungs
    return resumed_halving


def test_resumed_halving_checker():
    assert nb06.check_resumed_halving(_halving_loop()).passed
    assert "from scratch" in likely(nb06.check_resumed_halving(_halving_loop(from_scratch=True)))
    assert "WORST" in likely(nb06.check_resumed_halving(_halving_loop(keep_worst=True)))
    assert "budgets[k] - budgets[k - 1] more" in likely(nb06.check_resumed_halving(_halving_loop(full_budget=True)))
