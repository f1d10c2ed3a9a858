"""Notebook 05's figures and its regularization playground, on top of :mod:`dlhelpers.experiments.overfitting`.

Every accuracy drawn from several seeds is a mean with its standard error as an error bar, and the
single seeds as faint dots, so a reader sees the spread a claim rests on.
"""
import matplotlib.pyplot as plt
import numpy as np

from ..data import load_mnist_cached as _mnist
from ..experiments.overfitting import (POOL_SIZE, best_by_mean_validation, gain_summary, gap,
                                       paired_accuracies, paired_gains, seeds_of, validation_data)
from ..network import MultiLayerNet
from ..playground_result import PlaygroundResult
from ..plotting import DIVERGED_COLOR, PALETTE, draw_ghost, mark_diverged
from ..training import Trainer

__all__ = ["draw_curves", "draw_gap_panels", "draw_sweep", "draw_paired_gains", "draw_summary",
           "draw_weight_norms", "draw_ensemble_reading", "draw_early_stopping", "WEIGHT_DECAY_OPTIONS",
           "N_TRAIN_OPTIONS", "PLAYGROUND_N_VAL", "RegularizationRun", "compute_regularization",
           "draw_regularization", "regularization_playground"]


def _mean_se(values):
    values = np.asarray(values, dtype=np.float64)
    return values.mean(), values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else 0.0


