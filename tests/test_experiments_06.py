"""Notebook 06's experiment helpers (search data, its trial function, babysitting, figures).

Moved here from the core tests (test_search, test_training), which use a trial of their own.
"""
import numpy as np
import pytest

from dlhelpers import search
from dlhelpers.experiments import search_demos as demos


def record(params, seed, epochs=None):
    """Returns what it was called with (as in test_search)."""
    return {"score": float(params.get("score", 0.0)), "params": dict(params), "seed": seed,
            "epochs": epochs, "types": {k: type(v).__name__ for k, v in params.items()}}


def test_search_data_comes_from_the_one_mnist_cache(monkeypatch):
    from dlhelpers import data
    calls = []

    def counting(**kwargs):
        calls.append(kwargs)
        return data.load_mnist_cached(**kwargs)

    monkeypatch.setattr(demos, "load_mnist_cached", counting)
    (x1, t1), (xv1, _) = demos.search_data(200)
    (x2, _), _ = demos.search_data(200)
    assert len(calls) == 2 and x1.shape == (160, 784) and xv1.shape == (40, 784)
    assert np.array_equal(x1, x2)   # the split is seeded, so every call (and process) agrees
    with pytest.raises(ValueError, match="n_samples"):
        demos.search_data(0)


def test_the_trial_uses_the_core_parameter_names():
    assert set(demos.BOOK_RANGES) == {"lr", "weight_decay_lambda"}
    with pytest.raises(ValueError, match="'weight_decay' is now 'weight_decay_lambda'"):
        demos.mnist_trial({"lr": 0.1, "weight_decay": 1e-6}, 0, n_samples=50, epochs=1)
    with pytest.raises(ValueError, match="'lr'"):
        demos.mnist_trial({"weight_decay_lambda": 1e-6}, 0, n_samples=50, epochs=1)
    out = demos.mnist_trial({"lr": 0.1, "weight_decay_lambda": 1e-6, "dropout_ratio": 0.2}, 0,
                            n_samples=50, epochs=2, hidden_size_list=(10,), mini_batch_size=20)
    assert len(out["val_acc"]) == 3 and len(out["train_loss"]) == 2 * 2   # 40 samples / 20 per batch


def test_the_search_scatter_legend_sits_outside_the_points_framed_and_readable():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    result = search.random_search(record, {"lr": (1e-6, 1e-2), "weight_decay_lambda": (1e-8, 1e-4)},
                                  20, executor="serial", progress=False)
    (pick,) = search.run_trials(record, [{"lr": 1e-2, "weight_decay_lambda": 1e-4, "score": 0.5}],
                                indices=[20], executor="serial", progress=False)
    from dlhelpers.figures.search_demos import draw_search_scatter
    ax = draw_search_scatter([result], pick=pick)
    fig = ax.figure
    fig.canvas.draw()
    legend = ax.get_legend()
    box, area = legend.get_window_extent(), ax.get_window_extent()
    assert box.y0 >= area.y1 - 1   # above the plotting area: covers no trial and not the star
    assert legend.get_frame_on() and min(t.get_fontsize() for t in legend.get_texts()) >= 9
    title = ax.title.get_window_extent()
    assert title.y0 >= box.y1 - 1   # and the title is not drawn over it
    plt.close(fig)


def test_the_halving_demo_compares_at_equal_epochs_and_draws_clear_of_the_data():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out = demos.halving_vs_random_demo(n_trials=9, max_epochs=3, eta=3, executor="serial")
    assert out["halving_epochs"] == 9 * 1 + 3 * 3 == out["random_epochs"]
    assert [len(r) for r in out["halving"].rungs] == [9, 3] and len(out["random"]) == 6
    assert all(len(t.result["val_acc"]) == 4 for t in out["random"])   # epoch 0 + 3 epochs
    from dlhelpers.figures.search_demos import draw_halving_vs_random
    ax = draw_halving_vs_random(out)
    ax.figure.canvas.draw()
    assert ax.get_legend().get_window_extent().x0 >= ax.get_window_extent().x1
    plt.close(ax.figure)


def test_babysitting_runs_record_a_validation_curve():
    """Notebook 06's babysitting figure plots history['val_acc']: the validation data must go there."""
    pytest.importorskip("matplotlib")  # absent where mutation testing runs
    from dlhelpers.experiments import babysitting
    from dlhelpers.experiments.search_demos import search_data
    trainer = babysitting.overfit_tiny_subset(n=20, epochs=3)
    _, (x_val, t_val) = search_data()
    assert len(trainer.history["val_acc"]) == 3 + 1
    assert trainer.history["test_acc"] == []
    assert np.array_equal(trainer.x_val, x_val) and np.array_equal(trainer.t_val, t_val)
    assert trainer.history["val_acc"][-1] == trainer.network.accuracy(x_val, t_val)
