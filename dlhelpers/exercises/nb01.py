"""Checkers for notebook 01 (loss functions and backpropagation).

* :func:`check_mean_squared_error` - ``mean_squared_error(y, t)`` for a batch, one-hot ``t``;
* :func:`check_cross_entropy_error` - ``cross_entropy_error(y, t)`` for a batch, ``t`` as
  class indices (N,) or one-hot rows (N, C), finite when a probability is exactly 0;
* :func:`check_affine_backward` - ``affine_backward(dout, x, W)`` returning ``(dx, dW, db)``;
* :func:`check_fixed_sigmoid` - the open task: :class:`BuggySigmoid` has one wrong line in its
  backward; find it with the gradient check and write ``FixedSigmoid``.
"""
import numpy as np

from ..gradcheck import THRESHOLD, numerical_gradient, rel_error
from . import references as ref
from .checker import (Raised, changed_input, check_function, close, in_place_line, is_library_object, is_stub,
                      library_refused, limited, not_attempted, part, report, require_callable, short_error)

#: Interval of small constants that keep log(0) finite and are accepted as "the delta":
#: np.log(y + d) or np.log(np.clip(y, d, 1)) with d in [DELTA_MIN, DELTA_MAX].
DELTA_MIN, DELTA_MAX = 1e-15, 1e-6


def _ratio(got, expected):
    try:
        got = np.asarray(got, dtype=float)
        expected = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return np.nan
    if got.shape != expected.shape or not np.all(np.isfinite(got)) or np.any(expected == 0):
        return np.nan
    r = got / expected
    return float(r.flat[0]) if np.allclose(r, r.flat[0], rtol=1e-6) else np.nan


def _probabilities(rng, n, c):
    return rng.dirichlet(np.ones(c), size=n)


def _scalar(got):
    try:
        value = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None
    return float(value) if value.shape == () else None


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
        (lambda got, exp, args: isinstance(got, Raised),
         "the function raised an error; it must take y and t of shape (N, 10) and return one number."),
        (has_ratio(2.0), "the factor 1/2 is missing: E = 1/2 * sum (y - t)^2."),
        (lambda got, exp, args: n_of(args) > 1 and np.isclose(_ratio(got, exp), n_of(args)),
         "the sum is not divided by the batch size N: the batch loss is the mean over samples."),
        (lambda got, exp, args: np.isclose(_ratio(got, exp), 0.1),
         "you averaged over all N * C entries (np.mean): average over the N samples only."),
        (lambda got, exp, args: np.isclose(_ratio(got, exp), 0.2),
         "np.mean over all entries without the 1/2: sum over classes, halve, then divide by N."),
        (lambda got, exp, args: _scalar(got) is None,
         "the result is not one number: sum over the classes, halve, and average over the N samples."),
        (lambda got, exp, args: np.isclose(_scalar(got), np.sqrt(np.sum((args[0] - args[1]) ** 2)) / 2 / n_of(args)),
         "the differences are not squared element by element: use (y - t) ** 2, not a norm."),
    ]
    return check_function(fn, ref.mean_squared_error, make_inputs, name="mean_squared_error",
                          diagnoses=diagnoses, stub_of=fn)


# --------------------------------------------------------------------------- cross-entropy
def _labels_of(args):
    y, t = args
    return t.argmax(axis=1) if t.ndim == 2 else t


def _ce_bounds(y, labels):
    """Smallest and largest batch loss over the accepted deltas (added or used as a clip floor)."""
    p = y[np.arange(len(y)), labels]
    low = -np.mean(np.log(p + DELTA_MAX))
    high = -np.mean(np.log(np.maximum(p, DELTA_MIN)))
    return low, high


def _compare_cross_entropy(got, expected, args):
    """None if ``got`` is the batch cross-entropy with an accepted delta, else what differs."""
    if isinstance(got, Raised):
        return f"it raised {short_error(got.err)}"
    if got is None:
        return "the function returned None (is a `return` missing?)"
    value = _scalar(got)
    if value is None:
        return "expected one number (the mean loss over the batch), got " + (
            f"an array of shape {np.shape(got)}" if hasattr(got, "shape") else type(got).__name__)
    if not np.isfinite(value):
        return "the loss is not finite"
    low, high = _ce_bounds(args[0], _labels_of(args))
    slack = 1e-9 * max(1.0, abs(high))
    if low - slack <= value <= high + slack:
        return None
    return f"the loss is {value:.6g}; with a delta between {DELTA_MIN:g} and {DELTA_MAX:g} it would be {expected:.6g} or close"


