"""Plot helpers with one consistent look across the course."""
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from .utils import smooth_curve

#: Colours for up to eight named series (colour-blind friendly, Okabe-Ito order).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

#: Every diverged run, marker and status line in every figure and playground.
DIVERGED_COLOR = "#b00020"

#: The previous run a playground keeps for comparison: thin, grey, behind the new one.
GHOST_STYLE = {"color": "#aaaaaa", "linewidth": 1.0, "alpha": 0.7, "zorder": 0}

COURSE_STYLE = {
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "figure.figsize": (7.0, 3.6),
    # opaque white, not the inline backend's transparent default: readable in dark themes too
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
}


def use_course_style():
    """Apply the course's matplotlib settings (small PNGs, light grid, colour-blind palette)."""
    mpl.rcParams.update(COURSE_STYLE)


def plot_loss_curves(curves, ax=None, smooth=11, log_y=False, title="Training loss", xlabel="iteration"):
    """One line per named loss curve, smoothed by a moving average (raw curve faint behind it).

    curves : dict name -> sequence of per-iteration losses.
    """
    ax = ax or plt.gca()
    for i, (name, values) in enumerate(curves.items()):
        color = PALETTE[i % len(PALETTE)]
        values = np.asarray(values, dtype=float)
        if smooth and len(values) > smooth:
            ax.plot(values, color=color, alpha=0.2, linewidth=0.8)
            ax.plot(smooth_curve(values, smooth), color=color, label=name, linewidth=1.6)
        else:
            ax.plot(values, color=color, label=name, linewidth=1.6)
    ax.set(title=title, xlabel=xlabel, ylabel="loss")
    if log_y:
        ax.set_yscale("log")
    if curves:
        ax.legend()
    return ax


def plot_accuracy(history, ax=None, title="Accuracy", keys=("train_acc", "test_acc", "val_acc")):
    """Train/test(/validation) accuracy per epoch from a Trainer history (epoch 0 = before training)."""
    ax = ax or plt.gca()
    styles = {"train_acc": ("train", "-", PALETTE[0]), "test_acc": ("test", "--", PALETTE[1]),
              "val_acc": ("validation", ":", PALETTE[2])}
    for key in keys:
        values = history.get(key) or []
        if len(values):
            label, ls, color = styles[key]
            ax.plot(np.arange(len(values)), values, ls, color=color, marker="o", markersize=3, label=label)
    ax.set(title=title, xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    ax.legend(loc="lower right")
    return ax


def mark_diverged(ax, text="diverged"):
    """Write ``text`` across ``ax`` in the diverged colour (a run that blew up, not one that did not learn)."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            color=DIVERGED_COLOR, fontsize=14, fontweight="bold")
    return ax


def draw_ghost(ax, x, y, label="previous", **style):
    """The previous run's curve ``y`` against ``x`` in :data:`GHOST_STYLE` (keywords override it)."""
    return ax.plot(x, y, label=label, **{**GHOST_STYLE, **style})
