"""Checkers for notebook 02 (optimizers).

* :func:`check_momentum` - a class ``Momentum(lr, momentum)`` with ``update(params, grads)``;
* :func:`check_adam` - a class ``Adam(lr, beta1, beta2)`` with ``update(params, grads)``.

Each checker runs the reader's optimizer for several steps on a dict of two parameters with
random gradients, next to the reference (:class:`dlhelpers.optimizers.Momentum` and
:class:`dlhelpers.optimizers.Adam`), and compares the whole trajectory.
"""
import numpy as np

from ..optimizers import Adam, Momentum
from .checker import check_function

STEPS = 6


class NotInPlace:
    """Marks a run in which ``update`` replaced the arrays in ``params`` instead of changing them."""

    def __init__(self, key):
        self.key = key

    def __repr__(self):
        return f"new array objects for params[{self.key!r}] (the originals were left unchanged)"


class Raised:
    """Marks a run in which the reader's class raised."""

    def __init__(self, err):
        self.err = err

    def __repr__(self):
        return f"an error: {type(self.err).__name__}: {self.err}"


class Problem:
    """Starting parameters and a sequence of gradients; printed briefly in a checker's report."""

    def __init__(self, params, grads):
        self.params, self.grads = params, grads

    def __repr__(self):
        shapes = ", ".join(f"{k} {v.shape}" for k, v in self.params.items())
        return f"params {{{shapes}}} updated with {len(self.grads)} random gradients"


def _make_problem(rng, trial):
    params = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    grads = [{k: rng.standard_normal(v.shape) for k, v in params.items()} for _ in range(STEPS)]
    return (Problem(params, grads),)


def _run(factory, problem):
    """Trajectory of all parameters, shape (STEPS, n_values); or a marker of what went wrong."""
    params = {k: v.copy() for k, v in problem.params.items()}
    grads = problem.grads
    originals = dict(params)
    rows = []
    try:
        opt = factory()
        for g in grads:
            opt.update(params, {k: v.copy() for k, v in g.items()})
            for key, arr in originals.items():
                if params[key] is not arr:
                    return NotInPlace(key)
            rows.append(np.concatenate([params[k].ravel() for k in sorted(params)]))
    except Exception as err:  # reported as a likely mistake, not as a traceback
        return Raised(err)
    return np.array(rows)


def _close(got, other):
    return (isinstance(got, np.ndarray) and got.shape == other.shape
            and np.allclose(got, other, rtol=1e-6, atol=1e-9))


# --------------------------------------------------------------------------- wrong variants
class _SGD:
    def __init__(self, lr):
        self.lr = lr

    def update(self, params, grads):
        for k, g in grads.items():
            params[k] -= self.lr * g


class _MomentumPlusSign:
    def __init__(self, lr, momentum):
        self.lr, self.momentum, self.v = lr, momentum, {}

    def update(self, params, grads):
        for k, g in grads.items():
            v = self.v.setdefault(k, np.zeros_like(g))
            v *= self.momentum
            v += self.lr * g
            params[k] += v


class _MomentumOldVelocity:
    """Moves W with the velocity of the previous step, then updates v."""

    def __init__(self, lr, momentum):
        self.lr, self.momentum, self.v = lr, momentum, {}

    def update(self, params, grads):
        for k, g in grads.items():
            v = self.v.setdefault(k, np.zeros_like(g))
            params[k] += v
            v *= self.momentum
            v -= self.lr * g


class _AdamNoCorrection(Adam):
    def update(self, params, grads):
        b1, b2 = self.beta1, self.beta2
        for k, g in grads.items():
            m = self.m.setdefault(k, np.zeros_like(g))
            v = self.v.setdefault(k, np.zeros_like(g))
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            params[k] -= self.lr * m / (np.sqrt(v) + self.eps)


class _AdamStepPerKey(Adam):
    """Increments the step counter once per parameter instead of once per update."""

    def update(self, params, grads):
        b1, b2 = self.beta1, self.beta2
        for k, g in grads.items():
            self.t += 1
            m = self.m.setdefault(k, np.zeros_like(g))
            v = self.v.setdefault(k, np.zeros_like(g))
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            params[k] -= self.lr * (m / (1 - b1 ** self.t)) / (np.sqrt(v / (1 - b2 ** self.t)) + self.eps)


class _AdamSwappedBetas(Adam):
    def __init__(self, lr, beta1, beta2):
        super().__init__(lr=lr, beta1=beta2, beta2=beta1)


