"""Parameter-update rules. Each ``update(params, grads)`` changes the arrays in ``params`` in place.

``params`` and ``grads`` are dicts of same-shaped arrays with the same keys (e.g. a network's
``params`` and the result of its ``gradient``). State (velocities, squared-gradient sums) is kept
per key and created on the first call with the parameters' dtype.

``update`` checks its arguments once per call, in O(number of keys): both must be dicts, every
gradient key must name a parameter, and each gradient must be a float array of exactly its
parameter's shape (NumPy would otherwise broadcast a (1, M) or scalar gradient silently).
Gradient values are not scanned for NaN here: the Trainer sees a NaN loss instead.
"""
import inspect
import math
from collections.abc import Mapping

import numpy as np

from .checks import FLOAT_DTYPES, check_fraction, check_int, check_number, check_range

LR_HINT = "Typical values are 0.1 to 1e-4 (SGD around 0.01-0.1, Adam around 1e-3)."
EPS_HINT = "eps keeps the step finite when a gradient is 0; 1e-8 to 1e-7 is usual."


def check_learning_rate(lr, name="lr"):
    """The learning rate as a positive finite float."""
    label = f"{name} (the learning rate)"
    value = check_number(lr, label, hint=LR_HINT)
    if not value > 0:
        raise ValueError(f"{label} must be a positive number, got {lr!r}. {LR_HINT}")
    return value


def check_update_args(params, grads, owner):
    """``params`` and ``grads`` as an optimizer's ``update`` takes them (see the module docstring).

    ``owner`` names the caller in the messages, e.g. ``"SGD.update"``.
    """
    for arg_name, arg in (("params", params), ("grads", grads)):
        if not isinstance(arg, Mapping):
            raise TypeError(f"{owner}: {arg_name} must be a dict of arrays (name -> ndarray), "
                            f"got {type(arg).__name__}")
    for key, g in grads.items():
        p = params.get(key)
        if p is None:
            raise ValueError(f"{owner}: grads has key {key!r} but params does not; pass the gradients "
                             f"of these parameters only ({sorted(params)})")
        if type(p) is not np.ndarray or p.dtype not in FLOAT_DTYPES:
            raise TypeError(f"{owner}: params[{key!r}] must be a float32/float64 NumPy array (it is "
                            f"updated in place), got {type(p).__name__} {getattr(p, 'dtype', '')}".rstrip())
        if type(g) is not np.ndarray or g.dtype not in FLOAT_DTYPES:
            raise TypeError(f"{owner}: grads[{key!r}] must be a float32/float64 NumPy array, "
                            f"got {type(g).__name__} {getattr(g, 'dtype', '')}".rstrip())
        if g.shape != p.shape:
            raise ValueError(f"{owner}: grads[{key!r}] has shape {g.shape} but params[{key!r}] has shape "
                             f"{p.shape}; they must match exactly (no broadcasting)")


def _state(store, key, like):
    """The state array ``store[key]``, created as zeros shaped like ``like`` on first use.

    (``store.setdefault(key, np.zeros_like(like))`` would allocate a fresh zero array on every
    call, even when the state already exists.)
    """
    arr = store.get(key)
    if arr is None:
        arr = store[key] = np.zeros_like(like)
    elif arr.shape != like.shape:
        raise ValueError(f"update: params[{key!r}] has shape {like.shape} but this optimizer's state for "
                         f"it has shape {arr.shape}; use a new optimizer for a new network")
    return arr


def _check_fraction(name, value):
    return check_fraction(value, name)


def _check_eps(eps):
    return check_range(eps, "eps", 0, 1, low_open=True, hint=EPS_HINT)


