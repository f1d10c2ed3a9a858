"""Checkers for notebook 06 (hyperparameter search): log-uniform sampling, narrowing a range
around the best trials, the update-to-weight ratio. Each ``check_*`` prints a verdict."""
import numpy as np

from .checker import check_function


# ----------------------------------------------------------------------------- reference solutions
def sample_log_uniform(rng, low_exp, high_exp, n):
    """Reference: n values 10 ** U(low_exp, high_exp), drawn with ONE call rng.uniform(low_exp, high_exp, n)."""
    return 10.0 ** rng.uniform(low_exp, high_exp, n)


def narrow_range(values, scores, top_k=5, margin=0.25):
    """Reference: (low, high) spanning the top_k highest-scoring values in log10, padded by
    ``margin`` decades on each side."""
    values, scores = np.asarray(values, dtype=float), np.asarray(scores, dtype=float)
    best = values[np.argsort(-scores, kind="stable")[:top_k]]
    logs = np.log10(best)
    return 10.0 ** (logs.min() - margin), 10.0 ** (logs.max() + margin)


def update_ratio(W_before, W_after):
    """Reference: ||W_after - W_before|| / ||W_before|| (Frobenius norms over all elements)."""
    return float(np.linalg.norm(W_after - W_before) / np.linalg.norm(W_before))


# ----------------------------------------------------------------------------- inputs
def _sample_inputs(rng, trial):
    low = float(rng.integers(-8, -3))
    return int(rng.integers(0, 10_000)), low, low + float(rng.integers(1, 5)), int(rng.integers(5, 30))


def _with_rng(fn):
    def call(seed, low_exp, high_exp, n):
        return fn(np.random.default_rng(seed), low_exp, high_exp, n)
    call.__name__ = getattr(fn, "__name__", "sample_log_uniform")
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


def _close(a, b, rtol=1e-6):
    try:
        return np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=0)
    except (TypeError, ValueError):
        return False


# ----------------------------------------------------------------------------- checkers
def check_sample_log_uniform(fn):
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
    return check_function(_with_rng(fn), _with_rng(sample_log_uniform), _sample_inputs,
                          name="sample_log_uniform", diagnoses=diagnoses,
                          hint="return 10.0 ** rng.uniform(low_exp, high_exp, n)")


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
    return check_function(fn, narrow_range, _narrow_inputs, name="narrow_range", diagnoses=diagnoses,
                          hint="best = values[np.argsort(-scores)[:top_k]]; logs = np.log10(best); "
                               "return 10 ** (logs.min() - margin), 10 ** (logs.max() + margin)")


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
    return check_function(fn, update_ratio, _ratio_inputs, name="update_ratio", diagnoses=diagnoses,
                          hint="return np.linalg.norm(W_after - W_before) / np.linalg.norm(W_before)")