def check_cross_entropy_error(fn):
    """Check ``fn(y, t)`` on batches with index labels (N,), one-hot labels (N, C), and a zero
    probability at the true class.

    Any small constant that keeps log(0) finite is accepted, added (``np.log(y + 1e-7)``) or as a
    floor (``np.log(np.clip(y, 1e-12, 1))``), between 1e-15 and 1e-6.
    """
    def make_inputs(rng, trial):
        n = (5, 3, 8, 4, 6)[trial % 5]
        y = _probabilities(rng, n, 10)
        labels = rng.integers(0, 10, size=n)
        if trial == 4:  # a confident mistake: probability exactly 0 for the true class
            y[0] = 0.0
            y[0, (labels[0] + 1) % 10] = 1.0
        t = labels if trial % 2 == 0 else np.eye(10)[labels]
        return y, t

    def zero_true_class(args):
        y = args[0]
        return np.any(y[np.arange(len(y)), _labels_of(args)] == 0)

    def no_delta(got, exp, args):
        value = _scalar(got)
        return value is not None and not np.isfinite(value) and zero_true_class(args)

    def big_delta(got, exp, args):
        value = _scalar(got)
        return value is not None and np.isfinite(value) and value < _ce_bounds(args[0], _labels_of(args))[0]

    def summed(got, exp, args):
        return len(args[0]) > 1 and np.isclose(_ratio(got, exp), len(args[0]), rtol=1e-4)

    def all_classes(got, exp, args):  # -sum log(y) over every class, not just the true one
        y = args[0]
        value = _scalar(got)
        return value is not None and np.isclose(value, -np.sum(np.log(y + 1e-7)) / len(y), rtol=1e-4)

    def over_all_entries(got, exp, args):  # np.mean over the N x C entries of t * log(y)
        return np.isclose(_ratio(got, exp), 1.0 / args[0].shape[1], rtol=1e-3)

    def every_row_every_label(got, exp, args):  # y[:, t] is (N, N): every row at every sample's label
        y, labels, value = args[0], _labels_of(args), _scalar(got)
        if value is None or len(y) < 2:
            return False
        return any(np.isclose(value, -np.mean(np.log(y[:, labels] + d)), rtol=1e-4) for d in (1e-7, DELTA_MIN, DELTA_MAX))

    def base_10(got, exp, args):
        return np.isclose(_ratio(got, exp), 1 / np.log(10), rtol=1e-4)

    diagnoses = [
        (lambda got, exp, args: isinstance(got, Raised) and args[1].ndim == 1,
         "your function only handles one-hot labels: with (N,) class indices it raised "
         "an error. Convert first, or pick the true-class entries with fancy indexing."),
        (lambda got, exp, args: isinstance(got, Raised) and args[1].ndim == 2,
         "your function only handles class indices: with one-hot rows (N, C) it raised an "
         "error. If t.ndim == 2, turn it into indices with t.argmax(axis=1)."),
        (no_delta, "log(0) = -inf: a true-class probability can be exactly 0; add a small delta "
                   "inside the log (the notebook uses 1e-7)."),
        (lambda got, exp, args: np.isclose(_ratio(got, exp), -1.0, rtol=1e-4),
         "the sign is flipped: E = -sum t log y."),
        (summed, "the sum is not divided by the batch size N: report the mean loss per sample."),
        (all_classes, "you summed log y over every class; only the true class counts (t_k = 0 elsewhere)."),
        (base_10, "that is log base 10 (np.log10); cross-entropy uses the natural log, np.log."),
        (over_all_entries, "you averaged over all N * C entries (np.mean of t * log y): sum over the classes, "
                           "then average over the N samples only."),
        (every_row_every_label, "y[:, t] picks, for EVERY row, the columns of all the labels (an N x N array); "
                                "pick one entry per row: y[np.arange(N), t]."),
        (big_delta, "the delta is too large: it changes the loss of a confident mistake; use 1e-7."),
        (lambda got, exp, args: _scalar(got) is None,
         "the result has one value per sample or per class; average over the batch to get one number."),
    ]
    return check_function(fn, ref.cross_entropy_error, make_inputs, name="cross_entropy_error",
                          diagnoses=diagnoses, compare=_compare_cross_entropy)


