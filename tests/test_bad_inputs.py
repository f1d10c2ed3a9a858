"""A table of bad inputs to the public API: each must be refused with a clear message.

"Refused with a clear message" means: a ValueError or TypeError raised inside ``dlhelpers`` (not a
raw NumPy or Python error from deeper down), whose message names the argument. The summary
"N of M bad inputs refused with a clear message" is printed at the end of the run.

To extend: write a function that returns a list of :class:`Bad` rows (a label, the argument's
name as the message must show it, and a zero-argument callable that makes the bad call) and add
it to ``TABLES``. Helpers below generate the usual categories (``bad_arrays``, ``bad_numbers``,
``bad_labels``) so that a new public function needs a few lines, not a few dozen.
"""
import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

import dlhelpers
from dlhelpers import activations as A
from dlhelpers import checks
from dlhelpers import gradcheck as G
from dlhelpers import initializers as I
from dlhelpers import parallel as P
from dlhelpers import search as S
from dlhelpers import spaces as SP
from dlhelpers.early_stopping import EarlyStopping, early_stop_epoch
from dlhelpers.network import MultiLayerNet
from dlhelpers.training import Trainer
from dlhelpers import functions as F
from dlhelpers import layers as L
from dlhelpers import mnist_download as md
from dlhelpers import optimizers as O
from dlhelpers import utils as U

PACKAGE_DIR = Path(dlhelpers.__file__).resolve().parent


@dataclass
class Bad:
    label: str   # what is wrong, e.g. "softmax: x is a float16 array"
    arg: str     # the argument's name, as the error message must name it
    call: Callable[[], object]
    shown: bool = False  # a playground refusal: the message is shown in the widget, re-raised by ``call``


# ---------------------------------------------------------------- generators of bad values
def _arr(*shape, dtype=np.float64, fill=0.5):
    return np.full(shape, fill, dtype=dtype)


def bad_arrays(shape=(2, 3), *, empty=False, inf=False, zero_d=False, lists=False, ints=False):
    """(label, value) pairs of arrays no array argument accepts, plus optional categories."""
    nan = _arr(*shape)
    nan.flat[1] = np.nan
    rows = [
        ("None", None),
        ("a string", "abc"),
        ("a dict", {"a": 1}),
        ("a bool array", np.ones(shape, dtype=bool)),
        ("a complex array", _arr(*shape, dtype=np.complex128)),
        ("an object array", np.array([object()] * int(np.prod(shape)), dtype=object).reshape(shape)),
        ("a float16 array", _arr(*shape, dtype=np.float16)),
        ("an array holding NaN", nan),
        ("a ragged list", [[1.0, 2.0], [3.0]]),
    ]
    if inf:
        with_inf = _arr(*shape)
        with_inf.flat[0] = np.inf
        rows.append(("an array holding inf", with_inf))
    if empty:
        rows.append(("an empty array", np.zeros((0,) + tuple(shape[1:]))))
    if zero_d:
        rows.append(("a 0-d array", np.array(0.5)))
    if lists:
        rows.append(("a list", np.full(shape, 0.5).tolist()))
    if ints:
        rows.append(("an int array", np.ones(shape, dtype=np.int64)))
    return rows


def bad_numbers(*, low=None, high=None, extra=()):
    """(label, value) pairs for a number argument: wrong types, NaN/inf and out-of-range values."""
    rows = [("None", None), ("a string", "0.1"), ("a bool", True), ("NaN", float("nan")),
            ("inf", float("inf")), ("a list", [0.1]), ("a complex number", 1 + 1j)]
    if low is not None:
        rows.append((f"below {low}", low - 1))
    if high is not None:
        rows.append((f"above {high}", high + 1))
    return rows + list(extra)


def bad_ints(minimum):
    return [("None", None), ("a string", "3"), ("a bool", True), ("a float", 2.5), ("NaN", float("nan")),
            (f"below {minimum}", minimum - 1)]


def bad_labels(n=2, c=3):
    """(label, value) pairs of labels for n samples of c classes."""
    onehot = np.eye(c)[np.arange(n) % c]
    nan_row, zero_row, two_ones = onehot.copy(), onehot.copy(), onehot.copy()
    nan_row[0] = np.nan
    zero_row[0] = 0
    two_ones[0, :2] = 1
    return [
        ("None", None),
        ("a string", "01"),
        ("a bool array", np.ones(n, dtype=bool)),
        ("a complex array", np.zeros(n, dtype=complex)),
        ("an object array", np.array([0] * n, dtype=object)),
        ("a float16 array", np.zeros(n, dtype=np.float16)),
        ("a negative label", np.array([-1] + [0] * (n - 1))),
        ("a label too large", np.array([c] + [0] * (n - 1))),
        ("a non-integer float label", np.array([0.5] + [0.0] * (n - 1))),
        ("a huge float label", np.array([1e30] + [0.0] * (n - 1))),
        ("a NaN label", np.array([np.nan] + [0.0] * (n - 1))),
        ("too few labels", np.zeros(n - 1, dtype=int)),
        ("3-D labels", np.zeros((n, c, 1))),
        ("one-hot of the wrong width", np.zeros((n, c + 1))),
        ("a one-hot row of NaN", nan_row),
        ("an all-zero one-hot row", zero_row),
        ("a one-hot row with two 1s", two_ones),
    ]


# ---------------------------------------------------------------- tables, one per module
def functions_table():
    rows = []
    for fn in (F.sigmoid, F.sigmoid_grad, F.relu, F.tanh, F.leaky_relu, F.elu):
        for what, value in bad_arrays():
            rows.append(Bad(f"{fn.__name__}: x is {what}", "x", lambda fn=fn, v=value: fn(v)))
    for what, value in bad_numbers(low=0, high=1, extra=[("1 (every unit linear)", 1.0)]):
        rows.append(Bad(f"leaky_relu: alpha is {what}", "alpha", lambda v=value: F.leaky_relu(_arr(2, 3), v)))
    for what, value in bad_numbers(extra=[("0", 0.0), ("negative", -1.0)]):
        rows.append(Bad(f"elu: alpha is {what}", "alpha", lambda v=value: F.elu(_arr(2, 3), v)))
    for fn in (F.softmax, F.log_softmax):
        for what, value in bad_arrays(inf=True, empty=True, zero_d=True):
            rows.append(Bad(f"{fn.__name__}: x is {what}", "x", lambda fn=fn, v=value: fn(v)))
    probs = np.full((2, 3), 1 / 3)
    for fn in (F.mean_squared_error, F.cross_entropy_error):
        for what, value in bad_arrays(inf=True, empty=True, zero_d=True):
            rows.append(Bad(f"{fn.__name__}: y is {what}", "y",
                            lambda fn=fn, v=value: fn(v, np.array([0, 1]))))
        rows.append(Bad(f"{fn.__name__}: y is 3-D", "y", lambda fn=fn: fn(np.full((2, 3, 1), 0.3), np.array([0, 1]))))
        for what, value in bad_labels():
            rows.append(Bad(f"{fn.__name__}: t is {what}", "t", lambda fn=fn, v=value: fn(probs, v)))
    rows.append(Bad("cross_entropy_error: y holds scores, not probabilities", "y",
                    lambda: F.cross_entropy_error(np.array([[2.0, -1.0, 0.5]]), np.array([0]))))
    for what, value in bad_numbers(low=0, high=1, extra=[("0", 0.0)]):
        rows.append(Bad(f"cross_entropy_error: delta is {what}", "delta",
                        lambda v=value: F.cross_entropy_error(probs, np.array([0, 1]), v)))
    for what, value in bad_labels(c=10)[:11] + [("a 2-D array", np.zeros((2, 10))), ("a 0-d array", np.array(3))]:
        rows.append(Bad(f"one_hot: t is {what}", "t", lambda v=value: F.one_hot(v, 10)))
    for what, value in bad_ints(1):
        rows.append(Bad(f"one_hot: n_classes is {what}", "n_classes", lambda v=value: F.one_hot(np.array([0]), v)))
    for what, value in [("a made-up name", "floaty"), ("bool", bool), ("complex", complex), ("object", object)]:
        rows.append(Bad(f"one_hot: dtype is {what}", "dtype", lambda v=value: F.one_hot(np.array([0]), 10, v)))
    return rows


def _forward_inputs(shape):
    """Bad ``x`` for a layer's forward: anything but a float32/float64 ndarray."""
    rows = [(w, v) for w, v in bad_arrays(shape) if w not in ("an array holding NaN",)]
    return rows + [("a list", np.full(shape, 0.5).tolist()), ("an int array", np.ones(shape, dtype=np.int64)),
                   ("a 0-d array", np.array(0.5))]


def _layers():
    """name -> (factory, good x); every layer of layers.py."""
    rng = np.random.default_rng(0)
    return {
        "Affine": (lambda: L.Affine(rng.standard_normal((3, 4)), np.zeros(4)), rng.standard_normal((2, 3))),
        "ReLU": (L.ReLU, rng.standard_normal((2, 3))),
        "LeakyReLU": (L.LeakyReLU, rng.standard_normal((2, 3))),
        "Sigmoid": (L.Sigmoid, rng.standard_normal((2, 3))),
        "Tanh": (L.Tanh, rng.standard_normal((2, 3))),
        "ELU": (L.ELU, rng.standard_normal((2, 3))),
        "Dropout": (lambda: L.Dropout(0.5, rng=0), rng.standard_normal((2, 3))),
        "BatchNormalization": (lambda: L.BatchNormalization(np.ones(3), np.zeros(3)), rng.standard_normal((4, 3))),
    }


