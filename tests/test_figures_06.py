"""Notebook 06's figures say what their captions say: diverged runs marked, anytime curves per method."""
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from dlhelpers.figures import babysitting as baby_figs  # noqa: E402
from dlhelpers.figures import search_demos as search_figs  # noqa: E402
from dlhelpers.plotting import DIVERGED_COLOR  # noqa: E402


def _run(losses, accs, diverged):
    return SimpleNamespace(history={"train_loss": losses, "train_acc": accs}, diverged=diverged)


def test_the_learning_rate_figure_marks_the_diverged_run_in_both_panels():
    runs = {1e-3: _run([2.3] * 8, [0.1, 0.15, 0.2], False), 0.1: _run([2.3, 1.0, 0.5] * 3, [0.1, 0.6, 0.9], False),
            3.0: _run([2.3, 40.0, 3900.0], [0.1, 0.11], True)}
    fig = baby_figs.draw_learning_rate_runs(runs)
    red = mcolors.to_rgba(DIVERGED_COLOR)
    for ax in fig.axes:
        texts = [t for t in ax.texts if t.get_text() == "diverged"]
        assert len(texts) == 1 and mcolors.to_rgba(texts[0].get_color()) == red
        assert any(mcolors.to_rgba(line.get_color()) == red for line in ax.get_lines())
        # the healthy runs are not drawn in the diverged colour
        assert sum(mcolors.to_rgba(line.get_color()) == red for line in ax.get_lines()) == 2
    ticks = fig.axes[1].get_xticks()
    assert np.allclose(ticks, np.round(ticks))  # whole epochs, no 2.5
    plt.close(fig)


def test_the_anytime_figure_draws_each_methods_mean_and_band():
    epochs = np.arange(1, 82)
    random = np.where(epochs >= 9, 0.5 + 0.003 * epochs, np.nan)[None].repeat(3, 0)
    halving = np.tile(0.3 + 0.006 * epochs, (3, 1))
    halving[1] += 0.01
    out = {"epochs": epochs, "random": random, "halving": halving, "seeds": np.arange(3),
           "final_random": random[:, -1], "final_halving": halving[:, -1]}
    ax = search_figs.draw_anytime(out)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["random search: mean of 3 seeds", "successive halving: mean of 3 seeds"]
    bold = [line for line in ax.get_lines() if line.get_linewidth() >= 2]
    assert len(bold) == 2
    # random's mean starts only once its first trial has finished (epoch 9)
    assert bold[0].get_xdata()[0] == 9 and np.isclose(bold[1].get_ydata()[-1], halving[:, -1].mean())
    assert ax.get_ylim() == (0, 1)
    plt.close(ax.figure)
