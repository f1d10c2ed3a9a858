"""Layers as nodes of a computational graph: one forward/backward pair per concept.

Every layer has ``forward(x, train_flg=False)`` and ``backward(dout)``. ``backward`` returns the
gradient w.r.t. the layer's input, stores the gradients of its parameters in ``self.grads``
(same keys as ``self.params``) and never modifies ``dout`` in place. Parameters are the arrays in
``self.params``; an optimizer that updates those arrays in place updates the layer.

Checks (once per call, O(1) except SoftmaxWithLoss's labels, so a network's training step does
not slow down): ``x`` must be a float32/float64 NumPy array of a shape the layer takes, ``backward``
needs a preceding ``forward`` and a ``dout`` shaped like that forward's output. NaN and inf pass
through unchecked: a diverging network must produce a NaN loss that the Trainer can see.
"""
from math import prod

import numpy as np

from .checks import (FLOAT_DTYPES, check_array, check_bool, check_fraction, check_labels, check_number,
                     check_positive, check_range, check_rng)
from .functions import LEAKY_RELU_SLOPE, _log_softmax


def _check_input(x, owner, name="x", min_ndim=1):
    """O(1) check of a layer's input: a float32/float64 ndarray with at least ``min_ndim`` dims
    and at least one sample.

    ``owner`` is the layer; its class name starts every message.
    """
    if type(x) is not np.ndarray or x.dtype not in FLOAT_DTYPES or x.ndim < min_ndim:
        layer = type(owner).__name__
        if not isinstance(x, np.ndarray):
            raise TypeError(f"{layer}: {name} must be a NumPy float array, got {type(x).__name__}; "
                            f"pass np.asarray({name}, dtype=np.float32)")
        if x.dtype not in FLOAT_DTYPES:
            raise TypeError(f"{layer}: {name} has dtype {x.dtype}; layers compute in float32 or float64. "
                            f"Pass {name}.astype(np.float32).")
        if x.ndim < min_ndim:
            raise ValueError(f"{layer}: {name} has shape {x.shape}; this layer takes at least "
                             f"{min_ndim} dimension(s) (N, ...)")
    if x.ndim and x.shape[0] == 0:
        raise ValueError(f"{type(owner).__name__}: {name} is empty (shape {x.shape}); pass a batch of "
                         "at least one sample")
    return x


def _check_dout(dout, expected_shape, owner):
    """``backward`` after ``forward``, with ``dout`` shaped like the forward output."""
    layer = type(owner).__name__
    if expected_shape is None:
        raise ValueError(f"{layer}.backward was called before forward; run forward on a batch first")
    _check_input(dout, owner, "dout")
    if dout.shape != expected_shape:
        raise ValueError(f"{layer}: dout has shape {dout.shape} but the last forward returned shape "
                         f"{expected_shape}; pass the gradient of that output")
    return dout


def _check_param(value, name, owner, ndim):
    """A parameter array given to a layer's constructor: float32/float64, ``ndim``-D, finite."""
    layer = type(owner).__name__
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{layer}: {name} must be a NumPy float array (an optimizer updates it in "
                        f"place), got {type(value).__name__}; pass np.asarray({name}, dtype=np.float32)")
    if value.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{layer}: {name} has dtype {value.dtype}; parameters must be float32 or float64")
    if value.ndim != ndim or value.size == 0:
        raise ValueError(f"{layer}: {name} must be a non-empty {ndim}-D array, got shape {value.shape}")
    check_array(value, f"{layer}: {name}", allow_inf=False)
    return value


class Layer:
    """Base class: a layer without parameters."""

    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, x, train_flg=False):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def __repr__(self):
        shapes = ", ".join(f"{k}{tuple(v.shape)}" for k, v in self.params.items())
        return f"{type(self).__name__}({shapes})"


