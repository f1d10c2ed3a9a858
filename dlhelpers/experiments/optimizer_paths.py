"""Experiments of notebook 02 (optimizers): compute only; the figures and playgrounds are in
:mod:`dlhelpers.figures.optimizer_paths`.

The paths of the optimizers of :mod:`dlhelpers.optimizers` on the anisotropic bowl
f(x, y) = x^2 / 20 + y^2 from (-7, 2), sweeps of their learning rates (on that bowl and on
rotated or stretched copies, :class:`Bowl`), the step-size behaviour of the adaptive methods,
weight decay inside Adam (L2 against AdamW), the learning-rate range test and the learning-rate
schedules (noisy SGD on the bowl; a Trainer with a schedule on MNIST, over paired seeds). The
optimizers are the very classes that train the networks: here their ``params`` are two float64
arrays of shape (1,), one per coordinate.

An optimizer here is any object that must conform to the following API (the library's classes
and the reader's own, e.g. the Lion of the exercises):

* ``update(params, grads)``: ``params`` and ``grads`` are dicts ``{"x": array([x]), "y":
  array([y])}`` of float64 arrays; ``update`` changes ``params[key]`` in place and returns nothing.

One divergence rule for every path (figures, sweeps and the playground): :func:`diverged`.
"""
import inspect

import numpy as np

from ..checks import check_int, check_number, check_range
from ..data import load_mnist_cached
from ..network import MultiLayerNet
from ..parallel import blas_thread_limit
from ..optimizers import OPTIMIZERS, SGD, Adam, AdamW, ExponentialDecay, StepDecay, make_optimizer
from ..training import Trainer

__all__ = ["f", "grad_f", "START", "PATH_SETTINGS", "MNIST_SETTINGS", "BETA_KEYWORD", "DEFAULT_BETA",
           "Bowl", "make", "optimizer_path", "diverged", "book_paths", "sign_changes", "lr_sweep",
           "sweep_floor_counts", "steps_to_reach", "constant_gradient_steps", "noisy_decay_comparison",
           "schedule_on_mnist", "compare_schedules", "lr_range_test", "weight_decay_in_adam", "SHOWN"]

#: How notebook 02 shows each function it calls (see tests/test_teaching_code.py).
SHOWN = {
    "f": "plumbing", "grad_f": "plumbing", "make": "plumbing", "Bowl": "plumbing",
    "optimizer_path": "tied",            # section 1 writes the loop and asserts it is the same
    "book_paths": "plumbing", "sign_changes": "plumbing", "lr_sweep": "plumbing",
    "sweep_floor_counts": "plumbing", "steps_to_reach": "plumbing", "constant_gradient_steps": "plumbing",
    "diverged": "printed",
    "noisy_decay_comparison": "printed",
    "schedule_on_mnist": "printed",
    "compare_schedules": "plumbing",     # schedule_on_mnist over seeds and schedules
    "lr_range_test": "printed",
    "weight_decay_in_adam": "printed",
}

#: Start of every path (the book's figure).
START = (-7.0, 2.0)

#: Optimizer name and keyword arguments for the path figure: the book's learning rates
#: (SGD 0.95, Momentum 0.1, AdaGrad 1.5, Adam 0.3), and 0.1 for Nesterov and RMSprop.
PATH_SETTINGS = {
    "SGD": ("sgd", {"lr": 0.95}),
    "Momentum": ("momentum", {"lr": 0.1}),
    "Nesterov": ("nesterov", {"lr": 0.1}),
    "AdaGrad": ("adagrad", {"lr": 1.5}),
    "RMSprop": ("rmsprop", {"lr": 0.1}),
    "Adam": ("adam", {"lr": 0.3}),
}

