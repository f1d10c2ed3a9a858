"""Checkers for notebook 04 (batch normalization): forward in training mode, running statistics,
backward pass. Each ``check_*`` takes the reader's function and prints a verdict."""
import numpy as np

from .checker import check_function

EPS = 1e-5


# ----------------------------------------------------------------------------- reference solutions
def batchnorm_forward_train(x, gamma, beta, eps=EPS):
    """Reference: normalize each column of x (N, D) by its batch mean and variance, scale, shift."""
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def update_running_stats(running_mean, running_var, x, momentum=0.9):
    """Reference: (new running mean, new running variance) after one training batch x (N, D)."""
    return (momentum * running_mean + (1 - momentum) * x.mean(axis=0),
            momentum * running_var + (1 - momentum) * x.var(axis=0))


def batchnorm_backward(dout, x, gamma, eps=EPS):
    """Reference: (dx, dgamma, dbeta) of the training-mode forward, all from the batch x (N, D)."""
    inv_std = 1.0 / np.sqrt(x.var(axis=0) + eps)
    xn = (x - x.mean(axis=0)) * inv_std
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xn).sum(axis=0)
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=0) - xn * (g * xn).mean(axis=0))
    return dx, dgamma, dbeta


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


def _close(a, b):
    try:
        return np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-5, atol=1e-7)
    except (TypeError, ValueError):
        return False


# ----------------------------------------------------------------------------- checkers
def check_batchnorm_forward(fn):
    """Check ``fn(x, gamma, beta)`` against the training-mode batch-norm forward (eps = 1e-5)."""
    diagnoses = [
        (lambda got, exp, a: _close(got, (a[0] - a[0].mean(0)) / np.sqrt(a[0].var(0) + EPS)),
         "gamma and beta are not applied: the output must be gamma * x_hat + beta."),
        (lambda got, exp, a: _close(got, a[1] * (a[0] - a[0].mean(0)) / np.sqrt(a[0].var(0)) + a[2]),
         "eps is missing: divide by sqrt(var + eps), not sqrt(var) (matters for a nearly constant feature)."),
        (lambda got, exp, a: _close(got, a[1] * (a[0] - a[0].mean(0)) / (np.sqrt(a[0].var(0)) + EPS) + a[2]),
         "eps is added outside the square root: use sqrt(var + eps)."),
        (lambda got, exp, a: _close(got, a[1] * (a[0] - a[0].mean(0)) / np.sqrt(a[0].var(0, ddof=1) + EPS) + a[2]),
         "the variance is the unbiased one (ddof=1); batch norm divides by N: x.var(axis=0)."),
        (lambda got, exp, a: _close(got, a[1] * (a[0] - a[0].mean(0)) / (a[0].var(0) + EPS) + a[2]),
         "dividing by the variance instead of the standard deviation: take the square root."),
        (lambda got, exp, a: _close(got, a[1] * (a[0] - a[0].mean(1, keepdims=True))
                                    / np.sqrt(a[0].var(1, keepdims=True) + EPS) + a[2]),
         "normalized over the wrong axis: statistics are per feature over the batch, axis=0."),
    ]
    return check_function(fn, batchnorm_forward_train, _forward_inputs, name="batchnorm_forward_train",
                          diagnoses=diagnoses,
                          hint="mu = x.mean(axis=0); var = x.var(axis=0); "
                               "x_hat = (x - mu) / np.sqrt(var + 1e-5); return gamma * x_hat + beta")


def check_update_running_stats(fn):
    """Check ``fn(running_mean, running_var, x, momentum)`` -> (new_mean, new_var)."""
    diagnoses = [
        (lambda got, exp, a: _close(got[0], (1 - a[3]) * a[0] + a[3] * a[2].mean(0)),
         "momentum multiplies the wrong term: the OLD running value keeps weight momentum (0.9), "
         "the batch value gets 1 - momentum."),
        (lambda got, exp, a: _close(got[1], a[3] * a[1] + (1 - a[3]) * a[2].std(0)),
         "the running variance is fed the batch standard deviation; feed the variance x.var(axis=0)."),
        (lambda got, exp, a: _close(got[1], a[3] * a[1] + (1 - a[3]) * a[2].var(0, ddof=1)),
         "the batch variance is the unbiased one (ddof=1); use x.var(axis=0) as in the forward pass."),
        (lambda got, exp, a: _close(got[0], exp[1]) and _close(got[1], exp[0]),
         "the two results are swapped: return (mean, variance)."),
    ]
    return check_function(fn, update_running_stats, _running_inputs, name="update_running_stats",
                          diagnoses=diagnoses,
                          hint="new = momentum * old + (1 - momentum) * batch_value, for the mean and "
                               "the variance; return a tuple (new_mean, new_var)")


def check_batchnorm_backward(fn):
    """Check ``fn(dout, x, gamma)`` -> (dx, dgamma, dbeta) for the training-mode forward."""
    def parts(a):
        dout, x, gamma = a
        inv_std = 1.0 / np.sqrt(x.var(0) + EPS)
        xn = (x - x.mean(0)) * inv_std
        return dout, x, gamma, inv_std, xn, dout * gamma

    diagnoses = [
        (lambda got, exp, a: _close(got[1], exp[2]) and _close(got[2], exp[1]),
         "dgamma and dbeta are swapped: dbeta = sum(dout), dgamma = sum(dout * x_hat)."),
        (lambda got, exp, a: _close(got[1], parts(a)[0].sum(0)),
         "dgamma is missing x_hat: dgamma = sum over the batch of dout * x_hat."),
        (lambda got, exp, a: _close(got[0], parts(a)[5] * parts(a)[3]),
         "dx treats the batch mean and variance as constants (dx = gamma * dout / std). They depend "
         "on every x_i, which adds the two subtracted mean terms."),
        (lambda got, exp, a: _close(got[0], parts(a)[3] * (parts(a)[5] - parts(a)[5].mean(0))),
         "dx has the mean's term but not the variance's: subtract x_hat * mean(g * x_hat) too."),
        (lambda got, exp, a: _close(got[0], parts(a)[3] * (parts(a)[0] - parts(a)[0].mean(0)
                                                          - parts(a)[4] * (parts(a)[0] * parts(a)[4]).mean(0))),
         "gamma is missing from dx: the gradient reaching x_hat is g = dout * gamma."),
    ]
    return check_function(fn, batchnorm_backward, _backward_inputs, name="batchnorm_backward",
                          diagnoses=diagnoses,
                          hint="g = dout * gamma; dx = (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0)) "
                               "/ np.sqrt(var + eps)")
