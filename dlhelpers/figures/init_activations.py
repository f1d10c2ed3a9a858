"""Notebook 03's figures and playgrounds, drawn from :mod:`dlhelpers.experiments.init_activations`.

* :func:`draw_histograms` - one histogram per layer (the book's figure);
* :func:`draw_dead_units` - dead units per layer after training, mean over seeds with their spread;
* :func:`draw_init_histograms` - activations, gradients and weight gradients per layer at init,
  one row per init (Karpathy's diagnostic figure);
* :func:`draw_training_watch` - saturation (or dead) share per layer over training as a heat map,
  and the update:data ratio per layer with the 1e-3 guide line;
* :func:`histogram_playground`, :func:`training_playground` - the playgrounds.
"""
import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
import numpy as np

from ..experiments.init_activations import (dead_relu_fraction, forward_backward, geometric_mean, layer_stats,
                                            saturation_fraction)
from ..playground_result import PlaygroundResult
from ..plotting import DIVERGED_COLOR, GHOST_STYLE, PALETTE, mark_diverged
from ..widgets import SLIDER_LAYOUT, SLIDER_STYLE, InitStdControl, Playground, TrainingPlayground

__all__ = ["histogram_range", "draw_histograms", "draw_dead_units", "draw_init_histograms", "draw_training_watch",
           "HistogramResult", "histogram_playground", "DEPTH_OPTIONS", "DeadUnitTrainingPlayground",
           "training_playground"]


def histogram_range(activation, acts=None):
    """A fixed x-range for an activation's histograms, so layers can be compared by eye."""
    if activation == "sigmoid":
        return (0.0, 1.0)
    if activation == "tanh":
        return (-1.0, 1.0)
    top = max(float(np.percentile(a, 99.5)) for a in acts) if acts else 1.0
    top = top if np.isfinite(top) and top > 0 else 1.0
    return (-0.1 * top if activation in ("leaky_relu", "elu") else 0.0, top)


def draw_histograms(acts, axes, activation, color, label=None, bins=30, log_x=False, log_range=None):
    """One histogram per layer into ``axes`` (a sequence as long as ``acts``).

    For ReLU-like activations the exact zeros (half of all values or more) are left out of the
    bars, and their share is written in each panel's title, so that the spread of the rest stays
    visible. ``log_x=True`` (ReLU only) bins the positive values on a log axis shared by all
    panels, so a signal that shrinks by decades from layer to layer shows as a shift to the left;
    ``log_range=(low, high)`` fixes that axis (to compare several calls), else it spans the data.
    """
    positive_only = activation == "relu"
    if log_x and not positive_only:
        raise ValueError(f"log_x=True needs non-negative activations (relu), not {activation!r}")
    if log_x and log_range is not None:
        edges = np.logspace(np.log10(log_range[0]), np.log10(log_range[1]), bins + 1)
    elif log_x:
        pos = [a[a > 0] for a in acts]
        pos = [p for p in pos if p.size]
        lo = min(float(np.percentile(p, 0.5)) for p in pos) if pos else 1e-3
        hi = max(float(np.percentile(p, 99.9)) for p in pos) if pos else 1.0
        lo, hi = 10 ** np.floor(np.log10(lo)), 10 ** np.ceil(np.log10(hi))
        edges = np.logspace(np.log10(lo), np.log10(hi), bins + 1)
    else:
        lo, hi = histogram_range(activation, acts)
        edges = np.linspace(lo, hi, bins + 1)
    for i, (ax, a) in enumerate(zip(axes, acts)):
        values = a.ravel()
        title = f"layer {i + 1}"
        if positive_only:
            title += f"  ({np.mean(values == 0):.0%} zeros)"
            values = values[values > 0]
        counts, _ = np.histogram(values, bins=edges)
        ax.stairs(counts, edges, fill=True, color=color, alpha=0.85)   # one artist: fast to draw
        if log_x:
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(LogLocator(base=10, numticks=4))   # labels that do not collide
        ax.set_xlim(edges[0], edges[-1])
        ax.set_title(title, fontsize=8)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
    if label:
        axes[0].set_ylabel(label, fontsize=9)
    return axes