# --------------------------------------------------------------------------- Affine backward
def check_affine_backward(fn):
    """Check ``fn(dout, x, W) -> (dx, dW, db)`` for x (N, D), W (D, M), dout (N, M)."""
    def make_inputs(rng, trial):
        n, d, m = [(4, 5, 3), (2, 6, 4), (7, 3, 5), (1, 4, 2), (5, 8, 6)][trial % 5]
        return rng.standard_normal((n, m)), rng.standard_normal((n, d)), rng.standard_normal((d, m))

    def p(got, i):
        return part(got, i, 3)

    def shape_is(got, i, shape):
        return p(got, i) is not None and np.shape(p(got, i)) == shape

    diagnoses = [
        (lambda got, exp, args: isinstance(got, Raised),
         "the function raised an error (often a shape mismatch in a matrix product); write the "
         "shapes next to each product: dout (N, M), x (N, D), W (D, M)."),
        (lambda got, exp, args: not (isinstance(got, (tuple, list)) and len(got) == 3),
         "return three arrays as a tuple: dx, dW and db."),
        (lambda got, exp, args: shape_is(got, 1, exp[1].T.shape) and close(p(got, 1), exp[1].T),
         "dW has the shape of W transposed: use x.T @ dout, which is (D, M) like W."),
        (lambda got, exp, args: close(p(got, 2), exp[2] / args[0].shape[0]) and args[0].shape[0] > 1,
         "db is the mean of dout over the batch; it is the sum (each sample adds its own gradient)."),
        (lambda got, exp, args: np.shape(p(got, 2)) == args[0].shape,
         "db still has one row per sample: sum dout over axis 0."),
        (lambda got, exp, args: close(p(got, 2), args[0].sum(axis=1)) or
         np.shape(p(got, 2)) == (args[0].shape[0],),
         "db was summed over the wrong axis: sum over the samples (axis=0), keeping one entry per output."),
        (lambda got, exp, args: close(p(got, 1), exp[1] / args[0].shape[0]) and args[0].shape[0] > 1,
         "dW was divided by N: the 1/N is already inside dout (from the softmax-with-loss layer)."),
        (lambda got, exp, args: p(got, 0) is not None and not close(p(got, 0), exp[0]),
         "dx is wrong: it is dout times W transposed, which has the shape of x (N, D)."),
    ]
    return check_function(fn, ref.affine_backward, make_inputs, name="affine_backward", diagnoses=diagnoses)


# --------------------------------------------------------------------------- open task: planted bug
class BuggySigmoid:
    """A Sigmoid layer with ONE wrong line in ``backward``. Find it with the gradient check.

    Same API as :class:`dlhelpers.layers.Sigmoid`: ``forward(x, train_flg=False)`` stores and
    returns y = 1 / (1 + exp(-x)); ``backward(dout)`` should return dout * dy/dx. ``params`` and
    ``grads`` are empty dicts (the layer has no parameters), so
    :func:`dlhelpers.gradcheck.check_layer_gradients` works on it.
    """

    def __init__(self):
        self.params, self.grads = {}, {}
        self.out = None

    def forward(self, x, train_flg=False):
        self.out = 0.5 * (1.0 + np.tanh(0.5 * x))
        return self.out

    def backward(self, dout):
        return dout * (1.0 + self.out) * self.out


def _numerical_dx(layer_cls, x, dout):
    """Numerical gradient of sum(forward(x) * dout) for a fresh ``layer_cls()`` (central differences
    of :func:`dlhelpers.gradcheck.numerical_gradient`, float64)."""
    return numerical_gradient(lambda x_: float(np.sum(layer_cls().forward(x_, train_flg=True) * dout)), x.copy())


def _backward_of(layer_cls, x, dout):
    layer = layer_cls()
    layer.forward(x.copy(), train_flg=True)
    return layer.backward(dout.copy())


