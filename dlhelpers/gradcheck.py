"""Numerical differentiation and gradient checking.

The relative error is CS231n's ``max |a - b| / max(1e-8, |a| + |b|)``, taken element-wise.
In float64, a correct backward pass agrees with the central difference to better than 1e-7.
"""
import numpy as np


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
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be a NumPy array (got {type(x).__name__}); wrap it with np.asarray(x, float).")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"x has dtype {x.dtype}: nudging an integer array by h={h} rounds the nudge away and the "
            "gradient comes out as zeros or garbage. Convert it first: x = x.astype(np.float64).")
    grad = np.zeros_like(x)
    flat_x = x.reshape(-1)
    flat_g = grad.reshape(-1)
    if not np.shares_memory(flat_x, x):
        raise ValueError("x must be contiguous so it can be nudged in place; pass np.ascontiguousarray(x).")
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + h
        f_plus = float(f(x))
        flat_x[i] = original - h
        f_minus = float(f(x))
        flat_x[i] = original
        flat_g[i] = (f_plus - f_minus) / (2 * h)
    return grad


def rel_error(a, b):
    """Largest element-wise relative error between two arrays: max |a-b| / max(1e-8, |a|+|b|)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare shapes {a.shape} and {b.shape}")
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def layer_numerical_grads(layer, x, dout, h=1e-5, train_flg=True):
    """Numerical gradients of sum(forward(x) * dout) w.r.t. ``x`` and every parameter of ``layer``.

    That scalar's gradient is exactly what ``layer.backward(dout)`` must return, so the two can be
    compared with :func:`rel_error`. Returns a dict ``{'x': dx, 'W': dW, ...}``.
    """
    def objective(_):
        return np.sum(layer.forward(x, train_flg=train_flg) * dout)

    grads = {"x": numerical_gradient(objective, x, h)}
    for name, value in layer.params.items():
        grads[name] = numerical_gradient(objective, value, h)
    return grads


def check_layer_gradients(layer, x, dout, h=1e-5, train_flg=True):
    """Relative error of ``layer.backward`` against the numerical gradient, per input and parameter.

    Returns
    -------
    dict
        ``{'x': err, 'W': err, ...}``; a correct float64 layer gives errors below 1e-7.
    """
    numeric = layer_numerical_grads(layer, x, dout, h, train_flg)
    layer.forward(x, train_flg=train_flg)
    dx = layer.backward(dout.copy())
    errors = {"x": rel_error(dx, numeric["x"])}
    for name in layer.params:
        errors[name] = rel_error(layer.grads[name], numeric[name])
    return errors


def check_network_gradients(network, x, t, h=None):
    """Compare ``network.gradient`` (backprop) with ``network.numerical_gradient`` per parameter.

    Returns
    -------
    dict
        ``{'W1': err, 'b1': err, ...}``, the relative error for each parameter.
    """
    backprop = network.gradient(x, t)
    numeric = network.numerical_gradient(x, t, h=h)
    return {key: rel_error(backprop[key], numeric[key]) for key in backprop}


def print_gradient_check(errors, threshold=1e-7):
    """Print one line per parameter: its relative error and whether it is below ``threshold``."""
    for key, err in errors.items():
        verdict = "ok" if err < threshold else "CHECK THIS"
        print(f"{key:>7}: relative error {err:.1e}  {verdict}")
