"""Checkers for notebook 03 (weight initialization and activations).

* :func:`check_he_init` - ``he_init(fan_in, fan_out, rng)`` drawing a (fan_in, fan_out) Gaussian
  weight matrix with std sqrt(2 / fan_in);
* :func:`check_dead_relu_fraction` - ``dead_relu_fraction(a)``: the fraction of units (columns of
  an (N, units) ReLU output) that are zero for every sample.

A random matrix cannot be compared entry by entry, so :func:`check_he_init` compares what matters:
the shape, the std relative to sqrt(2 / fan_in), the mean and the shape of the distribution
(excess kurtosis, 0 for a Gaussian), each measured on a large draw.
"""
import numpy as np

from ..experiments.init_activations import dead_relu_fraction as reference_dead_relu_fraction
from .checker import check_function


def reference_he_init(fan_in, fan_out, rng):
    """W ~ N(0, 2 / fan_in), shape (fan_in, fan_out)."""
    return np.sqrt(2.0 / fan_in) * rng.standard_normal((fan_in, fan_out))


class Draw:
    """Arguments of one he_init test (a fresh generator is made from ``seed`` for every call)."""

    def __init__(self, fan_in, fan_out, seed):
        self.fan_in, self.fan_out, self.seed = fan_in, fan_out, seed

    def __repr__(self):
        return f"fan_in={self.fan_in}, fan_out={self.fan_out}, rng=np.random.default_rng({self.seed})"


def _summary(W, fan_in):
    """[rows, cols, std / sqrt(2/fan_in), mean / sqrt(2/fan_in), excess kurtosis]."""
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2:
        return np.array([np.nan] * 5)
    target = np.sqrt(2.0 / fan_in)
    z = (W - W.mean()) / (W.std() + 1e-300)
    return np.array([W.shape[0], W.shape[1], W.std() / target, W.mean() / target, np.mean(z ** 4) - 3.0])


def check_he_init(fn):
    """Check ``fn(fan_in, fan_out, rng) -> W`` against He initialization (statistically)."""
    sizes = [(784, 100), (100, 500), (300, 200), (500, 100)]

    def make_inputs(rng, trial):
        fan_in, fan_out = sizes[trial % len(sizes)]
        return (Draw(fan_in, fan_out, 100 + trial),)

    def reference(draw):
        return np.array([draw.fan_in, draw.fan_out, 1.0, 0.0, 0.0])

    def user(draw):
        return _summary(fn(draw.fan_in, draw.fan_out, np.random.default_rng(draw.seed)), draw.fan_in)

    def ratio_near(value, tol=0.05):
        return lambda got, exp, args: got.shape == (5,) and abs(got[2] - value(args[0])) < tol * value(args[0])

    diagnoses = [
        (lambda got, exp, args: got.shape == (5,) and np.isnan(got[0]),
         "the result is not a 2-D matrix: return an array of shape (fan_in, fan_out)."),
        (lambda got, exp, args: got[0] == args[0].fan_out and got[1] == args[0].fan_in,
         "the shape is transposed: W has one row per input, (fan_in, fan_out), so that x @ W works."),
        (ratio_near(lambda d: np.sqrt(0.5)),
         "the std is sqrt(1 / fan_in), the Xavier/LeCun value; He doubles the variance for ReLU: sqrt(2 / fan_in)."),
        (ratio_near(lambda d: np.sqrt(d.fan_in / d.fan_out)),
         "the std uses fan_out; He scales with the number of inputs of each unit, fan_in."),
        (ratio_near(lambda d: np.sqrt(2.0 / d.fan_in)),
         "the std is 2 / fan_in: the square root is missing (2 / fan_in is the variance)."),
        (ratio_near(lambda d: 1.0 / np.sqrt(2.0 / d.fan_in)),
         "the weights have std 1: multiply the standard normal draw by sqrt(2 / fan_in)."),
        (lambda got, exp, args: got.shape == (5,) and got[4] < -0.8,
         "the weights are uniformly distributed; this exercise asks for a Gaussian (rng.standard_normal)."),
        (lambda got, exp, args: got.shape == (5,) and abs(got[3]) > 0.1,
         "the weights are not centred on 0: draw from a zero-mean Gaussian."),
    ]
    return check_function(user, reference, make_inputs, name=getattr(fn, "__name__", "he_init"),
                          diagnoses=diagnoses, n_trials=4, rtol=0.0, atol=0.1,
                          hint="np.sqrt(2 / fan_in) * rng.standard_normal((fan_in, fan_out)). The "
                               "checker compares [rows, cols, std / sqrt(2/fan_in), mean / sqrt(2/fan_in), "
                               "excess kurtosis] with [fan_in, fan_out, 1, 0, 0].")


def check_dead_relu_fraction(fn):
    """Check ``fn(a) -> float``: the fraction of columns of ``a`` (N, units) that are all zero."""
    def make_inputs(rng, trial):
        n, units = [(64, 20), (100, 50), (30, 8), (200, 100)][trial % 4]
        a = np.maximum(rng.standard_normal((n, units)), 0)
        dead = rng.random(units) < 0.3
        a[:, dead] = 0.0
        a[rng.random(n) < 0.2] = 0.0            # some samples activate nothing at all
        return (a,)

    def equals(value):
        return lambda got, exp, args: np.shape(got) == () and np.isclose(float(got), value(args[0]))

    diagnoses = [
        (lambda got, exp, args: np.shape(got) == (args[0].shape[1],),
         "the result has one entry per unit; average it into one number: np.mean(...)."),
        (equals(lambda a: np.mean(a == 0)),
         "you counted zero entries; a unit is dead only if its whole column is zero (np.all over the samples)."),
        (equals(lambda a: np.mean(np.all(a <= 0, axis=1))),
         "you took np.all along axis 1 (per sample); units are columns, so reduce over axis 0."),
        (equals(lambda a: np.mean(np.any(a <= 0, axis=0))),
         "np.any marks a unit dead if it is zero for one sample; it must be zero for every sample (np.all)."),
        (equals(lambda a: np.sum(np.all(a <= 0, axis=0))),
         "that is the number of dead units; divide by the number of units to get a fraction."),
    ]
    return check_function(fn, reference_dead_relu_fraction, make_inputs,
                          name=getattr(fn, "__name__", "dead_relu_fraction"), diagnoses=diagnoses,
                          hint="np.mean(np.all(a <= 0, axis=0)): a column that is zero for every row is a dead unit.")