#: Settings of the MNIST comparison: the book's learning rates (SGD, Momentum, AdaGrad 0.01;
#: Adam 0.001), Nesterov like Momentum, RMSprop at its usual 0.001.
MNIST_SETTINGS = {
    "SGD": {"optimizer": "sgd", "optimizer_param": {"lr": 0.01}},
    "Momentum": {"optimizer": "momentum", "optimizer_param": {"lr": 0.01}},
    "Nesterov": {"optimizer": "nesterov", "optimizer_param": {"lr": 0.01}},
    "AdaGrad": {"optimizer": "adagrad", "optimizer_param": {"lr": 0.01}},
    "RMSprop": {"optimizer": "rmsprop", "optimizer_param": {"lr": 0.001}},
    "Adam": {"optimizer": "adam", "optimizer_param": {"lr": 0.001}},
}

#: The keyword that the "momentum / beta" knob sets, per optimizer (None: no such knob).
BETA_KEYWORD = {"sgd": None, "momentum": "momentum", "nesterov": "momentum", "adagrad": None,
                "rmsprop": "decay_rate", "adam": "beta1"}

def _signature_default(cls, keyword):
    return inspect.signature(cls).parameters[keyword].default


#: Each optimizer's own default for that knob (RMSprop's decay rate is 0.99, the others' 0.9).
DEFAULT_BETA = {name: _signature_default(OPTIMIZERS[name], kw) for name, kw in BETA_KEYWORD.items() if kw}


def f(x, y):
    """The anisotropic bowl x^2 / 20 + y^2: twenty times steeper along y than along x."""
    return x ** 2 / 20.0 + y ** 2


def grad_f(x, y):
    """(df/dx, df/dy) = (x / 10, 2 y)."""
    return x / 10.0, 2.0 * y


class Bowl:
    """A quadratic bowl f(p) = 1/2 p^T A p, the book's bowl stretched and rotated.

    A has the curvature ``steep`` across the valley and ``steep / condition`` along it; the
    valley's floor runs at ``angle`` degrees to the x axis. ``Bowl()`` (condition 20, angle 0,
    steep 2) is the book's f(x, y) = x^2 / 20 + y^2. The steep curvature stays 2 whatever the
    stretch, so SGD's learning-rate limit (lr < 2 / steep = 1) stays the same.

    Parameters
    ----------
    condition : float >= 1
        Ratio of the two curvatures (the condition number of A).
    angle : float
        Rotation of the valley in degrees (0: along the x axis, as in the book).
    steep : float > 0
        The larger curvature.
    """

    def __init__(self, condition=20.0, angle=0.0, steep=2.0):
        condition, angle, steep = float(condition), float(angle), float(steep)
        if not (np.isfinite(condition) and condition >= 1):
            raise ValueError(f"condition must be a number >= 1 (ratio of the two curvatures), got {condition!r}")
        if not np.isfinite(angle):
            raise ValueError(f"angle must be a finite number of degrees, got {angle!r}")
        if not (np.isfinite(steep) and steep > 0):
            raise ValueError(f"steep must be a positive curvature, got {steep!r}")
        self.condition, self.angle, self.steep = condition, angle, steep
        theta = np.deg2rad(angle)
        along = np.array([np.cos(theta), np.sin(theta)])
        across = np.array([-np.sin(theta), np.cos(theta)])
        A = (steep / condition) * np.outer(along, along) + steep * np.outer(across, across)
        if angle == 0.0:  # exact zeros off the diagonal: the book's bowl, bit for bit
            A = np.diag([steep / condition, steep])
        self.A = A

    def rotate(self, point):
        """``point`` turned about the minimum by the bowl's angle: where the book's start lies on this bowl."""
        theta = np.deg2rad(self.angle)
        c, s = np.cos(theta), np.sin(theta)
        return (c * point[0] - s * point[1], s * point[0] + c * point[1])

    def f(self, x, y):
        """The bowl's height at (x, y) (arrays broadcast)."""
        a, b, d = self.A[0, 0], self.A[0, 1], self.A[1, 1]
        return 0.5 * (a * x * x + 2.0 * b * x * y + d * y * y)

    def grad(self, x, y):
        """(df/dx, df/dy) = A p."""
        a, b, d = self.A[0, 0], self.A[0, 1], self.A[1, 1]
        return a * x + b * y, b * x + d * y

    def __repr__(self):
        return f"Bowl(condition={self.condition:g}, angle={self.angle:g})"