class HistogramResult(PlaygroundResult):
    """One histogram-playground setting: per-layer activations, forward and backward statistics."""

    def __init__(self, stats, activation, setting):
        self.acts = stats["acts"]
        self.activation = activation
        self.setting = setting
        self.means, self.stds = layer_stats(self.acts)
        self.grad_std = stats["grad_std"]
        self.gain_predicted = stats["gain_predicted"]
        self.gain_measured = stats["gain_measured"]
        finite = np.all(np.isfinite(self.stds)) and np.all(np.isfinite(self.grad_std))
        self.diverged = not finite
        if self.diverged:
            self.message = ("the numbers overflowed (inf or NaN): this setting blows the signal up; "
                            "choose a smaller std or fewer layers")
            return
        parts = [f"forward: std of the last layer {self.stds[-1]:.3g}"]
        if activation == "sigmoid":
            parts.append(f"{saturation_fraction(self.acts)[-1]:.0%} within 0.05 of 0 or 1")
        if activation == "relu":
            parts.append(f"dead units in the last layer: {dead_relu_fraction(self.acts[-1]):.0%}")
        parts.append(f"backward: per-layer gain predicted {geometric_mean(self.gain_predicted):.3g}, "
                     f"measured {geometric_mean(self.gain_measured):.3g}; the gradient at layer 1 is "
                     f"{self.grad_std[0] / self.grad_std[-1]:.2g} x the one at layer {len(self.acts)}")
        self.message = "; ".join(parts)


def _setting_text(activation, weight_init_std):
    init = weight_init_std if isinstance(weight_init_std, str) else f"std {weight_init_std:.3g}"
    return f"{activation}, {init}"


def _compute_histograms(activation, weight_init_std, n_layers):
    with np.errstate(over="ignore", invalid="ignore"):   # an overflow is reported as diverged
        stats = forward_backward(activation, weight_init_std, n_layers=int(n_layers))
        return HistogramResult(stats, activation, _setting_text(activation, weight_init_std))


def _draw_histograms(result, values, previous=None):
    """Histograms of every layer (up to 5 per row), then the forward std and backward gradient std
    per layer, with the previous setting as a grey ghost."""
    n = len(result.acts)
    cols = min(n, 5)
    rows = (n + cols - 1) // cols
    height = 1.8 * rows + 3.0
    fig = plt.figure(figsize=(9.5, height))
    split = 1 - (1.8 * rows + 0.5) / height          # the line plots below this fraction of the height
    top = fig.add_gridspec(rows, cols, left=0.05, right=0.98, top=1 - 0.65 / height, bottom=split + 0.35 / height,
                           hspace=0.6, wspace=0.15)
    bottom = fig.add_gridspec(1, 2, left=0.09, right=0.98, top=split - 0.25 / height, bottom=0.5 / height,
                              wspace=0.3)
    hist_axes = [fig.add_subplot(top[i // cols, i % cols]) for i in range(n)]
    colors = {"sigmoid": PALETTE[0], "tanh": PALETTE[2], "relu": PALETTE[1]}
    color = colors.get(result.activation, PALETTE[3])
    if not result.diverged:
        # ReLU on a log axis, as in the notebook: a collapse by decades shows as a shift to the left
        draw_histograms(result.acts, hist_axes, result.activation, color, log_x=result.activation == "relu")
    ax_f, ax_b = fig.add_subplot(bottom[0, 0]), fig.add_subplot(bottom[0, 1])
    layers = np.arange(1, n + 1)
    if previous is not None and not getattr(previous, "diverged", True):
        p_layers = np.arange(1, len(previous.stds) + 1)
        ax_f.plot(p_layers, previous.stds, "o-", color="#bbbbbb", markersize=3, linewidth=1,
                  label=f"previous: {previous.setting}", zorder=0)
        ax_b.plot(p_layers, previous.grad_std, "o-", color="#bbbbbb", markersize=3, linewidth=1,
                  label=f"previous: {previous.setting}", zorder=0)
    if not result.diverged:
        ax_f.plot(layers, result.stds, "o-", color=color, label=result.setting)
        ax_b.plot(layers, result.grad_std, "o-", color=color, label="measured")
        # prediction: start from the gradient arriving at the top (std 1) and multiply layer by layer
        predicted = np.cumprod(result.gain_predicted[::-1])[::-1]
        ax_b.plot(layers, predicted, "--", color="black", linewidth=1,
                  label=f"predicted (gain {geometric_mean(result.gain_predicted):.2g}/layer)")
    else:
        for ax in (ax_f, ax_b):
            ax.text(0.5, 0.5, "diverged (overflow)", color="#b00020", ha="center", va="center",
                    transform=ax.transAxes)
    for ax, ylabel, title in ((ax_f, "std of activations", "Forward: activation std per layer"),
                              (ax_b, "std of dL/d(input)", "Backward: gradient std per layer")):
        if ax.lines and all(np.all(np.asarray(line.get_ydata()) > 0) for line in ax.lines):
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.3g}"))
            low, high = ax.get_ylim()
            if high / low < 10:     # at least a decade: a nearly flat line must look flat
                middle = np.sqrt(low * high)
                low, high = middle / np.sqrt(10), middle * np.sqrt(10)
                ax.set_ylim(low, high)
            # within a decade the minor ticks are the only labelled ones; beyond, they would crowd
            ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:.2g}") if high / low < 10.5
                                         else NullFormatter())
        ax.set_xticks(layers)
        ax.set_xlabel("layer", fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7, which="both")
        if ax.lines:
            ax.legend(fontsize=7, loc="best")
    fig.suptitle(f"{result.setting}: {n} layers of 100 units, 1000 x 100 Gaussian input", fontsize=10)
    return fig


