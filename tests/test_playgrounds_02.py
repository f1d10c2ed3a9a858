"""Notebook 02's playgrounds, driven from Python: every control changes the result as it should."""
import numpy as np
import pytest

from dlhelpers.exercises import references as ref
from dlhelpers.experiments import optimizer_paths as op
from dlhelpers.figures import optimizer_paths as fop


def final_loss(pg, n=10):
    return float(np.mean(pg.result.history["train_loss"][-n:]))


def line_labels(pg):
    return [line.get_label() for line in pg.figure.axes[0].get_lines()]


class LionStub:
    """The exercise's stub, as the reader finds it."""

    def __init__(self, lr=1e-4, beta1=0.9, beta2=0.99):
        raise NotImplementedError

    def update(self, params, grads):
        raise NotImplementedError


class LionStubUpdate(ref.Lion):
    """A half-written Lion: __init__ done, update still the stub."""

    def update(self, params, grads):
        raise NotImplementedError


def test_path_playground_controls():
    pg = fop.optimizer_playground()
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
    assert "#b00020" in pg.status.value             # said in red
    c["lr"].value = 1.1                             # stays on the plot, but f grows: the same rule as the sweep
    assert pg.result.diverged and "f grew" in pg.result.message and "#b00020" in pg.status.value
    assert np.abs(pg.result.path).max() < 1e3 and op.diverged(pg.result.path)
    path_colors = {l.get_color() for l in pg.figure.axes[0].get_lines() if l.get_label().startswith("SGD")}
    assert path_colors == {"#b00020"}               # the path itself is drawn in the diverged colour
    c["lr"].value = 0.95
    sgd_path = pg.result.path.copy()
    c["beta"].value = 0.5                           # SGD has no beta: same path, a note says so
    assert np.array_equal(pg.result.path, sgd_path) and "no momentum" in pg.result.message
    c["optimizer"].value = "momentum"
    c["lr"].value = 0.1
    c["beta"].value = 0.5
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


def test_beta_knob_jumps_to_each_optimizers_own_default_in_one_redraw():
    pg = fop.optimizer_playground()
    c = pg.controls
    assert c["beta"].disabled                       # SGD has no such knob
    expected = {"rmsprop": 0.99, "momentum": 0.9, "nesterov": 0.9, "adam": 0.9}
    for name, default in expected.items():
        c["beta"].value = 0.5
        before = pg.n_updates
        c["optimizer"].value = name
        assert c["beta"].value == default and not c["beta"].disabled, name
        assert pg.n_updates == before + 1, name      # one redraw, no intermediate ghost
        assert pg.previous.name != pg.result.name or name == "nesterov"
    c["optimizer"].value = "adagrad"
    assert c["beta"].disabled
    # the playground's RMSprop is section 5's RMSprop (rho 0.99): same path as the figure's
    c["optimizer"].value = "rmsprop"
    c["lr"].value = 0.1
    assert np.allclose(pg.result.path, op.book_paths()["RMSprop"])


def test_previous_path_stays_as_a_ghost():
    pg = fop.optimizer_playground()
    assert pg.previous is None and not any(label.startswith("previous") for label in line_labels(pg))
    pg.controls["optimizer"].value = "adam"
    assert pg.previous.name == "SGD"
    assert any(label.startswith("previous: SGD") for label in line_labels(pg))
    ghost = next(l for l in pg.figure.axes[0].get_lines() if l.get_label().startswith("previous"))
    assert np.allclose(ghost.get_xdata(), pg.previous.path[:, 0])


def test_rotation_knob_costs_adagrad_its_advantage_but_not_sgd():
    pg = fop.optimizer_playground(optimizer="adagrad", lr=1.5)
    c = pg.controls
    straight = pg.result.final_f
    assert straight < 1e-3
    c["angle"].value = 45
    assert pg.result.final_f > 100 * straight and pg.result.bowl.angle == 45
    assert "rotated 45" in pg.figure.axes[0].get_title()
    # SGD does not care about the axes: turn the bowl AND the start by 90 degrees, same f
    sgd = fop.optimizer_playground(optimizer="sgd", lr=0.5, start=(-4.0, 2.0))
    f0 = sgd.result.final_f
    sgd.controls["angle"].value = 90
    sgd.controls["start_x"].value = -2.0
    sgd.controls["start_y"].value = -4.0
    assert sgd.result.final_f == pytest.approx(f0, rel=1e-9) and sgd.result.final_f != pytest.approx(0.0)


