"""Notebook 06's playground, driven from Python: every control changes the result as it should."""
import pytest

from dlhelpers.experiments import search_demos as demos




def test_search_playground_controls():
    pg = demos.search_playground()
    assert pg.error is None and pg.figure is not None
    first = pg.result
    assert len(first.result) == 10 and first.result.ranges["lr"] == pytest.approx((1e-6, 1e-2))
    assert "your pick" in first.message

    pg.controls["n_trials"].value = 6
    assert len(pg.result.result) == 6
    assert pg.result.result.trials == first.result.trials[:6]  # trial i depends only on its index

    pg.controls["lr_exponents"].value = (-3.0, 0.0)  # move the range up: much better trials
    assert pg.error is None
    lrs = pg.result.result.values("lr")
    assert lrs.min() >= 1e-3 and lrs.max() <= 1.0
    assert pg.result.result.best_trial.score > first.result.best_trial.score + 0.2

    pg.controls["wd_exponents"].value = (-2.0, -1.0)  # strong weight decay everywhere
    assert pg.result.result.values("weight_decay_lambda").min() >= 1e-2

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

    pg.controls["weight_init_std"].scheme.value = "custom"
    pg.controls["weight_init_std"].std.value = 10.0
    pg.controls["lr"].value = 1.0  # huge weights and the largest rate: the pick blows up
    assert pg.error is None
    assert pg.result.diverged and pg.result.pick.result["diverged"]
    assert "your pick diverged" in pg.result.message and "#b00020" in pg.status.value

    pg.controls["lr"].value = 0.01  # and the playground keeps working
    assert not pg.result.diverged and pg.error is None
