"""The activation registry: one entry per name with its function, derivative and layer class.

=============  ==============================  ===========================
name           f(x)                            f'(x)
=============  ==============================  ===========================
'sigmoid'      1 / (1 + exp(-x))               f(x) (1 - f(x))
'tanh'         tanh(x)                         1 - tanh(x)^2
'relu'         max(x, 0)                       1 if x > 0 else 0
'leaky_relu'   x if x > 0 else a x (a = 0.01)  1 if x > 0 else a
'elu'          x if x > 0 else a (e^x - 1)     1 if x > 0 else a e^x
=============  ==============================  ===========================

At x = 0 the ReLU family's derivative is taken from the left (0 for ReLU, a for Leaky ReLU).
The element-wise functions suit plots and small experiments; networks use the layer classes
(:func:`make_activation` builds one by name), whose ``backward`` computes the same derivative
from what ``forward`` stored. Which weight init goes with which activation is
:mod:`dlhelpers.initializers`' table.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .checks import check_array, check_range
from .functions import LEAKY_RELU_SLOPE, elu, leaky_relu, relu, sigmoid, sigmoid_grad, tanh
from .layers import ELU, LeakyReLU, ReLU, Sigmoid, Tanh


def tanh_grad(x):
    """Derivative of tanh at ``x``: 1 - tanh(x)^2."""
    return 1.0 - tanh(x) ** 2


def relu_grad(x):
    """Derivative of ReLU at ``x``: 1 where x > 0, else 0; float64 for integer input."""
    x = check_array(x, "x")
    return (x > 0).astype(x.dtype)


def leaky_relu_grad(x, alpha=LEAKY_RELU_SLOPE):
    """Derivative of Leaky ReLU at ``x``: 1 where x > 0, else ``alpha``."""
    x = check_array(x, "x")
    alpha = check_range(alpha, "alpha", 0, 1, high_open=True, hint="A typical slope is 0.01.")
    return np.where(x > 0, 1.0, alpha).astype(x.dtype)


def elu_grad(x, alpha=1.0):
    """Derivative of ELU at ``x``: 1 where x > 0, else alpha * exp(x)."""
    x = check_array(x, "x")
    alpha = check_range(alpha, "alpha", 0, low_open=True, hint="The usual value is 1.0.")
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype)


@dataclass(frozen=True)
class Activation:
    """One registry entry.

    Attributes
    ----------
    name : str
    function, derivative : callable
        Element-wise on arrays of any shape; ``derivative(x)`` is f'(x) at the input x (not at
        the output). Leaky ReLU and ELU take a keyword ``alpha``.
    layer : type
        The :mod:`dlhelpers.layers` class; ``layer()`` is a fresh layer with default settings.
    """
    name: str
    function: Callable
    derivative: Callable
    layer: type


#: name -> :class:`Activation`.
ACTIVATIONS = {a.name: a for a in (
    Activation("sigmoid", sigmoid, sigmoid_grad, Sigmoid),
    Activation("tanh", tanh, tanh_grad, Tanh),
    Activation("relu", relu, relu_grad, ReLU),
    Activation("leaky_relu", leaky_relu, leaky_relu_grad, LeakyReLU),
    Activation("elu", elu, elu_grad, ELU),
)}


def get_activation(name):
    """Registry entry by name; case, '-' for '_' and 'LeakyReLU' are accepted.

    Raises ValueError naming the known activations for anything else.
    """
    if not isinstance(name, str):
        raise TypeError(f"the activation name must be a string such as 'relu', got {name!r}; "
                        f"choose one of {sorted(ACTIVATIONS)}")
    key = name.lower().replace("-", "_")
    if key == "leakyrelu":
        key = "leaky_relu"
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[key]


def make_activation(name):
    """A new activation layer by name (a :mod:`dlhelpers.layers` class with default settings)."""
    return get_activation(name).layer()