def layers_table():
    rows = []
    for name, (make, x) in _layers().items():
        for what, value in _forward_inputs(x.shape):
            rows.append(Bad(f"{name}.forward: x is {what}", "x", lambda m=make, v=value: m().forward(v, True)))
        rows.append(Bad(f"{name}.backward before forward", "backward", lambda m=make, x=x: m().backward(np.ones_like(x))))

        def wrong_dout(m=make, x=x, kind="shape"):
            layer = m()
            out = layer.forward(x, True)
            dout = {"shape": np.ones((out.shape[0] + 1,) + out.shape[1:]), "None": None,
                    "int": np.ones(out.shape, dtype=int), "list": np.ones(out.shape).tolist()}[kind]
            return layer.backward(dout)
        for kind in ("shape", "None", "int", "list"):
            rows.append(Bad(f"{name}.backward: dout is {kind if kind != 'shape' else 'of the wrong shape'}", "dout",
                            lambda w=wrong_dout, k=kind: w(kind=k)))
    good_W, good_b = np.ones((3, 4)), np.zeros(4)
    for what, value in [("None", None), ("a list", good_W.tolist()), ("an int array", np.ones((3, 4), int)),
                        ("1-D", np.ones(3)), ("empty", np.ones((0, 4))), ("holding NaN", np.full((3, 4), np.nan)),
                        ("a float16 array", np.ones((3, 4), np.float16))]:
        rows.append(Bad(f"Affine: W is {what}", "W", lambda v=value: L.Affine(v, good_b)))
    for what, value in [("None", None), ("of the wrong length", np.zeros(3)), ("float32 beside float64 W", np.zeros(4, np.float32)),
                        ("2-D", np.zeros((1, 4)))]:
        rows.append(Bad(f"Affine: b is {what}", "b", lambda v=value: L.Affine(good_W, v)))
    rows.append(Bad("Affine: compute_input_grad is a string", "compute_input_grad",
                    lambda: L.Affine(good_W, good_b, compute_input_grad="no")))
    rows.append(Bad("Affine.forward: x has the wrong number of features", "x", lambda: L.Affine(good_W, good_b).forward(np.ones((2, 5)))))
    rows.append(Bad("Affine.forward: float32 x for a float64 layer", "x", lambda: L.Affine(good_W, good_b).forward(np.ones((2, 3), np.float32))))
    rows.append(Bad("Affine.forward: 1-D x", "x", lambda: L.Affine(good_W, good_b).forward(np.ones(3))))
    for what, value in bad_numbers(low=0, high=1):
        rows.append(Bad(f"LeakyReLU: alpha is {what}", "alpha", lambda v=value: L.LeakyReLU(v)))
    for what, value in bad_numbers(extra=[("0", 0.0), ("negative", -1.0)]):
        rows.append(Bad(f"ELU: alpha is {what}", "alpha", lambda v=value: L.ELU(v)))
    for what, value in bad_numbers(low=0, high=1, extra=[("1 (drops every unit)", 1.0)]):
        rows.append(Bad(f"Dropout: dropout_ratio is {what}", "dropout_ratio", lambda v=value: L.Dropout(v)))
    rows.append(Bad("Dropout: inverted is a string", "inverted", lambda: L.Dropout(0.5, inverted="yes")))
    for what, value in [("a string", "seed"), ("negative", -1), ("a float", 1.5), ("a bool", True)]:
        rows.append(Bad(f"Dropout: rng is {what}", "rng", lambda v=value: L.Dropout(0.5, rng=v)))
    rows.append(Bad("Dropout.backward after an inference-only forward", "backward",
                    lambda: (lambda d: (d.forward(np.ones((2, 3))), d.backward(np.ones((2, 3)))))(L.Dropout(0.5))))
    ones, zeros = np.ones(3), np.zeros(3)
    BN = L.BatchNormalization
    for what, value in [("None", None), ("a list", [1.0, 1.0, 1.0]), ("2-D", np.ones((1, 3))), ("an int array", np.ones(3, int)),
                        ("empty", np.ones(0)), ("holding NaN", np.array([1.0, np.nan, 1.0]))]:
        rows.append(Bad(f"BatchNormalization: gamma is {what}", "gamma", lambda v=value: BN(v, zeros)))
    rows.append(Bad("BatchNormalization: beta of another length", "beta", lambda: BN(ones, np.zeros(4))))
    rows.append(Bad("BatchNormalization: beta is None", "beta", lambda: BN(ones, None)))
    for what, value in bad_numbers(low=0, high=1, extra=[("1", 1.0)]):
        rows.append(Bad(f"BatchNormalization: momentum is {what}", "momentum", lambda v=value: BN(ones, zeros, momentum=v)))
    for what, value in bad_numbers(extra=[("0", 0.0), ("negative", -1e-5)]):
        rows.append(Bad(f"BatchNormalization: eps is {what}", "eps", lambda v=value: BN(ones, zeros, eps=v)))
    rows.append(Bad("BatchNormalization: running_mean of another length", "running_mean",
                    lambda: BN(ones, zeros, running_mean=np.zeros(4), running_var=np.ones(4))))
    rows.append(Bad("BatchNormalization: running_var negative", "running_var",
                    lambda: BN(ones, zeros, running_mean=np.zeros(3), running_var=-np.ones(3))))
    rows.append(Bad("BatchNormalization: running_mean without running_var", "running_var",
                    lambda: BN(ones, zeros, running_mean=np.zeros(3))))
    rows.append(Bad("BatchNormalization: training on one sample", "BatchNormalization",
                    lambda: BN(ones, zeros).forward(np.ones((1, 3)), True)))
    rows.append(Bad("BatchNormalization: training on one 1x1 image", "BatchNormalization",
                    lambda: BN(ones, zeros).forward(np.ones((1, 3, 1, 1)), True)))
    rows.append(Bad("BatchNormalization.forward: 3-D x", "BatchNormalization",
                    lambda: BN(ones, zeros).forward(np.ones((2, 3, 4)), True)))
    rows.append(Bad("BatchNormalization.forward: wrong number of features", "BatchNormalization",
                    lambda: BN(ones, zeros).forward(np.ones((2, 4)), True)))
    rows.append(Bad("BatchNormalization.backward after an inference forward", "backward",
                    lambda: (lambda b: (b.forward(np.ones((2, 3))), b.backward(np.ones((2, 3)))))(BN(ones, zeros))))
    # SoftmaxWithLoss
    scores = np.zeros((2, 3))
    for what, value in _forward_inputs((2, 3)) + [("1-D", np.zeros(3)), ("3-D", np.zeros((2, 3, 1)))]:
        rows.append(Bad(f"SoftmaxWithLoss.forward: x is {what}", "x",
                        lambda v=value: L.SoftmaxWithLoss().forward(v, np.array([0, 1]))))
    for what, value in bad_labels():
        if value is None:
            rows.append(Bad("SoftmaxWithLoss.forward: t is missing", "t", lambda: L.SoftmaxWithLoss().forward(scores)))
            continue
        rows.append(Bad(f"SoftmaxWithLoss.forward: t is {what}", "t", lambda v=value: L.SoftmaxWithLoss().forward(scores, v)))
    rows.append(Bad("SoftmaxWithLoss.backward before forward", "backward", lambda: L.SoftmaxWithLoss().backward()))
    for what, value in bad_numbers():
        def swl_backward(v=value):
            layer = L.SoftmaxWithLoss()
            layer.forward(scores, np.array([0, 1]))
            return layer.backward(v)
        rows.append(Bad(f"SoftmaxWithLoss.backward: dout is {what}", "dout", swl_backward))
    return rows


OPTIMIZER_CLASSES = (O.SGD, O.Momentum, O.Nesterov, O.AdaGrad, O.RMSprop, O.Adam)


