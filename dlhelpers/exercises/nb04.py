"""Checkers for notebook 04 (batch normalization): forward in training mode, running statistics,
backward pass, and the open task, the backward pass through the staged graph
(:func:`batchnorm_forward_staged` / ``batchnorm_backward_staged``). Each ``check_*`` takes the
reader's function and prints a verdict."""
import numpy as np

from ..gradcheck import THRESHOLD, numerical_gradient, rel_error
from . import references as ref
from .checker import (changed_input, check_function, close, in_place_line, is_library_object, is_stub,
                      library_refused, limited, not_attempted, report, require_callable, short_error)

EPS = 1e-5




# ----------------------------------------------------------------------------- inputs
def _batch(rng, trial):
    n, d = (6, 4) if trial == 0 else (int(rng.integers(5, 20)), int(rng.integers(2, 7)))
    x = rng.normal(rng.uniform(-5, 5, d), rng.uniform(0.5, 4, d), size=(n, d))
    if trial >= 2:  # a nearly constant feature: there eps decides the result
        x[:, 0] = 1.0 + 1e-4 * rng.standard_normal(n)
    return x


def _forward_inputs(rng, trial):
    x = _batch(rng, trial)
    d = x.shape[1]
    return x, rng.uniform(0.5, 2.0, d), rng.uniform(-1, 1, d)


def _running_inputs(rng, trial):
    x = _batch(rng, trial)
    d = x.shape[1]
    return rng.normal(0, 1, d), rng.uniform(0.5, 2.0, d), x, 0.9


def _backward_inputs(rng, trial):
    x, gamma, _ = _forward_inputs(rng, trial)
    return rng.standard_normal(x.shape), x, gamma



def _effective_eps(got, x, gamma, beta):
    """The eps a forward output implies, or None if it is not of the form gamma * (x - mu) / sqrt(var + eps) + beta.

    Solved per entry from x_hat = (got - beta) / gamma; entries with x close to the mean are skipped.
    """
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None
    if got.shape != x.shape:
        return None
    x_mu = x - x.mean(axis=0)
    x_hat = (got - beta) / gamma
    usable = (np.abs(x_mu) > 1e-3 * x.std(axis=0)) & (np.abs(x_hat) > 1e-12)
    if not np.any(usable):
        return None
    eps = (x_mu[usable] / x_hat[usable]) ** 2 - np.broadcast_to(x.var(axis=0), x.shape)[usable]
    scale = np.broadcast_to(x.var(axis=0), x.shape)[usable]
    if np.max(eps) - np.min(eps) > 1e-3 * np.max(np.abs(eps)) + 1e-9 * np.max(scale):
        return None
    return float(np.median(eps))


def _eps_diagnosis(got, exp, a):
    eps = _effective_eps(got, a[0], a[1], a[2])
    return eps is not None and not np.isclose(eps, EPS, rtol=0.05)


def _eps_text(got, a):
    eps = _effective_eps(got, a[0], a[1], a[2])
    if abs(eps) < 1e-8:
        return "eps is missing: divide by sqrt(var + eps), not sqrt(var) (matters for a nearly constant feature)."
    if np.isclose(eps, 1e-6, rtol=0.05):
        return ("eps is 1e-6 (the book writes it 10e-7, which is 1e-6); this exercise uses eps = 1e-5: "
                "use the eps argument.")
    return f"eps is about {eps:.1e}; this exercise uses eps = 1e-5: use the eps argument."


