"""Element-wise activations, output functions and losses, all vectorized and numerically stable.

Shapes: ``y`` and ``t`` are (N, C) scores/probabilities and one-hot labels, or ``t`` is (N,)
integer class indices. A single sample may be passed as a 1-D vector; it is treated as N = 1.

Inputs are checked once per call (see :mod:`dlhelpers.checks`): lists and integer arrays are
converted to float64; None, strings, bool/complex/object/float16 arrays raise TypeError; NaN
raises ValueError. The activations accept +-inf (their limits are defined); softmax and the
losses do not.
"""
import numpy as np

from .checks import check_array, check_int, check_labels, check_range

#: Added inside ``log`` by :func:`cross_entropy_error` so that ``log(0)`` stays finite.
CROSS_ENTROPY_DELTA = 1e-7


def sigmoid(x):
    """Logistic sigmoid 1 / (1 + exp(-x)), computed as 0.5 * (1 + tanh(x / 2)).

    The tanh form never overflows, for any float input, and keeps the input's dtype.
    """
    x = check_array(x, "x")
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def sigmoid_grad(x):
    """Derivative of :func:`sigmoid` at ``x``: s(x) * (1 - s(x))."""
    s = sigmoid(x)
    return s * (1.0 - s)


def relu(x):
    """max(x, 0), element-wise."""
    return np.maximum(check_array(x, "x"), 0)


def tanh(x):
    """Hyperbolic tangent, element-wise."""
    return np.tanh(check_array(x, "x"))


#: Leaky ReLU's default slope for x < 0: the one value the function, the layer, its derivative
#: and the 'leaky_relu' weight init share.
LEAKY_RELU_SLOPE = 0.01


def leaky_relu(x, alpha=LEAKY_RELU_SLOPE):
    """x for x > 0, alpha * x otherwise; ``alpha`` in [0, 1)."""
    x = check_array(x, "x")
    alpha = check_range(alpha, "alpha", 0, 1, high_open=True, hint="A typical slope is 0.01.")
    return np.where(x > 0, x, alpha * x)


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise (expm1 keeps small x accurate); ``alpha`` > 0."""
    x = check_array(x, "x")
    alpha = check_range(alpha, "alpha", 0, low_open=True, hint="The usual value is 1.0.")
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _scores(x, name="x"):
    return check_array(x, name, min_ndim=1, allow_inf=False, allow_empty=False)


def softmax(x):
    """Softmax over the last axis, shifted by the row maximum so exp never overflows.

    Parameters
    ----------
    x : ndarray, shape (N, C) or (C,)
        Scores (logits), finite.

    Returns
    -------
    ndarray, same shape as ``x``; each row is non-negative and sums to 1.
    """
    x = _scores(x)
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _log_softmax(x):
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def log_softmax(x):
    """log(softmax(x)) over the last axis via the log-sum-exp trick (finite for any finite x)."""
    return _log_softmax(_scores(x))


def _as_batch(y, t):
    """Check ``y`` as (N, C) or (C,) outputs and ``t`` as labels for them; a single sample gets N = 1."""
    y = check_array(y, "y", allow_inf=False, allow_empty=False)
    if y.ndim not in (1, 2):
        raise ValueError(f"y has shape {y.shape}; pass (N, C) outputs or one sample as (C,)")
    t = np.asarray(t)  # None and strings are refused by check_labels with a message naming t
    if y.ndim == 1:
        y = y[np.newaxis, :]
        if t.ndim == 0:
            t = t[np.newaxis]
        elif t.ndim == 1 and t.size == y.size:
            t = t[np.newaxis, :]
    return y, check_labels(t, y.shape[0], y.shape[1])


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
    if t.ndim == 1:
        t = one_hot(t, y.shape[1], dtype=y.dtype)
    return float(0.5 * np.sum((y - t) ** 2) / y.shape[0])


def cross_entropy_error(y, t, delta=CROSS_ENTROPY_DELTA):
    """E = -sum_k t_k log(y_k + delta), averaged over the batch.

    Parameters
    ----------
    y : ndarray, shape (N, C) or (C,)
        Predicted probabilities (e.g. a softmax output), each in [0, 1].
    t : ndarray, shape (N, C) one-hot or (N,) class indices
        Targets.
    delta : float > 0
        Keeps ``log(0)`` finite: a zero probability costs -log(delta) (about 16.1), not infinity.

    Returns
    -------
    float
    """
    y, t = _as_batch(y, t)
    delta = check_range(delta, "delta", 0, 1, low_open=True, hint="The default 1e-7 is the usual choice.")
    if y.min() < 0 or y.max() > 1:
        raise ValueError(f"y holds values from {y.min():g} to {y.max():g}; cross_entropy_error takes "
                         "probabilities in [0, 1]. Pass softmax(scores), or use SoftmaxWithLoss on scores.")
    n = y.shape[0]
    if t.ndim == 2:
        t = t.argmax(axis=1)
    return float(-np.sum(np.log(y[np.arange(n), t] + delta)) / n)


def one_hot(t, n_classes=10, dtype=np.float32):
    """(N,) integer labels in [0, n_classes) -> (N, n_classes) one-hot rows of ``dtype``."""
    n_classes = check_int(n_classes, "n_classes", 1)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a NumPy dtype such as np.float32, got {dtype!r}") from None
    if dtype.kind not in ("f", "i", "u"):
        raise TypeError(f"dtype must be a float or integer dtype such as np.float32, got {dtype}")
    if t is None or isinstance(t, (str, bytes)):
        raise TypeError(f"t must be a 1-D array of class indices, got {t!r}")
    if np.ndim(t) != 1:
        raise ValueError(f"t must be a 1-D array of class indices, got shape {np.shape(t)}")
    t = check_labels(t, len(t), n_classes)
    out = np.zeros((t.shape[0], n_classes), dtype=dtype)
    out[np.arange(t.shape[0]), t] = 1
    return out