# --------------------------------------------------------------------------- checkers
def check_momentum(cls, lr=0.1, momentum=0.9):
    """Check ``cls(lr=..., momentum=...)``: v <- momentum * v - lr * g; W <- W + v, in place."""
    def reference(problem):
        return _run(lambda: Momentum(lr=lr, momentum=momentum), problem)

    def user(problem):
        return _run(lambda: cls(lr=lr, momentum=momentum), problem)

    def like(variant):
        return lambda got, exp, args: _close(got, _run(variant, args[0]))

    diagnoses = [
        (lambda got, exp, args: isinstance(got, NotInPlace),
         "update replaced params[key] by a new array (params[key] = params[key] + v). A network's "
         "layers hold the original arrays, so change them in place: params[key] += v."),
        (lambda got, exp, args: isinstance(got, Raised) and isinstance(got.err, TypeError),
         "the class must be created as cls(lr=..., momentum=...) and have update(self, params, grads)."),
        (lambda got, exp, args: isinstance(got, Raised),
         "update raised an error; keep one velocity array per key, e.g. in a dict self.v created "
         "with np.zeros_like(params[key]) the first time a key is seen."),
        (like(lambda: _SGD(lr)),
         "the steps are plain SGD steps: the velocity is not remembered between calls. Store v in "
         "self.v (per key) and decay it with momentum on every update."),
        (like(lambda: _MomentumPlusSign(lr, momentum)),
         "the velocity points uphill: it must be v = momentum * v - lr * g (minus the gradient)."),
        (like(lambda: _MomentumOldVelocity(lr, momentum)),
         "W moved with the old velocity: update v first, then W <- W + v."),
    ]
    return check_function(user, reference, _make_problem, name=getattr(cls, "__name__", "Momentum"),
                          diagnoses=diagnoses, n_trials=3,
                          hint="in update: v = self.v.setdefault(key, np.zeros_like(params[key])); "
                               "v *= self.momentum; v -= self.lr * grads[key]; params[key] += v")


def check_adam(cls, lr=0.01, beta1=0.9, beta2=0.999):
    """Check ``cls(lr=..., beta1=..., beta2=...)``: Adam with bias correction, updating in place."""
    def reference(problem):
        return _run(lambda: Adam(lr=lr, beta1=beta1, beta2=beta2), problem)

    def user(problem):
        return _run(lambda: cls(lr=lr, beta1=beta1, beta2=beta2), problem)

    def like(variant):
        return lambda got, exp, args: _close(got, _run(variant, args[0]))

    diagnoses = [
        (lambda got, exp, args: isinstance(got, NotInPlace),
         "update replaced params[key] by a new array. Change it in place (params[key] -= ...), "
         "since a network's layers hold the original arrays."),
        (lambda got, exp, args: isinstance(got, Raised) and isinstance(got.err, TypeError),
         "the class must be created as cls(lr=..., beta1=..., beta2=...) and have update(self, params, grads)."),
        (lambda got, exp, args: isinstance(got, Raised),
         "update raised an error; keep m and v per key (dicts of np.zeros_like arrays) and one step counter t."),
        (lambda got, exp, args: isinstance(got, np.ndarray) and not np.all(np.isfinite(got)),
         "NaN appeared: v must average the squared gradient g * g, which is never negative."),
        (like(lambda: _AdamNoCorrection(lr=lr, beta1=beta1, beta2=beta2)),
         "the bias correction is missing: divide m by (1 - beta1**t) and v by (1 - beta2**t); "
         "without it m and v, which start at 0, are too small in the first steps and the steps come out the wrong size."),
        (like(lambda: _AdamStepPerKey(lr=lr, beta1=beta1, beta2=beta2)),
         "the step counter t goes up once per parameter; it must go up once per call of update."),
        (like(lambda: _AdamSwappedBetas(lr, beta1, beta2)),
         "beta1 and beta2 are swapped: beta1 (0.9) averages the gradient m, beta2 (0.999) averages g * g."),
        (like(lambda: _SGD(lr)), "these are plain SGD steps; m and v are not used."),
    ]
    return check_function(user, reference, _make_problem, name=getattr(cls, "__name__", "Adam"),
                          diagnoses=diagnoses, n_trials=3,
                          hint="t += 1 once per update; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g; "
                               "W -= lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-8)")