# ----------------------------------------------------------------------------- checkers
def check_batchnorm_forward(fn):
    """Check ``fn(x, gamma, beta)`` against the training-mode batch-norm forward (eps = 1e-5)."""
    diagnoses = [
        (lambda got, exp, a: close(got, (a[0] - a[0].mean(0)) / np.sqrt(a[0].var(0) + EPS)),
         "gamma and beta are not applied: the output must be gamma * x_hat + beta."),
        (_eps_diagnosis, _eps_text),
        (lambda got, exp, a: close(got, a[1] * (a[0] - a[0].mean(0)) / (np.sqrt(a[0].var(0)) + EPS) + a[2]),
         "eps is added outside the square root: use sqrt(var + eps)."),
        (lambda got, exp, a: close(got, a[1] * (a[0] - a[0].mean(0)) / np.sqrt(a[0].var(0, ddof=1) + EPS) + a[2]),
         "the variance is the unbiased one (ddof=1); batch norm divides by N: x.var(axis=0)."),
        (lambda got, exp, a: close(got, a[1] * (a[0] - a[0].mean(0)) / (a[0].var(0) + EPS) + a[2]),
         "dividing by the variance instead of the standard deviation: take the square root."),
        (lambda got, exp, a: close(got, a[1] * (a[0] - a[0].mean(1, keepdims=True))
                                    / np.sqrt(a[0].var(1, keepdims=True) + EPS) + a[2]),
         "normalized over the wrong axis: statistics are per feature over the batch, axis=0."),
    ]
    return check_function(fn, ref.batchnorm_forward_train, _forward_inputs, name="batchnorm_forward_train",
                          diagnoses=diagnoses)


def check_update_running_stats(fn):
    """Check ``fn(running_mean, running_var, x, momentum)`` -> (new_mean, new_var)."""
    diagnoses = [
        (lambda got, exp, a: close(got[0], (1 - a[3]) * a[0] + a[3] * a[2].mean(0)),
         "momentum multiplies the wrong term: the OLD running value keeps weight momentum (0.9), "
         "the batch value gets 1 - momentum."),
        (lambda got, exp, a: close(got[1], a[3] * a[1] + (1 - a[3]) * a[2].std(0)),
         "the running variance is fed the batch standard deviation; feed the variance x.var(axis=0)."),
        (lambda got, exp, a: close(got[1], a[3] * a[1] + (1 - a[3]) * a[2].var(0, ddof=1)),
         "the batch variance is the unbiased one (ddof=1); use x.var(axis=0) as in the forward pass."),
        (lambda got, exp, a: close(got[0], exp[1]) and close(got[1], exp[0]),
         "the two results are swapped: return (mean, variance)."),
    ]
    return check_function(fn, ref.update_running_stats, _running_inputs, name="update_running_stats",
                          diagnoses=diagnoses)


def check_batchnorm_backward(fn):
    """Check ``fn(dout, x, gamma)`` -> (dx, dgamma, dbeta) for the training-mode forward."""
    def parts(a):
        dout, x, gamma = a
        inv_std = 1.0 / np.sqrt(x.var(0) + EPS)
        xn = (x - x.mean(0)) * inv_std
        return dout, x, gamma, inv_std, xn, dout * gamma

    diagnoses = [
        (lambda got, exp, a: close(got[1], exp[2]) and close(got[2], exp[1]),
         "dgamma and dbeta are swapped: dbeta = sum(dout), dgamma = sum(dout * x_hat)."),
        (lambda got, exp, a: close(got[1], parts(a)[0].sum(0)),
         "dgamma is missing x_hat: dgamma = sum over the batch of dout * x_hat."),
        (lambda got, exp, a: close(got[0], parts(a)[5] * parts(a)[3]),
         "dx treats the batch mean and variance as constants (dx = gamma * dout / std). They depend "
         "on every x_i, which adds the two subtracted mean terms."),
        (lambda got, exp, a: close(got[0], parts(a)[3] * (parts(a)[5] - parts(a)[5].mean(0))),
         "dx has the mean's term but not the variance's: subtract x_hat * mean(g * x_hat) too."),
        (lambda got, exp, a: close(got[0], parts(a)[3] * (parts(a)[0] - parts(a)[0].mean(0)
                                                          - parts(a)[4] * (parts(a)[0] * parts(a)[4]).mean(0))),
         "gamma is missing from dx: the gradient reaching x_hat is g = dout * gamma."),
    ]
    return check_function(fn, ref.batchnorm_backward, _backward_inputs, name="batchnorm_backward",
                          diagnoses=diagnoses)


