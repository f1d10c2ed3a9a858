"""Layers as nodes of a computational graph: one forward/backward pair per concept.

Every layer has ``forward(x, train_flg=False)`` and ``backward(dout)``. ``backward`` returns the
gradient w.r.t. the layer's input, stores the gradients of its parameters in ``self.grads``
(same keys as ``self.params``) and never modifies ``dout`` in place. Parameters are the arrays in
``self.params``; an optimizer that updates those arrays in place updates the layer.
"""
import numpy as np

from .functions import check_labels, log_softmax


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
        self.x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        out = self.x @ self.params["W"]
        out += self.params["b"]
        return out

    def backward(self, dout):
        np.matmul(self.x.T, dout, out=self.grads["W"])
        np.sum(dout, axis=0, out=self.grads["b"])
        if not self.compute_input_grad:
            return None
        return (dout @ self.params["W"].T).reshape(self.x_shape)


class ReLU(Layer):
    """out = max(x, 0). Backward passes dout where x > 0 and blocks it elsewhere (the mask)."""

    def forward(self, x, train_flg=False):
        self.mask = x <= 0
        return np.maximum(x, 0)

    def backward(self, dout):
        # same as dx = dout.copy(); dx[self.mask] = 0, but a multiply by the boolean "fired"
        # mask is about 10x faster than boolean-index assignment on a random pattern
        return dout * ~self.mask


class LeakyReLU(Layer):
    """out = x for x > 0, alpha * x otherwise; the small slope keeps 'dead' units trainable."""

    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = alpha

    def forward(self, x, train_flg=False):
        self.slope = np.where(x > 0, 1, self.alpha).astype(x.dtype)
        return x * self.slope

    def backward(self, dout):
        return dout * self.slope


class Sigmoid(Layer):
    """out = 1 / (1 + exp(-x)) (stable form); backward dx = dout * y * (1 - y)."""

    def forward(self, x, train_flg=False):
        self.out = 0.5 * (1.0 + np.tanh(0.5 * x))
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)


class Tanh(Layer):
    """out = tanh(x); backward dx = dout * (1 - y^2)."""

    def forward(self, x, train_flg=False):
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out ** 2)


class ELU(Layer):
    """out = x for x > 0, alpha * (exp(x) - 1) otherwise; backward slope 1 or out + alpha."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x, train_flg=False):
        self.positive = x > 0
        self.out = np.where(self.positive, x, self.alpha * np.expm1(np.minimum(x, 0)))
        return self.out

    def backward(self, dout):
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
        check_dropout_ratio(dropout_ratio)
        self.dropout_ratio = float(dropout_ratio)
        self.inverted = inverted
        self.rng = np.random.default_rng(rng)
        self.mask = None
        self.freeze_mask = False

    def forward(self, x, train_flg=False):
        keep = 1.0 - self.dropout_ratio
        if not train_flg:
            return x if self.inverted else x * np.asarray(keep, x.dtype)
        if not (self.freeze_mask and self.mask is not None and self.mask.shape == x.shape):
            kept = self.rng.random(x.shape, dtype=np.float32) >= self.dropout_ratio
            scale = 1.0 / keep if self.inverted else 1.0
            self.mask = kept.astype(x.dtype) * np.asarray(scale, x.dtype)
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


def check_dropout_ratio(ratio):
    if not (isinstance(ratio, (int, float, np.floating)) and 0 <= ratio < 1):
        raise ValueError(f"dropout_ratio must be in [0, 1): the probability of dropping a unit "
                         f"(got {ratio!r}). 0 keeps every unit; 0.5 drops half; 1 would drop all.")


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
        self.params = {"gamma": gamma, "beta": beta}
        self.grads = {"gamma": np.zeros_like(gamma), "beta": np.zeros_like(beta)}
        self.momentum = momentum
        self.eps = eps
        self.running_mean = running_mean
        self.running_var = running_var

    def forward(self, x, train_flg=False):
        self.input_shape = x.shape
        if x.ndim == 4:
            n, c, h, w = x.shape
            x = x.transpose(0, 2, 3, 1).reshape(-1, c)
        elif x.ndim != 2:
            raise ValueError(f"BatchNormalization takes (N, D) or (N, C, H, W) input, got shape {x.shape}")
        out = self._forward_2d(x, train_flg)
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

    def forward(self, x, t=None, train_flg=False):
        if t is None:
            raise ValueError("SoftmaxWithLoss.forward needs the labels t as its second argument")
        t = check_labels(t, x.shape[0], x.shape[1])
        n = x.shape[0]
        log_y = log_softmax(x)
        self.y = np.exp(log_y)
        self.t = t
        if t.ndim == 1:
            self.loss = -float(np.sum(log_y[np.arange(n), t])) / n
        else:
            self.loss = -float(np.sum(t * log_y)) / n
        return self.loss

    def backward(self, dout=1.0):
        n = self.y.shape[0]
        if self.t.ndim == 1:
            dx = self.y.copy()
            dx[np.arange(n), self.t] -= 1
        else:
            dx = self.y - self.t
        dx *= dout / n
        return dx


def make_activation(name):
    """A new activation layer by name: see :data:`dlhelpers.activations.ACTIVATIONS`."""
    from .activations import get_activation  # the registry imports this module's classes
    return get_activation(name).layer()