def test_stretch_knob_hurts_sgd_more_than_momentum():
    pg = fop.optimizer_playground(optimizer="sgd", lr=0.5, steps=100)
    c = pg.controls
    c["condition"].value = 1.0                      # a round bowl: SGD at lr 0.5 lands in one step
    assert pg.result.final_f < 1e-20 and pg.result.bowl.condition == pytest.approx(1.0)
    c["condition"].value = 100.0
    sgd_stretched = pg.result.final_f
    assert sgd_stretched > 0.03
    c["optimizer"].value = "momentum"
    c["lr"].value = 0.2
    assert pg.result.final_f < sgd_stretched / 100


def test_readers_optimizer_stub_says_not_attempted_and_does_not_fail():
    for stub in (LionStub, LionStubUpdate):
        pg = fop.optimizer_playground(custom=stub, optimizer="yours", lr=0.3)
        assert pg.error is None and pg.result.not_attempted and not pg.result.diverged
        assert "not attempted yet" in pg.result.message and pg.figure is not None
        assert pg.controls["beta"].value == 0.9 and not pg.controls["beta"].disabled
        pg.controls["optimizer"].value = "sgd"      # the library's optimizers still work beside it
        assert pg.error is None and not pg.result.not_attempted
        assert not any(label.startswith("previous") for label in line_labels(pg))   # no ghost of nothing


def test_readers_lion_runs_next_to_the_library_optimizers():
    pg = fop.optimizer_playground(custom=ref.Lion, optimizer="yours", lr=0.3)
    c = pg.controls
    assert ("yours: Lion", "yours") in c["optimizer"].options
    assert pg.error is None and not pg.result.not_attempted
    expected = op.optimizer_path(ref.Lion(lr=0.3, beta1=0.9), op.START, 30)
    assert np.allclose(pg.result.path, expected)
    steps = np.abs(np.diff(pg.result.path, axis=0))
    assert np.allclose(steps, 0.3)                  # every coordinate moves by exactly lr
    c["beta"].value = 0.5                           # the knob is the reader's beta1
    assert np.allclose(pg.result.path, op.optimizer_path(ref.Lion(lr=0.3, beta1=0.5), op.START, 30))
    c["optimizer"].value = "adam"
    assert pg.previous.name == "Lion" and any(l.startswith("previous: Lion") for l in line_labels(pg))
    c["optimizer"].value = "yours"
    assert c["beta"].value == 0.9                   # Lion's own default beta1
    c["angle"].value = 30
    assert pg.error is None and pg.result.bowl.angle == 30


def test_readers_broken_optimizer_shows_its_error():
    class Broken:
        def __init__(self, lr=0.1):
            self.lr = lr

        def update(self, params, grads):
            params["x"] = params["x"] - self.lr * grads["x"][3]

    pg = fop.optimizer_playground(custom=Broken, optimizer="yours")
    assert pg.error is not None and "IndexError" in pg.error
    assert pg.controls["beta"].disabled             # no beta-like keyword: no knob
    pg.controls["optimizer"].value = "sgd"
    assert pg.error is None


def test_path_playground_refuses_bad_arguments():
    with pytest.raises(ValueError, match="yours"):
        fop.optimizer_playground(optimizer="yours")
    with pytest.raises(TypeError, match="class"):
        fop.optimizer_playground(custom=42)


def test_mnist_optimizer_playground_controls():
    pg = fop.mnist_optimizer_playground()
    assert set(pg.controls) == {"lr", "weight_init_std", "dropout_ratio", "optimizer"}
    assert pg.controls["lr"].description == "learning rate"
    assert pg.controls["dropout_ratio"].description == "dropout ratio"
    assert pg.controls["weight_init_std"].scheme.description == "weight init"
    assert pg.error is None
    pg.controls["optimizer"].value = "adam"         # lr 0.1 is far too large for Adam
    too_large = final_loss(pg)
    pg.controls["lr"].value = 0.001
    assert pg.error is None and final_loss(pg) < too_large - 0.2
    assert type(pg.result.trainer.optimizer).__name__ == "Adam"
    assert pg.previous is not None                  # the ghost of the last run
    assert "previous" in [l.get_label() for l in pg.figure.axes[0].get_lines()]
    pg.controls["dropout_ratio"].value = 0.3
    assert pg.result.trainer.network.use_dropout and pg.error is None
    pg.controls["weight_init_std"].scheme.value = "xavier"
    assert pg.result.trainer.network.weight_init_std == "xavier"
    pg.controls["weight_init_std"].scheme.value = "custom"
    pg.controls["weight_init_std"].std.value = 0.01
    assert pg.result.trainer.network.weight_init_std == pytest.approx(0.01)
