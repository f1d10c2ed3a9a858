"""Element-wise activations, output functions and losses, all vectorized and numerically stable.

Shapes: ``y`` and ``t`` are (N, C) scores/probabilities and one-hot labels, or ``t`` is (N,)
integer class indices. A single sample may be passed as a 1-D vector; it is treated as N = 1.
"""
import numpy as np

#: Added inside ``log`` by :func:`cross_entropy_error` so that ``log(0)`` stays finite.
CROSS_ENTROPY_DELTA = 1e-7


def sigmoid(x):
    """Logistic sigmoid 1 / (1 + exp(-x)), computed as 0.5 * (1 + tanh(x / 2)).

    The tanh form never overflows, for any float input, and keeps the input's dtype.
    """
    x = np.asarray(x)
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def sigmoid_grad(x):
    """Derivative of :func:`sigmoid` at ``x``: s(x) * (1 - s(x))."""
    s = sigmoid(x)
    return s * (1.0 - s)


def relu(x):
    """max(x, 0), element-wise."""
    return np.maximum(x, 0)


def tanh(x):
    """Hyperbolic tangent, element-wise."""
    return np.tanh(x)


def leaky_relu(x, alpha=0.01):
    """x for x > 0, alpha * x otherwise."""
    x = np.asarray(x)
    return np.where(x > 0, x, alpha * x)


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise (expm1 keeps small x accurate)."""
    x = np.asarray(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def softmax(x):
    """Softmax over the last axis, shifted by the row maximum so exp never overflows.

    Parameters
    ----------
    x : ndarray, shape (N, C) or (C,)
        Scores (logits).

    Returns
    -------
    ndarray, same shape as ``x``; each row is non-negative and sums to 1.
    """
    x = np.asarray(x)
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(x):
    """log(softmax(x)) over the last axis via the log-sum-exp trick (finite for any finite x)."""
    x = np.asarray(x)
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _as_batch(y, t):
    y = np.asarray(y)
    t = np.asarray(t)
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = t.reshape(1, -1) if t.size == y.size else t.reshape(1)
    return y, t


def check_labels(t, n_samples, n_classes, name="t"):
    """Validate labels as (N,) indices in [0, n_classes) or (N, n_classes) one-hot rows.

    Raises
    ------
    ValueError
        With what is wrong and what to pass instead.
    """
    t = np.asarray(t)
    if t.ndim == 1:
        if t.shape[0] != n_samples:
            raise ValueError(f"{name} has {t.shape[0]} labels but there are {n_samples} samples; "
                             "pass one label per row of the input.")
        if not np.issubdtype(t.dtype, np.integer):
            if not np.all(np.isfinite(t)) or not np.all(t == np.round(t)):
                raise ValueError(f"{name} must hold integer class indices; got dtype {t.dtype} with "
                                 "non-integer values. Use t.astype(int) or one-hot rows.")
            t = t.astype(np.intp)  # whole-number floats are fine as labels, but not as indices
        if t.size and (t.min() < 0 or t.max() >= n_classes):
            raise ValueError(f"{name} holds labels from {t.min()} to {t.max()}, but there are only "
                             f"{n_classes} classes (valid labels are 0..{n_classes - 1}).")
    elif t.ndim == 2:
        if t.shape != (n_samples, n_classes):
            raise ValueError(f"one-hot {name} has shape {t.shape}; expected ({n_samples}, {n_classes}) "
                             "to match the scores. Pass (N,) class indices or (N, C) one-hot rows.")
    else:
        raise ValueError(f"{name} has shape {t.shape}; labels must be (N,) indices or (N, C) one-hot.")
    return t


def mean_squared_error(y, t):
    """E = 1/2 * sum_k (y_k - t_k)^2, averaged over the batch.

    Parameters
    ----------
    y : ndarray, shape (N, C) or (C,)
        Network outputs.
    t : ndarray, shape (N, C) or (C,) one-hot, or (N,) class indices
        Targets.

    Returns
    -------
    float
    """
    y, t = _as_batch(y, t)
    t = check_labels(t, y.shape[0], y.shape[1])
    if t.ndim == 1:
        t = one_hot(t, y.shape[1], dtype=y.dtype)
    return float(0.5 * np.sum((y - t) ** 2) / y.shape[0])


def cross_entropy_error(y, t, delta=CROSS_ENTROPY_DELTA):
    """E = -sum_k t_k log(y_k + delta), averaged over the batch.

    Parameters
    ----------
    y : ndarray, shape (N, C) or (C,)
        Predicted probabilities (e.g. a softmax output).
    t : ndarray, shape (N, C) one-hot or (N,) class indices
        Targets.
    delta : float
        Keeps ``log(0)`` finite: a zero probability costs -log(delta) (about 16.1), not infinity.

    Returns
    -------
    float
    """
    y, t = _as_batch(y, t)
    t = check_labels(t, y.shape[0], y.shape[1])
    n = y.shape[0]
    if t.ndim == 2:
        t = t.argmax(axis=1)
    return float(-np.sum(np.log(y[np.arange(n), t] + delta)) / n)


def one_hot(t, n_classes=10, dtype=np.float32):
    """(N,) integer labels -> (N, n_classes) one-hot rows."""
    t = np.asarray(t)
    out = np.zeros((t.shape[0], n_classes), dtype=dtype)
    out[np.arange(t.shape[0]), t] = 1
    return out