def optimizers_table():
    rows = []
    W = lambda: {"W": np.zeros((2, 3)), "b": np.zeros(3)}  # noqa: E731
    good_g = lambda: {"W": np.ones((2, 3)), "b": np.ones(3)}  # noqa: E731
    bad_updates = [
        ("params", "params is a list", lambda: [np.zeros(3)], good_g),
        ("params", "params is None", lambda: None, good_g),
        ("grads", "grads is None", W, lambda: None),
        ("grads", "grads is a list", W, lambda: [np.ones((2, 3))]),
        ("grads['W']", "grads['W'] broadcasts as (1, 3)", W, lambda: {"W": np.ones((1, 3)), "b": np.ones(3)}),
        ("grads['W']", "grads['W'] is the transpose", W, lambda: {"W": np.ones((3, 2)), "b": np.ones(3)}),
        ("grads['b']", "grads['b'] is a scalar", W, lambda: {"W": np.ones((2, 3)), "b": np.float64(1.0)}),
        ("grads['W']", "grads['W'] is a list", W, lambda: {"W": np.ones((2, 3)).tolist(), "b": np.ones(3)}),
        ("grads['W']", "grads['W'] is an int array", W, lambda: {"W": np.ones((2, 3), int), "b": np.ones(3)}),
        ("grads['W']", "grads['W'] is a complex array", W, lambda: {"W": np.ones((2, 3), complex), "b": np.ones(3)}),
        ("'W2'", "grads has a key params lacks", W, lambda: {"W2": np.ones((2, 3))}),
        ("params['W']", "params['W'] is a list", lambda: {"W": [[0.0] * 3] * 2}, lambda: {"W": np.ones((2, 3))}),
        ("params['W']", "params['W'] is an int array", lambda: {"W": np.zeros((2, 3), int)}, lambda: {"W": np.ones((2, 3))}),
    ]
    for cls in OPTIMIZER_CLASSES:
        n = cls.__name__
        for what, value in bad_numbers(extra=[("0", 0), ("negative", -0.1)]):
            rows.append(Bad(f"{n}: lr is {what}", "lr", lambda c=cls, v=value: c(lr=v)))
        rows.append(Bad(f"{n}: lr set to 0 later", "lr", lambda c=cls: setattr(c(), "lr", 0)))
        for arg, what, p, g in bad_updates:
            rows.append(Bad(f"{n}.update: {what}", arg, lambda c=cls, p=p, g=g: c().update(p(), g())))
    for cls, arg in ((O.Momentum, "momentum"), (O.Nesterov, "momentum"), (O.RMSprop, "decay_rate"),
                     (O.Adam, "beta1"), (O.Adam, "beta2")):
        for what, value in bad_numbers(low=0, high=1, extra=[("1", 1.0)]):
            rows.append(Bad(f"{cls.__name__}: {arg} is {what}", arg, lambda c=cls, a=arg, v=value: c(**{a: v})))
    for cls in (O.AdaGrad, O.RMSprop, O.Adam):
        for what, value in bad_numbers(extra=[("0 (NaN on a zero gradient)", 0.0), ("negative", -1e-8)]):
            rows.append(Bad(f"{cls.__name__}: eps is {what}", "eps", lambda c=cls, v=value: c(eps=v)))
    for cls in OPTIMIZER_CLASSES[1:]:
        def reuse(c=cls):
            opt = c()
            opt.update({"W": np.zeros((2, 3))}, {"W": np.ones((2, 3))})
            opt.update({"W": np.zeros((3, 3))}, {"W": np.ones((3, 3))})
        rows.append(Bad(f"{cls.__name__}: reused on a network of another shape", "params['W']", reuse))
    for what, value in [("an unknown name", "lbfgs"), ("None", None), ("a number", 3), ("a class", O.SGD)]:
        rows.append(Bad(f"make_optimizer: name is {what}", "name" if what != "an unknown name" else "optimizer",
                        lambda v=value: O.make_optimizer(v)))
    rows.append(Bad("make_optimizer: a setting the optimizer lacks", "momentum", lambda: O.make_optimizer("sgd", momentum=0.9)))
    rows.append(Bad("make_optimizer: an instance and settings", "make_optimizer", lambda: O.make_optimizer(O.SGD(), lr=0.1)))
    for sched in (O.StepDecay, O.ExponentialDecay):
        n = sched.__name__
        for what, value in bad_numbers(extra=[("0", 0.0), ("negative", -0.1)]):
            rows.append(Bad(f"{n}: initial_lr is {what}", "initial_lr", lambda s=sched, v=value: s(v)))
        for what, value in bad_ints(0):
            rows.append(Bad(f"{n}(epoch) with epoch {what}", "epoch", lambda s=sched, v=value: s(0.1)(v)))
    for what, value in bad_ints(1):
        rows.append(Bad(f"StepDecay: step_size is {what}", "step_size", lambda v=value: O.StepDecay(0.1, step_size=v)))
    for what, value in bad_numbers(low=0, high=1, extra=[("0", 0.0)]):
        rows.append(Bad(f"StepDecay: gamma is {what}", "gamma", lambda v=value: O.StepDecay(0.1, gamma=v)))
        rows.append(Bad(f"ExponentialDecay: decay_rate is {what}", "decay_rate",
                        lambda v=value: O.ExponentialDecay(0.1, decay_rate=v)))
    return rows


def utils_table():
    rows = []
    x, t = np.zeros((10, 2)), np.zeros(10)
    for what, value in [("None", None), ("a string", "abc"), ("a 0-d array", np.array(1.0)),
                        ("an object array", np.array([object()] * 10)), ("a complex array", np.zeros(10, complex))]:
        rows.append(Bad(f"shuffle_dataset: x is {what}", "x", lambda v=value: U.shuffle_dataset(v, t)))
        rows.append(Bad(f"shuffle_dataset: t is {what}", "t", lambda v=value: U.shuffle_dataset(x, v)))
    rows.append(Bad("shuffle_dataset: t shorter than x", "t", lambda: U.shuffle_dataset(x, t[:9])))
    rows.append(Bad("shuffle_dataset: no samples", "x", lambda: U.shuffle_dataset(x[:0], t[:0])))
    for what, value in [("a string", "seed"), ("negative", -1), ("a float", 1.5), ("a bool", True), ("a list", [1])]:
        rows.append(Bad(f"shuffle_dataset: rng is {what}", "rng", lambda v=value: U.shuffle_dataset(x, t, v)))
    for what, value in bad_numbers(low=0, high=1, extra=[("0", 0.0), ("1", 1.0)]):
        rows.append(Bad(f"train_val_split: val_fraction is {what}", "val_fraction",
                        lambda v=value: U.train_val_split(x, t, v)))
    rows.append(Bad("train_val_split: too few samples for the fraction", "val_fraction",
                    lambda: U.train_val_split(x[:2], t[:2], 0.1)))
    for what, value in [("None", None), ("a string", "abc"), ("2-D", np.zeros((3, 3))), ("an object array", np.array([object()] * 5)),
                        ("a complex array", np.zeros(5, complex))]:
        rows.append(Bad(f"smooth_curve: values is {what}", "values", lambda v=value: U.smooth_curve(v)))
    for what, value in bad_ints(1):
        rows.append(Bad(f"smooth_curve: window is {what}", "window", lambda v=value: U.smooth_curve(np.arange(20.0), v)))
    return rows


def checks_table():
    rows = []
    for what, value in bad_numbers():
        rows.append(Bad(f"check_number: {what}", "speed", lambda v=value: checks.check_number(v, "speed")))
    for what, value in bad_ints(0):
        rows.append(Bad(f"check_int: {what}", "count", lambda v=value: checks.check_int(v, "count", 0)))
    for what, value in [("a string", "yes"), ("None", None), ("1", 1)]:
        rows.append(Bad(f"check_bool: {what}", "flag", lambda v=value: checks.check_bool(v, "flag")))
    for what, value in bad_arrays(inf=True, empty=True):
        rows.append(Bad(f"check_array: {what}", "data",
                        lambda v=value: checks.check_array(v, "data", allow_inf=False, allow_empty=False)))
    return rows


def download_table():
    rows = []
    good = dict(mirrors=["http://127.0.0.1:9/"], hashes={name: "0" * 64 for name in md.FILES}, progressbar=False)
    cases = [("mirrors", "a single string", "http://127.0.0.1:9/"), ("mirrors", "a list of numbers", [1]),
             ("mirrors", "None-filled", [None]), ("mirrors", "a number", 5),
             ("hashes", "a list", ["abc"]), ("hashes", "a string", "abc")]
    cases += [("timeout", what, v) for what, v in bad_numbers(extra=[("0", 0), ("negative", -1)])]
    cases += [("deadline", what, v) for what, v in bad_numbers(extra=[("0", 0), ("negative", -1)])]
    cases += [("progressbar", "a string", "yes"), ("progressbar", "None", None)]
    for arg, what, value in cases:
        rows.append(Bad(f"load_full_mnist_arrays: {arg} is {what}", arg,
                        lambda a=arg, v=value: md.load_full_mnist_arrays("unused-dir", **{**good, a: v})))
    rows.append(Bad("load_full_mnist_arrays: data_dir is None", "data_dir", lambda: md.load_full_mnist_arrays(None, **good)))
    for what, value in [("None", None), ("a short string", "abc"), ("not hex", "z" * 64)]:
        rows.append(Bad(f"fetch_file: expected_sha256 is {what}", "SHA-256" if value is None else "expected_sha256",
                        lambda v=value: md.fetch_file(md.TRAIN_LABELS, "unused-dir", ["http://127.0.0.1:9/"], v)))
    for what, value in [("None", None), ("a path with a slash", "a/b.gz"), ("a number", 3)]:
        rows.append(Bad(f"fetch_file: name is {what}", "name",
                        lambda v=value: md.fetch_file(v, "unused-dir", ["http://127.0.0.1:9/"], "0" * 64)))
    rows.append(Bad("fetch_file: cache_dir is None", "cache_dir",
                    lambda: md.fetch_file(md.TRAIN_LABELS, None, ["http://127.0.0.1:9/"], "0" * 64)))
    return rows


