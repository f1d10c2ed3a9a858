"""Argument checks for the public API, in one place.

Every check raises ``TypeError`` (wrong kind of object: None, a string, a bool, a complex or object
array) or ``ValueError`` (right kind, wrong value: shape, range, NaN) with a message that names the
argument, says what was wrong and what to pass instead. Public functions call these once, at their
boundary; nothing here runs per element in an inner loop.

Conventions: ``name`` is the argument's name as the caller wrote it (``"t"``, ``"grads['W1']"``).
Numbers are Python or NumPy reals, never bools. Arrays hold 32- or 64-bit floats or integers;
float16 is refused (too coarse for losses and gradients: 3 significant digits).
"""
import numbers

import numpy as np

#: Floating dtypes the engine computes in.
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _kind(value):
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype}"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _got(value):
    """``value`` for a message: its kind and repr ("a str ('3')"), or just "None"."""
    return "None" if value is None else f"{_kind(value)} ({value!r})"


# ---------------------------------------------------------------- numbers
def check_number(value, name, hint=""):
    """A finite real number (int or float, NumPy scalars too, not bool) as a Python float."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {_got(value)}. {hint}".rstrip())
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}. {hint}".rstrip())
    return value


def check_range(value, name, low=None, high=None, low_open=False, high_open=False, hint=""):
    """A finite number inside [low, high] (open ends where ``low_open``/``high_open``)."""
    value = check_number(value, name, hint)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        interval = f"{'(' if low_open or low is None else '['}{lo}, {hi}{')' if high_open or high is None else ']'}"
        raise ValueError(f"{name} must be in {interval}, got {value!r}. {hint}".rstrip())
    return value


def check_positive(value, name, hint=""):
    """A finite number > 0."""
    return check_range(value, name, low=0, low_open=True, hint=hint)


def check_fraction(value, name, hint=""):
    """A finite number in [0, 1)."""
    return check_range(value, name, low=0, high=1, high_open=True, hint=hint)


def check_int(value, name, minimum=None, hint="", allow_none=False):
    """A whole number (int or NumPy integer, not bool, not float) >= ``minimum``, as an int.

    With ``allow_none``, None is accepted and returned as None (a switched-off option).
    """
    if value is None and allow_none:
        return None
    kind = {None: "a whole number (int)", 0: "a non-negative integer", 1: "a positive integer"}.get(
        minimum, f"an integer >= {minimum}") + (" or None" if allow_none else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {kind}, got {_got(value)}. {hint}".rstrip())
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be {kind}, got {value}. {hint}".rstrip())
    return value


def check_choice(value, name, choices, hint=""):
    """One of ``choices`` (compared with ==; strings are case-sensitive)."""
    if isinstance(value, (list, dict, set, np.ndarray)) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}. {hint}".rstrip())
    return value


def check_callable(value, name, signature="", allow_none=False):
    """A callable (or None when ``allow_none``); ``signature`` says how it will be called."""
    if value is None and allow_none:
        return None
    if not callable(value):
        extra = " or None" if allow_none else ""
        raise TypeError(f"{name} must be a callable{(' ' + signature) if signature else ''}{extra}, "
                        f"got {_got(value)}")
    return value


def check_dict(value, name, example="", allow_none=False):
    """A dict (or None when ``allow_none``, returned as an empty dict); returns a shallow copy."""
    if value is None and allow_none:
        return {}
    if not isinstance(value, dict):
        extra = " or None" if allow_none else ""
        raise TypeError(f"{name} must be a dict{(' such as ' + example) if example else ''}{extra}, "
                        f"got {_got(value)}")
    return dict(value)


def check_float_dtype(dtype, name="dtype"):
    """np.float32 or np.float64 (any spelling NumPy understands); returns the np.dtype."""
    try:
        result = np.dtype(dtype)
    except TypeError:
        result = None
    if dtype is None or result is None or result not in FLOAT_DTYPES:  # np.dtype('f8') == None is True
        raise TypeError(f"{name} must be np.float32 or np.float64, got {dtype!r}")
    return result


def check_bool(value, name):
    """True or False (NumPy bools too), as a Python bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_got(value)}")
    return bool(value)


def check_rng(rng, name="rng"):
    """None, a non-negative int seed or a ``np.random.Generator``; returns a Generator."""
    if rng is None or isinstance(rng, np.random.Generator):
        return np.random.default_rng(rng)
    check_int(rng, name, 0, hint="Pass a seed such as 0, a np.random.Generator or None.")
    return np.random.default_rng(rng)