def draw_curves(result, ax=None, title="No regularization"):
    """Train, validation and test accuracy per epoch; the train-validation gap shaded and its value
    (:func:`dlhelpers.experiments.overfitting.gap`, the last 10 epochs) in the legend."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2))
    train, val = np.asarray(result["train_acc"]), np.asarray(result["val_acc"])
    epochs = np.arange(len(train))
    ax.plot(epochs, train, color=PALETTE[0], label="train")
    ax.plot(epochs, val, color=PALETTE[2], label="validation")
    if result.get("test_acc"):
        ax.plot(epochs, result["test_acc"], color=PALETTE[1], linestyle="--", linewidth=1, label="test")
    ax.fill_between(epochs, val, train, where=train >= val, color=PALETTE[3], alpha=0.18,
                    label=f"gap (last 10 epochs: {gap(result):.2f})")
    ax.set(title=title, xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
    ax.legend(loc="lower right", fontsize=8)
    return ax


def draw_gap_panels(results, titles=None):
    """One :func:`draw_curves` panel per run, side by side."""
    labels = list(results)
    fig, axes = plt.subplots(1, len(labels), figsize=(3.6 * len(labels), 3.2), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, label in zip(axes, labels):
        draw_curves(results[label], ax=ax, title=(titles or {}).get(label, label))
    fig.tight_layout()
    return fig


def draw_sweep(results, labels, values, xlabel, log_x=True, title=None, baseline="no regularization"):
    """Mean accuracy over each setting's seeds against its strength (error bars: standard errors).

    Left: train, validation and test from 0 (underfitting shows as a falling train curve). Right:
    the paired validation gain over the baseline per seed (faint dots) and its mean ± standard
    error; the setting with the best mean validation accuracy is circled (the choice).
    """
    fig, (ax, az) = plt.subplots(1, 2, figsize=(9.6, 3.3))
    styles = (("final_train_acc", "train", "^-", PALETTE[0]), ("final_val_acc", "validation", "o-", PALETTE[2]),
              ("final_test_acc", "test (report only)", "s--", PALETTE[1]))
    for key, name, style, color in styles:
        stats = [_mean_se(paired_accuracies(results, k, key=key)) for k in labels]
        ax.errorbar(values, [m for m, _ in stats], yerr=[e for _, e in stats], fmt=style, color=color,
                    markersize=4, capsize=3, label=name)
        base = paired_accuracies(results, baseline, key=key).mean()
        if key != "final_train_acc":
            ax.axhline(base, color=color, linewidth=1, alpha=0.5, linestyle=":")
    ax.set(ylim=(0, 1.05), ylabel="accuracy (mean over seeds)",
           title=title or "Accuracy against the regularizer's strength")
    ax.legend(fontsize=7, loc="lower left", title="dotted: no regularization", title_fontsize=7)
    best = list(labels).index(best_by_mean_validation(results, labels, baseline))
    gains = [100 * paired_gains(results, k, baseline=baseline) for k in labels]
    low = -4.0
    for i, g in enumerate(gains):
        m, e = _mean_se(g)
        if m < low:  # far too strong: said in words at the bottom edge instead of stretching the axis
            az.annotate(f"{m:+.0f} ± {e:.0f}\n(off the scale)", (values[i], low), xytext=(0, 22),
                        textcoords="offset points", ha="center", fontsize=7, color=PALETTE[1],
                        arrowprops={"arrowstyle": "->", "color": PALETTE[1]})
            continue
        az.plot(np.full(len(g), values[i]), g, "o", color=PALETTE[2], alpha=0.3, markersize=4)
        az.errorbar([values[i]], [m], yerr=[e], fmt="o", color="black", capsize=4, markersize=5)
    az.plot([], [], "o", color=PALETTE[2], alpha=0.3, label="one seed (against its own baseline)")
    az.errorbar([], [], yerr=[], fmt="o", color="black", capsize=4, label="mean ± standard error")
    az.plot(values[best], _mean_se(gains[best])[0], "o", markersize=14, markerfacecolor="none",
            markeredgecolor=PALETTE[3], markeredgewidth=2, label=f"chosen on mean validation ({values[best]:g})")
    az.axhline(0, color="grey", linewidth=1)
    az.set(ylim=(low, 5.0), ylabel="validation gain (points)",
           title=f"Paired gain over the baseline (zoom: {low:g} to +5 points)")
    az.legend(fontsize=7, loc="upper right")
    for axis in (ax, az):
        if log_x:
            axis.set_xscale("log")
        axis.set(xlabel=xlabel)
    az.set_xlim(ax.get_xlim())  # the same strengths on both panels, also those off the zoom
    fig.tight_layout()
    return fig


def draw_paired_gains(results, labels, baseline="no regularization", key="final_val_acc",
                      title="Paired gains over the baseline, one dot per seed", names=None):
    """Horizontal strip plot: per label, each seed's gain (points) and the mean ± 2 standard errors
    (green: a gain, orange: a loss, grey: within the noise). ``names`` relabels the rows."""
    fig, ax = plt.subplots(figsize=(8.4, 0.45 * len(labels) + 1.2))
    for row, k in enumerate(labels):
        g = 100 * paired_gains(results, k, key=key, baseline=baseline)
        s = gain_summary(g / 100)
        color = PALETTE[2] if s["verdict"] == "gain" else PALETTE[1] if s["verdict"] == "loss" else "grey"
        ax.plot(g, np.full(len(g), row), "o", color=color, alpha=0.35, markersize=5)
        ax.errorbar([100 * s["mean"]], [row], xerr=[200 * s["se"]], fmt="D", color=color, capsize=4,
                    markersize=6)
    ax.axvline(0, color="black", linewidth=1)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels([(names or {}).get(k, k) for k in labels], fontsize=8)
    ax.invert_yaxis()
    ax.set(xlabel="gain in points of accuracy (diamond: mean, bar: ± 2 standard errors)", title=title)
    fig.tight_layout()
    return fig


def draw_summary(results, labels, names=None):
    """Mean train, validation and test accuracy over each label's seeds (bars, standard errors as
    error bars), one group per kind of run."""
    labels = list(labels)
    keys = (("final_train_acc", "train", PALETTE[0]), ("final_val_acc", "validation", PALETTE[2]),
            ("final_test_acc", "test", PALETTE[1]))
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(9.6, 3.6))
    for j, (key, name, color) in enumerate(keys):
        stats = [_mean_se(paired_accuracies(results, k, key=key)) for k in labels]
        heights = [m for m, _ in stats]
        ax.bar(x + (j - 1) * 0.27, heights, 0.27, yerr=[e for _, e in stats], color=color, label=name,
               capsize=2, error_kw={"linewidth": 0.8})
        if key != "final_train_acc":
            for xi, h in zip(x, heights):
                ax.annotate(f"{h:.2f}", (xi + (j - 1) * 0.27, h + 0.02), ha="center", fontsize=7)
    ax.set(xticks=x, ylim=(0, 1.15), ylabel="accuracy at the end (mean over seeds)",
           title="300 training images (last group: 1000): every kind of run, mean over its seeds")
    ax.set_xticklabels([f"{(names or {}).get(k, k)}\n({len(seeds_of(results, k))} seeds)" for k in labels], fontsize=7)
    ax.legend(loc="upper right", fontsize=8, ncol=3)
    fig.tight_layout()
    return fig


def draw_weight_norms(results, labels):
    """Sum of W^2 after training (mean over each run's seeds, standard error bars), one bar per run."""
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(labels) + 1.0))
    stats = [_mean_se(paired_accuracies(results, k, key="weight_sq")) for k in labels]
    ax.barh(labels, [m for m, _ in stats], xerr=[e for _, e in stats],
            color=[PALETTE[i % len(PALETTE)] for i in range(len(labels))])
    ax.invert_yaxis()
    ax.set(xlabel=r"$\sum W^2$ over all layers after training" + " (mean over seeds)",
           title="Weight decay keeps the weights small")
    fig.tight_layout()
    return fig


