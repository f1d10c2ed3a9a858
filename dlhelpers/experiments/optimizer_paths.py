"""Experiments of notebook 02 (optimizers).

The paths of the six optimizers of :mod:`dlhelpers.optimizers` on the anisotropic bowl
f(x, y) = x^2 / 20 + y^2 from (-7, 2), sweeps of their learning rates (on that bowl and on
rotated or stretched copies, :class:`Bowl`), the step-size behaviour of the adaptive methods, the
learning-rate decay examples (noisy SGD on the bowl; a Trainer with a schedule on MNIST) and the
two playgrounds. The optimizers are the very classes that train the networks: here their
``params`` are two float64 arrays of shape (1,), one per coordinate.

An optimizer here is any object that must conform to the following API (the library's classes
and the reader's own, e.g. the Lion of the exercises):

* ``update(params, grads)``: ``params`` and ``grads`` are dicts ``{"x": array([x]), "y":
  array([y])}`` of float64 arrays; ``update`` changes ``params[key]`` in place and returns nothing.
"""
import inspect

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ..optimizers import OPTIMIZERS, SGD, ExponentialDecay, StepDecay, make_optimizer
from ..playground_result import PlaygroundResult
from ..plotting import PALETTE
from ..widgets import SLIDER_LAYOUT, SLIDER_STYLE, Playground, TrainingPlayground, learning_rate_slider

__all__ = ["f", "grad_f", "START", "PATH_SETTINGS", "MNIST_SETTINGS", "BETA_KEYWORD", "DEFAULT_BETA",
           "Bowl", "make", "optimizer_path", "book_paths", "sign_changes", "lr_sweep", "sweep_floor_counts",
           "steps_to_reach", "constant_gradient_steps", "draw_contour", "draw_path", "draw_lr_sweep",
           "noisy_decay_comparison", "schedule_on_mnist", "PathResult", "optimizer_playground",
           "mnist_optimizer_playground", "DIVERGED_COLOR"]

DIVERGED_COLOR = "#b00020"

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

