"""Notebook 02's and 03's loss-race figure for :func:`dlhelpers.experiments.mnist_compare.compare_on_mnist`."""
import matplotlib.pyplot as plt
import numpy as np

from ..experiments.mnist_compare import causal_smooth
from ..plotting import PALETTE
from ..utils import smooth_curve

__all__ = ["plot_comparison"]


def plot_comparison(result, ax=None, window=51, title="Training loss (smoothed)", ylim=(0, 2.5),
                    markers="osD^vx<>", linestyles=None, smoothing="causal"):
    """Smoothed mini-batch loss per iteration, one line per network (raw curves faint behind).

    ``smoothing`` is 'causal' (trailing average of the last ``window`` losses: every curve starts
    at its first loss) or 'centred' (the old reflected moving average of
    :func:`dlhelpers.utils.smooth_curve`). ``linestyles`` maps names to line styles (e.g. dashed
    for a curve that would hide another).
    """
    if smoothing not in ("causal", "centred"):
        raise ValueError(f"smoothing must be 'causal' or 'centred', got {smoothing!r}")
    ax = ax or plt.gca()
    for i, (name, values) in enumerate(result.losses.items()):
        color = PALETTE[i % len(PALETTE)]
        x = np.arange(1, len(values) + 1)
        smoothed = causal_smooth(values, window) if smoothing == "causal" else smooth_curve(values, window)
        ax.plot(x, values, color=color, alpha=0.12, linewidth=0.6)
        ax.plot(x, smoothed, color=color, linewidth=1.6, label=name,
                linestyle=(linestyles or {}).get(name, "-"),
                marker=markers[i % len(markers)], markevery=max(len(values) // 10, 1), markersize=4)
    ax.set(title=title, xlabel="iteration", ylabel="loss", ylim=ylim)
    ax.legend(ncol=2)
    return ax
