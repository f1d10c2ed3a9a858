"""Notebook 06's playground, driven from Python: every control changes the result as it should."""
import pytest

from dlhelpers.figures import search_demos as demos


def _legend_texts(pg):
    ax = pg.figure.axes[0]
    return [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.fixture(scope="module")
def pg():
    return demos.search_playground()


def test_the_default_view_shows_a_search_that_works(pg):
    assert pg.error is None and pg.figure is not None
    first = pg.result
    assert len(first.result) == 10 and first.result.ranges["lr"] == pytest.approx((1e-4, 1.0))
    assert first.result.best_trial.score >= 0.7  # not "best val acc 0.19"
    assert "random search, 10 trials x 6 epochs" in first.message and "your pick" in first.message
    # the three course knobs, findable by their labels
    labels = [getattr(c, "description", "") for c in pg.controls.values()]
    assert "your pick: lr".endswith("lr") and "your pick: lr" in labels and "dropout ratio" in labels
    assert pg.controls["weight_init_std"].scheme.description == "weight init"
    assert "epochs per trial" in labels and "search" in labels


def test_every_control_changes_the_search(pg):
    first = pg.result
    pg.controls["n_trials"].value = 6
    assert len(pg.result.result) == 6
    assert pg.result.result.trials == first.result.trials[:6]  # trial i depends only on its index
    assert pg.previous.result is first.result and "previous search" in _legend_texts(pg)  # the ghost

    pg.controls["lr_exponents"].value = (-6.0, -4.0)  # far too small: the search fails
    lrs = pg.result.result.values("lr")
    assert lrs.min() >= 1e-6 and lrs.max() <= 1e-4
    assert pg.result.result.best_trial.score < 0.3

    pg.controls["lr_exponents"].value = (0.0, 1.0)  # past 1: runs blow up, marked as diverged
    assert pg.error is None
    diverged = [t for t in pg.result.result if t.result["diverged"]]
    assert diverged and "diverged (red crosses)" in pg.result.message and "diverged" in _legend_texts(pg)

    pg.controls["lr_exponents"].value = (-2.0, 0.0)
    pg.controls["wd_exponents"].value = (-2.0, -1.0)  # strong weight decay everywhere
    assert pg.result.result.values("weight_decay_lambda").min() >= 1e-2

    pg.controls["epochs"].value = 1  # the budget: one epoch per trial scores lower
    one_epoch = pg.result.result
    assert "x 1 epochs" in pg.result.message
    assert all(len(t.result["val_acc"]) == 2 for t in one_epoch)
    pg.controls["epochs"].value = 6
    assert pg.result.result.best_trial.score > one_epoch.best_trial.score

    pg.controls["search_kind"].value = "grid"  # k x k grid, k = round(sqrt(6)) = 2
    grid = pg.result.result
    assert len(grid) == 4 and len(set(grid.values("lr"))) == 2
    assert sorted(set(grid.values("lr"))) == pytest.approx([1e-2, 1.0])
    assert "grid search, 4 trials" in pg.result.message
    pg.controls["n_trials"].value = 9
    assert len(pg.result.result) == 9 and len(set(pg.result.result.values("lr"))) == 3
    pg.controls["search_kind"].value = "random"
    assert len(pg.result.result) == 9 and len(set(pg.result.result.values("lr"))) == 9

    pg.controls["lr"].value = 1e-5  # your pick: far too small to learn in 6 epochs
    assert pg.result.pick.params["lr"] == pytest.approx(1e-5) and pg.result.pick.score < 0.3
    pg.controls["weight_init_std"].scheme.value = "custom"
    assert pg.values["weight_init_std"] == 0.01
    pg.controls["dropout_ratio"].value = 0.5
    assert pg.error is None and pg.values["dropout_ratio"] == 0.5
    assert "updated in" in pg.status.value


def test_search_playground_pick_reuses_search_and_reports_divergence():
    pg = demos.search_playground()
    searched = pg.result.result
    pg.controls["lr"].value = 0.05  # only the pick changes: the search itself is reused
    assert pg.result.result is searched
    assert pg.result.pick.index == 10 and not pg.result.diverged
    assert "your pick:" in pg.result.message
    assert pg.latency < 5  # one short run (about 0.2 s when the machine is idle)

    pg.controls["weight_init_std"].scheme.value = "custom"
    pg.controls["weight_init_std"].std.value = 10.0
    pg.controls["lr"].value = 1.0  # huge weights and a large rate: the pick blows up
    assert pg.error is None
    assert pg.result.diverged and pg.result.pick.result["diverged"]
    assert "your pick diverged" in pg.result.message and "#b00020" in pg.status.value
    assert "your pick: diverged" in _legend_texts(pg)

    pg.controls["weight_init_std"].scheme.value = "he"
    pg.controls["lr"].value = 0.01  # and the playground keeps working
    assert not pg.result.diverged and pg.error is None
