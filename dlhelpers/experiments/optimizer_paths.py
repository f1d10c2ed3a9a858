"""Experiments of notebook 02 (optimizers).

The paths of the six optimizers of :mod:`dlhelpers.optimizers` on the anisotropic bowl
f(x, y) = x^2 / 20 + y^2 from (-7, 2), sweeps of their learning rates, the step-size behaviour of
the adaptive methods, the learning-rate decay example and the two playgrounds. The optimizers are
the very classes that train the networks: here their ``params`` are two float64 arrays of shape
(1,), one per coordinate.
"""
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ..optimizers import SGD, ExponentialDecay, StepDecay, make_optimizer
from ..playground_result import PlaygroundResult
from ..plotting import PALETTE
from ..widgets import SLIDER_LAYOUT, SLIDER_STYLE, Playground, TrainingPlayground, learning_rate_slider

__all__ = ["f", "grad_f", "START", "PATH_SETTINGS", "MNIST_SETTINGS", "make", "optimizer_path", "book_paths",
           "sign_changes", "lr_sweep", "constant_gradient_steps", "draw_contour", "draw_path",
           "noisy_decay_comparison", "PathResult", "optimizer_playground", "mnist_optimizer_playground"]

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


def f(x, y):
    """The anisotropic bowl x^2 / 20 + y^2: twenty times steeper along y than along x."""
    return x ** 2 / 20.0 + y ** 2


def grad_f(x, y):
    """(df/dx, df/dy) = (x / 10, 2 y)."""
    return x / 10.0, 2.0 * y


def make(name, lr, beta=None):
    """An optimizer from :mod:`dlhelpers.optimizers` by name, with its beta-like knob set if it has one."""
    key = name.lower()
    kwargs = {"lr": lr}
    if beta is not None and BETA_KEYWORD.get(key):
        kwargs[BETA_KEYWORD[key]] = beta
    return make_optimizer(key, **kwargs)


def optimizer_path(optimizer, start=START, steps=30, grad=grad_f):
    """Run ``optimizer.update`` for ``steps`` steps on f from ``start``.

    Parameters
    ----------
    optimizer : Optimizer instance (its state is used and changed)
    start : (x, y)
    steps : int

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
             lrs=np.logspace(-3, 1, 41), steps=30, start=START):
    """f after ``steps`` steps for each optimizer at each learning rate (default hyperparameters otherwise).

    Returns
    -------
    dict name -> ndarray of shape (len(lrs),); ``inf`` where the path diverged.
    """
    out = {}
    for name in names:
        values = []
        for lr in lrs:
            path = optimizer_path(make_optimizer(name, lr=float(lr)), start, steps)
            values.append(f(*path[-1]) if len(path) == steps + 1 and np.all(np.isfinite(path[-1])) else np.inf)
        out[name] = np.array(values)
    return out


def constant_gradient_steps(names=("adagrad", "rmsprop", "adam"), lr=0.1, steps=200):
    """Step length per iteration when the gradient is always 1 (a long, even slope).

    AdaGrad's step shrinks like lr / sqrt(t) because its sum of squared gradients only grows;
    RMSprop and Adam forget old gradients and keep a step of about lr.

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


def _grid(xlim, ylim):
    key = (tuple(xlim), tuple(ylim))
    if key not in _GRID:
        X, Y = np.meshgrid(np.linspace(*xlim, 161), np.linspace(*ylim, 121))
        _GRID[key] = (X, Y, f(X, Y))
    return _GRID[key]


def draw_contour(ax, xlim=(-10, 10), ylim=(-5, 5)):
    """Contour lines of f (log-spaced levels) and the minimum at (0, 0)."""
    X, Y, Z = _grid(xlim, ylim)
    ax.contour(X, Y, Z, levels=np.logspace(-2, 1.6, 14), colors="0.78", linewidths=0.7)
    ax.plot(0, 0, "+", color="black", markersize=10, markeredgewidth=1.5)
    ax.set(xlim=xlim, ylim=ylim, xlabel="x", ylabel="y")
    return ax


