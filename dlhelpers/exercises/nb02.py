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
from .checker import Raised, check_function, in_place_line

STEPS = 6


class NotInPlace:
    """Marks a run in which ``update`` replaced the arrays in ``params`` instead of changing them."""

    def __init__(self, key):
        self.key = key

    def __repr__(self):
        return f"new array objects for params[{self.key!r}] (the originals were left unchanged)"


class ChangedGrads:
    """Marks a run in which ``update`` changed the caller's ``grads[key]`` in place."""

    def __init__(self, key):
        self.key = key

    def __repr__(self):
        return f"grads[{self.key!r}] changed in place"


class Problem:
    """Starting parameters and a sequence of gradients; printed briefly in a checker's report.

    ``positional``: the optimizer is created with positional arguments (``cls(lr, momentum)``),
    as the notebook's own optimizers are, instead of keywords."""

    def __init__(self, params, grads, positional=False, scale=None):
        self.params, self.grads, self.positional, self.scale = params, grads, positional, scale

    def __repr__(self):
        shapes = ", ".join(f"{k} {v.shape}" for k, v in self.params.items())
        how = "created with positional arguments" if self.positional else "created with keyword arguments"
        size = f", gradients of size {self.scale}" if self.scale else ""
        return f"params {{{shapes}}} updated with {len(self.grads)} random gradients{size} ({how})"


def _make_problem(rng, trial):
    """Trial 0 keyword arguments, others positional; trial 2 gradients spanning 1e-7 to 1, where
    Adam's eps (1e-8, outside the square root) changes the step."""
    params = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    if trial == 2:
        grads = [{k: rng.standard_normal(v.shape) * 10.0 ** rng.uniform(-7, 0, v.shape) for k, v in params.items()}
                 for _ in range(STEPS)]
        return (Problem(params, grads, positional=True, scale="1e-7 to 1"),)
    grads = [{k: rng.standard_normal(v.shape) for k, v in params.items()} for _ in range(STEPS)]
    return (Problem(params, grads, positional=trial > 0),)


class Path:
    """The parameters after each update: ``steps[i][key]`` is params[key] after update i + 1."""

    def __init__(self, steps):
        self.steps = steps


def _path_difference(got, expected, rtol=1e-6, atol=1e-9):
    """None if two paths agree, else one line naming the update, the parameter and its index."""
    for i, (g, e) in enumerate(zip(got.steps, expected.steps)):
        for key in e:
            if key not in g or np.shape(g[key]) != np.shape(e[key]):
                return f"after update {i + 1}, params[{key!r}] has shape {np.shape(g.get(key))}, expected {np.shape(e[key])}"
            bad = ~np.isclose(g[key], e[key], rtol=rtol, atol=atol, equal_nan=True)
            if np.any(bad):
                index = tuple(int(j) for j in np.argwhere(bad)[0])
                where = f"params[{key!r}]" + (f"[{', '.join(map(str, index))}]" if index else "")
                return (f"after update {i + 1}, {where} is {float(g[key][index]):.6g}, "
                        f"expected {float(e[key][index]):.6g}")
    if len(got.steps) != len(expected.steps):
        return f"{len(got.steps)} updates ran, expected {len(expected.steps)}"
    return None


def _compare_paths(got, expected, args):
    if isinstance(got, Raised):
        return f"it raised {got.err.__class__.__name__}: {str(got.err).splitlines()[0] if str(got.err) else ''}"
    if isinstance(got, (NotInPlace, ChangedGrads)):
        return f"update produced {got!r}"
    return _path_difference(got, expected)


def _make_lion_problem(rng, trial, steps=40):
    """Gradients whose sizes span three decades: a small gradient against a large momentum is where
    the order of Lion's two lines and its two betas change the sign of the step."""
    params = {"W": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)}
    grads = [{k: rng.standard_normal(v.shape) * 10.0 ** rng.uniform(-2, 1, v.shape) for k, v in params.items()}
             for _ in range(steps)]
    return (Problem(params, grads),)


