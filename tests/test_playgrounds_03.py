"""Notebook 03's playgrounds, driven from Python: every control changes the result as it should."""
import numpy as np
import pytest

from dlhelpers.experiments import init_activations as ia
from dlhelpers.figures import init_activations as figs


def final_loss(pg, n=10):
    return float(np.mean(pg.result.history["train_loss"][-n:]))





def test_histogram_playground_controls():
    pg = figs.histogram_playground()
    assert pg.error is None and len(pg.result.acts) == 5 and pg.previous is None
    assert ia.saturation_fraction(pg.result.acts)[-1] > 0.5          # sigmoid, std 1: saturated
    assert len(pg.result.grad_std) == 5 and np.all(pg.result.grad_std > 0)
    init = pg.controls["weight_init_std"]
    init.std.value = 0.01                                             # collapses to 0.5
    assert pg.error is None and pg.values["weight_init_std"] == pytest.approx(0.01)
    assert np.all(pg.result.stds < 0.03) and ia.saturation_fraction(pg.result.acts)[-1] == 0
    assert pg.previous.setting == "sigmoid, std 1" and pg.result.setting == "sigmoid, std 0.01"
    init.scheme.value = "xavier"
    assert pg.values["weight_init_std"] == "xavier" and pg.result.stds[-1] > 0.08
    # sigmoid's slope is at most 0.25: even with 'xavier' the gradient shrinks by about 0.23 per layer
    assert ia.geometric_mean(pg.result.gain_measured) == pytest.approx(0.23, abs=0.02)
    init.scheme.value = "glorot"                                      # = 'xavier' when n_in = n_out
    assert pg.result.stds == pytest.approx(pg.previous.stds)
    pg.controls["activation"].value = "relu"
    init.scheme.value = "xavier"
    xavier_relu = pg.result.stds[-1]
    init.scheme.value = "he"
    assert pg.result.stds[-1] > 2 * xavier_relu and "dead units" in pg.result.message
    assert pg.figure.axes[0].get_xscale() == "log"                   # ReLU histograms on a log axis
    pg.controls["n_layers"].value = 10
    assert len(pg.result.acts) == 10 and len(pg.result.grad_std) == 10
    assert len(pg.figure.axes) == 12                                  # 10 histograms, forward, backward
    assert ia.geometric_mean(pg.result.gain_measured) == pytest.approx(1, abs=0.1)   # He holds
    for name in ("tanh", "leaky_relu", "elu", "sigmoid"):
        pg.controls["activation"].value = name
        assert pg.error is None and pg.result.activation == name
    pg.controls["activation"].value = "leaky_relu"
    init.scheme.value = "leaky_relu"
    assert pg.error is None and pg.values["weight_init_std"] == "leaky_relu"
    assert pg.latency < 2


def test_histogram_playground_backward_view_predicts_the_gain():
    pg = figs.histogram_playground(activation="tanh", weight_init_std=1.0, n_layers=10)
    r = pg.result
    assert np.allclose(r.gain_predicted, r.gain_measured, rtol=0.1)    # sqrt(n) sigma rms(f') per layer
    assert r.grad_std[0] > 10 * r.grad_std[-1]                        # saturated tanh: the gradient grows
    assert "predicted" in r.message and "measured" in r.message
    _, ax_backward = pg.figure.axes[-2:]
    labels = [line.get_label() for line in ax_backward.lines]
    assert "measured" in labels and any(label.startswith("predicted") for label in labels)
    pg.controls["weight_init_std"].std.value = 0.01
    r = pg.result
    assert ia.geometric_mean(r.gain_measured) == pytest.approx(np.sqrt(100) * 0.01, rel=0.05)   # vanishes


