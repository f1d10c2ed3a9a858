"""Build the playgrounds of notebooks 01-03 from Python, turn every control and check the effect."""
import numpy as np
import pytest

from dlhelpers.experiments import backprop as bp


def final_loss(pg, n=10):
    return float(np.mean(pg.result.history["train_loss"][-n:]))


# --------------------------------------------------------------------------- notebook 01
def test_training_playground_01_controls():
    pg = bp.training_playground()
    assert pg.error is None and pg.n_updates == 1
    assert set(pg.controls) == {"lr", "weight_init_std", "dropout_ratio"}
    base = final_loss(pg)
    first_acc_small_init = pg.result.history["train_acc"][1]

    pg.controls["lr"].value = 0.001                      # too small: the loss barely moves
    assert pg.error is None and final_loss(pg) > base + 0.5
    pg.controls["lr"].value = 3.0                        # too large: loss jumps, ends at chance
    assert pg.error is None
    assert max(pg.result.history["train_loss"]) > 4 and pg.result.final_test_acc < 0.3
    pg.controls["lr"].value = 0.1

    pg.controls["weight_init_std"].scheme.value = "he"   # He starts learning at once
    assert pg.values["weight_init_std"] == "he"
    assert pg.result.history["train_acc"][1] > first_acc_small_init + 0.1

    before = pg.result.history["train_loss"]
    pg.controls["dropout_ratio"].value = 0.5
    assert pg.error is None and pg.values["dropout_ratio"] == 0.5
    assert pg.result.history["train_loss"] != before
    assert pg.result.trainer.network.use_dropout
    assert pg.figure is not None and pg.latency < 5


# --------------------------------------------------------------------------- notebook 02
from dlhelpers.experiments import optimizer_paths as op  # noqa: E402


def test_path_playground_controls():
    pg = op.optimizer_playground()
    assert pg.error is None and pg.result.y_sign_changes >= 25
    c = pg.controls
    for name in ("momentum", "nesterov", "adagrad", "rmsprop", "adam", "sgd"):
        c["optimizer"].value = name
        assert pg.error is None and pg.values["optimizer"] == name
    c["lr"].value = 0.1
    short = pg.result.distance
    c["lr"].value = 0.5                             # a larger learning rate moves the path further
    assert pg.result.distance > short
    c["lr"].value = 1.2                             # beyond 1, SGD diverges along y
    assert pg.result.diverged and "diverged" in pg.result.message and pg.error is None
    c["lr"].value = 0.95
    sgd_path = pg.result.path.copy()
    c["beta"].value = 0.5                           # SGD has no beta: same path, a note says so
    assert np.array_equal(pg.result.path, sgd_path) and "no momentum" in pg.result.message
    c["optimizer"].value = "momentum"
    c["lr"].value = 0.1
    damped = pg.result.path.copy()
    c["beta"].value = 0.9
    assert not np.allclose(pg.result.path, damped)
    assert damped[:, 0].max() < 0 < pg.result.path[:, 0].max()   # more momentum: overshoots in x
    c["start_x"].value = 5.0
    c["start_y"].value = -3.0
    assert tuple(pg.result.path[0]) == (5.0, -3.0)
    c["steps"].value = 60
    assert len(pg.result.path) == 61
    assert pg.figure is not None and pg.latency < 1.0


def test_mnist_optimizer_playground_controls():
    pg = op.mnist_optimizer_playground()
    assert set(pg.controls) == {"lr", "weight_init_std", "dropout_ratio", "optimizer"}
    assert pg.error is None
    pg.controls["optimizer"].value = "adam"         # lr 0.1 is far too large for Adam
    too_large = final_loss(pg)
    pg.controls["lr"].value = 0.001
    assert pg.error is None and final_loss(pg) < too_large - 0.2
    assert type(pg.result.trainer.optimizer).__name__ == "Adam"
    pg.controls["dropout_ratio"].value = 0.3
    assert pg.result.trainer.network.use_dropout and pg.error is None
    pg.controls["weight_init_std"].scheme.value = "xavier"
    assert pg.result.trainer.network.weight_init_std == "xavier"


# --------------------------------------------------------------------------- notebook 03
from dlhelpers.experiments import init_activations as ia  # noqa: E402


def test_histogram_playground_controls():
    pg = ia.histogram_playground()
    assert pg.error is None and len(pg.result.acts) == 5
    assert ia.saturation_fraction(pg.result.acts)[-1] > 0.5          # sigmoid, std 1: saturated
    init = pg.controls["weight_init_std"]
    init.std.value = 0.01                                             # collapses to 0.5
    assert pg.error is None and pg.values["weight_init_std"] == pytest.approx(0.01)
    assert np.all(pg.result.stds < 0.03) and ia.saturation_fraction(pg.result.acts)[-1] == 0
    init.scheme.value = "xavier"
    assert pg.values["weight_init_std"] == "xavier" and pg.result.stds[-1] > 0.08
    pg.controls["activation"].value = "relu"
    xavier_relu = pg.result.stds[-1]
    init.scheme.value = "he"
    assert pg.result.stds[-1] > 2 * xavier_relu and "dead units" in pg.result.message
    pg.controls["n_layers"].value = 10
    assert len(pg.result.acts) == 10 and len(pg.figure.axes) == 10
    for name in ("tanh", "leaky_relu", "elu", "sigmoid"):
        pg.controls["activation"].value = name
        assert pg.error is None and pg.result.activation == name
    assert pg.latency < 2


def test_training_playground_03_controls():
    pg = ia.training_playground()
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


# --------------------------------------------------------------------------- the Playground itself
import matplotlib.pyplot as plt  # noqa: E402
import ipywidgets  # noqa: E402