def _run(factory, problem):
    """A :class:`Path` of all parameters, or a marker of what went wrong (``factory(problem)`` builds
    the optimizer)."""
    params = {k: v.copy() for k, v in problem.params.items()}
    originals = dict(params)
    steps = []
    try:
        opt = factory(problem)
        for step in range(len(problem.grads) if problem.grads is not None else _PathProblem.STEPS):
            if problem.grads is None:  # the path playground: gradient of x^2/20 + y^2 where we are
                g = {"x": params["x"] / 10.0, "y": 2.0 * params["y"]}
            else:
                g = problem.grads[step]
            given = {k: v.copy() for k, v in g.items()}
            with np.errstate(all="ignore"):
                opt.update(params, given)
            for key, arr in originals.items():
                if params[key] is not arr:
                    return NotInPlace(key)
            for key in g:
                if not np.array_equal(given[key], g[key], equal_nan=True):
                    return ChangedGrads(key)
            steps.append({k: np.array(v, dtype=float) for k, v in params.items()})
    except NotImplementedError:
        raise
    except Exception as err:  # reported as a likely mistake, not as a traceback
        return Raised(err)
    return Path(steps)


def _make(cls, *args, **kwargs):
    """A factory for :func:`_run`: ``cls(*values)`` for a positional problem, ``cls(**kwargs)`` otherwise."""
    names = list(kwargs)

    def build(problem):
        return cls(*[kwargs[n] for n in names]) if getattr(problem, "positional", False) else cls(**kwargs)
    return build


def _same_path(got, other):
    return isinstance(got, Path) and isinstance(other, Path) and _path_difference(got, other) is None


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


class _AdamVariant(ref.MyAdam):
    """Adam read differently: ``t0`` counts the step after using it, ``eps_inside`` puts eps inside
    the square root, ``eps`` another value."""

    def __init__(self, lr, beta1, beta2, t0=False, eps_inside=False, eps=1e-8):
        super().__init__(lr=lr, beta1=beta1, beta2=beta2)
        self.t0, self.eps_inside, self.eps = t0, eps_inside, eps

    def update(self, params, grads):
        if not self.t0:
            self.t += 1
        for key in params:
            g = grads[key]
            m = self.m.setdefault(key, np.zeros_like(g))
            v = self.v.setdefault(key, np.zeros_like(g))
            m[...] = self.beta1 * m + (1 - self.beta1) * g
            v[...] = self.beta2 * v + (1 - self.beta2) * g * g
            m_hat, v_hat = m / (1 - self.beta1 ** self.t), v / (1 - self.beta2 ** self.t)
            root = np.sqrt(v_hat + self.eps) if self.eps_inside else np.sqrt(v_hat) + self.eps
            params[key] -= self.lr * m_hat / root
        if self.t0:
            self.t += 1


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
    return lambda got, exp, args: _same_path(got, _run(lambda problem: variant(), args[0]))


def _contract_diagnoses(signature):
    return [
        (lambda got, exp, args: isinstance(got, NotInPlace),
         "update replaced params[key] by a new array (params[key] = params[key] - ...). A network's "
         "layers hold the original arrays, so change them in place: params[key] -= ... ."),
        (lambda got, exp, args: isinstance(got, ChangedGrads),
         lambda got, args: in_place_line(f"grads[{got.key!r}]") + " Only params changes in place."),
        (lambda got, exp, args: isinstance(got, Raised) and isinstance(got.err, TypeError),
         f"the class must be created as {signature} and have update(self, params, grads)."),
    ]


