"""Weight-initialization schemes by name: the one place where each name gets its meaning.

A layer with fan-in n_in (inputs per unit) and fan-out n_out draws W of shape (n_in, n_out):

====================  ========  ===================================  ===============================
name                  draw      std (or uniform limit)               goes with
====================  ========  ===================================  ===============================
'xavier' ('sigmoid')  normal    std = sqrt(1 / n_in)                 sigmoid, tanh (the book's "Xavier")
'lecun'               normal    std = sqrt(1 / n_in)                 the same rule under LeCun's name
'glorot'              normal    std = sqrt(2 / (n_in + n_out))       sigmoid, tanh
'glorot_uniform'      uniform   limit = sqrt(6 / (n_in + n_out))     sigmoid, tanh
'he' ('relu')         normal    std = sqrt(2 / n_in)                 ReLU
'leaky_relu'          normal    std = sqrt(2 / ((1 + a^2) n_in))     Leaky ReLU with slope a = 0.01
a number >= 0         normal    std = that number                    experiments (0.01, 1, ...)
====================  ========  ===================================  ===============================

Each rule keeps the variance of a layer's output (forward) or of its gradient (backward) equal
to its input's, so that deep stacks neither shrink nor blow up the signal. Sources: LeCun,
Bottou, Orr and Mueller, "Efficient BackProp" (1998) for sqrt(1/n_in); Glorot and Bengio,
"Understanding the difficulty of training deep feedforward neural networks" (AISTATS 2010) for
the fan-in/fan-out average; He, Zhang, Ren and Sun, "Delving Deep into Rectifiers" (ICCV 2015)
for ReLU and its leaky form. Deep Learning from Scratch calls sqrt(1/n_in) "Xavier"; this package
keeps the book's name and calls the paper's fan-average rule "glorot".
"""
import numbers

import numpy as np

from .checks import check_float_dtype, check_int, check_number
from .functions import LEAKY_RELU_SLOPE
from .perturb import perturb_weights

#: name -> (distribution, formula, the activations it suits). The aliases 'sigmoid' and 'relu'
#: (names of the activation a scheme goes with) are accepted wherever a scheme name is.
INIT_RULES = {
    "xavier": ("normal", "std = sqrt(1 / n_in)", "sigmoid, tanh; the book's 'Xavier' = LeCun normal"),
    "glorot": ("normal", "std = sqrt(2 / (n_in + n_out))", "sigmoid, tanh"),
    "glorot_uniform": ("uniform", "limit = sqrt(6 / (n_in + n_out))", "sigmoid, tanh"),
    "he": ("normal", "std = sqrt(2 / n_in)", "ReLU"),
    "leaky_relu": ("normal", "std = sqrt(2 / ((1 + a^2) n_in))", "Leaky ReLU with slope a"),
}
ALIASES = {"lecun": "xavier", "sigmoid": "xavier", "relu": "he"}
INIT_SCHEMES = tuple(INIT_RULES) + tuple(ALIASES)


def _scheme_key(scheme):
    key = scheme.lower()
    key = ALIASES.get(key, key)
    if key not in INIT_RULES:
        raise ValueError(f"unknown weight_init_std {scheme!r}; use a positive number or one of {INIT_SCHEMES}")
    return key


def _check_fans(fan_in, fan_out):
    check_int(fan_in, "fan_in", 1, hint="(inputs per unit of the layer)")
    check_int(fan_out, "fan_out", 1, hint="(units of the layer)", allow_none=True)


def he_std(fan_in, negative_slope=0.0):
    """He et al.'s std for a (leaky) ReLU layer: sqrt(2 / ((1 + a^2) fan_in)); a = 0 gives sqrt(2 / fan_in).

    Leaky ReLU keeps a fraction a of the negative half, so it loses less variance than ReLU
    and needs a slightly smaller std.
    """
    _check_fans(fan_in, None)
    negative_slope = check_number(negative_slope, "negative_slope")
    return float(np.sqrt(2.0 / ((1.0 + negative_slope ** 2) * fan_in)))


def init_std(scheme, fan_in, fan_out=None):
    """Standard deviation of the weights of a layer with ``fan_in`` inputs and ``fan_out`` outputs.

    Parameters
    ----------
    scheme : str or float
        A name of :data:`INIT_RULES` (or an alias: 'lecun', 'sigmoid', 'relu'), or a std >= 0.
    fan_in, fan_out : int
        Inputs and outputs of the layer; ``fan_out`` is used only by 'glorot' and
        'glorot_uniform' (None: taken equal to ``fan_in``).

    Returns
    -------
    float. For 'glorot_uniform' it is the std of the uniform draw, limit / sqrt(3).
    """
    _check_fans(fan_in, fan_out)
    if isinstance(scheme, str):
        key = _scheme_key(scheme)
        n_out = fan_in if fan_out is None else fan_out
        if key == "xavier":
            return float(np.sqrt(1.0 / fan_in))
        if key in ("glorot", "glorot_uniform"):
            return float(np.sqrt(2.0 / (fan_in + n_out)))
        if key == "he":
            return he_std(fan_in)
        return he_std(fan_in, LEAKY_RELU_SLOPE)
    if isinstance(scheme, np.ndarray) and scheme.ndim == 0:
        scheme = scheme[()]
    if isinstance(scheme, (bool, np.bool_)) or not isinstance(scheme, numbers.Real):
        raise TypeError(f"weight_init_std must be a positive number or one of {INIT_SCHEMES}, "
                        f"got {scheme!r}")
    std = float(scheme)
    if not np.isfinite(std) or std < 0:
        raise ValueError(f"weight_init_std must be a finite number >= 0, got {scheme!r}")
    return std


def init_weights(scheme, fan_in, fan_out, rng, dtype=np.float32):
    """Draw W of shape (fan_in, fan_out) with a scheme of :data:`INIT_RULES` or a given std.

    Parameters
    ----------
    scheme : str or float
        See :func:`init_std`. 'glorot_uniform' draws from U(-limit, limit); all others from
        N(0, std^2).
    fan_in, fan_out : int
    rng : np.random.Generator
        Source of the draw (pass a seeded one for reproducible weights).
    dtype : float dtype of the result.

    Returns
    -------
    ndarray, shape (fan_in, fan_out). With ``DLHELPERS_PERTURB=1`` every non-zero element is one
    float32 ulp higher (:mod:`dlhelpers.perturb`: how the tests imitate another CPU's arithmetic).
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a np.random.Generator, got {type(rng).__name__}; "
                        "create one with np.random.default_rng(seed)")
    dtype = check_float_dtype(dtype, "dtype")
    std = init_std(scheme, fan_in, fan_out)
    if isinstance(scheme, str) and _scheme_key(scheme) == "glorot_uniform":
        limit = np.sqrt(3.0) * std
        W = rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype)
    else:
        W = (std * rng.standard_normal((fan_in, fan_out))).astype(dtype)
    return perturb_weights(W)
