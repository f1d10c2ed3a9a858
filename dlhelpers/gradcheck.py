"""Numerical differentiation and the one gradient-check report of the course.

Every gradient check (of a layer, of a network, in the notebooks and in the tests) ends in a
:class:`GradientCheck`: per parameter the largest relative error between backprop and the central
difference, and a printout in bands (``   W1  rel. error < 1e-08  ok``): a passing error prints
only which side of 1e-8 (or of the threshold) it is on, so a notebook's stored output is the same
on every CPU and BLAS kernel; a failing one prints its size (``~3e-01  CHECK THIS``).

The relative error is CS231n's ``max |a - b| / max(1e-8, |a| + |b|)``, element-wise
(:func:`rel_error`). The step follows CS231n's gradient-check notes (cs231n.github.io,
"Neural Networks Part 3"): the centred difference with h = 1e-5 in float64, where a correct backward
pass agrees to better than 1e-7. In float32 the check cannot reach that (h = 1e-2 gives 2-3 correct
digits), so the report warns.

Round-off sets a floor. The loss L is known to about eps * |L|, so the centred difference of any
element carries an absolute error of roughly eps * |L| / h, ~1e-11 in float64: an element whose
true gradient is 1e-4 shows a relative error near 1e-7 although backprop is exact, and a gradient
that is exactly 0 (a bias right before batch norm) shows "errors" of 1e-4 and more. The report
therefore compares elements smaller than that floor absolutely (see :func:`compare_gradients`).
"""
import warnings

import numpy as np

from .checks import check_array, check_callable, check_dict, check_positive, check_range

#: Pass mark for a float64 check (CS231n: "1e-7 and less you should be happy").
THRESHOLD = 1e-7

#: A passing error below this prints as "< 1e-08", one above it as "< threshold".
FINE_BAND = 1e-8

#: The round-off floor is NOISE_FACTOR * eps * max(1, |objective|) / h.
NOISE_FACTOR = 10.0


def default_step(dtype):
    """h for the centred difference: 1e-5 in float64 (CS231n's choice), 1e-2 in lower precision."""
    return 1e-5 if np.dtype(dtype) == np.float64 else 1e-2


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of the scalar function ``f`` at ``x``.

    Each element of ``x`` is nudged in place by +h and -h, ``f()`` is evaluated twice, and the
    element is restored, so ``f`` may read ``x`` through a closure (as a network reads its own
    parameters). Costs 2 * x.size evaluations of ``f``: fine for checking, far too slow to train with.

    Parameters
    ----------
    f : callable
        Called as ``f(x)``; returns a scalar.
    x : ndarray of floats, any shape
        Point at which to differentiate; modified during the call and restored before it returns.
    h : float
        Step. 1e-5 suits float64; float32 needs about 1e-2 and gives only 2-3 correct digits.

    Returns
    -------
    ndarray, same shape and dtype as ``x``.
    """
    check_callable(f, "f", "f(x) -> scalar")
    h = check_positive(h, "h", hint="(the finite-difference step; 1e-5 suits float64)")
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be a NumPy array (got {type(x).__name__}); wrap it with np.asarray(x, float).")
    if not np.issubdtype(x.dtype, np.floating) or x.dtype == np.float16:
        raise TypeError(
            f"x has dtype {x.dtype}: nudging an integer or float16 array by h={h} rounds the nudge away "
            "and the gradient comes out as zeros or garbage. Convert it first: x = x.astype(np.float64).")
    grad = np.zeros_like(x)
    flat_x = x.reshape(-1)
    flat_g = grad.reshape(-1)
    if not np.shares_memory(flat_x, x):
        raise ValueError("x must be contiguous so it can be nudged in place; pass np.ascontiguousarray(x).")
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + h
        f_plus = _scalar(f(x))
        flat_x[i] = original - h
        f_minus = _scalar(f(x))
        flat_x[i] = original
        flat_g[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _scalar(value):
    """``f``'s value as a float; anything but one real number is an error naming ``f``."""
    if np.ndim(value) != 0 or not isinstance(np.asarray(value)[()], (int, float, np.integer, np.floating)):
        raise TypeError(f"f must return a scalar (the loss), got {type(value).__name__} "
                        f"of shape {np.shape(value)}")
    return float(value)


def rel_error(a, b):
    """Largest element-wise relative error between two arrays: max |a-b| / max(1e-8, |a|+|b|)."""
    a = check_array(a, "a").astype(np.float64)
    b = check_array(b, "b").astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare a of shape {a.shape} with b of shape {b.shape}")
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)), initial=0.0))