def _net(**kwargs):
    return MultiLayerNet(4, [5], 3, seed=0, **kwargs)


NET_X, NET_T = np.linspace(-1, 1, 8).reshape(2, 4), np.array([0, 2])


def network_table():
    rows = []
    good = dict(input_size=4, hidden_size_list=[5], output_size=3)
    cases = [("input_size", w, v) for w, v in bad_ints(1)]
    cases += [("output_size", w, v) for w, v in bad_ints(2)]
    cases += [("hidden_size_list", "None", None), ("hidden_size_list", "a number", 5),
              ("hidden_size_list", "a string", "100"), ("hidden_size_list", "a dict", {"a": 1})]
    cases += [("hidden_size_list[1]", f"an entry {w}", [5, v]) for w, v in bad_ints(1)]
    cases += [("weight_decay_lambda", w, v) for w, v in bad_numbers(extra=[("negative", -1e-3)])]
    cases += [("activation", w, v) for w, v in [("an unknown name", "swish"), ("None", None), ("a number", 3)]]
    cases += [("weight_init_std", w, v) for w, v in [("an unknown name", "kaiming"), ("None", None), ("NaN", float("nan")),
                                                     ("negative", -0.1), ("a bool", True), ("a list", [0.1])]]
    cases += [("use_dropout", "a string", "yes"), ("use_batchnorm", "a string", "no"), ("use_dropout", "None", None)]
    cases += [("dropout_ratio", w, v) for w, v in bad_numbers(low=0, high=1, extra=[("1", 1.0)])]
    cases += [("seed", w, v) for w, v in [("a string", "seed"), ("negative", -1), ("a float", 1.5), ("a bool", True)]]
    cases += [("dtype", w, v) for w, v in [("float16", np.float16), ("int32", np.int32), ("a made-up name", "floaty"),
                                           ("None", None)]]
    for arg, what, value in cases:
        key = arg.split("[")[0]
        kwargs = {**good, key: value}
        rows.append(Bad(f"MultiLayerNet: {arg} is {what}", arg, lambda k=kwargs: MultiLayerNet(**k)))
    x, t = NET_X, NET_T
    for method in ("predict", "hidden_activations"):
        for what, value in bad_arrays((2, 4), inf=True, zero_d=True):
            rows.append(Bad(f"MultiLayerNet.{method}: x is {what}", "x",
                            lambda m=method, v=value: getattr(_net(), m)(v)))
        rows.append(Bad(f"MultiLayerNet.{method}: x has 5 features", "x",
                        lambda m=method: getattr(_net(), m)(np.ones((2, 5)))))
    rows.append(Bad("MultiLayerNet.predict: train_flg is a string", "train_flg", lambda: _net().predict(x, "yes")))
    rows.append(Bad("MultiLayerNet.loss: train_flg is None", "train_flg", lambda: _net().loss(x, t, None)))
    for method in ("loss", "accuracy", "gradient", "numerical_gradient"):
        for what, value in bad_arrays((2, 4), inf=True):
            rows.append(Bad(f"MultiLayerNet.{method}: x is {what}", "x",
                            lambda m=method, v=value: getattr(_net(), m)(v, t)))
        for what, value in bad_labels(2, 3):
            rows.append(Bad(f"MultiLayerNet.{method}: t is {what}", "t",
                            lambda m=method, v=value: getattr(_net(), m)(x, v)))
    for what, value in bad_ints(1):
        rows.append(Bad(f"MultiLayerNet.accuracy: batch_size is {what}", "batch_size",
                        lambda v=value: _net().accuracy(x, t, batch_size=v)))
    rows.append(Bad("MultiLayerNet.gradient: copy is a string", "copy", lambda: _net().gradient(x, t, copy="no")))
    for what, value in bad_numbers(extra=[("0", 0.0), ("negative", -1e-5)])[1:]:  # None: the default step
        rows.append(Bad(f"MultiLayerNet.numerical_gradient: h is {what}", "h",
                        lambda v=value: _net(dtype=np.float64).numerical_gradient(x, t, h=v)))
    rows.append(Bad("MultiLayerNet.backward before a forward pass", "backward", lambda: _net().backward()))
    rows.append(Bad("MultiLayerNet.backward: copy is a string", "copy",
                    lambda: (lambda n: (n.loss(x, t, True), n.backward("no")))(_net())))
    rows.append(Bad("MultiLayerNet.freeze_dropout_masks: frozen is a string", "frozen",
                    lambda: _net().freeze_dropout_masks("yes")))
    W1 = np.zeros((4, 5))
    for what, value, arg in [("None", None, "params"), ("a list", [W1], "params"),
                             ("an unknown name", {"W9": W1}, "params"),
                             ("a transposed W1", {"W1": W1.T}, "params['W1']"),
                             ("a broadcasting b1", {"b1": np.zeros(1)}, "params['b1']"),
                             ("W1 holding NaN", {"W1": np.full((4, 5), np.nan)}, "params['W1']"),
                             ("W1 as a string", {"W1": "zeros"}, "params['W1']"),
                             ("W1 as a complex array", {"W1": W1.astype(complex)}, "params['W1']"),
                             ("W1 as float16", {"W1": W1.astype(np.float16)}, "params['W1']")]:
        rows.append(Bad(f"MultiLayerNet.set_params: {what}", arg, lambda v=value: _net().set_params(v)))

    def bad_state(change, bn=True):
        net = _net(use_batchnorm=bn)
        net.gradient(x, t)
        state = net.get_state()
        change(state)
        net.set_state(state)
    state_cases = [
        ("None", "state", lambda s: s.clear()),
        ("without running_stats", "state", lambda s: s.pop("running_stats")),
        ("params as a list", "state['params']", lambda s: s.update(params=[1])),
        ("lacking W2", "state['params']", lambda s: s["params"].pop("W2")),
        ("a transposed W1", "params['W1']", lambda s: s["params"].update(W1=s["params"]["W1"].T.copy())),
        ("running_stats of an unknown layer", "state['running_stats']",
         lambda s: s["running_stats"].update(BatchNorm7=(np.zeros(5), np.ones(5)))),
        ("running_stats as a list", "state['running_stats']", lambda s: s.update(running_stats=[1])),
        ("running mean of another length", "state['running_stats']['BatchNorm1'][0]",
         lambda s: s["running_stats"].update(BatchNorm1=(np.zeros(4), np.ones(5)))),
        ("negative running variance", "state['running_stats']['BatchNorm1'][1]",
         lambda s: s["running_stats"].update(BatchNorm1=(np.zeros(5), -np.ones(5)))),
        ("a running stat that is not a pair", "state['running_stats']['BatchNorm1']",
         lambda s: s["running_stats"].update(BatchNorm1=np.zeros(5))),
        ("only a running mean", "state['running_stats']['BatchNorm1']",
         lambda s: s["running_stats"].update(BatchNorm1=(np.zeros(5), None))),
    ]
    for what, arg, change in state_cases:
        rows.append(Bad(f"MultiLayerNet.set_state: {what}", arg, lambda c=change: bad_state(c)))
    rows.append(Bad("MultiLayerNet.set_state: a string", "state", lambda: _net().set_state("best")))
    return rows


TR_X = np.random.default_rng(0).standard_normal((20, 4))
TR_T = np.arange(20) % 3


def _trainer(**kwargs):
    options = dict(epochs=1, mini_batch_size=5, verbose=False, progress=False, seed=0)
    options.update(kwargs)
    data = {k: options.pop(k) for k in ("x_train", "t_train") if k in options}
    return Trainer(options.pop("network", None) or _net(), data.get("x_train", TR_X), data.get("t_train", TR_T),
                   **options)


