"""Notebook 04's figures and playground, on top of :mod:`dlhelpers.experiments.batchnorm`."""
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from ..experiments.batchnorm import run_failure
from ..playground_result import PlaygroundResult
from ..plotting import DIVERGED_COLOR, GHOST_STYLE, PALETTE, mark_diverged
from ..recipes import train_small_net
from ..widgets import InitStdControl, Playground, dropout_slider, learning_rate_slider


def draw_preactivation_spread(spread):
    """Two rows of per-layer histograms: Affine outputs without BN (top), BN outputs (bottom).

    Each top panel has its own symmetric x range (the spread shrinks by decades); its three ticks
    are written out (no offset text), so the shrinking scale reads off the tick labels.
    """
    n = len(spread["plain"])
    fig, axes = plt.subplots(2, n, figsize=(11, 4.4), sharey="row")
    for i in range(n):
        for row, (key, color, label) in enumerate((("plain", PALETTE[1], "no BN:\nAffine output"),
                                                   ("normalized", PALETTE[0], "with BN:\nafter BN"))):
            values = spread[key][i].ravel()
            ax = axes[row, i]
            limit = float(np.quantile(np.abs(values), 0.995)) * 1.1
            ax.hist(values, bins=np.linspace(-limit, limit, 41), color=color, alpha=0.85)
            ax.set_xlim(-limit, limit)
            tick = float(f"{limit * 0.7:.1g}")
            ax.set_xticks([-tick, 0.0, tick])
            ax.set_xticklabels([f"{-tick:.0e}" if tick < 0.01 else f"{-tick:g}", "0",
                                f"{tick:.0e}" if tick < 0.01 else f"{tick:g}"])
            ax.set_title(f"layer {i + 1}: std {values.std():.2g}", fontsize=10)
            ax.tick_params(labelsize=9)
            ax.yaxis.set_major_locator(MaxNLocator(3))
            if i == 0:
                ax.set_ylabel(label, fontsize=10)
    fig.supxlabel("pre-activation value (note each top panel's own scale)", fontsize=10)
    fig.suptitle(f"Pre-activations of a {n}-layer ReLU net, weight std {spread['weight_init_std']:g}, "
                 f"{spread['plain'][0].shape[0]} MNIST images")
    fig.tight_layout()
    return fig


def draw_running_stats(demo):
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.0))
    for ax, key, truth, title in ((axes[0], "running_mean", demo["means"], "running mean"),
                                  (axes[1], "running_var", demo["vars"], "running variance")):
        for j in range(demo[key].shape[1]):
            ax.plot(np.arange(1, len(demo[key]) + 1), demo[key][:, j], color=PALETTE[j],
                    label=f"feature {j}")
            ax.axhline(truth[j], color=PALETTE[j], linestyle=":", linewidth=1)
        ax.set(title=f"{title} (dotted: true value)", xlabel="training batch")
    axes[0].legend(loc="center right", bbox_to_anchor=(1.0, 0.3))
    fig.suptitle(f"Running statistics with momentum {demo['momentum']}: "
                 r"$\mu_{run} \leftarrow 0.9\,\mu_{run} + 0.1\,\mu_B$")
    fig.tight_layout()
    return fig


def _draw_run(ax, acc, diverged, epochs_done, color, style, width, label):
    """One run's accuracy curve; a diverged run ends in an x at the epoch it was stopped in."""
    if not diverged:
        ax.plot(np.arange(len(acc)), acc, color=color, linestyle=style, linewidth=width, label=label)
        return
    ax.plot(np.arange(epochs_done + 1), acc[:epochs_done + 1], color=color, linestyle=style, linewidth=width)
    ax.plot([epochs_done + 0.5], [acc[epochs_done]], "x", color=DIVERGED_COLOR, markersize=8, markeredgewidth=2,
            label=f"{label}: diverged")
    ax.text(0.97, 0.3, f"{label}:\ndiverged", transform=ax.transAxes, ha="right", va="center",
            color=DIVERGED_COLOR, fontsize=10, fontweight="bold")