class Affine(Layer):
    """Fully connected layer: out = x.reshape(N, -1) @ W + b.

    Parameters
    ----------
    W : ndarray, shape (D, M)
    b : ndarray, shape (M,)
    compute_input_grad : bool
        If False, ``backward`` skips dx = dout @ W.T and returns None. A network's first layer
        sets this: nothing upstream needs dx, and it costs a quarter of the training FLOPs.

    Shapes: x (N, d1, ..., dk) with d1 * ... * dk = D -> out (N, M); dx has x's shape.
    Backward: dx = dout @ W.T, dW = x.T @ dout, db = sum of dout over the batch.
    """

    def __init__(self, W, b, compute_input_grad=True):
        super().__init__()
        _check_param(W, "W", self, 2)
        _check_param(b, "b", self, 1)
        if b.shape != (W.shape[1],) or b.dtype != W.dtype:
            raise ValueError(f"Affine: b has shape {b.shape} and dtype {b.dtype}; it must be "
                             f"({W.shape[1]},) {W.dtype}, one bias per output column of W {W.shape}")
        compute_input_grad = check_bool(compute_input_grad, "compute_input_grad")
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
        self.compute_input_grad = compute_input_grad
        self.x = None
        self.x_shape = None

    @property
    def W(self):
        return self.params["W"]

    @property
    def b(self):
        return self.params["b"]

    @property
    def dW(self):
        return self.grads["W"]

    @property
    def db(self):
        return self.grads["b"]

    def forward(self, x, train_flg=False):
        _check_input(x, self, min_ndim=2)
        W = self.params["W"]
        if x.dtype != W.dtype or prod(x.shape[1:]) != W.shape[0]:
            raise ValueError(f"Affine: x has shape {x.shape} and dtype {x.dtype}; this layer takes "
                             f"(N, {W.shape[0]}) {W.dtype} (W is {W.shape}). Reshape or astype x.")
        self.x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        out = self.x @ self.params["W"]
        out += self.params["b"]
        return out

    def backward(self, dout):
        _check_dout(dout, None if self.x is None else (self.x.shape[0], self.params["W"].shape[1]), self)
        np.matmul(self.x.T, dout, out=self.grads["W"])
        np.sum(dout, axis=0, out=self.grads["b"])
        if not self.compute_input_grad:
            return None
        return (dout @ self.params["W"].T).reshape(self.x_shape)


class ReLU(Layer):
    """out = max(x, 0). Backward passes dout where x > 0 and blocks it elsewhere (the mask)."""

    def __init__(self):
        super().__init__()
        self.mask = None

    def forward(self, x, train_flg=False):
        _check_input(x, self)
        self.mask = x <= 0
        return np.maximum(x, 0)

    def backward(self, dout):
        _check_dout(dout, None if self.mask is None else self.mask.shape, self)
        # same as dx = dout.copy(); dx[self.mask] = 0, but a multiply by the boolean "fired"
        # mask is about 10x faster than boolean-index assignment on a random pattern
        return dout * ~self.mask


class LeakyReLU(Layer):
    """out = x for x > 0, alpha * x otherwise; the small slope keeps 'dead' units trainable."""

    def __init__(self, alpha=LEAKY_RELU_SLOPE):
        super().__init__()
        self.alpha = check_range(alpha, "alpha", 0, 1, high_open=True, hint="A typical slope is 0.01.")
        self.slope = None

    def forward(self, x, train_flg=False):
        _check_input(x, self)
        self.slope = np.where(x > 0, 1, self.alpha).astype(x.dtype)
        return x * self.slope

    def backward(self, dout):
        _check_dout(dout, None if self.slope is None else self.slope.shape, self)
        return dout * self.slope


class Sigmoid(Layer):
    """out = 1 / (1 + exp(-x)) (stable form); backward dx = dout * y * (1 - y)."""

    def __init__(self):
        super().__init__()
        self.out = None

    def forward(self, x, train_flg=False):
        _check_input(x, self)
        self.out = 0.5 * (1.0 + np.tanh(0.5 * x))
        return self.out

    def backward(self, dout):
        _check_dout(dout, None if self.out is None else self.out.shape, self)
        return dout * self.out * (1.0 - self.out)


class Tanh(Layer):
    """out = tanh(x); backward dx = dout * (1 - y^2)."""

    def __init__(self):
        super().__init__()
        self.out = None

    def forward(self, x, train_flg=False):
        _check_input(x, self)
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout):
        _check_dout(dout, None if self.out is None else self.out.shape, self)
        return dout * (1.0 - self.out ** 2)