class Optimizer:
    """Base class: holds the learning rate (checked to be positive)."""

    def __init__(self, lr):
        self.lr = lr

    @property
    def lr(self):
        return self._lr

    @lr.setter
    def lr(self, value):
        self._lr = check_learning_rate(value)

    def update(self, params, grads):
        """Change the arrays in ``params`` in place, one step against ``grads`` (same keys, shapes)."""
        check_update_args(params, grads, f"{type(self).__name__}.update")
        self._update(params, grads)

    def _update(self, params, grads):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}(lr={self.lr:g})"


class SGD(Optimizer):
    """W <- W - lr * g."""

    def __init__(self, lr=0.01):
        super().__init__(lr)

    def _update(self, params, grads):
        for key, g in grads.items():
            params[key] -= self.lr * g


class Momentum(Optimizer):
    """v <- momentum * v - lr * g;  W <- W + v."""

    def __init__(self, lr=0.01, momentum=0.9):
        super().__init__(lr)
        self.momentum = _check_fraction("momentum", momentum)
        self.v = {}

    def _update(self, params, grads):
        for key, g in grads.items():
            v = _state(self.v, key, params[key])
            v *= self.momentum
            v -= self.lr * g
            params[key] += v


class Nesterov(Optimizer):
    """Nesterov accelerated gradient, in the form that only needs the gradient at the current W.

    v <- momentum * v - lr * g;  W <- W + momentum^2 * v_old - (1 + momentum) * lr * g,
    which equals W + momentum * v_new - lr * g ("look ahead, then correct").
    """

    def __init__(self, lr=0.01, momentum=0.9):
        super().__init__(lr)
        self.momentum = _check_fraction("momentum", momentum)
        self.v = {}

    def _update(self, params, grads):
        m = self.momentum
        for key, g in grads.items():
            v = _state(self.v, key, params[key])
            v *= m
            v -= self.lr * g
            params[key] += m * v - self.lr * g


class AdaGrad(Optimizer):
    """h <- h + g * g;  W <- W - lr * g / (sqrt(h) + eps). The step shrinks as h only grows."""

    def __init__(self, lr=0.01, eps=1e-7):
        super().__init__(lr)
        self.eps = _check_eps(eps)
        self.h = {}

    def _update(self, params, grads):
        for key, g in grads.items():
            h = _state(self.h, key, params[key])
            h += g * g
            params[key] -= self.lr * g / (np.sqrt(h) + self.eps)


class RMSprop(Optimizer):
    """h <- decay * h + (1 - decay) * g * g;  W <- W - lr * g / (sqrt(h) + eps).

    The exponential moving average forgets old gradients, so the step does not vanish as in AdaGrad.
    """

    def __init__(self, lr=0.01, decay_rate=0.99, eps=1e-7):
        super().__init__(lr)
        self.decay_rate = _check_fraction("decay_rate", decay_rate)
        self.eps = _check_eps(eps)
        self.h = {}

    def _update(self, params, grads):
        d = self.decay_rate
        for key, g in grads.items():
            h = _state(self.h, key, params[key])
            h *= d
            h += (1 - d) * g * g
            params[key] -= self.lr * g / (np.sqrt(h) + self.eps)