# ----------------------------------------------------------------------------- open task: staged graph
def batchnorm_forward_staged(x, gamma, beta, eps=EPS):
    """Training-mode batch norm as a chain of small stages (CS231n style); returns (out, cache).

    Stages, for x of shape (N, D) and per-feature gamma, beta of shape (D,)::

        mu      = mean of x over the batch        (D,)
        x_mu    = x - mu                          (N, D)
        sq      = x_mu ** 2                       (N, D)
        var     = mean of sq over the batch       (D,)
        std     = sqrt(var + eps)                 (D,)
        inv_std = 1 / std                         (D,)
        x_hat   = x_mu * inv_std                  (N, D)
        out     = gamma * x_hat + beta            (N, D)

    ``cache`` is a dict holding every intermediate by the names above plus ``gamma`` and ``eps``:
    everything a backward pass needs, stage by stage, last stage first.
    """
    mu = x.mean(axis=0)
    x_mu = x - mu
    sq = x_mu ** 2
    var = sq.mean(axis=0)
    std = np.sqrt(var + eps)
    inv_std = 1.0 / std
    x_hat = x_mu * inv_std
    out = gamma * x_hat + beta
    cache = {"x": x, "mu": mu, "x_mu": x_mu, "sq": sq, "var": var, "std": std, "inv_std": inv_std,
             "x_hat": x_hat, "gamma": gamma, "eps": eps}
    return out, cache


def _numerical_bn_grads(x, gamma, beta, dout):
    """Central-difference gradients (:func:`dlhelpers.gradcheck.numerical_gradient`) of
    sum(forward(x, gamma, beta) * dout) for x, gamma and beta."""
    x, gamma, beta = x.copy(), gamma.copy(), beta.copy()

    def loss(_):
        return float(np.sum(batchnorm_forward_staged(x, gamma, beta)[0] * dout))
    return [numerical_gradient(loss, arr) for arr in (x, gamma, beta)]


def _copy_cache(cache):
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in cache.items()}


