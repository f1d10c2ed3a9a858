"""Checkers for notebook 06 (hyperparameter search): log-uniform draws, narrowing a range
around the best trials, the update-to-weight ratio, and the open task, the successive-halving
schedule. Each ``check_*`` prints a verdict.

The log-uniform exercise is called ``log_uniform_draws(rng, low_exp, high_exp, n)`` so that it
does not shadow :func:`dlhelpers.search.sample_log_uniform` (which takes a dict of ranges);
:func:`check_sample_log_uniform` remains as the old name of :func:`check_log_uniform_draws`.
"""
import numpy as np

from . import references as ref
from .checker import check_function, close


log_uniform_draws = ref.log_uniform_draws
narrow_range = ref.narrow_range
update_ratio = ref.update_ratio
halving_schedule = ref.halving_schedule


# ----------------------------------------------------------------------------- inputs
def _sample_inputs(rng, trial):
    low = float(rng.integers(-8, -3))
    return int(rng.integers(0, 10_000)), low, low + float(rng.integers(1, 5)), int(rng.integers(5, 30))


def _with_rng(fn):
    def call(seed, low_exp, high_exp, n):
        return fn(np.random.default_rng(seed), low_exp, high_exp, n)
    call.__name__ = getattr(fn, "__name__", "log_uniform_draws")
    return call


def _narrow_inputs(rng, trial):
    n = int(rng.integers(12, 40))
    values = 10.0 ** rng.uniform(-6, -1, n)
    scores = np.round(rng.uniform(0.1, 0.9, n), 3)
    return values, scores, int(rng.integers(3, 7)), float(rng.choice([0.25, 0.5]))


def _ratio_inputs(rng, trial):
    shape = (int(rng.integers(3, 9)), int(rng.integers(3, 9)))
    W = rng.standard_normal(shape) * rng.uniform(0.05, 1.0)
    return W, W - rng.uniform(1e-4, 1e-2) * rng.standard_normal(shape)


def _close(a, b):
    """Relative closeness only: these values span many decades."""
    return close(a, b, rtol=1e-6, atol=0)


# ----------------------------------------------------------------------------- checkers
def check_log_uniform_draws(fn):
    """Check ``fn(rng, low_exp, high_exp, n)`` -> n log-uniform values (one rng.uniform call)."""
    def rng_of(a):
        return np.random.default_rng(a[0])

    diagnoses = [
        (lambda got, exp, a: _close(got, rng_of(a).uniform(10.0 ** a[1], 10.0 ** a[2], a[3])),
         "uniform in the VALUE, not in the exponent: almost every sample lands in the top decade. "
         "Draw the exponent uniformly, then raise 10 to it."),
        (lambda got, exp, a: _close(got, rng_of(a).uniform(a[1], a[2], a[3])),
         "these are the exponents; return 10 ** exponent."),
        (lambda got, exp, a: _close(got, np.exp(rng_of(a).uniform(a[1], a[2], a[3]))),
         "np.exp uses base e; the exponents are powers of 10: use 10.0 ** exponent."),
    ]
    name = getattr(fn, "__name__", "log_uniform_draws")
    return check_function(_with_rng(fn), _with_rng(log_uniform_draws), _sample_inputs,
                          name=name, diagnoses=diagnoses, exercise="log_uniform_draws", stub_of=fn)


#: The exercise's former name (it shadowed :func:`dlhelpers.search.sample_log_uniform`).
check_sample_log_uniform = check_log_uniform_draws


def check_narrow_range(fn):
    """Check ``fn(values, scores, top_k, margin)`` -> (low, high)."""
    def best_logs(a, worst=False):
        order = np.argsort(a[1] if worst else -a[1], kind="stable")[:a[2]]
        return np.log10(a[0][order])

    diagnoses = [
        (lambda got, exp, a: _close(got, (10.0 ** (best_logs(a, True).min() - a[3]),
                                          10.0 ** (best_logs(a, True).max() + a[3]))),
         "that is the range of the LOWEST scores: sort by descending score (higher is better)."),
        (lambda got, exp, a: _close(got, (10.0 ** best_logs(a).min(), 10.0 ** best_logs(a).max())),
         "the margin is missing: pad by `margin` decades on each side, so the next round also "
         "looks a little beyond the best trials."),
        (lambda got, exp, a: _close(got, (10.0 ** best_logs(a).min() - a[3], 10.0 ** best_logs(a).max() + a[3])),
         "the margin is added to the values; it is in decades: subtract/add it to log10 of the values."),
        (lambda got, exp, a: _close(got, (best_logs(a).min() - a[3], best_logs(a).max() + a[3])),
         "these are exponents; return the values 10 ** (log10(min) - margin) and 10 ** (log10(max) + margin)."),
    ]
    return check_function(fn, narrow_range, _narrow_inputs, name="narrow_range", diagnoses=diagnoses)