class ELU(Layer):
    """out = x for x > 0, alpha * (exp(x) - 1) otherwise; backward slope 1 or out + alpha."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = check_positive(alpha, "alpha", hint="The usual value is 1.0.")
        self.out = None

    def forward(self, x, train_flg=False):
        _check_input(x, self)
        self.positive = x > 0
        self.out = np.where(self.positive, x, self.alpha * np.expm1(np.minimum(x, 0)))
        return self.out

    def backward(self, dout):
        _check_dout(dout, None if self.out is None else self.out.shape, self)
        return dout * np.where(self.positive, 1, self.out + self.alpha).astype(dout.dtype)


class Dropout(Layer):
    """Randomly zero units during training.

    Parameters
    ----------
    dropout_ratio : float in [0, 1)
        Probability that a unit is *dropped* (not kept).
    inverted : bool
        True (default): kept units are scaled by 1 / (1 - ratio) during training, so test time is
        the identity. False: the book's form, unscaled in training and multiplied by (1 - ratio)
        at test time. Both give the same expected activation.
    rng : np.random.Generator or int or None
        Source of the masks.

    Setting ``freeze_mask = True`` reuses the last mask while the input shape stays the same,
    which makes the layer deterministic for gradient checks.
    """

    def __init__(self, dropout_ratio=0.5, inverted=True, rng=None):
        super().__init__()
        self.dropout_ratio = check_dropout_ratio(dropout_ratio)
        self.inverted = check_bool(inverted, "inverted")
        self.rng = check_rng(rng)
        self.mask = None
        self.freeze_mask = False

    def forward(self, x, train_flg=False):
        _check_input(x, self)
        keep = 1.0 - self.dropout_ratio
        if not train_flg:
            return x if self.inverted else x * np.asarray(keep, x.dtype)
        if not (self.freeze_mask and self.mask is not None and self.mask.shape == x.shape):
            kept = self.rng.random(x.shape, dtype=np.float32) >= self.dropout_ratio
            scale = 1.0 / keep if self.inverted else 1.0
            self.mask = kept.astype(x.dtype) * np.asarray(scale, x.dtype)
        return x * self.mask

    def backward(self, dout):
        if self.mask is None:
            raise ValueError("Dropout.backward was called before a training-mode forward "
                             "(forward(x, train_flg=True)); nothing was dropped yet")
        _check_dout(dout, self.mask.shape, self)
        return dout * self.mask


def check_dropout_ratio(ratio):
    """``dropout_ratio`` as a float in [0, 1)."""
    return check_fraction(ratio, "dropout_ratio", hint="It is the probability of dropping a unit: "
                          "0 keeps every unit; 0.5 drops half; 1 would drop all.")


def _check_scale_and_shift(gamma, beta, owner):
    """A normalization layer's gamma and beta: 1-D float arrays of one shape and dtype (one per feature)."""
    _check_param(gamma, "gamma", owner, 1)
    _check_param(beta, "beta", owner, 1)
    if beta.shape != gamma.shape or beta.dtype != gamma.dtype:
        raise ValueError(f"{type(owner).__name__}: beta is {beta.shape} {beta.dtype} but gamma is "
                         f"{gamma.shape} {gamma.dtype}; pass one of each per feature, same dtype")


