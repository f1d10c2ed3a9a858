"""Parameter-update rules. Each ``update(params, grads)`` changes the arrays in ``params`` in place.

``params`` and ``grads`` are dicts of same-shaped arrays with the same keys (e.g. a network's
``params`` and the result of its ``gradient``). State (velocities, squared-gradient sums) is kept
per key and created on the first call with the parameters' dtype.
"""
import numpy as np


def check_learning_rate(lr):
    if not (isinstance(lr, (int, float, np.floating, np.integer)) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"learning rate must be a positive number, got {lr!r}; typical values "
                         "are 0.1 to 1e-4 (SGD around 0.01-0.1, Adam around 1e-3)")
    return float(lr)


def _state(store, key, like):
    """The state array ``store[key]``, created as zeros shaped like ``like`` on first use.

    (``store.setdefault(key, np.zeros_like(like))`` would allocate a fresh zero array on every
    call, even when the state already exists.)
    """
    arr = store.get(key)
    if arr is None:
        arr = store[key] = np.zeros_like(like)
    return arr


def _check_fraction(name, value):
    if not (0 <= value < 1):
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return float(value)


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
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}(lr={self.lr:g})"


class SGD(Optimizer):
    """W <- W - lr * g."""

    def __init__(self, lr=0.01):
        super().__init__(lr)

    def update(self, params, grads):
        for key, g in grads.items():
            params[key] -= self.lr * g


class Momentum(Optimizer):
    """v <- momentum * v - lr * g;  W <- W + v."""

    def __init__(self, lr=0.01, momentum=0.9):
        super().__init__(lr)
        self.momentum = _check_fraction("momentum", momentum)
        self.v = {}

    def update(self, params, grads):
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

    def update(self, params, grads):
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
        self.eps = eps
        self.h = {}

    def update(self, params, grads):
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
        self.eps = eps
        self.h = {}

    def update(self, params, grads):
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
        self.eps = eps
        self.t = 0
        self.m = {}
        self.v = {}

    def update(self, params, grads):
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


OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adam": Adam,
}


def make_optimizer(name, **kwargs):
    """Optimizer by (case-insensitive) name: sgd, momentum, nesterov, adagrad, rmsprop, adam."""
    if isinstance(name, Optimizer):
        return name
    key = str(name).lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)}")
    return OPTIMIZERS[key](**kwargs)


class StepDecay:
    """lr(epoch) = initial_lr * gamma ** (epoch // step_size): drop by a factor every few epochs."""

    def __init__(self, initial_lr, step_size=10, gamma=0.5):
        self.initial_lr = check_learning_rate(initial_lr)
        if step_size < 1:
            raise ValueError(f"step_size must be >= 1 epoch, got {step_size!r}")
        if not 0 < gamma <= 1:
            raise ValueError(f"gamma must be in (0, 1], got {gamma!r}")
        self.step_size, self.gamma = int(step_size), float(gamma)

    def __call__(self, epoch):
        return self.initial_lr * self.gamma ** (epoch // self.step_size)


class ExponentialDecay:
    """lr(epoch) = initial_lr * decay_rate ** epoch: a smooth shrink every epoch."""

    def __init__(self, initial_lr, decay_rate=0.95):
        self.initial_lr = check_learning_rate(initial_lr)
        if not 0 < decay_rate <= 1:
            raise ValueError(f"decay_rate must be in (0, 1], got {decay_rate!r}")
        self.decay_rate = float(decay_rate)

    def __call__(self, epoch):
        return self.initial_lr * self.decay_rate ** epoch
