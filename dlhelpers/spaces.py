"""Search spaces: the distribution each hyperparameter is drawn from.

``LogUniform(lo, hi)`` for scales (learning rate, weight decay), ``Uniform(lo, hi)`` for linear
ranges (a dropout ratio), ``IntUniform(lo, hi)`` for counts (a layer width), ``Choice([...])`` for
categories ('he' or 'xavier'). In a space (a dict name -> dimension) a plain ``(low, high)`` pair
means :class:`LogUniform`, as in the book's searches. :mod:`dlhelpers.search` draws from them.
"""
import math
import numbers
from collections import namedtuple

import numpy as np

from .checks import check_int, check_rng

__all__ = ["LogUniform", "Uniform", "IntUniform", "Choice", "sample_space", "sample_log_uniform", "log_grid"]


def _bounds(kind, name, low, high):
    for which, v in (("low", low), ("high", high)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise TypeError(f"range of {name!r}: {which} must be a number, got {v!r}")
        if not math.isfinite(v):
            raise ValueError(f"range of {name!r}: {which} must be finite, got (low, high) = ({low!r}, {high!r}); "
                             "give two finite bounds")
    if low > high:
        raise ValueError(f"range of {name!r} has low > high: ({low!r}, {high!r}); swap the bounds")
    if kind == "log" and not (low > 0 and high > 0):
        raise ValueError(f"range of {name!r}: low and high must be positive for a log scale, got "
                         f"({low!r}, {high!r}); use Uniform(low, high) for a linear range that includes 0")


class _Range:
    """What the numeric dimensions share: ``(low, high)`` checked once, at construction.

    Subclasses set ``scale`` ('log' or 'linear'), ``_cast`` (float or int) and draw with ``sample``.
    ``name`` (the searched hyperparameter) only makes error messages clearer.
    """
    __slots__ = ()
    scale = "linear"
    _cast = float

    def __new__(cls, low, high, name=None):
        name = name or cls.__name__
        if cls._cast is int:
            for which, v in (("low", low), ("high", high)):
                if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
                    raise TypeError(f"range of {name!r}: {cls.__name__} bounds must be ints, got {which}={v!r}")
        _bounds(cls.scale, name, low, high)
        return tuple.__new__(cls, (cls._cast(low), cls._cast(high)))

    def to_unit(self, value):
        """(value, low, high) in the dimension's own scale: where ``value`` sits in the interval."""
        return float(value), float(self.low), float(self.high)


class LogUniform(_Range, namedtuple("LogUniform", "low high")):
    """``10 ** U(log10 low, log10 high)``: for scales (learning rate, weight decay). 0 < low <= high.

    A plain ``(low, high)`` tuple in a search space means this; it compares equal to that tuple.
    """
    __slots__ = ()
    scale = "log"

    def sample(self, rng):
        return float(10.0 ** rng.uniform(math.log10(self.low), math.log10(self.high)))

    def to_unit(self, value):
        return math.log10(value), math.log10(self.low), math.log10(self.high)


class Uniform(_Range, namedtuple("Uniform", "low high")):
    """``U(low, high)``, a float on a linear scale: e.g. a dropout ratio in (0, 0.5)."""
    __slots__ = ()

    def sample(self, rng):
        return float(rng.uniform(self.low, self.high))


class IntUniform(_Range, namedtuple("IntUniform", "low high")):
    """An int drawn uniformly from ``low .. high`` (both included): e.g. a layer width."""
    __slots__ = ()
    _cast = int

    def sample(self, rng):
        return int(rng.integers(self.low, self.high + 1))


class Choice:
    """One of ``values`` with equal probability, returned as given ('he' stays a str, 50 an int)."""
    scale = "categorical"

    def __init__(self, values, name="Choice"):
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise TypeError(f"Choice for {name!r} needs a list of values, got values={values!r}; "
                            f"write Choice([{values!r}]) for a single value")
        self.values = tuple(values)
        if not self.values:
            raise ValueError(f"Choice for {name!r} is empty (values=[]): give at least one value")

    def sample(self, rng):
        return self.values[int(rng.integers(len(self.values)))]

    def __eq__(self, other):
        return isinstance(other, Choice) and self.values == other.values

    def __hash__(self):
        return hash(self.values)

    def __repr__(self):
        return f"Choice({list(self.values)!r})"


_DIMENSIONS = (LogUniform, Uniform, IntUniform, Choice)


def _as_dimension(name, spec):
    """A space entry as a dimension object; a plain (low, high) pair means LogUniform."""
    if isinstance(spec, _DIMENSIONS):
        return spec
    if isinstance(spec, (tuple, list)) and len(spec) == 2:
        return LogUniform(spec[0], spec[1], name=name)
    raise TypeError(f"search space entry {name!r} must be LogUniform/Uniform/IntUniform/Choice or a "
                    f"(low, high) pair (log-uniform), got {spec!r}")


def _as_space(space, argname="ranges"):
    if not isinstance(space, dict):
        raise TypeError(f"{argname} must be a dict name -> range, e.g. {{'lr': (1e-4, 1e-1)}}, "
                        f"got {type(space).__name__}")
    if not space:
        raise ValueError(f"{argname} is empty: give at least one name -> range")
    return {name: _as_dimension(name, spec) for name, spec in space.items()}


def sample_space(rng, space):
    """One value per name of ``space`` (in its order), drawn with ``rng``; returns a dict.

    A (low, high) pair is log-uniform, so ``sample_space(rng, {'lr': (1e-6, 1e-2)})`` draws the
    same number as :func:`sample_log_uniform`.
    """
    rng = check_rng(rng, "rng")
    space = _as_space(space, "space")
    return {name: dim.sample(rng) for name, dim in space.items()}


def sample_log_uniform(rng, ranges):
    """One value per name, ``10 ** U(log10 low, log10 high)``, in the order of ``ranges``.

    ranges : dict name -> (low, high) with 0 < low <= high, e.g. {'lr': (1e-6, 1e-2)}.
    Returns a dict name -> float.
    """
    rng = check_rng(rng, "rng")
    space = _as_space(ranges)
    for name, dim in space.items():
        if not isinstance(dim, LogUniform):
            raise TypeError(f"sample_log_uniform takes (low, high) pairs only, {name!r} is {dim!r}; "
                            "use sample_space for other kinds")
    return {name: dim.sample(rng) for name, dim in space.items()}


def log_grid(low, high, n):
    """``n`` values from ``low`` to ``high``, evenly spaced in log10 (like np.logspace)."""
    _bounds("log", "log_grid", low, high)  # names low and high
    n = check_int(n, "n", 1)
    return [float(v) for v in np.logspace(math.log10(low), math.log10(high), n)]