def trainer_table():
    rows = []
    for what, value in [("None", None), ("a string", "net"), ("an object without gradient", object())]:
        rows.append(Bad(f"Trainer: network is {what}", "network",
                        lambda v=value: Trainer(v, TR_X, TR_T, progress=False)))
    rows.append(Bad("Trainer: a 4th positional argument", "x_val", lambda: Trainer(_net(), TR_X, TR_T, TR_X, TR_T)))
    for role in ("train", "val", "test"):
        x_name, t_name = f"x_{role}", f"t_{role}"
        for what, value in bad_arrays((20, 4), inf=True, empty=True) + [("1-D", np.ones(20)),
                                                                        ("of 5 features", np.ones((20, 5)))]:
            if value is None and role == "train":
                continue
            rows.append(Bad(f"Trainer: {x_name} is {what}", x_name if value is not None else t_name,
                            lambda x=x_name, t=t_name, v=value: _trainer(**{x: v, t: TR_T})))
        for what, value in bad_labels(20, 3):
            if value is None and role == "train":
                continue
            rows.append(Bad(f"Trainer: {t_name} is {what}", t_name if value is not None else x_name,
                            lambda x=x_name, t=t_name, v=value: _trainer(**{x: TR_X, t: v})))
    for arg, minimum in (("epochs", 0), ("mini_batch_size", 1)):
        for what, value in bad_ints(minimum):
            rows.append(Bad(f"Trainer: {arg} is {what}", arg, lambda a=arg, v=value: _trainer(**{a: v})))
    for arg in ("evaluate_sample_num_per_epoch", "max_iterations", "patience", "blas_threads"):
        for what, value in bad_ints(1)[1:]:
            extra = dict(x_val=TR_X, t_val=TR_T) if arg == "patience" else {}
            rows.append(Bad(f"Trainer: {arg} is {what}", arg, lambda a=arg, v=value, e=extra: _trainer(**{a: v}, **e)))
    rows.append(Bad("Trainer: patience without validation data", "x_val", lambda: _trainer(patience=2)))
    for arg in ("verbose", "progress", "record_update_ratios", "raise_on_divergence"):
        for what, value in [("a string", "yes"), ("None", None), ("a number", 2)]:
            rows.append(Bad(f"Trainer: {arg} is {what}", arg, lambda a=arg, v=value: _trainer(**{a: v})))
    for what, value in [("a string", "seed"), ("negative", -1), ("a float", 1.5), ("a bool", True)]:
        rows.append(Bad(f"Trainer: seed is {what}", "seed", lambda v=value: _trainer(seed=v)))
    for what, value, arg in [("an unknown name", "lbfgs", "optimizer"), ("None", None, "optimizer"),
                             ("a number", 0.1, "optimizer")]:
        rows.append(Bad(f"Trainer: optimizer is {what}", arg, lambda v=value: _trainer(optimizer=v)))
    for what, value, arg in [("a number", 0.1, "optimizer_param"), ("a list", [0.1], "optimizer_param"),
                             ("lr 0", {"lr": 0}, "lr"), ("lr NaN", {"lr": float("nan")}, "lr"),
                             ("an unknown setting", {"momentum": 0.9}, "momentum")]:
        rows.append(Bad(f"Trainer: optimizer_param is {what}", arg, lambda v=value: _trainer(optimizer_param=v)))
    for what, value in [("a number", 0.1), ("a string", "step")]:
        rows.append(Bad(f"Trainer: lr_schedule is {what}", "lr_schedule", lambda v=value: _trainer(lr_schedule=v)))
    for what, value in [("NaN", float("nan")), ("0", 0.0), ("None", None), ("a string", "0.1")]:
        rows.append(Bad(f"Trainer.train: lr_schedule returns {what}", "lr_schedule",
                        lambda v=value: _trainer(lr_schedule=lambda e: v).train()))
    for what, value in bad_ints(0)[1:]:
        rows.append(Bad(f"Trainer.train: epochs is {what}", "epochs", lambda v=value: _trainer().train(v)))
    for what, value in bad_arrays((5, 4), inf=True, empty=True) + [("of 5 features", np.ones((5, 5)))]:
        rows.append(Bad(f"Trainer.train_step: x_batch is {what}", "x_batch" if value is not None else "t_batch",
                        lambda v=value: _trainer().train_step(v, TR_T[:5])))
    for what, value in bad_labels(5, 3):
        rows.append(Bad(f"Trainer.train_step: t_batch is {what}", "t_batch" if value is not None else "x_batch",
                        lambda v=value: _trainer().train_step(TR_X[:5], v)))

    def after_divergence(method):
        trainer = _trainer(optimizer_param={"lr": 1e6}, epochs=3)
        trainer.train()
        assert trainer.diverged
        return trainer.train() if method == "train" else trainer.train_step(TR_X[:5], TR_T[:5])

    def after_early_stop(method):
        trainer = _trainer(x_val=TR_X, t_val=TR_T[::-1].copy(), patience=1, epochs=30,
                           optimizer_param={"lr": 1e-9})
        trainer.train()
        assert trainer.stop_reason
        return trainer.train() if method == "train" else trainer.train_step(TR_X[:5], TR_T[:5])
    for method in ("train", "train_step"):
        rows.append(Bad(f"Trainer.{method} after a divergence", method, lambda m=method: after_divergence(m)))
        rows.append(Bad(f"Trainer.{method} after an early stop", method, lambda m=method: after_early_stop(m)))
    return rows


def early_stopping_table():
    rows = []
    for what, value in bad_ints(1):
        rows.append(Bad(f"EarlyStopping: patience is {what}", "patience", lambda v=value: EarlyStopping(v)))
        rows.append(Bad(f"early_stop_epoch: patience is {what}", "patience",
                        lambda v=value: early_stop_epoch([0.1, 0.2], v)))
    for what, value in bad_numbers():
        rows.append(Bad(f"EarlyStopping.update: score is {what}", "score",
                        lambda v=value: EarlyStopping(2).update(0, v)))
    for what, value in bad_ints(0):
        rows.append(Bad(f"EarlyStopping.update: epoch is {what}", "epoch",
                        lambda v=value: EarlyStopping(2).update(v, 0.5)))

    def repeated(epochs):
        rule = EarlyStopping(3)
        for e in epochs:
            rule.update(e, 0.5)
    rows.append(Bad("EarlyStopping.update: an epoch twice", "epoch", lambda: repeated([0, 1, 1])))
    rows.append(Bad("EarlyStopping.update: epochs going back", "epoch", lambda: repeated([0, 2, 1])))
    for what, value in bad_arrays((4,), inf=True, empty=True) + [("2-D", np.ones((2, 2)))]:
        rows.append(Bad(f"early_stop_epoch: scores is {what}", "scores", lambda v=value: early_stop_epoch(v, 2)))
    return rows


def concepts_table():
    """initializers and the activation registry."""
    rows = []
    for what, value in [("an unknown name", "kaiming"), ("None", None), ("NaN", float("nan")), ("inf", float("inf")),
                        ("negative", -0.1), ("a bool", True), ("a list", [0.1]), ("a complex number", 1j)]:
        rows.append(Bad(f"init_std: scheme is {what}", "weight_init_std", lambda v=value: I.init_std(v, 10)))
    for fn in (I.init_std, I.init_weights):
        call = (lambda fn, a, b: fn("he", a, b)) if fn is I.init_std else \
            (lambda fn, a, b: fn("he", a, b, np.random.default_rng(0)))
        for what, value in bad_ints(1):
            if fn is I.init_std or value is not None:
                rows.append(Bad(f"{fn.__name__}: fan_in is {what}", "fan_in", lambda f=fn, c=call, v=value: c(f, v, 5)))
            if value is not None:
                rows.append(Bad(f"{fn.__name__}: fan_out is {what}", "fan_out", lambda f=fn, c=call, v=value: c(f, 5, v)))
    for what, value in bad_ints(1):
        rows.append(Bad(f"he_std: fan_in is {what}", "fan_in", lambda v=value: I.he_std(v)))
    for what, value in bad_numbers():
        rows.append(Bad(f"he_std: negative_slope is {what}", "negative_slope", lambda v=value: I.he_std(10, v)))
    for what, value in [("None", None), ("a seed", 0), ("the np.random module", np.random)]:
        rows.append(Bad(f"init_weights: rng is {what}", "rng", lambda v=value: I.init_weights("he", 3, 4, v)))
    for what, value in [("int32", np.int32), ("float16", np.float16), ("a made-up name", "floaty")]:
        rows.append(Bad(f"init_weights: dtype is {what}", "dtype",
                        lambda v=value: I.init_weights("he", 3, 4, np.random.default_rng(0), v)))
    for what, value in [("an unknown name", "swish"), ("None", None), ("a number", 3), ("a layer class", L.ReLU)]:
        rows.append(Bad(f"get_activation: name is {what}", "activation", lambda v=value: A.get_activation(v)))
        rows.append(Bad(f"make_activation: name is {what}", "activation", lambda v=value: A.make_activation(v)))
    for fn in (A.tanh_grad, A.relu_grad, A.leaky_relu_grad, A.elu_grad):
        for what, value in bad_arrays():
            rows.append(Bad(f"{fn.__name__}: x is {what}", "x", lambda fn=fn, v=value: fn(v)))
    for what, value in bad_numbers(low=0, high=1, extra=[("1", 1.0)]):
        rows.append(Bad(f"leaky_relu_grad: alpha is {what}", "alpha", lambda v=value: A.leaky_relu_grad(_arr(2, 3), v)))
    for what, value in bad_numbers(extra=[("0", 0.0)]):
        rows.append(Bad(f"elu_grad: alpha is {what}", "alpha", lambda v=value: A.elu_grad(_arr(2, 3), v)))
    return rows