@limited("FixedSigmoid")
def check_fixed_sigmoid(cls):
    """Check the class ``cls`` (your FixedSigmoid): forward is the sigmoid, also for large |x|, and
    backward agrees with the numerical gradient (float64, :func:`dlhelpers.gradcheck.rel_error` below
    :data:`dlhelpers.gradcheck.THRESHOLD`). Inputs must come back unchanged.

    ``cls`` must conform to the following API: ``cls()`` takes no arguments;
    ``forward(x, train_flg=False)`` returns an array shaped like x and keeps what backward needs;
    ``backward(dout)`` returns dx.
    """
    name = getattr(cls, "__name__", "FixedSigmoid")
    exercise = "FixedSigmoid"

    def fail(*lines):
        return report(False, name, list(lines), exercise)

    if cls is BuggySigmoid:
        return fail(f"✘ {name}: that is the buggy class itself; write your own fixed copy.")
    require_callable(cls, name)
    if is_stub(cls):
        return not_attempted(name, exercise)
    if is_library_object(cls):
        return library_refused(cls, name, exercise)
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 2.0, (4, 5))
    dout = rng.standard_normal((4, 5))
    try:
        layer = cls()
    except NotImplementedError:
        raise
    except Exception as err:
        return fail(f"✘ {name}() raised {short_error(err)}",
                    "cls() must work without arguments (the layer has no parameters).")
    x_in = x.copy()
    try:
        out = layer.forward(x_in, train_flg=True)
    except NotImplementedError:
        raise
    except Exception as err:
        return fail(f"✘ {name}.forward(x, train_flg=True) raised {short_error(err)}",
                    "forward(x, train_flg=False) takes the input array (and the flag) and returns the sigmoid of x.")
    if changed_input([x], [x_in], ["x"]):
        return fail(f"✘ {name}.forward changed its input x in place.", "Likely mistake: " + in_place_line("x"))
    if not close(out, ref.FixedSigmoid().forward(x)):
        return fail(f"✘ {name}.forward is not the sigmoid 1 / (1 + exp(-x)).",
                    "Keep BuggySigmoid's forward: only its backward has the bug.")
    wide_x = np.array([[-800.0, -30.0, 0.0, 30.0, 800.0]])
    with np.errstate(over="ignore"):
        wide = cls().forward(wide_x.copy(), train_flg=False)
    if not (np.all(np.isfinite(wide)) and close(wide, ref.FixedSigmoid().forward(wide_x), atol=1e-12)):
        return fail(f"✘ {name}.forward gives NaN or a wrong value for |x| up to 800; "
                    "keep the stable form of BuggySigmoid's forward.")
    d_in = dout.copy()
    try:
        dx = layer.backward(d_in)
    except NotImplementedError:
        raise
    except Exception as err:
        lines = [f"✘ {name}.backward(dout) raised {short_error(err)} (after forward on a (4, 5) batch)"]
        if hasattr(layer, "out") and getattr(layer, "out") is None:
            lines.append("Likely mistake: forward does not store its output: self.out is still None when backward "
                         "reads it. Keep `self.out = ...` in forward, as BuggySigmoid does.")
        else:
            lines.append("Likely mistake: backward must use only what forward stored (self.out) and dout.")
        return fail(*lines)
    if changed_input([dout], [d_in], ["dout"]):
        return fail(f"✘ {name}.backward changed its input dout in place.", "Likely mistake: " + in_place_line("dout"))
    if isinstance(dx, (list, tuple)) or np.shape(dx) != x.shape:
        return fail(f"✘ {name}.backward returned {np.shape(dx) if not isinstance(dx, (list, tuple)) else type(dx).__name__}, "
                    f"expected an array of shape {x.shape}.")
    numeric = _numerical_dx(cls, x, dout)
    error = rel_error(np.asarray(dx, dtype=float), numeric)
    if error < THRESHOLD:
        return report(True, name, [f"✔ {name}: backward agrees with the numerical gradient "
                                   f"(relative error < {THRESHOLD:.0e}".replace("e-0", "e-") + f")."], exercise)
    lines = [f"✘ {name}.backward disagrees with the numerical gradient: relative error {error:.1e} "
             f"(a correct float64 backward gives < {THRESHOLD:.0e}".replace("e-0", "e-") + f")."]
    if close(dx, _backward_of(BuggySigmoid, x, dout)):
        lines.append("Likely mistake: this is still the planted bug; compare each factor with dy/dx = y (1 - y).")
    elif close(dx, dout * (1 - out)):
        lines.append("Likely mistake: a factor y is missing: dy/dx = y (1 - y).")
    elif close(dx, -np.asarray(numeric)):
        lines.append("Likely mistake: the sign is flipped.")
    return fail(*lines)