#: Keywords a reader's optimizer class may use for its momentum-like knob (first match wins).
_CUSTOM_BETA_KEYWORDS = ("beta1", "momentum", "decay_rate", "beta", "rho")


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
    dict name -> ndarray of shape (len(lrs),); ``inf`` where the path diverged.
    """
    fn, grad = (f, grad_f) if bowl is None else (bowl.f, bowl.grad)
    out = {}
    for name in names:
        values = []
        for lr in lrs:
            path = optimizer_path(make_optimizer(name, lr=float(lr)), start, steps, grad=grad)
            values.append(fn(*path[-1]) if len(path) == steps + 1 and np.all(np.isfinite(path[-1])) else np.inf)
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


# --------------------------------------------------------------------------- drawing
_GRID = {}


def _grid(xlim, ylim, bowl):
    key = (tuple(xlim), tuple(ylim), None if bowl is None else (bowl.condition, bowl.angle, bowl.steep))
    if key not in _GRID:
        X, Y = np.meshgrid(np.linspace(*xlim, 161), np.linspace(*ylim, 121))
        _GRID[key] = (X, Y, (f if bowl is None else bowl.f)(X, Y))
    return _GRID[key]


def draw_contour(ax, xlim=(-10, 10), ylim=(-5, 5), bowl=None):
    """Contour lines of f (or of ``bowl``; log-spaced levels) and the minimum at (0, 0)."""
    X, Y, Z = _grid(xlim, ylim, bowl)
    ax.contour(X, Y, Z, levels=np.logspace(-2, 1.6, 14), colors="0.78", linewidths=0.7)
    ax.plot(0, 0, "+", color="black", markersize=10, markeredgewidth=1.5)
    ax.set(xlim=xlim, ylim=ylim, xlabel="x", ylabel="y")
    return ax


def draw_path(ax, path, color, label=None, markersize=3, **kwargs):
    """One optimizer path as dots joined by lines."""
    style = {"marker": "o", "linestyle": "-", "linewidth": 1.1, **kwargs}
    ax.plot(path[:, 0], path[:, 1], color=color, markersize=markersize, label=label, **style)
    return ax


def draw_lr_sweep(ax, lrs, sweep, floor=1e-8, ceiling=1e2, labels=None, title=None, legend=True):
    """f after the sweep's steps against the learning rate, log-log, honest about both ends.

    A value below ``floor`` is drawn ON the floor with a downward triangle (it reached the
    minimum to better than the axis shows); a diverged run is an x above ``ceiling`` in a band
    labelled "diverged", one row per optimizer, never a missing point.
    """
    lrs = np.asarray(lrs)
    for i, (name, values) in enumerate(sweep.items()):
        color = PALETTE[i % len(PALETTE)]
        label = (labels or {}).get(name, name)
        finite = np.isfinite(values)
        shown = np.where(finite, np.maximum(values, floor), np.nan)
        ax.plot(lrs, shown, "o-", markersize=2.5, color=color, label=label, linewidth=1.2)
        low = finite & (values < floor)
        ax.plot(lrs[low], np.full(low.sum(), floor), "v", color=color, markersize=6, markerfacecolor="none")
        row = ceiling * 2.2 ** (i + 1)
        ax.plot(lrs[~finite], np.full((~finite).sum(), row), "x", color=color, markersize=5)
    n = len(sweep)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(floor / 4, ceiling * 2.2 ** (n + 1.5))
    ax.axhline(ceiling * 1.5, color="0.6", linewidth=0.6)
    ax.axhline(floor, color="0.6", linewidth=0.6, linestyle=":")
    ax.text(lrs[0], ceiling * 2.2 ** (n + 0.6), "x: diverged", color=DIVERGED_COLOR, fontsize=8, va="center")
    ax.text(lrs[0], floor * 0.45, f"\u25bd: f < {floor:g}", color="0.3", fontsize=8, va="center")
    ax.set(xlabel="learning rate", ylabel="f after the last step")
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(ncol=2, fontsize=8, loc="center left")
    return ax


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
    """
    from ..data import load_mnist_cached
    from ..network import MultiLayerNet
    from ..training import Trainer

    (x, t), _ = load_mnist_cached()
    x_train, t_train = x[:n_train], t[:n_train]
    x_val, t_val = x[n_train:n_train + n_val], t[n_train:n_train + n_val]
    net = MultiLayerNet(784, [100, 100], 10, weight_init_std="he", seed=seed)
    trainer = Trainer(net, x_train, t_train, x_val=x_val, t_val=t_val, epochs=epochs,
                      mini_batch_size=100, optimizer="sgd", optimizer_param={"lr": lr},
                      lr_schedule=lr_schedule, seed=seed, verbose=False, progress=False)
    trainer.train()
    return trainer.history


# --------------------------------------------------------------------------- playgrounds
class PathResult(PlaygroundResult):
    """One playground path: the points, f at the end, the zig-zag count and a status line.

    ``not_attempted`` is True when the reader's optimizer is still the exercise's stub (it raised
    NotImplementedError): then ``path`` holds just the start and nothing diverged.
    """

    def __init__(self, path, steps, name, beta_used, bowl, not_attempted=False, label=None):
        self.path = path
        self.bowl = bowl
        self.name = name
        self.label = label or name
        self.not_attempted = not_attempted
        self.diverged = (not not_attempted) and len(path) < steps + 1
        end = path[-1]
        ok = not (self.diverged or not_attempted)
        self.final_f = float(bowl.f(*end)) if ok else float("inf")
        self.y_sign_changes = sign_changes(path[:, 1])
        self.distance = float(np.hypot(*(path[-1] - path[0]))) if ok else float("inf")
        if not_attempted:
            self.message = (f"{name}: not attempted yet (its update raises NotImplementedError); write it in "
                            "the exercise, run that cell and this one again.")
        elif self.diverged:
            self.message = (f"{name} diverged after {len(path) - 1} steps: the learning rate is too large "
                            "for the steep direction.")
        else:
            self.message = (f"{name}: f = {self.final_f:.2e} after {steps} steps at ({end[0]:.2f}, {end[1]:.2f}); "
                            f"y changed sign {self.y_sign_changes} times"
                            + ("" if beta_used else " (this optimizer has no momentum/beta knob)"))


def _custom_beta_keyword(cls):
    try:
        params = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return None
    return next((k for k in _CUSTOM_BETA_KEYWORDS if k in params), None)