def gradcheck_table():
    rows = []
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    square = lambda z: float(np.sum(z ** 2))  # noqa: E731
    for what, value in bad_numbers(extra=[("0", 0.0), ("negative", -1e-5)]):
        rows.append(Bad(f"numerical_gradient: h is {what}", "h", lambda v=value: G.numerical_gradient(square, x.copy(), v)))
    for what, value in [("None", None), ("a list", x.tolist()), ("an int array", np.ones((2, 3), int)),
                        ("a float16 array", x.astype(np.float16)), ("a bool array", x > 0)]:
        rows.append(Bad(f"numerical_gradient: x is {what}", "x", lambda v=value: G.numerical_gradient(square, v)))
    for what, value in [("None", None), ("a number", 3.0), ("a string", "loss")]:
        rows.append(Bad(f"numerical_gradient: f is {what}", "f", lambda v=value: G.numerical_gradient(v, x.copy())))
    for what, f in [("an array", lambda z: z), ("a string", lambda z: "loss"), ("None", lambda z: None)]:
        rows.append(Bad(f"numerical_gradient: f returns {what}", "f", lambda f=f: G.numerical_gradient(f, x.copy())))
    for arg in ("a", "b"):
        for what, value in bad_arrays()[:7]:
            rows.append(Bad(f"rel_error: {arg} is {what}", arg,
                            lambda a=arg, v=value: G.rel_error(**{"a": x, "b": x, a: v})))
    rows.append(Bad("rel_error: shapes differ", "a", lambda: G.rel_error(np.zeros(2), np.zeros(3))))
    good = {"W": np.ones((2, 3))}
    for arg in ("analytic", "numeric"):
        for what, value in [("None", None), ("a list", [np.ones((2, 3))]), ("an array", np.ones((2, 3)))]:
            rows.append(Bad(f"compare_gradients: {arg} is {what}", arg,
                            lambda a=arg, v=value: G.compare_gradients(**{"analytic": good, "numeric": good, a: v})))
        rows.append(Bad(f"compare_gradients: {arg}['W'] is a string", f"{arg}['W']",
                        lambda a=arg: G.compare_gradients(**{"analytic": good, "numeric": good, a: {"W": "abc"}})))
    rows.append(Bad("compare_gradients: names differ", "analytic", lambda: G.compare_gradients(good, {"b": np.ones(3)})))
    rows.append(Bad("compare_gradients: shapes differ", "analytic['W']",
                    lambda: G.compare_gradients(good, {"W": np.ones((3, 2))})))
    for what, value in bad_numbers(extra=[("0", 0.0), ("negative", -1e-7)]):
        rows.append(Bad(f"compare_gradients: threshold is {what}", "threshold",
                        lambda v=value: G.compare_gradients(good, good, v)))
    for what, value in bad_numbers(extra=[("negative", -1e-7)]):
        rows.append(Bad(f"compare_gradients: atol is {what}", "atol", lambda v=value: G.compare_gradients(good, good, atol=v)))
    layer = lambda: L.Affine(np.ones((3, 4)), np.zeros(4))  # noqa: E731
    dout = np.ones((2, 4))
    for what, value in [("None", None), ("an object", object()), ("a function", np.tanh)]:
        rows.append(Bad(f"check_layer_gradients: layer is {what}", "layer",
                        lambda v=value: G.check_layer_gradients(v, x, dout)))
    for arg in ("x", "dout"):
        for what, value in [("None", None), ("a list", [[1.0]]), ("an int array", np.ones((2, 3), int)),
                            ("a float16 array", np.ones((2, 3), np.float16)), ("holding NaN", np.full((2, 3), np.nan))]:
            if arg == "dout" and isinstance(value, np.ndarray):
                value = np.resize(np.asarray(value), (2, 4)).astype(np.asarray(value).dtype)
            rows.append(Bad(f"check_layer_gradients: {arg} is {what}", arg,
                            lambda a=arg, v=value: G.check_layer_gradients(layer(), **{"x": x, "dout": dout, a: v})))
    rows.append(Bad("check_layer_gradients: dout of the wrong shape", "dout",
                    lambda: G.check_layer_gradients(layer(), x, np.ones((1, 4)))))
    for what, value in bad_numbers(extra=[("0", 0.0), ("negative", -1e-5)])[1:]:
        rows.append(Bad(f"check_layer_gradients: h is {what}", "h",
                        lambda v=value: G.check_layer_gradients(layer(), x, dout, h=v)))
        rows.append(Bad(f"check_network_gradients: h is {what}", "h",
                        lambda v=value: G.check_network_gradients(_net(dtype=np.float64), NET_X, NET_T, h=v)))
    for what, value in [("None", None), ("an object", object()), ("a layer", L.ReLU())]:
        rows.append(Bad(f"check_network_gradients: network is {what}", "network",
                        lambda v=value: G.check_network_gradients(v, NET_X, NET_T)))
    rows.append(Bad("check_network_gradients: t of the wrong length", "t",
                    lambda: G.check_network_gradients(_net(dtype=np.float64), NET_X, NET_T[:1])))
    for what, value in bad_numbers(extra=[("0", 0.0)]):
        rows.append(Bad(f"check_network_gradients: threshold is {what}", "threshold",
                        lambda v=value: G.check_network_gradients(_net(dtype=np.float64), NET_X, NET_T, threshold=v)))
    return rows


def _trial(params, seed, **kwargs):
    return params.get("lr", 0.5)


def _trial_returning(value):
    return lambda params, seed, **kwargs: value