def draw_ensemble_reading(readings, real, real_dropout=None, zoom_from=0.78):
    """Dropout's ensemble reading beside a real ensemble, accuracy against the ensemble size k.

    readings : list of :func:`~dlhelpers.experiments.overfitting.ensemble_reading` dicts (one
        dropout net each): the mean over nets of the average of k thinned nets, the test-mode net
        and one thinned net. real : :func:`~dlhelpers.experiments.overfitting.ensemble_accuracy`
        of independently trained plain nets; ``real_dropout`` the same for dropout nets (or None).
    The y-axis starts at ``zoom_from`` (said in the title).
    """
    fig, ax = plt.subplots(figsize=(7.4, 3.4))
    k = readings[0]["n_members"]
    ax.plot(k, np.mean([r["ensemble_acc"] for r in readings], axis=0), "o-", color=PALETTE[0],
            label="average of k thinned nets of ONE dropout net (masks)")
    ax.axhline(np.mean([r["test_mode_acc"] for r in readings]), color=PALETTE[0], linestyle="--",
               label="that dropout net in test mode (scaled, no masks)")
    ax.axhline(np.mean([r["single_masked_acc"] for r in readings]), color=PALETTE[0], linestyle=":",
               label="one thinned net")
    ax.plot(real["n_members"], real["ensemble_acc"], "s-", color=PALETTE[1],
            label="average of k independently trained plain nets")
    ax.axhline(np.mean(real["single_acc"]), color=PALETTE[1], linestyle=":", label="one plain net (mean)")
    if real_dropout is not None:
        ax.plot(real_dropout["n_members"], real_dropout["ensemble_acc"], "^-", color=PALETTE[2],
                label="average of k independently trained dropout nets")
    ax.set_xscale("log")
    top = max(max(real["ensemble_acc"]), max((real_dropout or real)["ensemble_acc"])) + 0.01
    ax.set(xlabel="ensemble size k (log scale)", ylabel="validation accuracy", ylim=(zoom_from, top),
           title=f"Dropout's ensemble against a real one (y-axis starts at {zoom_from})")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def draw_early_stopping(full, stopped, zoom_from=0.7):
    """One run (seed 0) and where early stopping ended it, in three panels.

    ``stopped``: a dict with 'best_epoch' and 'stop_epoch'. Left: train, validation and test
    accuracy (y from 0). Middle: validation and test accuracy, zoomed (the y-axis starts at
    ``zoom_from``, said in the title). Right: validation loss. Dashed: the best validation epoch;
    dotted: the stop.
    """
    fig, (ax, az, al) = plt.subplots(1, 3, figsize=(12, 3.3))
    e = np.arange(len(full["train_acc"]))
    stop, best = stopped["stop_epoch"], stopped["best_epoch"]
    for axis in (ax, az, al):
        axis.axvline(best, color=PALETTE[4], linestyle="--", label=f"best validation epoch ({best})")
        if stop is not None:
            axis.axvline(stop, color=PALETTE[7], linestyle=":", label=f"early stop ({stop})")
        axis.set(xlabel="epoch")
    ax.plot(e, full["train_acc"], color=PALETTE[0], label="train")
    for axis in (ax, az):
        axis.plot(e, full["val_acc"], color=PALETTE[2], label="validation")
        axis.plot(e, full["test_acc"], color=PALETTE[1], linestyle="--", linewidth=1, label="test (report only)")
        axis.set(ylabel="accuracy")
    az.plot(best, full["val_acc"][best], "o", color=PALETTE[4])
    al.plot(e, full["val_loss"], color=PALETTE[2], label="validation loss")
    ax.set(ylim=(0, 1.02), title="No regularization, 100 epochs (seed 0)")
    az.set(ylim=(zoom_from, max(max(full["val_acc"]), max(full["test_acc"])) + 0.02),
           xlim=(10, len(e) - 1), title=f"Zoom (y-axis starts at {zoom_from})")
    al.set(ylim=(0, max(full["val_loss"][10:]) * 1.15), xlim=(10, len(e) - 1), ylabel="cross-entropy",
           title="Validation loss (from 0)")
    for axis in (ax, az, al):
        axis.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- playground