def draw_init_scale_grid(grid):
    """A 4x4 grid of small panels (like the book's figure): training accuracy per epoch, BN vs not.

    A run stopped because its loss exploded is drawn up to its last epoch, then an x and the word
    "diverged", never as a flat line at chance.
    """
    stds = grid["stds"]
    rows = int(np.ceil(len(stds) / 4))
    fig, axes = plt.subplots(rows, 4, figsize=(9.5, 1.85 * rows + 1.1), sharex=True, sharey=True)
    epochs = grid["bn"].shape[1] - 1
    for i, ax in enumerate(axes.flat):
        if i >= len(stds):
            ax.axis("off")
            continue
        _draw_run(ax, grid["bn"][i], grid["bn_diverged"][i], grid["bn_epochs_done"][i], PALETTE[0], "-",
                  1.8, "with BN")
        _draw_run(ax, grid["plain"][i], grid["plain_diverged"][i], grid["plain_epochs_done"][i], PALETTE[1],
                  "--", 1.5, "no BN")
        ax.axhline(0.1, color="#999999", linewidth=0.8, linestyle=":", zorder=0)
        ax.set_title(f"std = {stds[i]:.2g}", fontsize=10)
        ax.set_ylim(0, 1.05)
        ax.set_xlim(-0.3, epochs + 1.3)
        ax.tick_params(labelsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        if i % 4 == 0:
            ax.set_ylabel("train acc", fontsize=10)
        if i >= len(stds) - 4:
            ax.set_xlabel("epoch", fontsize=10)
    handles = [plt.Line2D([], [], color=PALETTE[0], linewidth=1.8, label="with BN"),
               plt.Line2D([], [], color=PALETTE[1], linestyle="--", linewidth=1.5, label="no BN"),
               plt.Line2D([], [], color=DIVERGED_COLOR, marker="x", linestyle="none", markersize=8,
                          markeredgewidth=2, label="loss exploded: training stopped (diverged)"),
               plt.Line2D([], [], color="#999999", linestyle=":", label="chance (10 %)")]
    fig.suptitle(f"Training accuracy at {len(stds)} weight-init scales ({grid['n_train']} images, "
                 f"5 x 100 ReLU, SGD lr {grid['lr']:g}, {grid['epochs']} epochs)")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=9, frameon=False)
    return fig


def draw_learning_rate_comparison(comparison):
    lrs = comparison["lrs"]
    fig, axes = plt.subplots(1, len(lrs), figsize=(10, 3.0), sharey=True)
    for ax, lr, bn, plain in zip(axes, lrs, comparison["bn"], comparison["plain"]):
        ax.plot(bn["train_acc"], color=PALETTE[0], linewidth=1.8, label="with BN: train")
        ax.plot(bn["test_acc"], color=PALETTE[0], linestyle=":", label="with BN: test")
        if plain["diverged"]:
            ax.plot([plain["epochs_done"] + 0.5], [plain["train_acc"][plain["epochs_done"]]], "x",
                    color=DIVERGED_COLOR, markersize=9, markeredgewidth=2, label="no BN: diverged")
            mark_diverged(ax, "no BN: diverged\n(loss exploded)")
        else:
            ax.plot(plain["train_acc"], color=PALETTE[1], linestyle="--", linewidth=1.5, label="no BN: train")
            ax.plot(plain["test_acc"], color=PALETTE[1], linestyle=":", label="no BN: test")
            if plain.get("failure") == "collapsed":
                mark_diverged(ax, "no BN: diverged\n(loss jumped, then chance)")
        ax.set(title=f"lr = {lr:g}", xlabel="epoch", ylim=(0, 1.02))
    axes[0].set_ylabel("accuracy")
    axes[0].legend(fontsize=8, loc="lower right")
    fig.suptitle("He init, 5 x 100 ReLU, 1000 images: BN learns faster and tolerates a larger learning rate")
    fig.tight_layout()
    return fig