def search_table():
    rows = []
    rng = np.random.default_rng(0)
    for cls in (SP.LogUniform, SP.Uniform):
        for what, (lo, hi), arg in [("low NaN", (float("nan"), 1.0), "low"), ("high inf", (0.1, float("inf")), "high"),
                                    ("low a string", ("0.1", 1.0), "low"), ("high None", (0.1, None), "high"),
                                    ("low > high", (1.0, 0.1), "low"), ("low a bool", (True, 2.0), "low")]:
            rows.append(Bad(f"{cls.__name__}: {what}", arg, lambda c=cls, lo=lo, hi=hi: c(lo, hi)))
    rows.append(Bad("LogUniform: low 0", "low", lambda: SP.LogUniform(0, 1)))
    rows.append(Bad("LogUniform: negative range", "low", lambda: SP.LogUniform(-2, -1)))
    for what, (lo, hi), arg in [("low a float", (1.5, 3), "low"), ("high None", (1, None), "high"),
                                ("low > high", (5, 1), "low"), ("low a bool", (True, 3), "low")]:
        rows.append(Bad(f"IntUniform: {what}", arg, lambda lo=lo, hi=hi: SP.IntUniform(lo, hi)))
    for what, value in [("a string", "he"), ("None", None), ("empty", []), ("a number", 3)]:
        rows.append(Bad(f"Choice: values is {what}", "values", lambda v=value: SP.Choice(v)))
    spaces = [("not a dict", [("lr", (0.1, 1))], "space"), ("empty", {}, "space"),
              ("a range of 3 numbers", {"lr": (0.1, 0.5, 1)}, "lr"), ("a string range", {"lr": "0.1-1"}, "lr"),
              ("a log range through 0", {"lr": (0, 1)}, "low"), ("an inverted range", {"lr": (1, 0.1)}, "low")]
    for what, value, arg in spaces:
        rows.append(Bad(f"sample_space: space is {what}", arg, lambda v=value: SP.sample_space(rng, v)))
        fn_arg = "ranges" if arg == "space" else arg
        rows.append(Bad(f"random_search: ranges is {what}", fn_arg,
                        lambda v=value: S.random_search(_trial, v, 2, executor="serial", progress=False)))
        rows.append(Bad(f"successive_halving: ranges is {what}", fn_arg,
                        lambda v=value: S.successive_halving(_trial, v, 3, executor="serial", progress=False)))
    for what, value in [("a string", "seed"), ("negative", -1), ("a float", 0.5), ("a list", [1])]:
        rows.append(Bad(f"sample_space: rng is {what}", "rng", lambda v=value: SP.sample_space(v, {"lr": (0.1, 1)})))
        rows.append(Bad(f"sample_log_uniform: rng is {what}", "rng",
                        lambda v=value: SP.sample_log_uniform(v, {"lr": (0.1, 1)})))
    rows.append(Bad("sample_log_uniform: a Uniform range", "sample_log_uniform",
                    lambda: SP.sample_log_uniform(rng, {"p": SP.Uniform(0, 1)})))
    for what, (lo, hi, n), arg in [("low 0", (0, 1, 3), "low"), ("n 0", (0.1, 1, 0), "n"), ("n a float", (0.1, 1, 2.5), "n"),
                                   ("high NaN", (0.1, float("nan"), 3), "high")]:
        rows.append(Bad(f"log_grid: {what}", arg, lambda lo=lo, hi=hi, n=n: SP.log_grid(lo, hi, n)))
    ranges = {"lr": (1e-3, 1e-1)}
    run = dict(executor="serial", progress=False)
    searches = {
        "random_search": lambda **kw: S.random_search(**{"fn": _trial, "ranges": ranges, "n_trials": 2, **run, **kw}),
        "grid_search": lambda **kw: S.grid_search(**{"fn": _trial, "grid": {"lr": [0.1, 0.2]}, **run, **kw}),
        "coarse_to_fine": lambda **kw: S.coarse_to_fine(**{"fn": _trial, "ranges": ranges, "n_trials": (3, 2), **run, **kw}),
        "successive_halving": lambda **kw: S.successive_halving(**{"fn": _trial, "ranges": ranges, "n_trials": 3, **run, **kw}),
        "halving_vs_random": lambda **kw: S.halving_vs_random(**{"fn": _trial, "ranges": ranges, "n_trials": 3, **run, **kw}),
        "run_trials": lambda **kw: S.run_trials(**{"fn": _trial, "params_list": [{"lr": 0.1}], **run, **kw}),
    }
    for name, search in searches.items():
        for what, value in [("None", None), ("a number", 3), ("a string", "trial")]:
            rows.append(Bad(f"{name}: fn is {what}", "fn", lambda s=search, v=value: s(fn=v)))
        for what, value in [("None", None), ("a string", "score"), ("inf", float("inf")), ("NaN", float("nan")),
                            ("a dict without 'score'", {"acc": 0.5}), ("a list", [0.5]), ("a bool", True)]:
            rows.append(Bad(f"{name}: the trial returns {what}", "trial", lambda s=search, v=value: s(fn=_trial_returning(v))))
        for what, value in [("'best'", "best"), ("None", None), ("'MAX'", "MAX")]:
            rows.append(Bad(f"{name}: mode is {what}", "mode", lambda s=search, v=value: s(mode=v)))
        if name in ("coarse_to_fine", "successive_halving", "halving_vs_random"):
            continue
        for what, value in bad_ints(0)[1:]:
            rows.append(Bad(f"{name}: seed is {what}", "seed", lambda s=search, v=value: s(seed=v)))
        for what, value in [("a string", "max"), ("a number", 3)]:
            rows.append(Bad(f"{name}: score is {what}", "score", lambda s=search, v=value: s(score=v)))
        rows.append(Bad(f"{name}: executor is a string", "executor", lambda s=search: s(executor="threads")))
        rows.append(Bad(f"{name}: trial_kwargs is a list", "trial_kwargs", lambda s=search: s(trial_kwargs=["epochs"])))
    for what, value in bad_ints(1):
        rows.append(Bad(f"random_search: n_trials is {what}", "n_trials", lambda v=value: searches["random_search"](n_trials=v)))
        rows.append(Bad(f"successive_halving: n_trials is {what}", "n_trials",
                        lambda v=value: searches["successive_halving"](n_trials=v)))
        rows.append(Bad(f"halving_schedule: min_epochs is {what}", "min_epochs", lambda v=value: S.halving_schedule(9, v, 9, 3)))
        rows.append(Bad(f"halving_schedule: max_epochs is {what}", "max_epochs", lambda v=value: S.halving_schedule(9, 1, v, 3)))
    for what, value in [("1", 1), ("a float", 2.5), ("None", None), ("a bool", True)]:
        rows.append(Bad(f"halving_schedule: eta is {what}", "eta", lambda v=value: S.halving_schedule(9, 1, 9, v)))
    rows.append(Bad("halving_schedule: max_epochs below min_epochs", "max_epochs", lambda: S.halving_schedule(9, 3, 2, 3)))
    for what, value in [("a number", 3), ("'1epochs'", "1epochs"), ("None", None)]:
        rows.append(Bad(f"successive_halving: budget_name is {what}", "budget_name",
                        lambda v=value: searches["successive_halving"](budget_name=v)))
    for what, value in [("overlapping the ranges", {"lr": 0.1}), ("a list", ["lr"])]:
        rows.append(Bad(f"random_search: fixed is {what}", "fixed", lambda v=value: searches["random_search"](fixed=v)))
    for what, value, arg in [("not a dict", [0.1], "grid"), ("empty", {}, "grid"), ("a value not in a list", {"lr": 0.1}, "grid['lr']"),
                             ("an empty list", {"lr": []}, "grid['lr']"), ("NaN in a list", {"lr": [float("nan")]}, "grid['lr']")]:
        rows.append(Bad(f"grid_search: grid is {what}", arg, lambda v=value: searches["grid_search"](grid=v)))
    for what, value, arg in [("an int", 5, "n_trials"), ("empty", (), "n_trials"), ("holding 0", (3, 0), "n_trials[...]"),
                             ("holding a float", (3, 1.5), "n_trials[...]")]:
        rows.append(Bad(f"coarse_to_fine: n_trials is {what}", arg, lambda v=value: searches["coarse_to_fine"](n_trials=v)))
    for arg, values in (("top_k", bad_ints(1)), ("margin", bad_numbers(extra=[("negative", -0.1)])),
                        ("move", bad_numbers(extra=[("negative", -0.1)]))):
        for what, value in values:
            rows.append(Bad(f"coarse_to_fine: {arg} is {what}", arg, lambda a=arg, v=value: searches["coarse_to_fine"](**{a: v})))
    for what, value, arg in [("an empty list", [], "params_list"), ("a dict", {"lr": 0.1}, "params_list"),
                             ("a list of numbers", [0.1], "params_list[0]")]:
        rows.append(Bad(f"run_trials: params_list is {what}", arg, lambda v=value: searches["run_trials"](params_list=v)))
    for what, value in [("too many", [0, 1]), ("negative", [-1]), ("a float", [0.5])]:
        rows.append(Bad(f"run_trials: indices is {what}", "indices", lambda v=value: searches["run_trials"](indices=v)))
    rows.append(Bad("run_trials: callback is a number", "callback", lambda: searches["run_trials"](callback=3)))
    result = S.random_search(_trial, ranges, 4, **run)
    for what, value in [("None", None), ("a dict", {"lr": 0.1})]:
        rows.append(Bad(f"narrow_ranges: result is {what}", "result", lambda v=value: S.narrow_ranges(v)))
        rows.append(Bad(f"edge_report: result is {what}", "result", lambda v=value: S.edge_report(v)))
    for arg, values in (("top_k", bad_ints(1)), ("margin", bad_numbers(extra=[("negative", -0.1)])),
                        ("move", bad_numbers(extra=[("negative", -0.1)]))):
        for what, value in values:
            rows.append(Bad(f"narrow_ranges: {arg} is {what}", arg, lambda a=arg, v=value: S.narrow_ranges(result, **{a: v})))
    rows.append(Bad("narrow_ranges: names an unsearched name", "names", lambda: S.narrow_ranges(result, names=["wd"])))
    for what, value in bad_numbers(extra=[("negative", -0.1), ("0.5", 0.5)]):
        rows.append(Bad(f"edge_report: fraction is {what}", "fraction", lambda v=value: S.edge_report(result, v)))
    rows.append(Bad("edge_report: a result without ranges", "ranges",
                    lambda: S.edge_report(S.SearchResult(result.trials))))
    for what, value in bad_ints(0):
        rows.append(Bad(f"SearchResult.best: k is {what}", "k", lambda v=value: result.best(v)))
    rows.append(Bad("SearchResult.values: an unknown name", "name", lambda: result.values("wd")))
    rows.append(Bad("SearchResult: mode is 'best'", "mode", lambda: S.SearchResult([], mode="best")))
    rows.append(Bad("SearchResult.best_trial of no trials", "trials", lambda: S.SearchResult([]).best_trial))
    return rows


def parallel_table():
    rows = []
    for what, value in bad_ints(1)[1:]:
        rows.append(Bad(f"blas_thread_limit: n_threads is {what}", "n_threads", lambda v=value: P.blas_thread_limit(v)))
        rows.append(Bad(f"local_executor: max_workers is {what}", "max_workers", lambda v=value: P.local_executor(v)))
    for fn in (P.trial_seed, P.trial_rng):
        for arg, position in (("base_seed", 0), ("index", 1), ("stage", 2)):
            for what, value in bad_ints(0):
                args = [0, 0, 0]
                args[position] = value
                rows.append(Bad(f"{fn.__name__}: {arg} is {what}", arg, lambda f=fn, a=tuple(args): f(*a)))
    for what, value in [("'thread'", "thread"), ("a number", 3)]:
        rows.append(Bad(f"local_executor: start_method is {what}", "start_method",
                        lambda v=value: P.local_executor(1, start_method=v)))
    for what, value in [("'threads'", "threads"), ("a number", 2), ("a class", P.SerialExecutor)]:
        rows.append(Bad(f"resolve_executor: executor is {what}", "executor", lambda v=value: P.resolve_executor(v)))
    for what, value in [("None", None), ("a number", 3)]:
        rows.append(Bad(f"check_sendable: fn is {what}", "fn", lambda v=value: P.check_sendable(v, P.SerialExecutor())))
    return rows