class BatchNormalization(Layer):
    """Normalize each feature over the mini-batch, then scale by gamma and shift by beta.

    Training: mu, var from the batch; xn = (x - mu) / sqrt(var + eps); out = gamma * xn + beta; the
    running averages are updated as running = momentum * running + (1 - momentum) * batch value.
    Test: the running mean and variance are used, so a batch of one sample works.

    Parameters
    ----------
    gamma, beta : ndarray, shape (D,)
        Scale and shift (learned). Start at ones and zeros.
    momentum : float
        Weight of the *old* running value (0.9).
    eps : float
        Added to the variance so a constant feature does not divide by zero.

    Shapes: x (N, D) normalized per feature, or (N, C, H, W) normalized per channel over N, H and W
    (D = C). Output has x's shape.
    """

    def __init__(self, gamma, beta, momentum=0.9, eps=1e-5, running_mean=None, running_var=None):
        super().__init__()
        _check_scale_and_shift(gamma, beta, self)
        momentum = check_fraction(momentum, "momentum", hint="It weights the old running value; 0.9 is usual.")
        eps = check_positive(eps, "eps", hint="It keeps a constant feature from dividing by zero; 1e-5 is usual.")
        for stat_name, stat in (("running_mean", running_mean), ("running_var", running_var)):
            if stat is not None:
                _check_param(stat, stat_name, self, 1)
                if stat.shape != gamma.shape:
                    raise ValueError(f"BatchNormalization: {stat_name} has shape {stat.shape}; "
                                     f"expected {gamma.shape} like gamma")
        if (running_mean is None) != (running_var is None):
            raise ValueError("BatchNormalization: pass both running_mean and running_var, or neither")
        if running_var is not None and running_var.min() < 0:
            raise ValueError("BatchNormalization: running_var holds negative values; variances are >= 0")
        self.params = {"gamma": gamma, "beta": beta}
        self.grads = {"gamma": np.zeros_like(gamma), "beta": np.zeros_like(beta)}
        self.momentum = momentum
        self.eps = eps
        self.running_mean = running_mean
        self.running_var = running_var
        self.xn = None
        self.out_shape = None

    def forward(self, x, train_flg=False):
        _check_input(x, self, min_ndim=2)
        d = self.params["gamma"].shape[0]
        if x.ndim not in (2, 4) or x.shape[1] != d or x.dtype != self.params["gamma"].dtype:
            raise ValueError(f"BatchNormalization takes (N, {d}) or (N, {d}, H, W) "
                             f"{self.params['gamma'].dtype} input, got shape {x.shape} dtype {x.dtype}")
        if train_flg and x.size // d < 2:
            raise ValueError("BatchNormalization in training mode needs at least 2 values per feature "
                             f"(got x of shape {x.shape}): the variance of one sample is 0 and the "
                             "output would be beta. Use a batch of 2 or more, or train_flg=False.")
        self.input_shape = x.shape
        if x.ndim == 4:
            n, c, h, w = x.shape
            x = x.transpose(0, 2, 3, 1).reshape(-1, c)
        out = self._forward_2d(x, train_flg)
        self.out_shape = self.input_shape if train_flg else None
        if len(self.input_shape) == 4:
            n, c, h, w = self.input_shape
            out = out.reshape(n, h, w, c).transpose(0, 3, 1, 2)
        return out

    def _forward_2d(self, x, train_flg):
        gamma, beta = self.params["gamma"], self.params["beta"]
        if self.running_mean is None:
            self.running_mean = np.zeros(x.shape[1], dtype=x.dtype)
            self.running_var = np.ones(x.shape[1], dtype=x.dtype)
        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = np.mean(xc ** 2, axis=0)
            self.inv_std = 1.0 / np.sqrt(var + self.eps)
            self.xn = xc * self.inv_std
            m = self.momentum
            self.running_mean *= m
            self.running_mean += (1 - m) * mu
            self.running_var *= m
            self.running_var += (1 - m) * var
            xn = self.xn
        else:
            xn = (x - self.running_mean) / np.sqrt(self.running_var + self.eps)
        return gamma * xn + beta

    def backward(self, dout):
        if self.out_shape is None:
            raise ValueError("BatchNormalization.backward was called before a training-mode forward "
                             "(forward(x, train_flg=True)); run one on a batch first")
        _check_dout(dout, self.out_shape, self)
        if dout.ndim == 4:
            c = dout.shape[1]
            dout = dout.transpose(0, 2, 3, 1).reshape(-1, c)
        xn = self.xn
        self.grads["beta"][...] = dout.sum(axis=0)
        self.grads["gamma"][...] = np.sum(dout * xn, axis=0)
        dxn = dout * self.params["gamma"]
        # d/dx of (x - mu) / std with mu and std taken over the same batch, in one closed form
        dx = self.inv_std * (dxn - dxn.mean(axis=0) - xn * np.mean(dxn * xn, axis=0))
        if len(self.input_shape) == 4:
            n, c, h, w = self.input_shape
            dx = dx.reshape(n, h, w, c).transpose(0, 3, 1, 2)
        return dx


