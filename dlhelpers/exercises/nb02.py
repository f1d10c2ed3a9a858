"""Checkers for notebook 02 (optimizers).

* :func:`check_momentum` - a class ``MyMomentum(lr, momentum)`` with ``update(params, grads)``;
* :func:`check_adam` - a class ``MyAdam(lr, beta1, beta2)`` with ``update(params, grads)``;

* :func:`check_lion` - the open task: a class ``Lion(lr, beta1, beta2)`` written from the update
  rule in the notebook, usable in the optimizer path playground.

Each checker runs the reader's optimizer for several steps on a dict of two parameters with
random gradients, next to the reference in :mod:`dlhelpers.exercises.references`, and compares
the whole trajectory.

The optimizer contract (what the checkers, the training loop and the path playground call): an
optimizer is an object that must conform to the following API:

* ``update(params, grads)``: ``params`` and ``grads`` are dicts with the same keys whose values
  are float arrays of equal shapes (0-d arrays and shape-(1,) arrays included, as the path
  playground uses ``{"x": array([x]), "y": array([y])}``). ``update`` changes every
  ``params[key]`` IN PLACE (``params[key] -= ...``), never rebinding it, and returns nothing;
* state (velocities, moments) is kept per key and created on the first call with
  ``np.zeros_like(params[key])``, so one object serves parameters of any shapes and dtypes.
"""
import numpy as np

from ..optimizers import Adam
from . import references as ref
from .checker import Raised, check_function

STEPS = 6


class NotInPlace:
    """Marks a run in which ``update`` replaced the arrays in ``params`` instead of changing them."""

    def __init__(self, key):
        self.key = key

    def __repr__(self):
        return f"new array objects for params[{self.key!r}] (the originals were left unchanged)"


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


def _make_lion_problem(rng, trial, steps=40):
    """Gradients whose sizes span three decades: a small gradient against a large momentum is where
    the order of Lion's two lines and its two betas change the sign of the step."""
    params = {"W": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)}
    grads = [{k: rng.standard_normal(v.shape) * 10.0 ** rng.uniform(-2, 1, v.shape) for k, v in params.items()}
             for _ in range(steps)]
    return (Problem(params, grads),)


def _run(factory, problem):
    """Trajectory of all parameters, shape (STEPS, n_values); or a marker of what went wrong."""
    params = {k: v.copy() for k, v in problem.params.items()}
    originals = dict(params)
    rows = []
    try:
        opt = factory()
        for step in range(len(problem.grads) if problem.grads is not None else _PathProblem.STEPS):
            if problem.grads is None:  # the path playground: gradient of x^2/20 + y^2 where we are
                g = {"x": params["x"] / 10.0, "y": 2.0 * params["y"]}
            else:
                g = problem.grads[step]
            with np.errstate(over="ignore", invalid="ignore"):
                opt.update(params, {k: v.copy() for k, v in g.items()})
            for key, arr in originals.items():
                if params[key] is not arr:
                    return NotInPlace(key)
            rows.append(np.concatenate([params[k].ravel() for k in sorted(params)]))
    except NotImplementedError:
        raise
    except Exception as err:  # reported as a likely mistake, not as a traceback
        return Raised(err)
    return np.array(rows)