class _PathPlayground(Playground):
    """The path playground: switching the optimizer first moves the beta knob to that optimizer's own
    default (RMSprop 0.99, the others 0.9; disabled where there is none), then redraws once."""

    def __init__(self, controls, compute, draw, title, beta_defaults):
        self._beta_defaults = beta_defaults
        self._syncing = False
        super().__init__(controls, compute, draw, title=title)
        self._sync_beta_enabled()

    def _sync_beta_enabled(self):
        self.controls["beta"].disabled = self._beta_defaults.get(self.controls["optimizer"].value) is None

    def _on_change(self, change):
        if self._syncing:
            return
        if change.owner is self.controls["optimizer"]:
            default = self._beta_defaults.get(change.new)
            if default is not None:
                self._syncing = True
                try:
                    self.controls["beta"].value = default
                finally:
                    self._syncing = False
            self._sync_beta_enabled()
        self.update()


def optimizer_playground(optimizer="sgd", lr=0.95, beta=None, start=START, steps=30, condition=20.0,
                         angle=0.0, custom=None):
    """Path playground: optimizer, learning rate, momentum/beta, start point, steps, and the bowl's shape.

    Parameters
    ----------
    optimizer : str
        'sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', or 'yours' (needs ``custom``).
    lr, steps, start : the first path's settings.
    beta : float or None
        The momentum of Momentum and Nesterov, the decay rate rho of RMSprop, beta1 of Adam (and of
        the reader's class if it takes ``beta1``/``momentum``/...); None: the optimizer's own
        default. Switching the optimizer resets the knob to the new one's default.
    condition, angle : the bowl's stretch (condition number, 1-100) and rotation (degrees, 0-90);
        condition 20 and angle 0 are the book's x^2/20 + y^2.
    custom : class or None
        The reader's optimizer class, called as ``custom(lr=..., <beta keyword>=...)``; it appears
        in the dropdown as "yours: <class name>". A stub whose ``__init__`` or ``update`` raises
        NotImplementedError shows "not attempted yet" instead of failing; any other error is shown.

    Each change keeps the previous path on the figure as a grey ghost. Pure NumPy: a redraw takes a
    small fraction of a second.
    """
    options = [("SGD", "sgd"), ("Momentum", "momentum"), ("Nesterov", "nesterov"),
               ("AdaGrad", "adagrad"), ("RMSprop", "rmsprop"), ("Adam", "adam")]
    beta_defaults = {name: DEFAULT_BETA.get(name) for _, name in options}
    custom_keyword = None
    if custom is not None:
        if not callable(custom):
            raise TypeError(f"custom must be your optimizer class (called as custom(lr=...)), got {custom!r}")
        custom_keyword = _custom_beta_keyword(custom)
        options.append((f"yours: {getattr(custom, '__name__', 'custom')}", "yours"))
        default = _signature_default(custom, custom_keyword) if custom_keyword else None
        beta_defaults["yours"] = default if isinstance(default, (int, float)) else (0.9 if custom_keyword else None)
    if optimizer not in beta_defaults:
        raise ValueError(f"optimizer must be one of {sorted(beta_defaults)}, got {optimizer!r}"
                         + ("" if custom is not None else " ('yours' needs custom=YourClass)"))
    if beta is None:
        beta = beta_defaults[optimizer] if beta_defaults[optimizer] is not None else 0.9
    common = {"layout": SLIDER_LAYOUT, "style": SLIDER_STYLE, "continuous_update": False}
    controls = {
        "optimizer": widgets.Dropdown(options=options, value=optimizer, description="optimizer",
                                      style=SLIDER_STYLE),
        "lr": learning_rate_slider(lr, min_exp=-3, max_exp=1),
        "beta": widgets.FloatSlider(value=beta, min=0.0, max=0.99, step=0.01,
                                    description="momentum / beta", readout_format=".2f", **common),
        "start_x": widgets.FloatSlider(value=start[0], min=-9.5, max=9.5, step=0.5,
                                       description="start x", **common),
        "start_y": widgets.FloatSlider(value=start[1], min=-4.5, max=4.5, step=0.5,
                                       description="start y", **common),
        "steps": widgets.IntSlider(value=steps, min=5, max=200, step=5, description="steps", **common),
        "condition": widgets.FloatLogSlider(value=condition, base=10, min=0, max=2, step=0.1,
                                            description="stretch (condition)", readout_format=".3g", **common),
        "angle": widgets.FloatSlider(value=angle, min=0.0, max=90.0, step=15.0,
                                     description="bowl rotation (°)", readout_format=".0f", **common),
    }

    def compute(optimizer, lr, beta, start_x, start_y, steps, condition, angle):
        bowl = Bowl(condition, angle)
        steps = int(steps)
        if optimizer == "yours":
            name = getattr(custom, "__name__", "your optimizer")
            kwargs = {"lr": lr} if custom_keyword is None else {"lr": lr, custom_keyword: beta}
            try:
                opt = custom(**kwargs)
                path = optimizer_path(opt, (start_x, start_y), steps, grad=bowl.grad)
            except NotImplementedError:
                return PathResult(np.array([[start_x, start_y]]), steps, name, True, bowl, not_attempted=True)
            return PathResult(path, steps, name, custom_keyword is not None, bowl,
                              label=f"{name} lr {lr:.2g}" + (f", {custom_keyword} {beta:.2f}" if custom_keyword else ""))
        opt = make(optimizer, lr, beta)
        path = optimizer_path(opt, (start_x, start_y), steps, grad=bowl.grad)
        used = BETA_KEYWORD[optimizer] is not None
        label = f"{type(opt).__name__} lr {lr:.2g}" + (f", {BETA_KEYWORD[optimizer]} {beta:.2f}" if used else "")
        return PathResult(path, steps, type(opt).__name__, used, bowl, label=label)

    return _PathPlayground(controls, compute, _draw_path_result,
                           title="Optimizer paths on a bowl (book: f(x, y) = x²/20 + y²)",
                           beta_defaults=beta_defaults)


