"""Weight-initialization scales by name.

The scale is the standard deviation of the Gaussian that W is drawn from, given the layer's
fan-in n (the number of inputs per unit):

========================  ======================  ==================================
name                      std                     suits
========================  ======================  ==================================
'xavier', 'sigmoid'       sqrt(1 / n)             sigmoid, tanh (the book's "Xavier")
'lecun'                   sqrt(1 / n)             same value; LeCun proposed it in 1998
'glorot'                  sqrt(2 / (n + n_out))   Glorot and Bengio's normal form
'he', 'relu'              sqrt(2 / n)             ReLU and its relatives
a positive number         that number             experiments (0.01, 1, ...)
========================  ======================  ==================================
"""
import numpy as np

INIT_SCHEMES = ("xavier", "sigmoid", "lecun", "glorot", "he", "relu")


def init_std(scheme, fan_in, fan_out=None):
    """Standard deviation for a layer with ``fan_in`` inputs (and ``fan_out`` outputs)."""
    if isinstance(scheme, str):
        key = scheme.lower()
        if key in ("xavier", "sigmoid", "lecun"):
            return float(np.sqrt(1.0 / fan_in))
        if key == "glorot":
            return float(np.sqrt(2.0 / (fan_in + (fan_out or fan_in))))
        if key in ("he", "relu"):
            return float(np.sqrt(2.0 / fan_in))
        raise ValueError(f"unknown weight_init_std {scheme!r}; use a positive number or one of {INIT_SCHEMES}")
    try:
        std = float(scheme)
    except (TypeError, ValueError):
        raise ValueError(f"weight_init_std must be a positive number or one of {INIT_SCHEMES}, got {scheme!r}") from None
    if not np.isfinite(std) or std < 0:
        raise ValueError(f"weight_init_std must be a finite number >= 0, got {scheme!r}")
    return std


def gaussian_weights(rng, fan_in, fan_out, scheme, dtype=np.float32):
    """W of shape (fan_in, fan_out) drawn from N(0, init_std(scheme)^2)."""
    std = init_std(scheme, fan_in, fan_out)
    return (std * rng.standard_normal((fan_in, fan_out))).astype(dtype)