def make(name, lr, beta=None):
    """An optimizer from :mod:`dlhelpers.optimizers` by name, with its beta-like knob set if it has one."""
    key = name.lower()
    kwargs = {"lr": lr}
    if beta is not None and BETA_KEYWORD.get(key):
        kwargs[BETA_KEYWORD[key]] = beta
    return make_optimizer(key, **kwargs)


def optimizer_path(optimizer, start=START, steps=30, grad=grad_f):
    """Run ``optimizer.update`` for ``steps`` steps on a bowl from ``start``.

    Parameters
    ----------
    optimizer : object with ``update(params, grads)`` (its state is used and changed)
    start : (x, y)
    steps : int
    grad : callable (x, y) -> (df/dx, df/dy); default the book's bowl

    Returns
    -------
    ndarray, shape (steps + 1, 2): the start and the point after every step. A path that
    leaves the square |x|, |y| <= 1000 (diverges) is cut there.
    """
    params = {"x": np.array([start[0]], dtype=np.float64), "y": np.array([start[1]], dtype=np.float64)}
    path = np.empty((steps + 1, 2))
    path[0] = start
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(1, steps + 1):
            gx, gy = grad(params["x"], params["y"])
            optimizer.update(params, {"x": gx, "y": gy})
            path[i] = params["x"][0], params["y"][0]
            if not np.all(np.isfinite(path[i])) or np.abs(path[i]).max() > 1e3:
                return path[:i + 1]
    return path


def diverged(path, fn=f):
    """True if a path diverged: it left the square |x|, |y| <= 1000 (:func:`optimizer_path` cuts it
    there), became non-finite, or ends HIGHER on the bowl than it started (f grew: the steps
    overshoot more than they descend). The one rule of every figure, sweep and playground here.

    Shown in: notebook 02, section 7.
    """
    start, end = path[0], path[-1]
    if not np.all(np.isfinite(end)) or np.abs(path).max() > 1e3:
        return True
    return bool(fn(*end) > fn(*start))


def sign_changes(values):
    """How often consecutive values change sign (the zig-zag count of a coordinate)."""
    s = np.sign(np.asarray(values, dtype=float))
    s = s[s != 0]
    return int(np.sum(s[1:] != s[:-1]))


def book_paths(steps=30, start=START):
    """The six paths of the figure, with :data:`PATH_SETTINGS`; dict name -> (steps+1, 2) array."""
    return {name: optimizer_path(make_optimizer(key, **kw), start, steps)
            for name, (key, kw) in PATH_SETTINGS.items()}


def lr_sweep(names=("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"),
             lrs=np.logspace(-3, 1, 41), steps=30, start=START, bowl=None):
    """f after ``steps`` steps for each optimizer at each learning rate (default hyperparameters otherwise).

    ``bowl`` (a :class:`Bowl`) replaces the book's bowl.

    Returns
    -------
    dict name -> ndarray of shape (len(lrs),); ``inf`` where the path diverged (:func:`diverged`).
    """
    fn, grad = (f, grad_f) if bowl is None else (bowl.f, bowl.grad)
    out = {}
    for name in names:
        values = []
        for lr in lrs:
            path = optimizer_path(make_optimizer(name, lr=float(lr)), start, steps, grad=grad)
            values.append(np.inf if len(path) < steps + 1 or diverged(path, fn) else fn(*path[-1]))
        out[name] = np.array(values)
    return out


def sweep_floor_counts(sweep, lrs, floor=1e-8):
    """Per optimizer: (how many learning rates reach f < floor, the smallest such lr, how many diverge)."""
    lrs = np.asarray(lrs)
    out = {}
    for name, values in sweep.items():
        below = np.isfinite(values) & (values < floor)
        out[name] = (int(below.sum()), float(lrs[below].min()) if below.any() else None,
                     int((~np.isfinite(values)).sum()))
    return out