def _draw_path_result(result, values, previous=None):
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    draw_contour(ax, bowl=result.bowl)
    if previous is not None and getattr(previous, "path", None) is not None and not previous.not_attempted:
        ghost = previous.path[np.all(np.abs(previous.path) < 1e3, axis=1)]
        label = f"previous: {previous.label}"
        if (previous.bowl.condition, previous.bowl.angle) != (result.bowl.condition, result.bowl.angle):
            label += f" (on the bowl: condition {previous.bowl.condition:.3g}, {previous.bowl.angle:.0f}°)"
        ax.plot(ghost[:, 0], ghost[:, 1], "o-", color="0.5", alpha=0.5, markersize=2, linewidth=0.9,
                label=label, zorder=1)
    path = result.path
    shown = path[np.all(np.abs(path) < 1e3, axis=1)]
    color = DIVERGED_COLOR if result.diverged else PALETTE[1]
    if len(shown) > 1:
        draw_path(ax, shown, color, label=result.label, zorder=3)
    ax.plot(*path[0], "s", color=PALETTE[0], markersize=7, label="start", zorder=4)
    if result.diverged:
        ax.text(0.5, 0.9, f"diverged after {len(path) - 1} steps", transform=ax.transAxes, ha="center",
                color=DIVERGED_COLOR, fontsize=12, fontweight="bold")
        end = "diverged"
    elif result.not_attempted:
        ax.text(0.5, 0.9, f"{result.name}: not attempted yet", transform=ax.transAxes, ha="center",
                color="0.3", fontsize=12)
        end = "not attempted yet"
    else:
        end = f"{result.final_f:.2e}"
    bowl = result.bowl
    ax.set_title(f"{result.name}  lr={values['lr']:.3g}  f(end) = {end}   "
                 f"(bowl: condition {bowl.condition:.3g}, rotated {bowl.angle:.0f}°)", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


def mnist_optimizer_playground(optimizer="sgd", lr=0.1, hidden_size_list=(50, 50), n_train=1000, epochs=8):
    """The three course knobs plus an optimizer choice, on a small ReLU net and 1000 MNIST images.

    The previous run stays on the figure as a grey ghost (:func:`dlhelpers.recipes.draw_training_run`).
    """
    choice = widgets.Dropdown(options=[("SGD", "sgd"), ("Momentum", "momentum"), ("Nesterov", "nesterov"),
                                       ("AdaGrad", "adagrad"), ("RMSprop", "rmsprop"), ("Adam", "adam")],
                              value=optimizer, description="optimizer", style=SLIDER_STYLE)
    sizes = "-".join(str(h) for h in hidden_size_list)
    return TrainingPlayground(
        lr=lr, extra_controls={"optimizer": choice},
        fixed={"hidden_size_list": tuple(hidden_size_list), "n_train": n_train, "epochs": epochs},
        title=f"Optimizers on a 784-{sizes}-10 ReLU net, {n_train} MNIST images, {epochs} epochs")
