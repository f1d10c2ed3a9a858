"""Notebook 02's figures and playgrounds, on top of :mod:`dlhelpers.experiments.optimizer_paths`.

Contours and paths on the bowl, the learning-rate sweep, the range test and the schedules, the
path playground (with the reader's own optimizer) and the small MNIST playground. A diverged path
is drawn in :data:`dlhelpers.plotting.DIVERGED_COLOR` by the one rule
:func:`dlhelpers.experiments.optimizer_paths.diverged`.
"""
import inspect

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ..experiments.optimizer_paths import (BETA_KEYWORD, DEFAULT_BETA, START, Bowl, _signature_default, diverged,
                                           f, make, optimizer_path, sign_changes)
from ..playground_result import PlaygroundResult
from ..plotting import DIVERGED_COLOR, GHOST_STYLE, PALETTE
from ..widgets import SLIDER_LAYOUT, SLIDER_STYLE, Playground, TrainingPlayground, learning_rate_slider

__all__ = ["draw_contour", "draw_path", "draw_lr_sweep", "draw_lr_range_test", "draw_weight_decay_in_adam",
           "PathResult", "optimizer_playground", "mnist_optimizer_playground"]

#: Keywords a reader's optimizer class may use for its momentum-like knob (first match wins).
_CUSTOM_BETA_KEYWORDS = ("beta1", "momentum", "decay_rate", "beta", "rho")

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





def draw_lr_range_test(ax, runs, labels=None):
    """Smoothed loss against the learning rate (log x) for one or more range tests, each with its
    minimum marked (a dot) and the rate ten times below it (a dashed line): the reading."""
    for i, run in enumerate(runs):
        color = PALETTE[i % len(PALETTE)]
        label = (labels or [None] * len(runs))[i]
        ax.plot(run["lr"], run["loss"], color=color, alpha=0.2, linewidth=0.7)
        ax.plot(run["lr"], run["smoothed"], color=color, linewidth=1.6, label=label)
        best = int(np.nanargmin(run["smoothed"]))
        ax.plot(run["lr"][best], run["smoothed"][best], "o", color=color, markersize=6)
        ax.axvline(run["lr_at_min"] / 10, color=color, linestyle="--", linewidth=0.9)
    ax.set_xscale("log")
    ax.set(xlabel="learning rate (grows every step)", ylabel="mini-batch loss (smoothed)", ylim=(0, 4))
    if labels:
        ax.legend(fontsize=8, loc="upper left")
    return ax


def draw_weight_decay_in_adam(ax, trajectories, gradient_sizes, lr, weight_decay):
    """The weights of :func:`dlhelpers.experiments.optimizer_paths.weight_decay_in_adam` against the
    step: one colour per rule, solid for the weight with tiny gradients, dashed for the large ones."""
    for i, (rule, w) in enumerate(trajectories.items()):
        for j, size in enumerate(gradient_sizes):
            ax.plot(w[:, j], color=PALETTE[i], linestyle="-" if j == 0 else "--", linewidth=1.6,
                    label=f"{rule}, gradient \u00b1{size:g}")
    steps = np.arange(len(next(iter(trajectories.values()))))
    ax.plot(steps, (1 - lr * weight_decay) ** steps, color="0.3", linestyle=":", linewidth=1.0,
            label=f"(1 - lr \u00b7 wd)^t = (1 - {lr * weight_decay:g})^t")
    ax.set(xlabel="step", ylabel="weight", ylim=(-0.05, 1.05))
    ax.legend(fontsize=8)
    return ax


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
        self.diverged = (not not_attempted) and (len(path) < steps + 1 or diverged(path, bowl.f))
        end = path[-1]
        ok = not (self.diverged or not_attempted)
        self.final_f = float(bowl.f(*end)) if ok else float("inf")
        self.cut = len(path) < steps + 1
        self.y_sign_changes = sign_changes(path[:, 1])
        self.distance = float(np.hypot(*(path[-1] - path[0]))) if ok else float("inf")
        if not_attempted:
            self.message = (f"{name}: not attempted yet (its update raises NotImplementedError); write it in "
                            "the exercise, run that cell and this one again.")
        elif self.diverged:
            how = (f"left the plot after {len(path) - 1} steps" if self.cut else
                   f"f grew from {bowl.f(*path[0]):.3g} to {bowl.f(*end):.3g} in {steps} steps")
            self.message = (f"{name} diverged ({how}): the learning rate is too large for the steep "
                            "direction.")
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
        ax.plot(ghost[:, 0], ghost[:, 1], "o-", markersize=2, label=label, **GHOST_STYLE)
    path = result.path
    shown = path[np.all(np.abs(path) < 1e3, axis=1)]
    color = DIVERGED_COLOR if result.diverged else PALETTE[1]
    if len(shown) > 1:
        draw_path(ax, shown, color, label=result.label, zorder=3)
    ax.plot(*path[0], "s", color=PALETTE[0], markersize=7, label="start", zorder=4)
    if result.diverged:
        ax.text(0.5, 0.9, "diverged: " + (f"left the plot after {len(path) - 1} steps" if result.cut
                                          else "f grew above its start"),
                transform=ax.transAxes, ha="center", color=DIVERGED_COLOR, fontsize=12, fontweight="bold")
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