def steps_to_reach(name, bowl, target=1e-4, lrs=np.logspace(-3, 0.5, 22), max_steps=500, start=START):
    """Fewest steps any learning rate in ``lrs`` needs to bring f below ``target`` on ``bowl``.

    Returns
    -------
    (steps, lr) : the best count and its learning rate, or (None, None) if no learning rate
    gets there within ``max_steps`` steps.
    """
    best = (None, None)
    with np.errstate(over="ignore", invalid="ignore"):
        for lr in lrs:
            opt = make_optimizer(name, lr=float(lr))
            p = {"x": np.array([start[0]], dtype=np.float64), "y": np.array([start[1]], dtype=np.float64)}
            limit = max_steps if best[0] is None else best[0] - 1
            for step in range(1, limit + 1):
                gx, gy = bowl.grad(p["x"], p["y"])
                opt.update(p, {"x": gx, "y": gy})
                value = bowl.f(p["x"][0], p["y"][0])
                if not value < 1e6:          # diverged (or NaN)
                    break
                if value < target:
                    best = (step, float(lr))
                    break
    return best


def constant_gradient_steps(names=("adagrad", "rmsprop", "adam"), lr=0.1, steps=200):
    """Step length per iteration when the gradient is always 1 (a long, even slope).

    AdaGrad's step shrinks like lr / sqrt(t) because its sum of squared gradients only grows;
    RMSprop (10 lr at first, since h starts at 0) and Adam forget old gradients and keep a step
    of about lr.

    Returns
    -------
    dict name -> ndarray, shape (steps,): |change of the parameter| at each step.
    """
    out = {}
    for name in names:
        opt = make_optimizer(name, lr=lr)
        w = {"w": np.zeros(1)}
        g = {"w": np.ones(1)}
        steps_taken = []
        for _ in range(steps):
            before = w["w"][0]
            opt.update(w, g)
            steps_taken.append(abs(w["w"][0] - before))
        out[name] = np.array(steps_taken)
    return out


# --------------------------------------------------------------------------- learning-rate decay
def noisy_decay_comparison(lr=0.5, small_lr=0.05, epochs=40, steps_per_epoch=10, noise=1.0, runs=50,
                           start=START, seed=0):
    """SGD on f with noisy gradients (a model of mini-batch noise), with and without lr decay.

    Each step uses grad f + Gaussian noise of std ``noise`` per coordinate, like a mini-batch
    gradient. ``runs`` independent runs go side by side (the optimizers work element-wise, so the
    parameters are arrays of shape (runs,)) and f is averaged over them. The schedules are
    :class:`StepDecay` (x0.3 every 10 epochs) and :class:`ExponentialDecay` (x0.9 per epoch),
    applied at the start of each "epoch" of ``steps_per_epoch`` steps.

    Returns
    -------
    dict name -> dict with 'lr' and 'f', arrays of shape (epochs * steps_per_epoch,): the learning
    rate used and the mean f after every step.

    Shown in: notebook 02, section 8.
    """
    settings = {f"constant lr {lr:g}": (lr, None),
                f"constant lr {small_lr:g}": (small_lr, None),
                f"step decay from {lr:g}": (lr, StepDecay(lr, step_size=10, gamma=0.3)),
                f"exponential decay from {lr:g}": (lr, ExponentialDecay(lr, decay_rate=0.9))}
    out = {}
    for name, (lr0, schedule) in settings.items():
        rng = np.random.default_rng(seed)
        opt = SGD(lr0)
        p = {"x": np.full(runs, float(start[0])), "y": np.full(runs, float(start[1]))}
        lrs, fs = [], []
        for epoch in range(epochs):
            if schedule is not None:
                opt.lr = schedule(epoch)
            for _ in range(steps_per_epoch):
                gx, gy = grad_f(p["x"], p["y"])
                opt.update(p, {"x": gx + noise * rng.standard_normal(runs),
                               "y": gy + noise * rng.standard_normal(runs)})
                lrs.append(opt.lr)
                fs.append(float(np.mean(f(p["x"], p["y"]))))
        out[name] = {"lr": np.array(lrs), "f": np.array(fs)}
    return out