# ---------------------------------------------------------------- arrays
def check_array(x, name, *, ndim=None, min_ndim=0, allow_nan=False, allow_inf=True, allow_empty=True,
                floats_only=False, require_ndarray=False):
    """An array of real numbers (float32/float64, or integers unless ``floats_only``).

    Lists and scalars are converted unless ``require_ndarray``. Integer arrays come back as
    float64. Refused: None, strings, bool/complex/object/float16 arrays, the wrong number of
    dimensions, empty arrays (unless ``allow_empty``), NaN (unless ``allow_nan``), inf (unless
    ``allow_inf``).
    """
    if x is None or isinstance(x, (str, bytes, dict, set)):
        raise TypeError(f"{name} must be an array of numbers, got {_kind(x)}")
    if require_ndarray and not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array, got {_kind(x)}; pass np.asarray({name}, dtype=np.float32)")
    try:
        arr = np.asarray(x)
    except ValueError as err:  # ragged nested lists
        raise ValueError(f"{name} is not a rectangular array of numbers ({err})") from None
    kind = arr.dtype.kind
    if kind in "iu" and not floats_only:
        arr = arr.astype(np.float64)
    elif arr.dtype not in FLOAT_DTYPES:
        allowed = "float32 or float64" if floats_only else "float32, float64 or integer"
        extra = " (float16 is too coarse here)" if arr.dtype == np.float16 else ""
        raise TypeError(f"{name} has dtype {arr.dtype}{extra}; expected {allowed} numbers. "
                        f"Convert with {name}.astype(np.float32).")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if arr.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimension(s), got shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); pass at least one sample")
    if not (allow_nan and allow_inf):
        finite = np.isfinite(arr)
        if not finite.all():
            n_nan = int(np.isnan(arr).sum())
            if n_nan and not allow_nan:
                raise ValueError(f"{name} contains {n_nan} NaN values; clean or impute them first")
            if not allow_inf and n_nan < arr.size - int(finite.sum()):
                raise ValueError(f"{name} contains infinite values; clean them first")
    return arr


# ---------------------------------------------------------------- labels
def check_labels(t, n_samples, n_classes, name="t"):
    """Labels as (N,) class indices in [0, n_classes) or (N, n_classes) one-hot rows.

    Whole-number float indices are accepted and returned as integers; one-hot rows must hold
    only 0s and 1s with exactly one 1.

    Raises
    ------
    TypeError
        None, strings, bool/complex/object arrays.
    ValueError
        With what is wrong and what to pass instead.
    """
    if t is None or isinstance(t, (str, bytes)):
        raise TypeError(f"{name} must be an array of labels, got {_kind(t)}")
    t = np.asarray(t)
    if t.dtype.kind not in "iuf" or t.dtype == np.float16:
        raise TypeError(f"{name} has dtype {t.dtype}; labels must be integer class indices (N,) or "
                        "float32/float64 one-hot rows (N, C)")
    if n_samples == 0 or t.size == 0:
        raise ValueError(f"{name} is empty (shape {t.shape}); a loss or accuracy needs at least one sample")
    if t.ndim == 1:
        if t.shape[0] != n_samples:
            raise ValueError(f"{name} has {t.shape[0]} labels but there are {n_samples} samples; "
                             "pass one label per row of the input.")
        if t.dtype.kind == "f":
            if not np.isfinite(t).all():
                raise ValueError(f"{name} contains NaN or infinite labels; labels are class indices "
                                 f"0..{n_classes - 1}")
            if not np.all(t == np.round(t)):
                raise ValueError(f"{name} must hold integer class indices; got dtype {t.dtype} with "
                                 "non-integer values. Use t.astype(int) or one-hot rows.")
        lo, hi = t.min(), t.max()
        if lo < 0 or hi >= n_classes:
            fmt = (lambda v: f"{v:g}") if t.dtype.kind == "f" else str
            raise ValueError(f"{name} holds labels from {fmt(lo)} to {fmt(hi)}, but there are only "
                             f"{n_classes} classes (valid labels are 0..{n_classes - 1}).")
        if t.dtype.kind != "i" or t.dtype.itemsize < np.dtype(np.intp).itemsize:
            t = t.astype(np.intp)  # whole-number floats are fine as labels, but not as indices
    elif t.ndim == 2:
        if t.shape != (n_samples, n_classes):
            raise ValueError(f"one-hot {name} has shape {t.shape}; expected ({n_samples}, {n_classes}) "
                             "to match the scores. Pass (N,) class indices or (N, C) one-hot rows.")
        is01 = (t == 0) | (t == 1)
        if not is01.all() or not np.all(t.sum(axis=1) == 1):
            bad = int(np.flatnonzero(~is01.all(axis=1) | (t.sum(axis=1) != 1))[0])
            raise ValueError(f"one-hot {name} row {bad} is {t[bad].tolist()}; each row must hold "
                             "exactly one 1 and 0s elsewhere (NaN or all-zero rows are not labels)")
    else:
        raise ValueError(f"{name} has shape {t.shape}; labels must be (N,) indices or (N, C) one-hot.")
    return t


# ---------------------------------------------------------------- objects and call order
class CallOrderError(RuntimeError, ValueError):
    """A method called out of order (backward before forward, train after training ended).

    A RuntimeError (the state is wrong, not a value) that ``except ValueError`` also catches,
    like every other refusal of the public API.
    """
