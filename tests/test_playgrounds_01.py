"""Notebook 01's playground, driven from Python: every control changes the result as the prose says.

The learning-rate slider moves in steps of 10**0.1, so the values the notebook suggests (0.1, 0.32,
3.2, 0.001) are set here exactly as the browser would set them (10**-1, 10**-0.5, 10**0.5, 10**-3).
"""
import ipywidgets as widgets
import numpy as np
import pytest

from dlhelpers.figures import backprop as bp_figures


def final_loss(pg, n=10):
    return float(np.mean(pg.result.history["train_loss"][-n:]))


@pytest.fixture
def pg():
    return bp_figures.training_playground()


def test_the_three_course_knobs_are_there_with_their_labels(pg):
    assert pg.error is None and pg.n_updates == 1 and pg.previous is None
    assert set(pg.controls) == {"lr", "weight_init_std", "dropout_ratio"}
    lr = pg.controls["lr"]
    assert isinstance(lr, widgets.FloatLogSlider) and lr.description == "learning rate"
    assert (lr.min, lr.max, lr.step) == (-4, 1, 0.1)
    assert pg.controls["weight_init_std"].scheme.description == "weight init"
    assert pg.controls["dropout_ratio"].description == "dropout ratio"
    assert pg.controls["dropout_ratio"].max == pytest.approx(0.9)
    assert pg.values == {"lr": 0.1, "weight_init_std": 0.01, "dropout_ratio": 0.0}
    assert pg.latency < 5


def test_the_slider_offers_the_values_the_prose_suggests(pg):
    lr = pg.controls["lr"]
    reachable = {round(10 ** (lr.min + k * lr.step), 4) for k in range(51)}
    assert {0.1, 0.3162, 3.1623, 0.001} <= reachable
    assert 3.0 not in reachable and 0.3 not in reachable      # hence "3.2" and "0.32" in the text
    assert f"{10 ** 0.5:.1e}" == "3.2e+00"                     # the slider's readout


def test_learning_rate_knob(pg):
    base = final_loss(pg)
    assert pg.result.diverged is False and base == pytest.approx(1.23, abs=0.01)

    pg.controls["lr"].value = 10 ** -0.5                        # 0.32: faster
    assert pg.error is None and not pg.result.diverged
    assert final_loss(pg) < base - 0.5 and pg.result.final_test_acc > 0.8
    assert pg.previous is not None                              # the ghost of the lr-0.1 run

    pg.controls["lr"].value = 10 ** 0.5                         # 3.2: diverged, in red
    losses = pg.result.history["train_loss"]
    assert pg.error is None and pg.result.diverged
    assert max(losses) > bp_figures.BLOWUP_FACTOR * losses[0] and round(max(losses)) == 32   # "about 30"
    assert pg.result.final_train_acc == pytest.approx(0.2, abs=0.05)                 # "about 0.2"
    assert pg.result.message.startswith("diverged: the loss jumped from 2.30 to 32.0")
    assert "color:#b00020" in pg.status.value                   # the status line is red
    texts = [t.get_text() for ax in pg.figure.axes for t in ax.texts]
    assert "diverged" in texts                                  # and the figure says so,
    run_lines = [l for ax in pg.figure.axes for l in ax.get_lines() if l.get_zorder() > 0]
    assert run_lines and all(l.get_color() == "#b00020" for l in run_lines)   # its curves in red,
    ghosts = [l for ax in pg.figure.axes for l in ax.get_lines() if l.get_zorder() == 0]
    assert ghosts and all(l.get_color() != "#b00020" for l in ghosts)         # the ghost grey

    pg.controls["lr"].value = 0.001                             # too small: barely moves from 2.30
    assert not pg.result.diverged and "color:#b00020" not in pg.status.value
    assert all(l.get_color() != "#b00020" for ax in pg.figure.axes for l in ax.get_lines())
    assert f"{final_loss(pg):.2f}" == "2.30"


def test_weight_init_knob(pg):
    first_epoch_acc = pg.result.history["train_acc"][1]
    pg.controls["weight_init_std"].scheme.value = "he"          # He starts learning at once
    assert pg.error is None and pg.values["weight_init_std"] == "he"
    assert pg.result.history["train_acc"][1] > first_epoch_acc + 0.3
    pg.controls["weight_init_std"].scheme.value = "xavier"
    assert pg.error is None and pg.values["weight_init_std"] == "xavier"
    pg.controls["weight_init_std"].scheme.value = "custom"
    pg.controls["weight_init_std"].std.value = 0.1
    assert pg.error is None and pg.values["weight_init_std"] == pytest.approx(0.1)
    assert pg.result.trainer.network.params["W1"].std() == pytest.approx(0.1, rel=0.05)


@pytest.mark.parametrize("init", [0.01, "he"])
def test_dropout_knob(pg, init):
    if init == "he":
        pg.controls["weight_init_std"].scheme.value = "he"
    loss_before, test_before = final_loss(pg), pg.result.final_test_acc
    noise_before = np.std(np.diff(pg.result.history["train_loss"][-40:]))
    pg.controls["dropout_ratio"].value = 0.5
    assert pg.error is None and pg.values["dropout_ratio"] == 0.5
    assert pg.result.trainer.network.use_dropout
    # the training loss stays higher and noisier; test accuracy does not improve
    assert final_loss(pg) > loss_before
    assert np.std(np.diff(pg.result.history["train_loss"][-40:])) > noise_before
    assert pg.result.final_test_acc <= test_before


def test_out_of_range_values_are_refused_in_red(pg):
    n = pg.n_updates
    pg.controls["dropout_ratio"].value = 0.95                   # the slider clamps to its max
    assert pg.controls["dropout_ratio"].value == pytest.approx(0.9) and pg.n_updates == n + 1
    assert pg.error is None


def test_an_error_in_training_is_shown_not_swallowed(pg):
    result_before = pg.result
    pg.fixed["n_train"] = 10 ** 7                               # more images than the sample holds
    pg.controls["lr"].value = 10 ** -0.5
    assert pg.error is not None and "ValueError" in pg.error and "n_train" not in pg.values
    assert "color:#b00020" in pg.status.value and "ask for fewer" in pg.status.value
    assert pg.result is result_before                           # the last good run stays
    pg.fixed["n_train"] = 1000
    pg.controls["lr"].value = 0.1
    assert pg.error is None and pg.result is not result_before