def draw_batch_companion_noise(scores, test_scores=None):
    fig, ax = plt.subplots(figsize=(8, 3.0))
    n, k = scores.shape
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, size=scores.shape)
    ax.scatter(np.arange(k)[None, :] + jitter, scores, s=10, color=PALETTE[0], alpha=0.6,
               label=f"training mode, {n} different batches")
    if test_scores is not None:
        ax.scatter(np.arange(k), test_scores, marker="_", s=300, color=PALETTE[1], linewidths=2,
                   label="test mode (running statistics)")
    ax.set(title="One image, many batch companions: its class scores wobble in training mode",
           xlabel="class", ylabel="score (logit)", xticks=range(k))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


#: Choices of the playground's mini-batch size (BN estimates its statistics from this many samples).
MINI_BATCH_SIZES = (2, 4, 8, 16, 32, 100)


class BNComparison(PlaygroundResult):
    """Two training runs with the same settings, without and with batch norm (playground result).

    ``failure`` maps 'with BN' / 'no BN' to :func:`~dlhelpers.experiments.batchnorm.run_failure`
    ('diverged', 'collapsed' or None); ``diverged`` (the red status line) is True if either failed.
    """

    WHY = {"diverged": "diverged (loss exploded, training stopped)",
           "collapsed": "diverged (loss jumped, then stuck at chance)"}

    def __init__(self, plain, bn):
        self.plain, self.bn = plain, bn
        self.failure = {"with BN": run_failure(bn.history, bn.diverged),
                        "no BN": run_failure(plain.history, plain.diverged)}
        self.diverged = any(self.failure.values())

        def line(name, run):
            if self.failure[name]:
                return f"{name}: {self.WHY[self.failure[name]]}"
            return f"{name}: train {run.final_train_acc:.2f} / test {run.final_test_acc:.2f}"
        self.message = line("with BN", bn) + "  |  " + line("no BN", plain)


def compare_bn_runs(lr=0.1, weight_init_std=0.01, dropout_ratio=0.0, hidden_size_list=(50,) * 4,
                    epochs=6, n_train=800, mini_batch_size=100, seed=0):
    """Train the same small net without and with BN (the playground's compute function).

    Both runs start from the same weights and see the same batches of ``mini_batch_size`` images;
    accuracies are measured in test mode (BN with its running statistics).
    """
    kwargs = dict(lr=lr, weight_init_std=weight_init_std, dropout_ratio=dropout_ratio,
                  hidden_size_list=tuple(int(h) for h in hidden_size_list), n_train=n_train, n_test=500,
                  epochs=epochs, mini_batch_size=int(mini_batch_size), seed=seed)
    return BNComparison(train_small_net(use_batchnorm=False, **kwargs),
                        train_small_net(use_batchnorm=True, **kwargs))


def draw_bn_comparison(result, values=None, previous=None):
    """Loss per epoch (left) and train/test accuracy per epoch (right), BN vs no BN.

    The loss is averaged per epoch so runs with different mini-batch sizes share one x axis.
    ``previous`` (the last result) is drawn first, thin and grey; a diverged run is marked in red.
    """
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9.5, 3.9))
    runs = [(result.bn, PALETTE[0], "with BN", 1.8), (result.plain, PALETTE[1], "no BN", 1.8)]
    if previous is not None and hasattr(previous, "bn"):
        runs = [(previous.bn, GHOST_STYLE["color"], None, 1.0), (previous.plain, GHOST_STYLE["color"], None, 1.0)] + runs
    ghost_labelled = False
    for run, color, name, width in runs:
        ghost = name is None
        label = None if ghost and ghost_labelled else ("previous setting" if ghost else name)
        ghost_labelled = ghost_labelled or ghost
        epochs = len(run.history["train_acc"]) - 1
        loss = np.asarray(run.history["train_loss"], dtype=float)
        if len(loss) and epochs > 0:
            per_epoch = np.array_split(loss, max(1, epochs))
            means = [float(np.mean(c)) if len(c) and np.all(np.isfinite(c)) else np.nan for c in per_epoch]
            ax_loss.plot(np.arange(1, len(means) + 1), means, color=color, marker="o", markersize=3,
                         linewidth=width, label=label, zorder=1 if ghost else 2)
        style = dict(color=color, linewidth=width, zorder=1 if ghost else 2)
        ax_acc.plot(run.history["train_acc"], marker="o", markersize=3, label=None if ghost else f"{name}: train",
                    **style)
        ax_acc.plot(run.history["test_acc"], linestyle=":", label=None if ghost else f"{name}: test", **style)
        if ghost and label:
            ax_acc.plot([], [], color=GHOST_STYLE["color"], label=label)
    failed = [name for name, why in result.failure.items() if why]
    if failed:
        for ax in (ax_loss, ax_acc):
            mark_diverged(ax, "\n".join(f"{name}: diverged" for name in failed))
    ax_loss.set(title="training loss (mean per epoch)", xlabel="epoch", ylabel="loss")
    ax_loss.set_yscale("log")
    ax_loss.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)
    ax_acc.set(title="accuracy (test mode)", xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
    ax_acc.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)  # below: covers no curve
    if values is not None:
        fig.suptitle(f"mini-batch size {values.get('mini_batch_size', 100)}, lr {values.get('lr', 0):.3g}, "
                     f"init {values.get('weight_init_std')}, dropout {values.get('dropout_ratio', 0):g}, "
                     f"{values.get('n_layers', 4)} hidden layers", fontsize=10)
    fig.tight_layout()
    return fig