def draw_path(ax, path, color, label=None, markersize=3):
    """One optimizer path as dots joined by lines."""
    ax.plot(path[:, 0], path[:, 1], "o-", color=color, markersize=markersize, linewidth=1.1, label=label)
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


# --------------------------------------------------------------------------- playgrounds
class PathResult(PlaygroundResult):
    """One playground path: the points, f at the end, the zig-zag count and a status line."""

    def __init__(self, path, steps, name, beta_used):
        self.path = path
        self.diverged = len(path) < steps + 1
        end = path[-1]
        self.final_f = float(f(*end)) if not self.diverged else float("inf")
        self.y_sign_changes = sign_changes(path[:, 1])
        self.distance = float(np.hypot(*(path[-1] - path[0]))) if not self.diverged else float("inf")
        if self.diverged:
            self.message = (f"{name} diverged after {len(path) - 1} steps: the learning rate is too large "
                            "for the steep y direction.")
        else:
            self.message = (f"{name}: f = {self.final_f:.2e} after {steps} steps at ({end[0]:.2f}, {end[1]:.2f}); "
                            f"y changed sign {self.y_sign_changes} times"
                            + ("" if beta_used else " (this optimizer has no momentum/beta knob)"))


def _compute_path(optimizer, lr, beta, start_x, start_y, steps):
    opt = make(optimizer, lr, beta)
    path = optimizer_path(opt, (start_x, start_y), int(steps))
    return PathResult(path, int(steps), type(opt).__name__, BETA_KEYWORD[optimizer] is not None)


def _draw_path_result(result, values):
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    draw_contour(ax)
    path = result.path
    shown = path[np.all(np.abs(path) < 1e3, axis=1)]
    draw_path(ax, shown, PALETTE[1])
    ax.plot(*path[0], "s", color=PALETTE[0], markersize=7, label="start")
    ax.set_title(f"{values['optimizer']}  lr={values['lr']:.3g}  f(end) = "
                 + ("diverged" if result.diverged else f"{result.final_f:.2e}"))
    ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


def optimizer_playground(optimizer="sgd", lr=0.95, beta=0.9, start=START, steps=30):
    """Path playground: optimizer, learning rate, momentum/beta, start point and number of steps.

    The beta knob is the momentum of Momentum and Nesterov, the decay rate of RMSprop and beta1
    of Adam; SGD and AdaGrad ignore it. Pure NumPy: one update takes a small fraction of a second.
    """
    options = [("SGD", "sgd"), ("Momentum", "momentum"), ("Nesterov", "nesterov"),
               ("AdaGrad", "adagrad"), ("RMSprop", "rmsprop"), ("Adam", "adam")]
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
    }
    return Playground(controls, _compute_path, _draw_path_result,
                      title="Optimizer paths on f(x, y) = x²/20 + y²")


def mnist_optimizer_playground(optimizer="sgd", lr=0.1, hidden_size_list=(50, 50), n_train=1000, epochs=8):
    """The three course knobs plus an optimizer choice, on a small ReLU net and 1000 MNIST images."""
    choice = widgets.Dropdown(options=[("SGD", "sgd"), ("Momentum", "momentum"), ("Nesterov", "nesterov"),
                                       ("AdaGrad", "adagrad"), ("RMSprop", "rmsprop"), ("Adam", "adam")],
                              value=optimizer, description="optimizer", style=SLIDER_STYLE)
    sizes = "-".join(str(h) for h in hidden_size_list)
    return TrainingPlayground(
        lr=lr, extra_controls={"optimizer": choice},
        fixed={"hidden_size_list": tuple(hidden_size_list), "n_train": n_train, "epochs": epochs},
        title=f"Optimizers on a 784-{sizes}-10 ReLU net, {n_train} MNIST images, {epochs} epochs")