WEIGHT_DECAY_OPTIONS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
N_TRAIN_OPTIONS = (100, 300, 1000, 3000)
PLAYGROUND_N_VAL = 500  # validation images (the last of the pool) and test images per epoch


class RegularizationRun(PlaygroundResult):
    """Playground result: the Trainer's history, final accuracies and the train-validation gap.

    Attributes: ``history`` ('train_acc', 'val_acc', 'test_acc' per epoch), ``trainer``,
    ``final_train_acc``, ``final_val_acc``, ``final_test_acc``, ``gap`` (the notebook's
    :func:`~dlhelpers.experiments.overfitting.gap`: train minus validation, mean of the last 10
    epochs, the value the figure's legend shows), ``message``, ``diverged``.
    """

    def __init__(self, trainer):
        h = trainer.history
        self.trainer, self.history, self.diverged = trainer, h, trainer.diverged
        self.final_train_acc, self.final_val_acc = h["train_acc"][-1], h["val_acc"][-1]
        self.final_test_acc = h["test_acc"][-1]
        self.gap = gap(h)
        self.message = (f"diverged: {trainer.stop_reason}" if trainer.diverged else
                        f"final train {self.final_train_acc:.2f}, validation {self.final_val_acc:.2f} "
                        f"(test {self.final_test_acc:.2f}), gap train - validation (last 10 epochs) {self.gap:.2f}")