def test_histogram_playground_keeps_the_previous_setting_as_a_ghost():
    pg = figs.histogram_playground()
    ax_forward, ax_backward = pg.figure.axes[-2:]
    assert not any("previous" in line.get_label() for line in ax_forward.lines)
    pg.controls["weight_init_std"].scheme.value = "xavier"
    ax_forward, ax_backward = pg.figure.axes[-2:]
    for ax in (ax_forward, ax_backward):
        ghosts = [line for line in ax.lines if line.get_label() == "previous: sigmoid, std 1"]
        assert len(ghosts) == 1
    ghost = [line for line in ax_forward.lines if line.get_label().startswith("previous")][0]
    assert np.allclose(ghost.get_ydata(), pg.previous.stds)


def test_histogram_playground_reports_overflow_as_diverged():
    pg = figs.histogram_playground(activation="relu", weight_init_std=10.0, n_layers=10)
    assert pg.error is None and pg.result.diverged
    assert "overflow" in pg.result.message and "#b00020" in pg.status.value      # shown in red
    assert any("diverged" in text.get_text() for ax in pg.figure.axes for text in ax.texts)
    pg.controls["weight_init_std"].scheme.value = "he"                            # recovers
    assert not pg.result.diverged and pg.error is None


def test_histogram_playground_refuses_an_out_of_range_std():
    pg = figs.histogram_playground()
    pg.controls["weight_init_std"].std.value = float("nan")
    assert pg.error is not None and "weight_init_std" in pg.error


def test_training_playground_03_controls():
    pg = figs.training_playground()
    assert {"lr", "weight_init_std", "dropout_ratio", "activation", "hidden_size_list"} <= set(pg.controls)
    assert pg.error is None and pg.result.final_test_acc > 0.7
    pg.controls["hidden_size_list"].value = (100, 100, 100, 100)
    he_acc = pg.result.final_test_acc
    assert pg.result.trainer.network.hidden_size_list == [100, 100, 100, 100]
    init = pg.controls["weight_init_std"]
    init.scheme.value = "custom"
    init.std.value = 0.01                                              # does not learn
    assert pg.error is None and pg.result.final_test_acc < 0.2 < he_acc - 0.4
    init.scheme.value = "he"
    pg.controls["activation"].value = "sigmoid"
    assert pg.result.trainer.network.activation == "sigmoid" and pg.error is None
    pg.controls["dropout_ratio"].value = 0.5
    assert pg.result.trainer.network.use_dropout and pg.error is None


def test_training_playground_03_is_the_course_knobs_playground_and_lr_1_stories():
    pg = figs.training_playground()
    # the browser test finds this playground by these three labels (the histogram playground above
    # it has no learning rate, so this is the first playground with all three)
    assert pg.controls["lr"].description == "learning rate"
    assert pg.controls["weight_init_std"].scheme.description == "weight init"
    assert pg.controls["dropout_ratio"].description == "dropout ratio"
    hist = figs.histogram_playground()
    assert "lr" not in hist.controls and "dropout_ratio" not in hist.controls
    assert pg.latency < 3
    pg.controls["lr"].value = 1.0
    relu = pg.result
    assert "dead units per layer: " in relu.message                      # the dead-unit readout
    shares = [float(v.strip(" %")) for v in relu.message.split("dead units per layer: ")[1].split(",")]
    expected = ia.dead_relu_fraction(relu.trainer.network.hidden_activations(relu.trainer.x_train[:1000]))
    assert np.allclose(shares, np.round(100 * expected))
    pg.controls["activation"].value = "leaky_relu"
    leaky = pg.result
    # Leaky vs ReLU at lr 1.0 is within the noise over seeds (notebook section 4): the prose claims
    # no winner, so this test checks only that both train without diverging
    assert not relu.diverged and not leaky.diverged
    assert pg.result.trainer.network.activation == "leaky_relu"
    pg.controls["activation"].value = "elu"
    assert pg.result.diverged and "#b00020" in pg.status.value            # ELU blows up: red message
    assert pg.error is None
    pg.controls["lr"].value = 0.1
    assert not pg.result.diverged and pg.result.final_test_acc > 0.7
    pg.controls["activation"].value = "relu"
    assert pg.result.final_test_acc > relu.final_test_acc + 0.1          # lr 1.0: "accuracy drops"
