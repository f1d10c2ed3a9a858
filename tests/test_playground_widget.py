"""The Playground class itself: ghosts, errors shown, refused values, figures closed."""
import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlhelpers import widgets as dw
from dlhelpers.figures import backprop as bp_figures
from dlhelpers.playground_result import PlaygroundResult




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
    pg = bp_figures.training_playground()
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
    with pytest.raises(ValueError, match=r"value \(a custom weight_init_std\) must be"):
        dw.InitStdControl(bad)