def compute_regularization(lr=0.1, weight_init_std="he", dropout_ratio=0.0, weight_decay_lambda=0.0,
                           n_train=300, epochs=40, seed=0):
    """Train the playground's net (6 x 100 ReLU, SGD, batch 100) on ``n_train`` images.

    Validation: the last 500 images of the training pool; test: the first 500 test images;
    training accuracy on (at most) the first 500 training images. ``seed``: weights, batch order
    and masks. Returns a :class:`RegularizationRun`.
    """
    if isinstance(n_train, bool) or not isinstance(n_train, (int, np.integer)) or \
            not 1 <= n_train <= POOL_SIZE - PLAYGROUND_N_VAL:
        raise ValueError(f"n_train must be an integer in 1..{POOL_SIZE - PLAYGROUND_N_VAL} (the rest of "
                         f"the pool is validation data), got {n_train!r}")
    (x, t), (xt, tt) = _mnist()
    x_val, t_val = validation_data(PLAYGROUND_N_VAL)
    net = MultiLayerNet(784, [100] * 6, 10, weight_init_std=weight_init_std,
                        weight_decay_lambda=weight_decay_lambda, use_dropout=dropout_ratio > 0,
                        dropout_ratio=dropout_ratio if dropout_ratio > 0 else 0.5, seed=seed)
    trainer = Trainer(net, x[:n_train], t[:n_train], x_val=x_val, t_val=t_val, x_test=xt[:PLAYGROUND_N_VAL],
                      t_test=tt[:PLAYGROUND_N_VAL], epochs=epochs, mini_batch_size=100, optimizer="sgd",
                      optimizer_param={"lr": lr}, evaluate_sample_num_per_epoch=PLAYGROUND_N_VAL,
                      seed=seed, verbose=False, progress=False)
    trainer.train()
    return RegularizationRun(trainer)


def draw_regularization(result, values=None, previous=None):
    """Train, validation and test accuracy per epoch; ``previous`` (the last run, or None) as a
    faint grey ghost of its train and validation curves; a diverged run is marked in red."""
    fig, ax = plt.subplots(figsize=(7.5, 3.1))
    if previous is not None:
        for key, style in (("train_acc", "-"), ("val_acc", ":")):
            draw_ghost(ax, np.arange(len(previous.history[key])), previous.history[key], linestyle=style,
                       label="previous run (train, validation)" if key == "train_acc" else None)
    n = (values or {}).get("n_train", "")
    draw_curves(result.history, ax=ax, title=f"Train, validation and test accuracy ({n} training images)")
    if result.diverged:
        last = len(result.history["train_acc"]) - 1
        ax.plot(last, result.history["train_acc"][-1], "x", color=DIVERGED_COLOR, markersize=12, mew=3)
        mark_diverged(ax)
    fig.tight_layout()
    return fig


def regularization_playground(lr=0.1, weight_init_std="he", dropout_ratio=0.0, weight_decay_lambda=0.0,
                              n_train=300, epochs=40, seed=0):
    """Learning rate, weight init, dropout ratio, weight-decay lambda, training-set size, epochs and
    seed -> train, validation and test curves, the previous run as a ghost."""
    import ipywidgets as widgets
    from ..widgets import SLIDER_LAYOUT, SLIDER_STYLE, InitStdControl, Playground, dropout_slider, learning_rate_slider
    controls = {
        "lr": learning_rate_slider(lr, min_exp=-3, max_exp=0.5),
        "weight_init_std": InitStdControl(weight_init_std, schemes=("he", "xavier")),
        "dropout_ratio": dropout_slider(dropout_ratio),
        "weight_decay_lambda": widgets.SelectionSlider(
            options=[(f"{v:g}", v) for v in WEIGHT_DECAY_OPTIONS], value=weight_decay_lambda,
            description="weight decay λ", continuous_update=False, layout=SLIDER_LAYOUT, style=SLIDER_STYLE),
        "n_train": widgets.SelectionSlider(
            options=[(str(v), v) for v in N_TRAIN_OPTIONS], value=n_train, description="training images",
            continuous_update=False, layout=SLIDER_LAYOUT, style=SLIDER_STYLE),
        "epochs": widgets.IntSlider(value=epochs, min=10, max=150, step=10, description="epochs",
                                    continuous_update=False, layout=SLIDER_LAYOUT, style=SLIDER_STYLE),
        "seed": widgets.IntSlider(value=seed, min=0, max=7, description="seed", continuous_update=False,
                                  layout=SLIDER_LAYOUT, style=SLIDER_STYLE),
    }
    return Playground(controls, compute_regularization, draw_regularization,
                      title="Regularization playground: 6 x 100 ReLU, SGD, batch 100, validation on 500 held-out images")