def batchnorm_playground(lr=0.1, weight_init_std=0.01, dropout_ratio=0.0, n_layers=4, mini_batch_size=100):
    """Learning rate, weight init and dropout with BN on and off side by side, plus depth and batch size."""
    style = {"description_width": "130px"}
    controls = {
        "lr": learning_rate_slider(lr, min_exp=-3, max_exp=0.5),
        "weight_init_std": InitStdControl(weight_init_std, schemes=("he", "xavier")),
        "dropout_ratio": dropout_slider(dropout_ratio),
        "n_layers": widgets.IntSlider(value=n_layers, min=1, max=8, description="hidden layers",
                                      continuous_update=False, style=style),
        "mini_batch_size": widgets.SelectionSlider(options=list(MINI_BATCH_SIZES), value=mini_batch_size,
                                                   description="mini-batch size", continuous_update=False,
                                                   style=style),
    }
    return Playground(controls, compute_bn_playground, draw_bn_comparison,
                      title="Batch norm on (blue) vs off (orange): 800 images, 6 epochs, 50 units per layer "
                            "(grey: the previous setting)")


def compute_bn_playground(lr, weight_init_std, dropout_ratio, n_layers, mini_batch_size=100):
    return compare_bn_runs(lr=lr, weight_init_std=weight_init_std, dropout_ratio=dropout_ratio,
                           hidden_size_list=(50,) * int(n_layers), mini_batch_size=mini_batch_size)


def draw_norm_batch_sizes(norms):
    """Test accuracy against mini-batch size, BN and LayerNorm: each seed as a faint dot, the mean ± SE as a line.

    norms : the dict of :func:`~dlhelpers.experiments.batchnorm.norm_batch_size_comparison`.
    """
    sizes = np.asarray(norms["batch_sizes"])
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    for key, color, marker, label in (("bn", PALETTE[0], "o", "batch norm"), ("ln", PALETTE[2], "s", "layer norm")):
        acc = np.asarray(norms[key])
        n = acc.shape[1]
        for j in range(n):
            ax.scatter(sizes, acc[:, j], color=color, alpha=0.35, s=14, marker=marker)
        se = acc.std(axis=1, ddof=1) / np.sqrt(n) if n > 1 else np.zeros(len(sizes))
        ax.errorbar(sizes, acc.mean(axis=1), yerr=se, color=color, marker=marker, capsize=3, linewidth=1.8,
                    label=f"{label}: mean ± SE of {n} seeds (dots: each seed)")
    ax.axhline(0.1, color="#999999", linewidth=0.8, linestyle=":", label="chance (10 %)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes)
    ax.set_xticklabels([str(m) for m in sizes])
    ax.set(xlabel="mini-batch size", ylabel="test accuracy (test mode)", ylim=(0, 1.0),
           title=f"BN needs a batch, LayerNorm does not ({norms['n_train']} images, {norms['epochs']} epochs, "
                 f"lr {norms['lr']:g})")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