def recipes_table():
    try:
        from dlhelpers import recipes as R
        from dlhelpers.playground_result import PlaygroundResult
    except ImportError:  # the mutation-testing environment has no plotting stack
        return []
    rows = []
    for arg in ("n_train", "n_test"):
        for what, value in bad_ints(1) + [("more than the sample holds", 10 ** 7)]:
            rows.append(Bad(f"mnist_sample: {arg} is {what}", arg, lambda a=arg, v=value: R.mnist_sample(**{a: v})))
    small = dict(n_train=20, n_test=10, epochs=1, mini_batch_size=10, hidden_size_list=(5,))
    cases = [("lr", w, v) for w, v in bad_numbers(extra=[("0", 0.0), ("negative", -0.1)])]
    cases += [("weight_init_std", w, v) for w, v in [("an unknown name", "kaiming"), ("NaN", float("nan")), ("None", None)]]
    cases += [("dropout_ratio", w, v) for w, v in bad_numbers(low=0, high=1, extra=[("1", 1.0)])]
    cases += [("hidden_size_list", w, v) for w, v in [("None", None), ("a number", 50), ("a string", "50")]]
    cases += [("hidden_size_list[0]", w, (v,)) for w, v in bad_ints(1)]
    cases += [("epochs", w, v) for w, v in bad_ints(0)]
    cases += [("mini_batch_size", w, v) for w, v in bad_ints(1)]
    cases += [("optimizer", "an unknown name", "lbfgs"), ("activation", "an unknown name", "swish"),
              ("use_batchnorm", "a string", "yes"), ("optimizer_param", "a string", "momentum"),
              ("momentum", "a setting SGD lacks", {"momentum": 0.9})]
    cases += [("weight_decay_lambda", w, v) for w, v in bad_numbers(extra=[("negative", -1e-3)])]
    cases += [("seed", w, v) for w, v in [("a string", "seed"), ("negative", -1), ("a float", 1.5)]]
    for arg, what, value in cases:
        key = {"hidden_size_list[0]": "hidden_size_list", "momentum": "optimizer_param"}.get(arg, arg)
        rows.append(Bad(f"train_small_net: {arg} is {what}", arg,
                        lambda k=key, v=value: R.train_small_net(**{**small, k: v})))
    for what, value in [("None", None), ("a dict", {"train_loss": [1.0]}), ("a number", 0.5)]:
        rows.append(Bad(f"draw_training_run: run is {what}", "run", lambda v=value: R.draw_training_run(v)))
    for what, kwargs, arg in [("message None", dict(message=None), "message"), ("message a number", dict(message=3), "message"),
                              ("diverged a string", dict(diverged="no"), "diverged"),
                              ("diverged None", dict(diverged=None), "diverged")]:
        rows.append(Bad(f"PlaygroundResult: {what}", arg, lambda k=kwargs: PlaygroundResult(**k)))
        rows.append(Bad(f"TrainingRun: {what}", arg, lambda k=kwargs: R.TrainingRun(**k)))
    return rows


def widgets_table():
    try:
        import ipywidgets
        from dlhelpers import widgets as W
    except ImportError:  # the mutation-testing environment has no widget stack
        return []
    rows = []
    for what, value in bad_numbers(extra=[("0", 0.0), ("negative", -0.1), ("above 10**max_exp", 5.0),
                                          ("below 10**min_exp", 1e-6)]):
        rows.append(Bad(f"learning_rate_slider: value is {what}", "value", lambda v=value: W.learning_rate_slider(v)))
    for arg in ("min_exp", "max_exp"):
        for what, value in bad_numbers():
            rows.append(Bad(f"learning_rate_slider: {arg} is {what}", arg,
                            lambda a=arg, v=value: W.learning_rate_slider(0.01, **{a: v})))
    rows.append(Bad("learning_rate_slider: min_exp above max_exp", "min_exp", lambda: W.learning_rate_slider(0.01, 0, -4)))
    for fn in (W.learning_rate_slider, W.dropout_slider):
        rows.append(Bad(f"{fn.__name__}: description is a number", "description", lambda f=fn: f(0.01, description=3)))
    for what, value in bad_numbers(low=0, high=0.9):
        rows.append(Bad(f"dropout_slider: value is {what}", "value", lambda v=value: W.dropout_slider(v)))
    for what, value in [("an unknown scheme", "kaiming"), ("NaN", float("nan")), ("0", 0.0), ("negative", -0.1),
                        ("None", None), ("above the slider", 100.0), ("a bool", True)]:
        rows.append(Bad(f"InitStdControl: value is {what}", "value", lambda v=value: W.InitStdControl(v)))
    for what, value in [("a string", "he"), ("empty", ()), ("an unknown name", ("he", "kaiming")), ("None", None)]:
        rows.append(Bad(f"InitStdControl: schemes is {what}", "schemes", lambda v=value: W.InitStdControl("he", schemes=v)))
    for what, value in [("NaN", float("nan")), ("0", 0.0), ("above the slider", 1e3)]:
        rows.append(Bad(f"InitStdControl: std is {what}", "std", lambda v=value: W.InitStdControl("he", std=v)))
    rows.append(Bad("InitStdControl: min_exp above max_exp", "min_exp", lambda: W.InitStdControl("he", min_exp=1, max_exp=-4)))
    compute = lambda **values: None  # noqa: E731
    draw = lambda result, values: __import__("matplotlib.pyplot").pyplot.figure()  # noqa: E731
    slider = lambda: W.learning_rate_slider(0.01)  # noqa: E731
    for what, value, arg in [("a list", [slider()], "controls"), ("None", None, "controls"),
                             ("a dict of numbers", {"lr": 0.1}, "controls['lr']")]:
        rows.append(Bad(f"Playground: controls is {what}", arg, lambda v=value: W.Playground(v, compute, draw)))
    for arg in ("compute", "draw"):
        for what, value in [("None", None), ("a string", "plot")]:
            kwargs = {"controls": {"lr": slider()}, "compute": compute, "draw": draw, arg: value}
            rows.append(Bad(f"Playground: {arg} is {what}", arg, lambda k=kwargs: W.Playground(**k)))
    for what, value in bad_ints(1)[1:]:
        rows.append(Bad(f"Playground: columns is {what}", "columns",
                        lambda v=value: W.Playground({"lr": slider()}, compute, draw, columns=v)))
    rows.append(Bad("Playground: title is a number", "title", lambda: W.Playground({"lr": slider()}, compute, draw, title=3)))
    for arg, value in (("extra_controls", ["use_batchnorm"]), ("fixed", "epochs=2")):
        rows.append(Bad(f"TrainingPlayground: {arg} is not a dict", arg, lambda a=arg, v=value: W.TrainingPlayground(**{a: v})))

    def refused_update(control_name, value, extra=None):
        """A Playground whose control is set to a bad value must refuse it before compute runs."""
        seen = []
        controls = {"lr": slider(), "p": ipywidgets.FloatText(value=0.5), "weight_init_std": W.InitStdControl(0.01)}
        controls.update(extra or {})
        playground = W.Playground(controls, lambda **v: seen.append(v), draw)
        calls = len(seen)
        target = controls[control_name]
        (target.std if isinstance(target, W.InitStdControl) else target).value = value
        if len(seen) != calls or playground.error is None:
            return "accepted"
        raise ValueError(playground.error)
    for what, control, value in [("lr NaN", "lr", float("nan")), ("p NaN", "p", float("nan")), ("p inf", "p", float("inf")),
                                 ("weight_init_std NaN", "weight_init_std", float("nan"))]:
        rows.append(Bad(f"Playground update: {what}", control, lambda c=control, v=value: refused_update(c, v), shown=True))
    bounded = {"n": ipywidgets.BoundedFloatText(value=1.0, min=0.0, max=2.0)}
    rows.append(Bad("Playground update: a bounded text box set to NaN", "n",
                    lambda: refused_update("n", float("nan"), bounded), shown=True))
    return rows


#: Every table of the probe; other modules' tables are added here.
TABLES = [functions_table, layers_table, optimizers_table, utils_table, checks_table, download_table,
          network_table, trainer_table, early_stopping_table, concepts_table, gradcheck_table, search_table,
          parallel_table, recipes_table, widgets_table]
ROWS = [row for table in TABLES for row in table()]


# ---------------------------------------------------------------- the probe
def verdict(row):
    """None if ``row`` was refused with a clear message, else what happened instead."""
    try:
        row.call()
    except (ValueError, TypeError) as err:
        frames = traceback.extract_tb(err.__traceback__)
        where = Path(frames[-1].filename).resolve()
        if PACKAGE_DIR not in where.parents and not row.shown:
            return f"{type(err).__name__} raised outside dlhelpers ({where.name}): {err}"
        if not re.search(r"(?<!\w)" + re.escape(row.arg) + r"(?!\w)", str(err)):
            return f"the message does not name {row.arg!r}: {err}"
        return None
    except Exception as err:  # noqa: BLE001 - the probe reports whatever escaped
        return f"{type(err).__name__} instead of ValueError/TypeError: {err}"
    return "accepted without an error"


RESULTS = {}


@pytest.mark.parametrize("row", ROWS, ids=[r.label for r in ROWS])
def test_bad_input_is_refused_with_a_clear_message(row):
    problem = verdict(row)
    RESULTS[row.label] = problem
    assert problem is None, problem


def test_ids_are_unique_and_the_table_is_large():
    labels = [r.label for r in ROWS]
    assert len(set(labels)) == len(labels), [x for x in labels if labels.count(x) > 1]
    assert len(ROWS) >= 300


class _Summary:
    """Writes "N of M bad inputs refused with a clear message" into pytest's terminal summary."""

    def pytest_terminal_summary(self, terminalreporter):
        if RESULTS:
            refused = sum(problem is None for problem in RESULTS.values())
            terminalreporter.write_line(f"{refused} of {len(RESULTS)} bad inputs refused with a clear message")


@pytest.fixture(scope="session", autouse=True)
def _report_refusals(request):
    summary = _Summary()
    if not request.config.pluginmanager.is_registered(summary):
        request.config.pluginmanager.register(summary, "bad-inputs-summary")
    yield
    refused = sum(problem is None for problem in RESULTS.values())
    print(f"\n{refused} of {len(RESULTS)} bad inputs refused with a clear message")