class GradientCheck:
    """Backprop vs numerical gradients, one row per input or parameter.

    Reads like a dict ``name -> relative error`` (``report['W1']``, ``report.items()``,
    ``max(report.values())``); ``print(report)`` gives one rounded line per name.

    Attributes
    ----------
    errors : dict name -> float
        Largest relative error of the name's elements (see :func:`compare_gradients`).
    max_analytic, max_numeric : dict name -> float
        Largest |backprop| and |numerical| gradient element.
    zero : dict name -> bool
        True where both gradients are below ``atol`` everywhere: the true gradient is zero (or
        too small to measure); such a name passes.
    threshold, atol : float
    passed : bool
        Every name's error is below ``threshold``.
    """

    def __init__(self, errors, max_analytic, max_numeric, threshold, atol):
        self.errors = dict(errors)
        self.max_analytic = dict(max_analytic)
        self.max_numeric = dict(max_numeric)
        self.threshold = float(threshold)
        self.atol = float(atol)
        self.zero = {k: max(self.max_analytic[k], self.max_numeric[k]) <= self.atol for k in self.errors}

    # dict-like reading
    def __getitem__(self, name):
        return self.errors[name]

    def __iter__(self):
        return iter(self.errors)

    def __len__(self):
        return len(self.errors)

    def __contains__(self, name):
        return name in self.errors

    def keys(self):
        return self.errors.keys()

    def values(self):
        return self.errors.values()

    def items(self):
        return self.errors.items()

    def ok(self, name):
        """True if ``name`` passes: its error is below the threshold (always so when zero)."""
        return self.zero[name] or self.errors[name] < self.threshold

    @property
    def passed(self):
        return all(self.ok(k) for k in self.errors)

    @property
    def failed(self):
        """Names that do not pass."""
        return [k for k in self.errors if not self.ok(k)]

    def line(self, name):
        """One line in bands, e.g. ``'    W1  rel. error < 1e-08  ok'`` or ``'~3e-01  CHECK THIS'``.

        A passing error is printed as ``< 1e-08`` or ``< threshold``: its last digits depend on the
        CPU's arithmetic, its band does not (a correct float64 backward lands far inside it).
        """
        if self.zero[name]:
            return f"{name:>6}  gradient ~0 (|backprop| and |numerical| below round-off)  ok"
        err = self.errors[name]
        if not self.ok(name):
            return f"{name:>6}  rel. error ~{err:.0e}  CHECK THIS"
        band = FINE_BAND if err < FINE_BAND else self.threshold
        return f"{name:>6}  rel. error < {band:.0e}  ok"

    def __str__(self):
        return "\n".join(self.line(k) for k in self.errors)

    def __repr__(self):
        return str(self)


def compare_gradients(analytic, numeric, threshold=THRESHOLD, atol=0.0):
    """Compare two dicts of gradients (same names, same shapes) and report per name.

    Element i of a name has the error |a_i - b_i| / max(|a_i| + |b_i|, 1e-8, atol / threshold):
    CS231n's relative error, except that elements smaller than the round-off floor ``atol``
    are compared absolutely. The error is below ``threshold`` exactly when the element agrees
    to ``threshold`` relatively or to ``atol`` absolutely. With ``atol = 0`` it is :func:`rel_error`.

    Parameters
    ----------
    analytic, numeric : dict name -> ndarray
    threshold : float
        Pass mark for the relative error.
    atol : float
        Absolute round-off floor of the numerical gradient (see the module docstring).

    Returns
    -------
    GradientCheck
    """
    analytic = check_dict(analytic, "analytic", "{'W1': dW1, ...}")
    numeric = check_dict(numeric, "numeric", "{'W1': dW1, ...}")
    if set(analytic) != set(numeric):
        raise ValueError(f"analytic and numeric must have the same names, got {sorted(analytic)} "
                         f"and {sorted(numeric)}")
    threshold = check_positive(threshold, "threshold")
    atol = check_range(atol, "atol", low=0)
    floor = max(1e-8, atol / threshold)
    errors, max_a, max_n = {}, {}, {}
    for name in analytic:
        a = check_array(analytic[name], f"analytic[{name!r}]").astype(np.float64)
        b = check_array(numeric[name], f"numeric[{name!r}]").astype(np.float64)
        if a.shape != b.shape:
            raise ValueError(f"{name}: cannot compare analytic[{name!r}] of shape {a.shape} with "
                             f"numeric[{name!r}] of shape {b.shape}")
        errors[name] = float(np.max(np.abs(a - b) / np.maximum(floor, np.abs(a) + np.abs(b)), initial=0.0))
        max_a[name] = float(np.max(np.abs(a), initial=0.0))
        max_n[name] = float(np.max(np.abs(b), initial=0.0))
    return GradientCheck(errors, max_a, max_n, threshold, atol)


def _check_api(obj, name, needed):
    missing = [attr for attr in needed if not hasattr(obj, attr)]
    if missing:
        raise TypeError(f"{name} lacks {missing}; it must provide {list(needed)} (see the docstring)")


def _warn_low_precision(what, dtype):
    if np.dtype(dtype) != np.float64:
        warnings.warn(f"{what} is {np.dtype(dtype)}: a gradient check needs float64 to resolve relative "
                      "errors below 1e-7 (float32 gives about 1e-2). Convert it with .astype(np.float64).",
                      stacklevel=3)