def histogram_playground(activation="sigmoid", weight_init_std=1.0, n_layers=5):
    """Activation, weight init (named scheme or std) and depth: the per-layer histograms redraw,
    with the forward std and backward gradient std per layer (measured, and the predicted
    per-layer gain) below them; the previous setting stays as a grey ghost."""
    controls = {
        "activation": widgets.Dropdown(options=["sigmoid", "tanh", "relu", "leaky_relu", "elu"],
                                       value=activation, description="activation", style=SLIDER_STYLE),
        "weight_init_std": InitStdControl(weight_init_std, schemes=("xavier", "glorot", "he", "leaky_relu"),
                                          std=1.0, min_exp=-3, max_exp=1),
        "n_layers": widgets.IntSlider(value=n_layers, min=1, max=10, description="layers",
                                      continuous_update=False, layout=SLIDER_LAYOUT, style=SLIDER_STYLE),
    }
    return Playground(controls, _compute_histograms, _draw_histograms,
                      title="Activation histograms and gradients, layer by layer")


DEPTH_OPTIONS = [("2 x 50", (50, 50)), ("4 x 100", (100, 100, 100, 100)), ("6 x 50", (50,) * 6)]


class DeadUnitTrainingPlayground(TrainingPlayground):
    """The course knobs' training playground with a dead-unit readout: for a (Leaky) ReLU net the
    status line adds the share of dead units per hidden layer (on 1000 training images)."""

    def _train(self, **values):
        run = super()._train(**values)
        net = run.trainer.network
        if not run.diverged and net.activation in ("relu", "leaky_relu"):
            dead = dead_relu_fraction(net.hidden_activations(run.trainer.x_train[:1000]))
            run.message += "; dead units per layer: " + ", ".join(f"{d:.0%}" for d in dead)
        return run


def training_playground(lr=0.1, weight_init_std="he", dropout_ratio=0.0, activation="relu",
                        hidden_size_list=(50, 50), n_train=1000, epochs=8):
    """The three course knobs plus activation and depth, on 1000 MNIST images."""
    extra = {
        "activation": widgets.Dropdown(options=["relu", "sigmoid", "tanh", "leaky_relu", "elu"],
                                       value=activation, description="activation", style=SLIDER_STYLE),
        "hidden_size_list": widgets.Dropdown(options=DEPTH_OPTIONS, value=tuple(hidden_size_list),
                                             description="hidden layers", style=SLIDER_STYLE),
    }
    return DeadUnitTrainingPlayground(lr=lr, weight_init_std=weight_init_std, dropout_ratio=dropout_ratio,
                              extra_controls=extra, fixed={"n_train": n_train, "epochs": epochs},
                              title=f"Init, activation and depth on {n_train} MNIST images, {epochs} epochs of SGD")


