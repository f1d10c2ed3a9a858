"""Notebook 06's babysitting figures, on top of :mod:`dlhelpers.experiments.babysitting`."""
import matplotlib.pyplot as plt
import numpy as np

from ..experiments.babysitting import HEALTHY_UPDATE_RATIO
from ..plotting import DIVERGED_COLOR, PALETTE
from ..utils import smooth_curve


def draw_tiny_subset(trainer):
    h = trainer.history
    fig, (a, b) = plt.subplots(1, 2, figsize=(8.5, 2.8))
    a.plot(h["train_loss"], color=PALETTE[0])
    a.set(title=f"loss on the {len(trainer.x_train)} images", xlabel="iteration (= epoch)", ylabel="loss")
    a.set_yscale("log")
    b.plot(h["train_acc"], color=PALETTE[0], label="train (the tiny subset)")
    b.plot(h["val_acc"], color=PALETTE[2], linestyle=":", label="validation")
    b.set(title="accuracy", xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
    b.legend(fontsize=8, loc="lower right", frameon=True, framealpha=1.0)
    fig.suptitle("Sanity check: overfit a tiny subset")
    fig.tight_layout()
    return fig


def draw_learning_rate_runs(runs):
    """Loss per iteration (log scale) and training accuracy per epoch for each learning rate.

    A run the Trainer stopped as diverged is drawn in the diverged colour, its last point
    crossed and labelled "diverged" in both panels (it blew up; it did not merely fail to learn).
    """
    from matplotlib.ticker import MaxNLocator
    fig, (a, b) = plt.subplots(1, 2, figsize=(9.5, 3.0))
    names = {0: "too small", 1: "good", 2: "too large"}
    for i, (lr, tr) in enumerate(runs.items()):
        h = tr.history
        color = DIVERGED_COLOR if tr.diverged else PALETTE[i]
        label = f"lr {lr:g} ({names.get(i, '')})" + (": diverged" if tr.diverged else "")
        loss = np.asarray(h["train_loss"], dtype=float)
        acc = np.asarray(h["train_acc"], dtype=float)
        a.plot(np.arange(len(loss)), loss, color=color, label=label)
        b.plot(np.arange(len(acc)), acc, color=color, marker="o", markersize=3, label=label)
        if tr.diverged:
            for ax, x, y in ((a, len(loss) - 1, loss[-1]), (b, len(acc) - 1, acc[-1])):
                ax.plot([x], [y], marker="X", markersize=9, color=DIVERGED_COLOR, linestyle="none")
                ax.annotate("diverged", (x, y), xytext=(8, 4), textcoords="offset points",
                            color=DIVERGED_COLOR, fontsize=9, fontweight="bold")
    a.set_yscale("log")
    a.set(title="training loss", xlabel="iteration", ylabel="loss (log scale)")
    a.legend(fontsize=8, loc="center right")
    b.set(title="training accuracy", xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
    b.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    return fig


def draw_init_plateau(runs):
    fig, ax = plt.subplots(figsize=(8, 3.0))
    for i, (init, tr) in enumerate(runs.items()):
        loss = np.asarray(tr.history["train_loss"], dtype=float)
        name = f"weight std {init:g}" if not isinstance(init, str) else f"{init} init"
        ax.plot(loss, color=PALETTE[i], alpha=0.3)
        ax.plot(smooth_curve(loss, 9), color=PALETTE[i], label=name)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=True, framealpha=1.0)
    ax.set(title="A plateau at ln 10 before the loss falls: the signature of a too-small init",
           xlabel="iteration", ylabel="training loss")
    fig.tight_layout()
    return fig


def draw_update_ratios(runs, band=(3e-4, 3e-3)):
    """Per-layer update-to-weight ratio per iteration, one panel per learning rate, healthy band shaded."""
    fig, axes = plt.subplots(1, len(runs), figsize=(10, 3.0), sharey=True)
    for ax, (lr, tr) in zip(np.atleast_1d(axes), runs.items()):
        for j, (key, ratios) in enumerate(tr.history["update_ratio"].items()):
            ax.plot(smooth_curve(ratios, 5), color=PALETTE[j], label=key, linewidth=1.3)
        ax.axhspan(*band, color=PALETTE[2], alpha=0.15)
        ax.axhline(HEALTHY_UPDATE_RATIO, color=PALETTE[2], linestyle="--", linewidth=1)
        ax.set_yscale("log")
        ax.set(title=f"lr = {lr:g}", xlabel="iteration")
    axes[0].set_ylabel(r"$\|\Delta W\| \,/\, \|W\|$ per step")
    axes[0].legend(fontsize=8, loc="upper right", ncol=3, frameon=True, framealpha=1.0)
    axes[-1].text(0.98, 0.02, "shaded: about 1e-3", transform=axes[-1].transAxes, ha="right",
                  va="bottom", fontsize=8, color=PALETTE[2])
    fig.suptitle("Update-to-weight ratio per layer (healthy: around 1e-3)")
    fig.tight_layout()
    return fig

