"""Checkers for notebook 01 (loss functions and backpropagation).

* :func:`check_mean_squared_error` - ``mean_squared_error(y, t)`` for a batch, one-hot ``t``;
* :func:`check_cross_entropy_error` - ``cross_entropy_error(y, t)`` for a batch, ``t`` as
  class indices (N,) or one-hot rows (N, C), finite when a probability is exactly 0;
* :func:`check_affine_backward` - ``affine_backward(dout, x, W)`` returning ``(dx, dW, db)``.

The reference solutions are the ``reference_*`` functions below.
"""
import numpy as np

from .checker import check_function

DELTA = 1e-7


# --------------------------------------------------------------------------- reference solutions
def reference_mean_squared_error(y, t):
    """E = 1/N * sum_n 1/2 * sum_k (y_nk - t_nk)^2 for y, t of shape (N, C)."""
    return 0.5 * np.sum((y - t) ** 2) / y.shape[0]


def reference_cross_entropy_error(y, t):
    """E = -1/N * sum_n log(y[n, t_n] + 1e-7); t as (N,) indices or (N, C) one-hot."""
    if t.ndim == 2:
        t = t.argmax(axis=1)
    n = y.shape[0]
    return -np.sum(np.log(y[np.arange(n), t] + DELTA)) / n


def reference_affine_backward(dout, x, W):
    """dx = dout W^T (N, D), dW = x^T dout (D, M), db = sum of dout over the batch (M,)."""
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


# --------------------------------------------------------------------------- helpers
class raised:  # lower case on purpose: reads "got raised ValueError: ..." in a report
    """Stands for 'the reader's function raised' so that diagnoses can name the mistake."""

    def __init__(self, err):
        self.err = err

    def __repr__(self):
        return f"{type(self.err).__name__}: {self.err}"


def _catching(fn):
    def wrapped(*args):
        try:
            return fn(*args)
        except Exception as err:  # turned into a diagnosis instead of a bare traceback
            return raised(err)
    wrapped.__name__ = getattr(fn, "__name__", "your function")
    return wrapped


def _ratio(got, expected):
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if got.shape != expected.shape or not np.all(np.isfinite(got)) or np.any(expected == 0):
        return np.nan
    r = got / expected
    return float(r.flat[0]) if np.allclose(r, r.flat[0], rtol=1e-6) else np.nan


def _probabilities(rng, n, c):
    return rng.dirichlet(np.ones(c), size=n)


# --------------------------------------------------------------------------- MSE
def check_mean_squared_error(fn):
    """Check ``fn(y, t)``: mean over the batch of 1/2 * sum_k (y_k - t_k)^2, t one-hot (N, C)."""
    def make_inputs(rng, trial):
        n = (4, 1, 7, 3, 10)[trial % 5]
        y = _probabilities(rng, n, 10)
        t = np.eye(10)[rng.integers(0, 10, size=n)]
        return y, t

    def has_ratio(value):
        return lambda got, exp, args: np.isclose(_ratio(got, exp), value, rtol=1e-6)

    n_of = lambda args: args[0].shape[0]  # noqa: E731
    diagnoses = [
        (lambda got, exp, args: isinstance(got, raised),
         "the function raised an error; it must take y and t of shape (N, 10) and return one number."),
        (has_ratio(2.0), "the factor 1/2 is missing: E = 1/2 * sum (y - t)^2."),
        (lambda got, exp, args: n_of(args) > 1 and np.isclose(_ratio(got, exp), n_of(args)),
         "the sum is not divided by the batch size N: the batch loss is the mean over samples."),
        (lambda got, exp, args: np.isclose(_ratio(got, exp), 0.1),
         "you averaged over all N * C entries (np.mean): average over the N samples only."),
        (lambda got, exp, args: np.isclose(_ratio(got, exp), 0.2),
         "np.mean over all entries without the 1/2: sum over classes, halve, then divide by N."),
        (lambda got, exp, args: np.shape(got) != (),
         "the result is an array; sum over the classes and the batch to get one number."),
        (lambda got, exp, args: np.isclose(float(np.asarray(got)),
                                           np.sqrt(np.sum((args[0] - args[1]) ** 2)) / 2 / n_of(args)),
         "the differences are not squared element by element: use (y - t) ** 2, not a norm."),
    ]
    return check_function(_catching(fn), reference_mean_squared_error, make_inputs,
                          name="mean_squared_error", diagnoses=diagnoses,
                          hint="0.5 * np.sum((y - t) ** 2) / y.shape[0]")