def schedule_on_mnist(lr_schedule=None, lr=0.1, epochs=12, n_train=2000, n_val=1000, seed=0):
    """One Trainer run on the MNIST sample with or without a learning-rate schedule.

    A 784-100-100-10 ReLU net (He init), SGD, mini-batches of 100. The first ``n_train``
    training images train it; the next ``n_val`` (held out from training) are the validation
    set. Returns the Trainer's history: ``train_loss`` per iteration, ``lr`` (the rate the
    schedule set, per epoch) and ``train_acc`` / ``val_acc`` per epoch.

    Shown in: notebook 02, section 8.
    """
    (x, t), _ = load_mnist_cached()
    x_train, t_train = x[:n_train], t[:n_train]
    x_val, t_val = x[n_train:n_train + n_val], t[n_train:n_train + n_val]
    net = MultiLayerNet(784, [100, 100], 10, weight_init_std="he", seed=seed)
    trainer = Trainer(net, x_train, t_train, x_val=x_val, t_val=t_val, epochs=epochs,
                      mini_batch_size=100, optimizer="sgd", optimizer_param={"lr": lr},
                      lr_schedule=lr_schedule, seed=seed, verbose=False, progress=False)
    trainer.train()
    return trainer.history




def compare_schedules(schedules, seeds=(0, 1, 2), lr=0.3, epochs=12, n_train=2000, n_val=1000, workers=1):
    """:func:`schedule_on_mnist` for every schedule on every seed (paired: same weights, same batches).

    Parameters
    ----------
    schedules : dict name -> callable epoch -> lr, or None (constant ``lr``)
    seeds : sequence of int
    workers : int
        Worker processes (:func:`dlhelpers.parallel.local_executor`); the result does not depend on it.

    Returns
    -------
    dict name -> dict with 'val_acc', ndarray (len(seeds), epochs + 1) (column 0: before
    training), and 'lr', ndarray (epochs,) (the rates of the first seed's run).
    """
    if not isinstance(schedules, dict) or not schedules:
        raise ValueError(f"schedules must be a non-empty dict name -> schedule (or None), got {schedules!r}")
    seeds = [check_int(s, "seeds[i]", 0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must name at least one seed, e.g. (0, 1, 2)")
    workers = check_int(workers, "workers", 1)
    jobs = [(name, s) for name in schedules for s in seeds]
    kwargs = {"lr": lr, "epochs": epochs, "n_train": n_train, "n_val": n_val}
    if workers == 1:
        runs = {(name, s): schedule_on_mnist(schedules[name], seed=s, **kwargs) for name, s in jobs}
    else:
        from ..parallel import local_executor
        with local_executor(max_workers=workers) as executor:
            futures = {(name, s): executor.submit(schedule_on_mnist, schedules[name], seed=s, **kwargs)
                       for name, s in jobs}
            runs = {key: future.result() for key, future in futures.items()}
    return {name: {"val_acc": np.array([runs[name, s]["val_acc"] for s in seeds]),
                   "lr": np.array(runs[name, seeds[0]]["lr"])} for name in schedules}


def lr_range_test(lr_min=1e-4, lr_max=10.0, iterations=100, optimizer="sgd", n_train=2000,
                  hidden_size_list=(100, 100), mini_batch_size=100, smoothing=0.9, stop_factor=4.0, seed=0):
    """The learning-rate range test (Smith 2017; fastai's ``lr_find``) on the MNIST sample.

    One fresh net (784-hidden-10 ReLU, He init) trains for at most ``iterations`` mini-batches
    while the learning rate grows by the same factor every step, from ``lr_min`` to ``lr_max``.
    The loss is smoothed by a bias-corrected moving average (weight ``smoothing`` on the past);
    the test stops when it exceeds ``stop_factor`` times its lowest value. Read it: flat while the
    rate is too small to matter, falling where learning happens, a minimum, then a blow-up; a good
    constant rate lies on the falling slope, about ten times below the minimum.

    Returns
    -------
    dict with 'lr', 'loss', 'smoothed' (arrays of the steps run) and 'lr_at_min' (the rate where
    the smoothed loss is lowest).

    Shown in: notebook 02, section 8a.
    """
    lr_min, lr_max = check_number(lr_min, "lr_min"), check_number(lr_max, "lr_max")
    if not 0 < lr_min < lr_max:
        raise ValueError(f"need 0 < lr_min < lr_max, got lr_min={lr_min!r}, lr_max={lr_max!r}")
    iterations = check_int(iterations, "iterations", 2)
    smoothing = check_range(smoothing, "smoothing", 0, 1, high_open=True)
    (x, t), _ = load_mnist_cached()
    x, t = x[:n_train], t[:n_train]
    net = MultiLayerNet(784, list(hidden_size_list), 10, weight_init_std="he", seed=seed)
    opt = make_optimizer(optimizer, lr=lr_min)
    rng = np.random.default_rng(seed)
    growth = (lr_max / lr_min) ** (1.0 / (iterations - 1))
    lrs, losses, smoothed, avg = [], [], [], 0.0
    with np.errstate(over="ignore", invalid="ignore"), blas_thread_limit(1):
        for i in range(iterations):
            opt.lr = lr_min * growth ** i
            idx = rng.choice(len(x), mini_batch_size, replace=False)
            grads = net.gradient(x[idx], t[idx])
            avg = smoothing * avg + (1 - smoothing) * net.last_loss
            lrs.append(opt.lr)
            losses.append(net.last_loss)
            smoothed.append(avg / (1 - smoothing ** (i + 1)))        # bias correction, as in Adam
            if not np.isfinite(smoothed[-1]) or smoothed[-1] > stop_factor * min(smoothed):
                break
            opt.update(net.params, grads)
    lrs, smoothed = np.array(lrs), np.array(smoothed)
    best = int(np.nanargmin(smoothed))
    return {"lr": lrs, "loss": np.array(losses), "smoothed": smoothed, "lr_at_min": float(lrs[best])}


def weight_decay_in_adam(lr=0.01, weight_decay=0.1, gradient_sizes=(0.001, 10.0), steps=1000):
    """Weight decay added to Adam two ways, on weights whose loss gradient is +-size (mean 0).

    Every weight starts at 1. Its loss gradient alternates +size, -size (a weight that the data
    pushes both ways and, on average, not at all), so only the decay should move it.
    "L2 in the gradient" feeds g + weight_decay * W to :class:`Adam`; "AdamW" is
    :class:`AdamW`, which shrinks W outside Adam's scaling.

    Returns
    -------
    dict rule -> ndarray, shape (steps + 1, len(gradient_sizes)): the weights after every step.

    Shown in: notebook 02, section 6b.
    """
    sizes = np.asarray(gradient_sizes, dtype=np.float64)
    out = {}
    for rule in ("L2 in the gradient", "AdamW"):
        opt = Adam(lr) if rule == "L2 in the gradient" else AdamW(lr, weight_decay=weight_decay)
        w = {"w": np.ones_like(sizes)}
        trajectory = [w["w"].copy()]
        for step in range(steps):
            g = sizes * (-1.0) ** step                     # the loss's gradient: pushes both ways
            if rule == "L2 in the gradient":
                g = g + weight_decay * w["w"]             # d/dW of weight_decay / 2 * W^2
            opt.update(w, {"w": g})
            trajectory.append(w["w"].copy())
        out[rule] = np.array(trajectory)
    return out
