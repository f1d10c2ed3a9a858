"""Data shuffling and splitting, curve smoothing."""
import numpy as np

from .checks import check_int, check_range, check_rng


def _check_pair(x, t):
    for name, arr in (("x", x), ("t", t)):
        if arr is None or isinstance(arr, (str, bytes)):
            raise TypeError(f"{name} must be an array with one row per sample, got {arr!r}")
    x, t = np.asarray(x), np.asarray(t)
    for name, arr in (("x", x), ("t", t)):
        if arr.ndim == 0:
            raise ValueError(f"{name} is a single number; pass an array with one row per sample")
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{name} has dtype {arr.dtype}; pass numeric arrays")
    if len(x) != len(t):
        raise ValueError(f"x has {len(x)} samples but t has {len(t)}; pass one label row per sample")
    if len(x) == 0:
        raise ValueError("x and t are empty; there is nothing to shuffle or split")
    return x, t


def shuffle_dataset(x, t, rng=None):
    """Return x and t permuted by the same random order (copies; inputs untouched).

    x : (N, ...) array; t : (N,) or (N, C) array; rng : np.random.Generator, seed or None.
    """
    x, t = _check_pair(x, t)
    order = check_rng(rng).permutation(len(x))
    return x[order], t[order]


def train_val_split(x, t, val_fraction=0.2, rng=None):
    """Shuffle, then hold out ``val_fraction`` of the samples for validation.

    Returns
    -------
    (x_train, t_train), (x_val, t_val)
    """
    val_fraction = check_range(val_fraction, "val_fraction", 0, 1, low_open=True, high_open=True,
                               hint="It is the share of samples held out, e.g. 0.2.")
    x, t = shuffle_dataset(x, t, rng)
    n_val = int(round(len(x) * val_fraction))
    if n_val == 0 or n_val == len(x):
        raise ValueError(f"{len(x)} samples cannot be split with val_fraction={val_fraction}: one side "
                         "would be empty. Pass more samples or a val_fraction nearer 0.5.")
    return (x[n_val:], t[n_val:]), (x[:n_val], t[:n_val])


def smooth_curve(values, window=11):
    """Moving average over ``window`` points (odd), edges handled by reflecting the curve.

    Returns an array as long as ``values``: noisy per-iteration losses become readable. NaN and
    inf are allowed (a diverged run's losses) and spread over their window.
    """
    if values is None or isinstance(values, (str, bytes)):
        raise TypeError(f"values must be a 1-D sequence of numbers, got {values!r}")
    window = check_int(window, "window", 1, hint="Use an odd number of points such as 11.")
    y = np.asarray(values)
    if y.dtype.kind not in "iuf" or y.dtype == np.float16:
        raise TypeError(f"values has dtype {y.dtype}; pass a 1-D sequence of numbers")
    if y.ndim != 1:
        raise ValueError(f"values has shape {y.shape}; pass a 1-D sequence (one value per step)")
    y = y.astype(np.float64)
    if window < 2 or len(y) < 3:
        return y.copy()
    window = min(window, len(y) - (1 - len(y) % 2))
    window += 1 - window % 2
    half = window // 2
    padded = np.concatenate([y[half:0:-1], y, y[-2:-half - 2:-1]])
    kernel = np.ones(window) / window
    return np.convolve(padded, kernel, mode="valid")