class Adam(Optimizer):
    """Adam with the textbook bias correction (Kingma and Ba, 2015).

    m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;  m_hat = m / (1 - b1^t);
    v_hat = v / (1 - b2^t);  W <- W - lr * m_hat / (sqrt(v_hat) + eps).
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        self.beta1 = _check_fraction("beta1", beta1)
        self.beta2 = _check_fraction("beta2", beta2)
        self.eps = _check_eps(eps)
        self.t = 0
        self.m = {}
        self.v = {}

    def _update(self, params, grads):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        correct1 = 1 - b1 ** self.t
        correct2 = 1 - b2 ** self.t
        for key, g in grads.items():
            m = _state(self.m, key, params[key])
            v = _state(self.v, key, params[key])
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            denom = np.sqrt(v / correct2)
            denom += self.eps
            params[key] -= (self.lr / correct1) * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019).

    W <- W - lr * weight_decay * W, then the :class:`Adam` step on the loss gradient alone.
    The decay does not pass through m and v, so every weight shrinks by the same factor
    (1 - lr * weight_decay) per step. L2 in the gradient (Adam on g + weight_decay * W) is
    divided by sqrt(v_hat) like the rest of g: weights with large gradients are barely decayed,
    weights with tiny gradients are pulled to 0 at up to lr per step.

    Shown in: notebook 02, section 6b.
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
        super().__init__(lr, beta1, beta2, eps)
        self.weight_decay = check_range(weight_decay, "weight_decay", 0, 1, high_open=True,
                                        hint="lr * weight_decay is the fraction each weight loses per "
                                             "step; 1e-2 to 1e-1 is usual for AdamW.")

    def _update(self, params, grads):
        shrink = self.lr * self.weight_decay
        for key in grads:
            params[key] -= shrink * params[key]      # decoupled: outside m and v
        super()._update(params, grads)


OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
}


def make_optimizer(name, **kwargs):
    """Optimizer by (case-insensitive) name: sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw."""
    if isinstance(name, Optimizer):
        if kwargs:
            raise TypeError(f"make_optimizer got an Optimizer instance and also {sorted(kwargs)}; "
                            "pass either a ready optimizer or a name with its settings")
        return name
    if not isinstance(name, str):
        raise TypeError(f"name must be an optimizer name such as 'adam' or an Optimizer, got {name!r}")
    key = name.lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)}")
    cls = OPTIMIZERS[key]
    accepted = [p for p in inspect.signature(cls).parameters]
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise TypeError(f"{cls.__name__} has no setting {', '.join(map(repr, unknown))}; "
                        f"it takes {accepted}")
    return cls(**kwargs)


class StepDecay:
    """lr(epoch) = initial_lr * gamma ** (epoch // step_size): drop by a factor every few epochs."""

    def __init__(self, initial_lr, step_size=10, gamma=0.5):
        self.initial_lr = check_learning_rate(initial_lr, "initial_lr")
        self.step_size = check_int(step_size, "step_size", 1, hint="It is a number of epochs.")
        self.gamma = check_range(gamma, "gamma", 0, 1, low_open=True, hint="0.5 halves the rate each step.")

    def __call__(self, epoch):
        epoch = check_int(epoch, "epoch", 0)
        return self.initial_lr * self.gamma ** (epoch // self.step_size)


class ExponentialDecay:
    """lr(epoch) = initial_lr * decay_rate ** epoch: a smooth shrink every epoch."""

    def __init__(self, initial_lr, decay_rate=0.95):
        self.initial_lr = check_learning_rate(initial_lr, "initial_lr")
        self.decay_rate = check_range(decay_rate, "decay_rate", 0, 1, low_open=True,
                                      hint="0.95 shrinks the rate by 5 % per epoch.")

    def __call__(self, epoch):
        epoch = check_int(epoch, "epoch", 0)
        return self.initial_lr * self.decay_rate ** epoch


def _check_epochs(total_epochs, warmup_epochs):
    total = check_int(total_epochs, "total_epochs", 1, hint="It is the length of the run in epochs "
                                                            "(or iterations, if you call the schedule per step).")
    warmup = check_int(warmup_epochs, "warmup_epochs", 0, hint="0 switches the warmup off.")
    if warmup >= total:
        raise ValueError(f"warmup_epochs ({warmup}) must be smaller than total_epochs ({total}); "
                         "the warmup is the first part of the run")
    return total, warmup


def _check_epoch_in(epoch, total):
    epoch = check_int(epoch, "epoch", 0)
    if epoch >= total:
        raise ValueError(f"epoch {epoch} is past the schedule's end: it was built for total_epochs={total} "
                         f"(epochs 0 to {total - 1}); build it with the run's real length")
    return epoch


class WarmupCosine:
    """Linear warmup to ``peak_lr``, then a half cosine down to ``final_lr``.

    lr(e) = peak_lr * (e + 1) / (warmup_epochs + 1) for e < warmup_epochs, then, with
    p = (e - warmup_epochs) / (total_epochs - warmup_epochs) in [0, 1),
    lr(e) = final_lr + (peak_lr - final_lr) * (1 + cos(pi * p)) / 2.
    The warmup keeps the first steps small while Adam's moments or the weights' scale settle; the
    cosine spends most of the run near the peak and lands softly. Call it once per epoch (the
    Trainer does) or once per iteration with lengths counted in iterations.

    Shown in: notebook 02, section 8b.
    """

    def __init__(self, peak_lr, total_epochs, warmup_epochs=1, final_lr=0.0):
        self.peak_lr = check_learning_rate(peak_lr, "peak_lr")
        self.total_epochs, self.warmup_epochs = _check_epochs(total_epochs, warmup_epochs)
        self.final_lr = check_range(final_lr, "final_lr", 0, self.peak_lr, high_open=True,
                                    hint="It must lie below peak_lr; 0 or peak_lr / 100 is usual.")

    def __call__(self, epoch):
        epoch = _check_epoch_in(epoch, self.total_epochs)
        if epoch < self.warmup_epochs:
            return self.peak_lr * (epoch + 1) / (self.warmup_epochs + 1)
        p = (epoch - self.warmup_epochs) / (self.total_epochs - self.warmup_epochs)
        return self.final_lr + (self.peak_lr - self.final_lr) * 0.5 * (1.0 + math.cos(math.pi * p))


class OneCycle:
    """The one-cycle policy (Smith, 2018; fastai's ``fit_one_cycle``): up, then far down.

    A half cosine from max_lr / div_factor up to ``max_lr`` over the first ``pct_start`` of the
    run, then a half cosine down to max_lr / final_div over the rest. The high middle explores
    (and regularizes), the long low tail settles. Call it per epoch or per iteration, as
    :class:`WarmupCosine`.

    Shown in: notebook 02, section 8b.
    """

    def __init__(self, max_lr, total_epochs, pct_start=0.3, div_factor=25.0, final_div=1e4):
        self.max_lr = check_learning_rate(max_lr, "max_lr")
        self.total_epochs = check_int(total_epochs, "total_epochs", 2, hint="It is the length of the run.")
        self.pct_start = check_range(pct_start, "pct_start", 0, 1, low_open=True, high_open=True,
                                     hint="It is the share of the run spent rising; 0.25-0.3 is usual.")
        self.div_factor = check_range(div_factor, "div_factor", 1, None, hint="The start is max_lr / div_factor.")
        self.final_div = check_range(final_div, "final_div", 1, None, hint="The end is max_lr / final_div.")
        self.rise = max(1, min(self.total_epochs - 1, round(self.pct_start * self.total_epochs)))

    def __call__(self, epoch):
        epoch = _check_epoch_in(epoch, self.total_epochs)
        low, high, end = self.max_lr / self.div_factor, self.max_lr, self.max_lr / self.final_div
        if epoch < self.rise:
            p = epoch / self.rise
            return high + (low - high) * 0.5 * (1.0 + math.cos(math.pi * p))
        p = (epoch - self.rise) / (self.total_epochs - 1 - self.rise) if self.total_epochs - 1 > self.rise else 1.0
        return end + (high - end) * 0.5 * (1.0 + math.cos(math.pi * p))


#: The schedules by name, for :func:`make_schedule`.
SCHEDULES = {"step": StepDecay, "exponential": ExponentialDecay, "warmup_cosine": WarmupCosine,
             "one_cycle": OneCycle}


def make_schedule(name, *args, **kwargs):
    """A learning-rate schedule by name: 'step', 'exponential', 'warmup_cosine', 'one_cycle'."""
    if not isinstance(name, str) or name.lower() not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; choose one of {sorted(SCHEDULES)}")
    return SCHEDULES[name.lower()](*args, **kwargs)