def check_update_ratio(fn):
    """Check ``fn(W_before, W_after)`` -> ||W_after - W_before|| / ||W_before||."""
    diagnoses = [
        (lambda got, exp, a: _close(got, np.linalg.norm(a[0]) / np.linalg.norm(a[1] - a[0])),
         "the ratio is upside down: the size of the update divided by the size of the weights."),
        (lambda got, exp, a: _close(got, np.linalg.norm(a[1] - a[0]) / np.linalg.norm(a[1])),
         "divided by the weights AFTER the update; divide by the weights the update was applied to.",),
        (lambda got, exp, a: _close(got, np.mean(np.abs(a[1] - a[0]) / np.abs(a[0]))),
         "that is an average of per-element ratios; take the norm of the whole update over the norm of W."),
        (lambda got, exp, a: _close(got, np.sum((a[1] - a[0]) ** 2) / np.sum(a[0] ** 2)),
         "squared norms: take the square root of each sum (np.linalg.norm does it)."),
    ]
    return check_function(fn, update_ratio, _ratio_inputs, name="update_ratio", diagnoses=diagnoses)


# ----------------------------------------------------------------------------- open task: successive halving
HALVING_CASES = ((27, 3, 1, 27), (20, 2, 1, 8), (10, 3, 2, 100), (81, 3, 1, 81), (16, 4, 5, 50),
                 (9, 3, 1, 2), (1, 2, 3, 30), (50, 2, 2, 1000))


def _halving_inputs(rng, trial):
    return HALVING_CASES[trial]


def _halving_variant(n_trials, reduction_factor, min_epochs, max_epochs, ceil=False, cap=True,
                     stop_at_one=True, cumulative=False, swapped=False):
    rungs, trials, epochs, total = [], n_trials, min_epochs, 0
    for _ in range(100):
        total += epochs
        shown = total if cumulative else epochs
        rungs.append((shown, trials) if swapped else (trials, shown))
        if (stop_at_one and trials == 1) or epochs >= max_epochs or trials == 0:
            break
        trials = max(1, -(-trials // reduction_factor) if ceil else trials // reduction_factor)
        epochs = epochs * reduction_factor
        if cap:
            epochs = min(max_epochs, epochs)
    return rungs


def _rungs(got):
    try:
        return [tuple(int(v) for v in rung) for rung in got]
    except (TypeError, ValueError):
        return None


def _compare_schedule(got, expected, args):
    rungs = _rungs(got) if isinstance(got, (list, tuple)) else None
    if got is None:
        return "the function returned None (is a `return` missing?)"
    if rungs is None or any(len(r) != 2 for r in rungs):
        return "expected a list of (trials, epochs) pairs, one per rung"
    if rungs == list(expected):
        return None
    if len(rungs) != len(expected):
        return f"{len(rungs)} rungs, expected {len(expected)}"
    i = next(i for i, (g, e) in enumerate(zip(rungs, expected)) if g != e)
    return f"rung {i} is {rungs[i]}, expected {expected[i]} (trials, epochs)"


def check_halving_schedule(fn):
    """Check ``fn(n_trials, reduction_factor, min_epochs, max_epochs)`` -> list of (trials, epochs) rungs."""
    def like(**kwargs):
        return lambda got, exp, a: _rungs(got) == _halving_variant(*a, **kwargs)

    diagnoses = [
        (like(swapped=True), "each rung is (trials, epochs): the number of trials first."),
        (like(ceil=True), "the number of survivors is rounded up; keep the best n // reduction_factor (rounded down)."),
        (like(cap=False), "the epochs grow past max_epochs: no rung may train longer than max_epochs."),
        (like(cumulative=True), "the epochs are cumulative; give the epochs each trial trains at that rung."),
        (like(stop_at_one=False), "the schedule goes on after a single trial is left: stop at the rung with one trial."),
    ]
    return check_function(fn, halving_schedule, _halving_inputs, name="halving_schedule",
                          diagnoses=diagnoses, n_trials=len(HALVING_CASES), compare=_compare_schedule)