class SoftmaxWithLoss(Layer):
    """Softmax followed by the cross-entropy loss, as one node.

    Forward takes scores x (N, C) and labels t, either (N,) indices or (N, C) one-hot, and returns
    the mean cross-entropy over the batch, computed from log-softmax so it is finite for any finite
    scores. Backward returns dx = dout * (y - t) / N, where y = softmax(x).
    """

    def __init__(self):
        super().__init__()
        self.y = None

    def forward(self, x, t=None, train_flg=False):
        if t is None:
            raise ValueError("SoftmaxWithLoss.forward needs the labels t as its second argument")
        _check_input(x, self)
        if x.ndim != 2:
            raise ValueError(f"SoftmaxWithLoss: x has shape {x.shape}; pass scores of shape (N, C), "
                             "one row per sample (x.reshape(1, -1) for a single sample)")
        t = check_labels(t, x.shape[0], x.shape[1])
        n = x.shape[0]
        log_y = _log_softmax(x)
        self.y = np.exp(log_y)
        self.t = t
        if t.ndim == 1:
            self.loss = -float(np.sum(log_y[np.arange(n), t])) / n
        else:
            self.loss = -float(np.sum(t * log_y)) / n
        return self.loss

    def backward(self, dout=1.0):
        if self.y is None:
            raise ValueError("SoftmaxWithLoss.backward was called before forward; run forward(x, t) first")
        dout = check_number(dout, "dout", hint="It is the upstream gradient of the loss, usually 1.0.")
        n = self.y.shape[0]
        if self.t.ndim == 1:
            dx = self.y.copy()
            dx[np.arange(n), self.t] -= 1
        else:
            dx = self.y - self.t
        dx *= dout / n
        return dx


class LayerNormalization(Layer):
    """Normalize each sample over its own features, then scale by gamma and shift by beta.

    Per sample (row) i: mu_i, var_i over its D features; xn = (x - mu_i) / sqrt(var_i + eps);
    out = gamma * xn + beta. Unlike :class:`BatchNormalization` nothing depends on the other
    samples of the batch, so training and test mode compute the same thing, a batch of one works
    and there are no running statistics.

    Parameters
    ----------
    gamma, beta : ndarray, shape (D,)
        Scale and shift per feature (learned). Start at ones and zeros.
    eps : float
        Added to each sample's variance so a constant sample does not divide by zero.

    Shapes: x (N, D) with D >= 2; output (N, D).

    Shown in: notebook 04, section 8.
    """

    def __init__(self, gamma, beta, eps=1e-5):
        super().__init__()
        _check_scale_and_shift(gamma, beta, self)
        if gamma.shape[0] < 2:
            raise ValueError("LayerNormalization: gamma has 1 feature; a sample's variance over one "
                             "feature is 0, so normalize at least 2 features")
        self.eps = check_positive(eps, "eps", hint="It keeps a constant sample from dividing by zero; 1e-5 is usual.")
        self.params = {"gamma": gamma, "beta": beta}
        self.grads = {"gamma": np.zeros_like(gamma), "beta": np.zeros_like(beta)}
        self.xn = None
        self.inv_std = None
        self.out_shape = None

    def forward(self, x, train_flg=False):
        _check_input(x, self, min_ndim=2)
        d = self.params["gamma"].shape[0]
        if x.ndim != 2 or x.shape[1] != d or x.dtype != self.params["gamma"].dtype:
            raise ValueError(f"LayerNormalization takes (N, {d}) {self.params['gamma'].dtype} input, "
                             f"got shape {x.shape} dtype {x.dtype}")
        xc = x - x.mean(axis=1, keepdims=True)
        self.inv_std = 1.0 / np.sqrt(np.mean(xc ** 2, axis=1, keepdims=True) + self.eps)
        self.xn = xc * self.inv_std
        self.out_shape = x.shape
        return self.params["gamma"] * self.xn + self.params["beta"]

    def backward(self, dout):
        _check_dout(dout, self.out_shape, self)
        xn = self.xn
        self.grads["beta"][...] = dout.sum(axis=0)
        self.grads["gamma"][...] = np.sum(dout * xn, axis=0)
        dxn = dout * self.params["gamma"]
        # BN's compact formula with the roles of the axes swapped: means over each sample's features
        return self.inv_std * (dxn - dxn.mean(axis=1, keepdims=True)
                               - xn * np.mean(dxn * xn, axis=1, keepdims=True))