def _round_off_floor(value, dtype, h):
    return NOISE_FACTOR * float(np.finfo(np.dtype(dtype)).eps) * max(1.0, abs(float(value))) / h


def check_layer_gradients(layer, x, dout, h=None, train_flg=True, threshold=THRESHOLD):
    """Check ``layer.backward`` against central differences of sum(forward(x) * dout).

    That scalar's gradient is exactly what ``backward(dout)`` must return (w.r.t. ``x``) and
    store in ``layer.grads`` (w.r.t. each parameter).

    ``layer`` works on an object that must conform to the following API:

    - ``layer.forward(x, train_flg=...)`` returns an array the shape of ``dout``;
    - ``layer.backward(dout)`` returns dL/dx and fills ``layer.grads[name]`` for every
      ``name`` in ``layer.params`` (a dict of float arrays, nudged in place by the check).

    Parameters
    ----------
    layer : see above
    x, dout : float64 ndarrays (float32 gives a warning: the check cannot reach 1e-7 there)
    h : float or None
        Step; None: :func:`default_step` of x's dtype.
    train_flg : bool
        Passed to ``forward``.
    threshold : float

    Returns
    -------
    GradientCheck with the names 'x' and every parameter name.
    """
    _check_api(layer, "layer", ("forward", "backward", "params", "grads"))
    for name, value in (("x", x), ("dout", dout)):
        if not isinstance(value, np.ndarray) or not np.issubdtype(value.dtype, np.floating):
            raise TypeError(f"{name} must be a float NumPy array, got {type(value).__name__}"
                            f"{'' if not isinstance(value, np.ndarray) else ' of ' + str(value.dtype)}")
        check_array(value, name, allow_inf=False, floats_only=True)
        _warn_low_precision(name, value.dtype)
    for pname, value in layer.params.items():
        _warn_low_precision(f"layer parameter {pname}", value.dtype)
    h = default_step(x.dtype) if h is None else check_positive(h, "h")
    threshold = check_positive(threshold, "threshold")
    out_shape = np.shape(layer.forward(x, train_flg=train_flg))
    if dout.shape != out_shape:
        raise ValueError(f"dout has shape {dout.shape} but the layer's output has shape {out_shape}; "
                         "they must match exactly (no broadcasting)")

    def objective(_):
        return np.sum(layer.forward(x, train_flg=train_flg) * dout)

    numeric = {"x": numerical_gradient(objective, x, h)}
    for pname, value in layer.params.items():
        numeric[pname] = numerical_gradient(objective, value, h)
    out = layer.forward(x, train_flg=train_flg)
    analytic = {"x": layer.backward(dout.copy())}
    analytic.update({pname: layer.grads[pname] for pname in layer.params})
    scale = float(np.sum(np.abs(out * dout)))   # size of the sum that round-off acts on
    return compare_gradients(analytic, numeric, threshold, _round_off_floor(scale, x.dtype, h))


def check_network_gradients(network, x, t, h=None, threshold=THRESHOLD):
    """Check ``network.gradient`` (backprop) against ``network.numerical_gradient``, per parameter.

    ``network`` works on an object that must conform to the following API:

    - ``network.params``: dict name -> float array;
    - ``network.loss(x, t, train_flg=True)``: the training-mode loss (a float);
    - ``network.gradient(x, t)`` and ``network.numerical_gradient(x, t, h=h)``: dicts with the
      keys of ``params``;
    - optionally ``network.freeze_dropout_masks(bool)``: both gradients then see the same
      dropout masks (drawn by one ``loss`` call first).

    Batch norm's running statistics move as in one training step.

    Parameters
    ----------
    network : see above (float64 parameters; float32 gives a warning)
    x, t : a small batch (a few samples suffice)
    h : float or None
        Step; None: :func:`default_step` of the parameters' dtype.
    threshold : float

    Returns
    -------
    GradientCheck with one row per parameter.
    """
    _check_api(network, "network", ("params", "loss", "gradient", "numerical_gradient"))
    low = [k for k, p in network.params.items() if np.dtype(p.dtype) != np.float64]
    dtype = np.dtype(network.params[low[0]].dtype) if low else np.dtype(np.float64)
    if low:
        _warn_low_precision(f"network (parameters {', '.join(low)})", dtype)
    h = default_step(dtype) if h is None else check_positive(h, "h")
    threshold = check_positive(threshold, "threshold")
    freeze = getattr(network, "freeze_dropout_masks", None)
    loss = network.loss(x, t, train_flg=True)   # draws the dropout masks both gradients use
    if freeze is not None:
        freeze(True)
    try:
        analytic = network.gradient(x, t)
        numeric = network.numerical_gradient(x, t, h=h)
    finally:
        if freeze is not None:
            freeze(False)
    return compare_gradients(analytic, numeric, threshold, _round_off_floor(loss, dtype, h))