# --------------------------------------------------------------------------- cross-entropy
def check_cross_entropy_error(fn):
    """Check ``fn(y, t)`` on batches with index labels (N,), one-hot labels (N, C), and a zero
    probability at the true class (the delta 1e-7 must keep the loss finite)."""
    def make_inputs(rng, trial):
        n = (5, 3, 8, 4, 6)[trial % 5]
        y = _probabilities(rng, n, 10)
        labels = rng.integers(0, 10, size=n)
        if trial == 4:  # a confident mistake: probability exactly 0 for the true class
            y[0] = 0.0
            y[0, (labels[0] + 1) % 10] = 1.0
        t = labels if trial % 2 == 0 else np.eye(10)[labels]
        return y, t

    def labels_of(args):
        y, t = args
        return t.argmax(axis=1) if t.ndim == 2 else t

    def no_delta(got, exp, args):
        y, t = args
        return not np.all(np.isfinite(np.asarray(got, dtype=float))) and np.any(
            y[np.arange(len(y)), labels_of(args)] == 0)

    def summed(got, exp, args):
        return len(args[0]) > 1 and np.isclose(_ratio(got, exp), len(args[0]))

    def all_classes(got, exp, args):  # -sum log(y) over every class, not just the true one
        y = args[0]
        return np.isclose(float(np.asarray(got)), -np.sum(np.log(y + DELTA)) / len(y), rtol=1e-5)

    diagnoses = [
        (lambda got, exp, args: isinstance(got, raised) and args[1].ndim == 1,
         "your function only handles one-hot labels: with (N,) class indices it raised "
         "an error. Convert first, or pick y[np.arange(N), t] directly."),
        (lambda got, exp, args: isinstance(got, raised) and args[1].ndim == 2,
         "your function only handles class indices: with one-hot rows (N, C) it raised an "
         "error. If t.ndim == 2, turn it into indices with t.argmax(axis=1)."),
        (no_delta, "log(0) = -inf: add the small delta inside the log, np.log(y + 1e-7)."),
        (lambda got, exp, args: np.isclose(_ratio(got, exp), -1.0), "the sign is flipped: E = -sum t log y."),
        (summed, "the sum is not divided by the batch size N: report the mean loss per sample."),
        (all_classes, "you summed log y over every class; only the true class counts (t_k = 0 elsewhere)."),
        (lambda got, exp, args: args[1].ndim == 1 and np.shape(got) == (),
         "with (N,) class indices, t * log(y) does not pick the right entries; "
         "index with y[np.arange(N), t]."),
    ]
    return check_function(_catching(fn), reference_cross_entropy_error, make_inputs,
                          name="cross_entropy_error", diagnoses=diagnoses,
                          hint="if t.ndim == 2: t = t.argmax(axis=1); then "
                               "-np.sum(np.log(y[np.arange(N), t] + 1e-7)) / N")


# --------------------------------------------------------------------------- Affine backward
def check_affine_backward(fn):
    """Check ``fn(dout, x, W) -> (dx, dW, db)`` for x (N, D), W (D, M), dout (N, M)."""
    def make_inputs(rng, trial):
        n, d, m = [(4, 5, 3), (2, 6, 4), (7, 3, 5), (1, 4, 2), (5, 8, 6)][trial % 5]
        return rng.standard_normal((n, m)), rng.standard_normal((n, d)), rng.standard_normal((d, m))

    def part(got, i):
        return got[i] if isinstance(got, tuple) and len(got) == 3 else None

    def close(a, b):
        return a is not None and np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-5, atol=1e-8)

    def shape_is(got, i, shape):
        return part(got, i) is not None and np.shape(part(got, i)) == shape

    diagnoses = [
        (lambda got, exp, args: isinstance(got, raised),
         "the function raised an error (often a shape mismatch in a matrix product); write the "
         "shapes next to each product: dout (N, M), x (N, D), W (D, M)."),
        (lambda got, exp, args: not (isinstance(got, tuple) and len(got) == 3),
         "return three arrays as a tuple: return dx, dW, db."),
        (lambda got, exp, args: shape_is(got, 1, exp[1].T.shape) and close(part(got, 1), exp[1].T),
         "dW has the shape of W transposed: use x.T @ dout, which is (D, M) like W."),
        (lambda got, exp, args: close(part(got, 2), exp[2] / args[0].shape[0]) and args[0].shape[0] > 1,
         "db is the mean of dout over the batch; it is the sum (each sample adds its own gradient)."),
        (lambda got, exp, args: np.shape(part(got, 2)) == args[0].shape,
         "db still has one row per sample: sum dout over axis 0."),
        (lambda got, exp, args: close(part(got, 2), args[0].sum(axis=1)) or
         np.shape(part(got, 2)) == (args[0].shape[0],),
         "db was summed over the wrong axis: sum over the samples (axis=0), keeping one entry per output."),
        (lambda got, exp, args: close(part(got, 1), exp[1] / args[0].shape[0]) and args[0].shape[0] > 1,
         "dW was divided by N: the 1/N is already inside dout (from the softmax-with-loss layer)."),
        (lambda got, exp, args: part(got, 0) is not None and not close(part(got, 0), exp[0]),
         "dx is wrong: dx = dout @ W.T, which has the shape of x (N, D)."),
    ]
    return check_function(_catching(fn), reference_affine_backward, make_inputs, name="affine_backward",
                          diagnoses=diagnoses,
                          hint="dx = dout @ W.T;  dW = x.T @ dout;  db = dout.sum(axis=0)")