def check_momentum(cls, lr=0.1, momentum=0.9):
    """Check ``cls(lr, momentum)`` (created positionally and by keyword): v <- momentum * v - lr * g;
    W <- W + v, in place; ``grads`` unchanged."""
    def reference(problem):
        return _run(_make(ref.MyMomentum, lr=lr, momentum=momentum), problem)

    def user(problem):
        return _run(_make(cls, lr=lr, momentum=momentum), problem)

    diagnoses = _contract_diagnoses("cls(lr, momentum) (positional, lr first, or by keyword)") + [
        (lambda got, exp, args: args[0].positional and _same_path(
            got, _run(lambda p: ref.MyMomentum(lr=momentum, momentum=lr), args[0])),
         "the arguments are in the wrong order: the class is created as MyMomentum(lr, momentum), lr first "
         "(as dlhelpers' Momentum), so MyMomentum(0.1, 0.9) means lr 0.1, momentum 0.9."),
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
                          diagnoses=diagnoses, n_trials=3, exercise="MyMomentum", stub_of=cls,
                          compare=_compare_paths, arg_names=["problem"])


def check_adam(cls, lr=0.01, beta1=0.9, beta2=0.999):
    """Check ``cls(lr, beta1, beta2)`` (positionally and by keyword): Adam with bias correction, the step
    counter t = 1 at the first update, eps = 1e-8 added to sqrt(v_hat) (tested with gradients down to
    1e-7, where eps matters), updating params in place and leaving grads unchanged."""
    def reference(problem):
        return _run(_make(ref.MyAdam, lr=lr, beta1=beta1, beta2=beta2), problem)

    def user(problem):
        return _run(_make(cls, lr=lr, beta1=beta1, beta2=beta2), problem)

    def adam_like(**kwargs):
        return _like(lambda: _AdamVariant(lr, beta1, beta2, **kwargs))

    diagnoses = _contract_diagnoses("cls(lr, beta1, beta2) (positional, in that order, or by keyword)") + [
        (lambda got, exp, args: isinstance(got, Raised),
         "update raised an error; keep m and v per key (dicts of np.zeros_like arrays) and one step counter t."),
        (adam_like(t0=True),
         "the step counter is 0 at the first update, so 1 - beta1**0 = 0 and the bias correction divides by "
         "zero: count t up BEFORE using it (the first update is t = 1)."),
        (adam_like(eps_inside=True),
         "eps is inside the square root: sqrt(v_hat + eps) is about 1e-4, which swamps small gradients; "
         "add eps after the root: sqrt(v_hat) + 1e-8."),
        (lambda got, exp, args: isinstance(got, Path) and any(
            _same_path(got, _run(lambda p: _AdamVariant(lr, beta1, beta2, eps=e), args[0])) for e in (1e-7, 1e-6, 1e-10)),
         "eps has another value: use 1e-8 (added to sqrt(v_hat)), as dlhelpers' Adam; with gradients near 1e-7 "
         "its size changes the step."),
        (lambda got, exp, args: isinstance(got, Path) and not all(np.all(np.isfinite(v)) for st in got.steps for v in st.values()),
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
                          diagnoses=diagnoses, n_trials=3, exercise="MyAdam", stub_of=cls,
                          compare=_compare_paths, arg_names=["problem"])


def check_lion(cls, lr=0.05, beta1=0.9, beta2=0.99):
    """Check ``cls(lr=..., beta1=..., beta2=...)`` against the Lion rule, then on the path playground's
    parameters ``{"x": array([-7.0]), "y": array([2.0])}`` for 30 steps.

    Lion: c = beta1 * m + (1 - beta1) * g;  W <- W - lr * sign(c);  m <- beta2 * m + (1 - beta2) * g.
    """
    def reference(problem):
        return _run(_make(ref.Lion, lr=lr, beta1=beta1, beta2=beta2), problem)

    def user(problem):
        return _run(_make(cls, lr=lr, beta1=beta1, beta2=beta2), problem)

    def path_problem(rng, trial):
        if trial < 3:
            return _make_lion_problem(rng, trial)
        return (_PathProblem(),)

    diagnoses = _contract_diagnoses("cls(lr, beta1, beta2) (positional, in that order, or by keyword)") + [
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
                          diagnoses=diagnoses, n_trials=4, exercise="Lion", stub_of=cls,
                          compare=_compare_paths, arg_names=["problem"])


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