from dlhelpers import widgets as dw  # noqa: E402
from dlhelpers.playground_result import PlaygroundResult  # noqa: E402


def _line_figure(result, values):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, result.diverged])
    return fig


def test_playground_shows_errors_instead_of_swallowing_them():
    def compute(x):
        if x > 0.5:
            raise ValueError("x is too large for this demo")
        return PlaygroundResult(message=f"x = {x}")
    slider = ipywidgets.FloatSlider(value=0.1, min=0, max=1)
    pg = dw.Playground({"x": slider}, compute, _line_figure)
    assert pg.error is None and "x = 0.1" in pg.status.value and pg.n_updates == 1
    good = pg.result
    slider.value = 0.9
    assert pg.error == "ValueError: x is too large for this demo"
    assert "x is too large for this demo" in pg.status.value and dw.ERROR_COLOR in pg.status.value
    assert "Traceback" in pg.status.value or "line" in pg.status.value  # where it happened
    assert pg.result is good and pg.n_updates == 2  # the last good result stays
    slider.value = 0.2
    assert pg.error is None and "x = 0.2" in pg.status.value


def test_a_failing_draw_closes_its_figures():
    def draw(result, values):
        plt.figure()
        raise RuntimeError("drawing failed")
    before = set(plt.get_fignums())
    slider = ipywidgets.FloatSlider(value=0.1, min=0, max=1)
    pg = dw.Playground({"x": slider}, lambda x: PlaygroundResult(), draw)
    slider.value = 0.3
    assert pg.error == "RuntimeError: drawing failed" and pg.n_updates == 2
    assert set(plt.get_fignums()) == before


def test_nan_or_out_of_range_values_never_reach_compute():
    calls = []

    def compute(lr, weight_init_std):
        calls.append((lr, weight_init_std))
        return PlaygroundResult()
    lr = dw.learning_rate_slider(0.01)
    init = dw.InitStdControl(0.1)
    pg = dw.Playground({"lr": lr, "weight_init_std": init}, compute, _line_figure)
    assert len(calls) == 1
    lr.value = float("nan")
    assert len(calls) == 1 and "lr = nan is not a number" in pg.error
    assert dw.ERROR_COLOR in pg.status.value
    lr.value = 0.1
    assert len(calls) == 2 and pg.error is None
    init.std.value = float("nan")  # (an infinite value is clamped by the slider itself)
    assert len(calls) == 2 and "weight_init_std" in pg.error
    init.scheme.value = "he"  # a named scheme: the disabled std slider does not matter
    assert len(calls) == 3 and calls[-1] == (0.1, "he") and pg.error is None


def test_draw_receives_the_previous_result_as_a_ghost():
    received = []

    def draw(result, values, previous):
        received.append((result, previous))
        return _line_figure(result, values)
    slider = ipywidgets.IntSlider(value=1, min=0, max=5)
    pg = dw.Playground({"n": slider}, lambda n: PlaygroundResult(message=str(n)), draw)
    slider.value = 2
    slider.value = 3
    assert [(r.message, p and p.message) for r, p in received] == [("1", None), ("2", "1"), ("3", "2")]
    assert pg.previous.message == "2" and pg.result.message == "3"


def test_diverged_results_are_shown_in_red():
    slider = ipywidgets.FloatSlider(value=0.0, min=0, max=1)
    pg = dw.Playground({"x": slider}, lambda x: PlaygroundResult("blew up", diverged=x > 0.5), _line_figure)
    assert dw.ERROR_COLOR not in pg.status.value
    slider.value = 0.9
    assert dw.ERROR_COLOR in pg.status.value and "blew up" in pg.status.value and pg.error is None


def test_training_playground_draws_the_previous_run_and_marks_divergence():
    pg = bp.training_playground()
    pg.controls["lr"].value = 0.01
    labels = [line.get_label() for ax in pg.figure.axes for line in ax.get_lines()]
    assert "previous" in labels
    from dlhelpers.recipes import DIVERGED_COLOR, draw_training_run, train_small_net
    run = train_small_net(lr=50.0, epochs=2)
    fig = draw_training_run(run)
    marks = [t for ax in fig.axes for t in ax.texts if t.get_text() == "diverged"]
    assert run.diverged and len(marks) == 2 and all(t.get_color() == DIVERGED_COLOR for t in marks)
    plt.close(fig)


def test_init_control_shows_its_whole_label_and_old_helpers_are_gone():
    control = dw.InitStdControl("he", schemes=("he", "xavier", "glorot"))
    assert int(control.scheme.layout.width.rstrip("px")) >= 130 + 240  # description + longest label
    assert not hasattr(dw, "init_std_control")
    assert not hasattr(dw, "mnist_sample") and not hasattr(dw, "TrainingRun")


def test_recipes_use_the_shared_mnist_cache():
    from dlhelpers import recipes
    from dlhelpers.data import load_mnist_cached
    x, t, xt, tt = recipes.mnist_sample(100, 50)
    (x_all, _), (xt_all, _) = load_mnist_cached()
    assert x.base is x_all or np.shares_memory(x, x_all)
    assert np.shares_memory(xt, xt_all) and x.shape == (100, 784) and tt.shape == (50,)
    with pytest.raises(ValueError, match="n_train must be a positive integer"):
        recipes.mnist_sample(0, 10)


@pytest.mark.parametrize("bad", [float("nan"), 0.0, -0.1])
def test_init_control_refuses_a_bad_custom_std(bad):
    with pytest.raises(ValueError, match="custom weight_init_std must be a positive number"):
        dw.InitStdControl(bad)
