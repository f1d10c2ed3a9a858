"""Data shuffling and splitting, curve smoothing."""
import numpy as np


def shuffle_dataset(x, t, rng=None):
    """Return x and t permuted by the same random order (copies; inputs untouched).

    x : (N, ...) array; t : (N,) or (N, C) array; rng : np.random.Generator, seed or None.
    """
    x, t = np.asarray(x), np.asarray(t)
    if len(x) != len(t):
        raise ValueError(f"x has {len(x)} samples but t has {len(t)}")
    order = np.random.default_rng(rng).permutation(len(x))
    return x[order], t[order]


def train_val_split(x, t, val_fraction=0.2, rng=None):
    """Shuffle, then hold out ``val_fraction`` of the samples for validation.

    Returns
    -------
    (x_train, t_train), (x_val, t_val)
    """
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction!r}")
    x, t = shuffle_dataset(x, t, rng)
    n_val = int(round(len(x) * val_fraction))
    if n_val == 0 or n_val == len(x):
        raise ValueError(f"{len(x)} samples cannot be split with val_fraction={val_fraction}")
    return (x[n_val:], t[n_val:]), (x[:n_val], t[:n_val])


def smooth_curve(values, window=11):
    """Moving average over ``window`` points (odd), edges handled by reflecting the curve.

    Returns an array as long as ``values``: noisy per-iteration losses become readable.
    """
    y = np.asarray(values, dtype=np.float64)
    if window < 2 or len(y) < 3:
        return y.copy()
    window = min(window, len(y) - (1 - len(y) % 2))
    window += 1 - window % 2
    half = window // 2
    padded = np.concatenate([y[half:0:-1], y, y[-2:-half - 2:-1]])
    kernel = np.ones(window) / window
    return np.convolve(padded, kernel, mode="valid")