def draw_dead_units(dead, ax=None):
    """Bars: mean share of dead units per hidden layer for each learning rate, with the seeds' spread.

    ``dead`` is the result of :func:`~dlhelpers.experiments.init_activations.dead_units_after_training`;
    each bar is the mean over the seeds that finished training, the black ticks those seeds one by
    one. Seeds whose loss blew up (the Trainer stopped them) are not ordinary runs: they are left out
    of the bars and marked with a cross in the diverged colour at the top of their learning rate's
    bars; a learning rate on which every seed diverged is written across the axes.
    """
    ax = ax or plt.gca()
    n = len(dead)
    width = 0.8 / n
    all_diverged = []
    for i, (lr, d) in enumerate(dead.items()):
        n_layers = d["dead"].shape[1]
        layers = np.arange(1, n_layers + 1) + (i - (n - 1) / 2) * width
        ok = ~np.asarray(d["diverged"], dtype=bool)
        n_div = int((~ok).sum())
        label = f"lr {lr}"
        if ok.any():
            acc = d["test_acc"][ok]
            label += f" (test acc {acc.min():.2f}-{acc.max():.2f})"
            ax.bar(layers, d["dead"][ok].mean(axis=0), width=width, color=PALETTE[i], alpha=0.85, label=label)
            for seed_row in d["dead"][ok]:
                ax.plot(layers, seed_row, "_", color="black", markersize=8)
        else:
            all_diverged.append(lr)
        if n_div:
            ax.plot(layers, np.full(n_layers, 1.0), "x", color=DIVERGED_COLOR, markersize=7,
                    label=f"lr {lr}: {n_div} of {len(ok)} seeds diverged")
    if all_diverged:
        mark_diverged(ax, "every seed diverged at lr " + ", ".join(str(lr) for lr in all_diverged))
    ax.set(xticks=np.arange(1, n_layers + 1), xlabel="hidden layer", ylabel="share of dead units",
           ylim=(0, 1.08), title="Dead ReLUs after training: mean of the seeds that finished (ticks: each seed)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    return ax


def draw_init_histograms(diagnostics, bins=60):
    """Karpathy's three panels per init: activations, gradients dL/d(activation), weight gradients.

    ``diagnostics`` maps an init's name to the result of
    :func:`~dlhelpers.experiments.init_activations.layer_diagnostics`. Each layer is one line; the
    legends give the saturated share (|tanh| > 0.97), the gradient's std and the grad:data ratio.
    """
    rows = len(diagnostics)
    fig, axes = plt.subplots(rows, 3, figsize=(10, 1.9 * rows + 0.6), squeeze=False)
    grad_top = max(float(np.percentile(np.abs(g), 99.5)) for d in diagnostics.values() for g in d["grads"])
    dw_top = max(float(np.percentile(np.abs(w), 99.5)) for d in diagnostics.values() for w in d["dW"])
    for row, (name, d) in enumerate(diagnostics.items()):
        ax_a, ax_g, ax_w = axes[row]
        for i, (a, g, w) in enumerate(zip(d["acts"], d["grads"], d["dW"])):
            color = PALETTE[i % len(PALETTE)]
            for ax, values, top, label in (
                    (ax_a, a, 1.0, f"layer {i + 1}: {d['saturated'][i]:.0%} sat."),
                    (ax_g, g, grad_top, f"layer {i + 1}: std {np.std(g):.1e}"),
                    (ax_w, w, dw_top, f"layer {i + 1}: grad:data {d['grad_data'][i]:.3f}")):
                counts, edges = np.histogram(values.ravel(), bins=bins, range=(-top, top), density=True)
                ax.plot((edges[:-1] + edges[1:]) / 2, counts, color=color, linewidth=1, label=label)
        ax_a.set_ylabel(name, fontsize=9)
        for ax in (ax_a, ax_g, ax_w):
            ax.set_yticks([])
            ax.tick_params(labelsize=7)
            ax.legend(fontsize=6, loc="upper right", handlelength=1)
    for ax, title in zip(axes[0], ("activations (tanh)", "gradient dL/d(activation)", "weight gradient dL/dW")):
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def draw_training_watch(watches, threshold_label="|tanh| > 0.97"):
    """For each run (one row): a heat map of the saturated (or dead) share per layer over training,
    and the log10 update:data ratio per layer with CS231n's guide line at -3 (1e-3).

    ``watches`` maps a run's name to the result of
    :func:`~dlhelpers.experiments.init_activations.watch_training`.
    """
    rows = len(watches)
    fig, axes = plt.subplots(rows, 2, figsize=(10, 1.8 * rows + 0.6), squeeze=False,
                             gridspec_kw={"width_ratios": (1, 1.3)})
    for row, (name, w) in enumerate(watches.items()):
        ax_h, ax_r = axes[row]
        share = w["share"].T                                      # layers x records
        image = ax_h.imshow(share, aspect="auto", cmap="magma_r", vmin=0, vmax=0.5, origin="lower",
                            extent=(w["steps"][0], w["steps"][-1], 0.5, share.shape[0] + 0.5))
        ax_h.set(ylabel=f"{name}\nlayer", yticks=range(1, share.shape[0] + 1))
        ax_h.grid(False)
        fig.colorbar(image, ax=ax_h, pad=0.02, label=threshold_label if row == 0 else None)
        steps = np.arange(1, len(w["update_ratio"]) + 1)
        for i in range(w["update_ratio"].shape[1]):
            smooth = np.convolve(w["update_ratio"][:, i], np.ones(20) / 20, mode="valid")
            ax_r.plot(steps[19:], smooth, color=PALETTE[i % len(PALETTE)], linewidth=1, label=f"layer {i + 1}")
        ax_r.axhline(-3, color="black", linestyle="--", linewidth=1, label="1e-3 guide")
        ax_r.set(ylim=(-4.5, -1.5), ylabel="log10 update:data")
        for ax in (ax_h, ax_r):
            ax.tick_params(labelsize=7)
        if row == 0:
            ax_h.set_title(f"share of units with {threshold_label}, per layer", fontsize=9)
            ax_r.set_title("update:data ratio per layer (20-step average)", fontsize=9)
            ax_r.legend(fontsize=6, ncol=3, loc="lower left")
    axes[-1, 0].set_xlabel("training step")
    axes[-1, 1].set_xlabel("training step")
    fig.tight_layout()
    return fig