@limited("batchnorm_backward_staged")
def check_batchnorm_backward_staged(fn):
    """Check ``fn(dout, cache) -> (dx, dgamma, dbeta)`` against numerical gradients of
    :func:`batchnorm_forward_staged` (float64, :func:`dlhelpers.gradcheck.rel_error` below
    :data:`dlhelpers.gradcheck.THRESHOLD` for each of the three), then that it walks the stages.

    The walk is tested by giving a cache whose ``x_hat`` is deliberately inconsistent: in the staged
    graph x_hat is only the output of ``x_hat = x_mu * inv_std`` (its gradient flows on to x_mu and
    inv_std), so dx must not change; the compact formula, which reads x_hat, changes it.
    """
    name = getattr(fn, "__name__", "batchnorm_backward_staged")
    exercise = "batchnorm_backward_staged"
    require_callable(fn, name)
    if is_stub(fn):
        return not_attempted(name, exercise)
    if is_library_object(fn):
        return library_refused(fn, name, exercise)
    rng = np.random.default_rng(4)

    def call(dout, cache, where):
        given_dout, given_cache = dout.copy(), _copy_cache(cache)
        try:
            got = fn(given_dout, given_cache)
        except NotImplementedError:
            raise
        except Exception as err:
            return None, report(False, name, [f"✘ {name} raised {short_error(err)} ({where})",
                                              "Likely mistake: read the intermediates by their names in cache "
                                              "(cache['x_mu'], cache['inv_std'], ...) and keep each gradient in the "
                                              "shape of its value: (N, D) or (D,)."], exercise)
        changed = changed_input([dout, cache], [given_dout, given_cache], ["dout", "cache"])
        if changed:
            return None, report(False, name, [f"✘ {name} changed its input {changed} in place ({where}).",
                                              "Likely mistake: " + in_place_line(changed)], exercise)
        if isinstance(got, list) and len(got) == 3:
            return None, report(False, name, [f"✘ {name} returned a list; return a tuple (dx, dgamma, dbeta), "
                                              "with commas, not square brackets."], exercise)
        if not (isinstance(got, tuple) and len(got) == 3):
            return None, report(False, name, [f"✘ {name} must return a tuple (dx, dgamma, dbeta); it returned "
                                              f"{'None' if got is None else type(got).__name__}."], exercise)
        return got, None

    for trial, (n, d) in enumerate(((4, 3), (6, 2))):
        where = f"test {trial + 1}: N={n}, D={d}"
        x = rng.normal(rng.uniform(-2, 2, d), rng.uniform(0.5, 2, d), size=(n, d))
        gamma, beta = rng.uniform(0.5, 2.0, d), rng.uniform(-1, 1, d)
        dout = rng.standard_normal((n, d))
        _, cache = batchnorm_forward_staged(x, gamma, beta)
        got, verdict = call(dout, cache, where)
        if verdict is not None:
            return verdict
        numeric = _numerical_bn_grads(x, gamma, beta, dout)
        lines = []
        for label, g, num in zip(("dx", "dgamma", "dbeta"), got, numeric):
            if isinstance(g, (list, tuple)):
                lines.append(f"{label} is a {type(g).__name__}; return NumPy arrays")
                continue
            try:
                g = np.asarray(g, dtype=float)
            except (TypeError, ValueError):
                lines.append(f"{label} is not an array")
                continue
            if g.shape != num.shape:
                lines.append(f"{label} has shape {g.shape}, expected {num.shape}")
                continue
            err = rel_error(g, num)
            if not err < THRESHOLD:
                lines.append(f"{label}: relative error {err:.1e} against the numerical gradient")
        if lines:
            head = [f"✘ {name} disagrees with the numerical gradient ({where}):"] + lines
            diag = _staged_diagnosis(got, dout, cache)
            if diag:
                head.append(f"Likely mistake: {diag}")
            return report(False, name, head, exercise)
        # the walk: only the stage x_hat = x_mu * inv_std produces x_hat; dx must not read it
        odd = _copy_cache(cache)
        odd["x_hat"] = cache["x_hat"] * rng.uniform(0.5, 1.5, cache["x_hat"].shape)
        moved, verdict = call(dout, odd, where + ", cache['x_hat'] altered")
        if verdict is not None:
            return verdict
        if not close(moved[0], got[0], rtol=1e-9, atol=1e-12):
            return report(False, name, [
                f"✘ {name}: dx changed when only cache['x_hat'] was altered ({where}).",
                "Likely mistake: dx reads x_hat, as the compact formula does, which this task asks you not to "
                "use. In the staged graph x_hat is the output of x_hat = x_mu * inv_std: its gradient flows back "
                "to x_mu and inv_std, and from there through std, var, sq and mu; dx is built from those stages."],
                exercise)
    return report(True, name, [f"✔ {name}: dx, dgamma and dbeta agree with the numerical gradients "
                               f"(relative error < {THRESHOLD:.0e}".replace("e-0", "e-") + f") on 2 batches, and dx is built stage by stage."],
                  exercise)


def _staged_diagnosis(got, dout, cache):
    n = dout.shape[0]
    x_mu, inv_std, x_hat, gamma = cache["x_mu"], cache["inv_std"], cache["x_hat"], cache["gamma"]
    dx, dgamma, dbeta = got
    g = dout * gamma
    if close(dgamma, dout.sum(0)) and close(dbeta, (dout * x_hat).sum(0)):
        return "dgamma and dbeta are swapped: dbeta = sum(dout), dgamma = sum(dout * x_hat)."
    through_var = -x_hat * (g * x_hat).mean(0) * inv_std
    through_mu = -(g * inv_std).mean(0)
    if close(dx, g * inv_std):
        return "dx only follows the path x -> x_mu -> x_hat: the batch mean and variance also depend on x."
    if close(dx, g * inv_std + through_var):
        return ("the path through mu is missing: x_mu = x - mu, and mu = mean(x) sends -sum(dx_mu) / N "
                "back to every row.")
    if close(dx, g * inv_std + through_mu):
        return "the path through the variance is missing: var = mean(x_mu**2) adds 2 * x_mu * dvar / N to dx_mu."
    if close(dx, g * inv_std + 2 * through_var + through_mu):
        return "the variance path is counted twice: the 0.5 of the square root's derivative may be missing."
    if close(dx, -(g * inv_std + through_var + through_mu)):
        return "dx has the wrong sign."
    del n, x_mu
    return None