def _same_path(got, other):
    return (isinstance(got, np.ndarray) and isinstance(other, np.ndarray) and got.shape == other.shape
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


class _LionMomentumFirst:
    """Updates m before using it (the Lion step then follows m, not the blend)."""

    def __init__(self, lr, beta1, beta2):
        self.lr, self.beta1, self.beta2, self.m = lr, beta1, beta2, {}

    def update(self, params, grads):
        for k, g in grads.items():
            m = self.m.setdefault(k, np.zeros_like(g))
            m *= self.beta2
            m += (1 - self.beta2) * g
            params[k] -= self.lr * np.sign(self.beta1 * m + (1 - self.beta1) * g)


class _LionNoSign(ref.Lion):
    def update(self, params, grads):
        for k, g in grads.items():
            m = self.m.setdefault(k, np.zeros_like(g))
            params[k] -= self.lr * (self.beta1 * m + (1 - self.beta1) * g)
            m *= self.beta2
            m += (1 - self.beta2) * g


class _LionSignOfGradient(ref.Lion):
    def update(self, params, grads):
        for k, g in grads.items():
            params[k] -= self.lr * np.sign(g)


class _LionPlus(ref.Lion):
    def update(self, params, grads):
        for k, g in grads.items():
            m = self.m.setdefault(k, np.zeros_like(g))
            params[k] += self.lr * np.sign(self.beta1 * m + (1 - self.beta1) * g)
            m *= self.beta2
            m += (1 - self.beta2) * g


# --------------------------------------------------------------------------- checkers
def _like(variant):
    return lambda got, exp, args: _same_path(got, _run(variant, args[0]))


def _contract_diagnoses(signature):
    return [
        (lambda got, exp, args: isinstance(got, NotInPlace),
         "update replaced params[key] by a new array (params[key] = params[key] - ...). A network's "
         "layers hold the original arrays, so change them in place: params[key] -= ... ."),
        (lambda got, exp, args: isinstance(got, Raised) and isinstance(got.err, TypeError),
         f"the class must be created as {signature} and have update(self, params, grads)."),
    ]


def check_momentum(cls, lr=0.1, momentum=0.9):
    """Check ``cls(lr=..., momentum=...)``: v <- momentum * v - lr * g; W <- W + v, in place."""
    def reference(problem):
        return _run(lambda: ref.MyMomentum(lr=lr, momentum=momentum), problem)

    def user(problem):
        return _run(lambda: cls(lr=lr, momentum=momentum), problem)

    diagnoses = _contract_diagnoses("cls(lr=..., momentum=...)") + [
        (lambda got, exp, args: isinstance(got, Raised),
         "update raised an error; keep one velocity array per key, e.g. in a dict self.v created "
         "with np.zeros_like(params[key]) the first time a key is seen."),
        (_like(lambda: _SGD(lr)),
         "the steps are plain SGD steps: the velocity is not remembered between calls. Store v in "
         "self.v (per key) and decay it with momentum on every update."),
        (_like(lambda: _MomentumPlusSign(lr, momentum)),
         "the velocity points uphill: it must be v = momentum * v - lr * g (minus the gradient)."),
        (_like(lambda: _MomentumOldVelocity(lr, momentum)),
         "W moved with the old velocity: update v first, then W <- W + v."),
    ]
    return check_function(user, reference, _make_problem, name=getattr(cls, "__name__", "MyMomentum"),
                          diagnoses=diagnoses, n_trials=3, exercise="MyMomentum", stub_of=cls)


def check_adam(cls, lr=0.01, beta1=0.9, beta2=0.999):
    """Check ``cls(lr=..., beta1=..., beta2=...)``: Adam with bias correction, updating in place."""
    def reference(problem):
        return _run(lambda: ref.MyAdam(lr=lr, beta1=beta1, beta2=beta2), problem)

    def user(problem):
        return _run(lambda: cls(lr=lr, beta1=beta1, beta2=beta2), problem)

    diagnoses = _contract_diagnoses("cls(lr=..., beta1=..., beta2=...)") + [
        (lambda got, exp, args: isinstance(got, Raised),
         "update raised an error; keep m and v per key (dicts of np.zeros_like arrays) and one step counter t."),
        (lambda got, exp, args: isinstance(got, np.ndarray) and not np.all(np.isfinite(got)),
         "NaN appeared: v must average the squared gradient g * g, which is never negative."),
        (_like(lambda: _AdamNoCorrection(lr=lr, beta1=beta1, beta2=beta2)),
         "the bias correction is missing: divide m by (1 - beta1**t) and v by (1 - beta2**t); "
         "without it m and v, which start at 0, are too small in the first steps and the steps come out the wrong size."),
        (_like(lambda: _AdamStepPerKey(lr=lr, beta1=beta1, beta2=beta2)),
         "the step counter t goes up once per parameter; it must go up once per call of update."),
        (_like(lambda: _AdamSwappedBetas(lr, beta1, beta2)),
         "beta1 and beta2 are swapped: beta1 (0.9) averages the gradient m, beta2 (0.999) averages g * g."),
        (_like(lambda: _SGD(lr)), "these are plain SGD steps; m and v are not used."),
    ]
    return check_function(user, reference, _make_problem, name=getattr(cls, "__name__", "MyAdam"),
                          diagnoses=diagnoses, n_trials=3, exercise="MyAdam", stub_of=cls)


def check_lion(cls, lr=0.05, beta1=0.9, beta2=0.99):
    """Check ``cls(lr=..., beta1=..., beta2=...)`` against the Lion rule, then on the path playground's
    parameters ``{"x": array([-7.0]), "y": array([2.0])}`` for 30 steps.

    Lion: c = beta1 * m + (1 - beta1) * g;  W <- W - lr * sign(c);  m <- beta2 * m + (1 - beta2) * g.
    """
    def reference(problem):
        return _run(lambda: ref.Lion(lr=lr, beta1=beta1, beta2=beta2), problem)

    def user(problem):
        return _run(lambda: cls(lr=lr, beta1=beta1, beta2=beta2), problem)

    def path_problem(rng, trial):
        if trial < 3:
            return _make_lion_problem(rng, trial)
        return (_PathProblem(),)

    diagnoses = _contract_diagnoses("cls(lr=..., beta1=..., beta2=...)") + [
        (lambda got, exp, args: isinstance(got, Raised),
         "update raised an error; keep m per key in a dict, created with np.zeros_like(params[key])."),
        (_like(lambda: _LionMomentumFirst(lr, beta1, beta2)),
         "m was updated before the step: compute c and step with sign(c) first, then update m with beta2."),
        (_like(lambda: _LionNoSign(lr=lr, beta1=beta1, beta2=beta2)),
         "the step is lr * c; Lion steps by lr * sign(c), the same size for every weight."),
        (_like(lambda: _LionSignOfGradient(lr=lr, beta1=beta1, beta2=beta2)),
         "the step uses sign(g) only (that is signSGD); blend in the momentum m: sign(beta1 * m + (1 - beta1) * g)."),
        (_like(lambda: _LionPlus(lr=lr, beta1=beta1, beta2=beta2)),
         "the step goes uphill: subtract lr * sign(c) from the weights."),
        (_like(lambda: _LionSwappedBetas(lr=lr, beta1=beta1, beta2=beta2)),
         "beta1 and beta2 are swapped: beta1 (0.9) blends the step direction, beta2 (0.99) averages m."),
    ]
    return check_function(user, reference, path_problem, name=getattr(cls, "__name__", "Lion"),
                          diagnoses=diagnoses, n_trials=4, exercise="Lion", stub_of=cls)


class _LionSwappedBetas(ref.Lion):
    def __init__(self, lr, beta1, beta2):
        super().__init__(lr=lr, beta1=beta2, beta2=beta1)


class _PathProblem(Problem):
    """The path playground's start (-7, 2) on f(x, y) = x^2 / 20 + y^2, with its gradients."""

    STEPS = 30

    def __init__(self):
        super().__init__({"x": np.array([-7.0]), "y": np.array([2.0])}, None)

    def __repr__(self):
        return "the path playground's params {'x': array([-7.]), 'y': array([2.])} for 30 steps on x^2/20 + y^2"
