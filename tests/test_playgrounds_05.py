"""Notebook 05's playground, driven from Python: every control changes the result as it should."""
import time

import pytest

from dlhelpers.experiments import overfitting as overfit
from dlhelpers.figures import overfitting as figs


@pytest.fixture(scope="module")
def pg():
    return figs.regularization_playground()


def test_defaults_answer_quickly_and_show_the_three_course_knobs(pg):
    assert pg.error is None and pg.figure is not None
    assert pg.values == {"lr": 0.1, "weight_init_std": "he", "dropout_ratio": 0.0,
                         "weight_decay_lambda": 0.0, "n_train": 300, "epochs": 40, "seed": 0}
    labels = {name: getattr(c, "description", None) for name, c in pg.controls.items()}
    assert labels["lr"] == "learning rate" and labels["dropout_ratio"] == "dropout ratio"
    assert pg.controls["weight_init_std"].scheme.description == "weight init"
    assert labels["weight_decay_lambda"] == "weight decay λ" and labels["n_train"] == "training images"
    cpu = time.process_time()
    pg.update()  # CPU time, not wall time: the latter measures the machine's load, not the playground
    assert time.process_time() - cpu < 2.0  # about 0.5 s of CPU here: under a second when the core is free
    h = pg.result.history
    assert len(h["train_acc"]) == len(h["val_acc"]) == len(h["test_acc"]) == 41
    assert h["train_acc"][-1] > 0.95 and pg.result.gap > 0.1  # it overfits
    assert "validation" in pg.status.value
    # one gap: the status line's is the legend's (the notebook's gap, last 10 epochs)
    assert pg.result.gap == overfit.gap(h)
    assert f"gap train - validation (last 10 epochs) {pg.result.gap:.2f}" in pg.status.value
    legend = [t.get_text() for t in pg.figure.axes[0].get_legend().get_texts()]
    assert f"gap (last 10 epochs: {pg.result.gap:.2f})" in legend


def test_each_control_changes_the_run(pg):
    pg.controls["epochs"].value = 20  # the rest at half the cost
    base = pg.result
    assert len(base.history["train_acc"]) == 21

    # a change keeps the previous run as a ghost
    pg.controls["weight_decay_lambda"].value = 0.1
    assert pg.error is None and pg.previous is base
    assert pg.result.trainer.network.weight_decay_lambda == 0.1
    labels = [line.get_label() for line in pg.figure.axes[0].lines]
    assert "previous run (train, validation)" in labels
    assert pg.result.final_train_acc < base.final_train_acc - 0.2  # too strong at lr 0.1

    pg.controls["weight_decay_lambda"].value = 0.0
    pg.controls["dropout_ratio"].value = 0.5  # six dropout layers at 0.5: underfits
    assert pg.error is None and pg.result.final_train_acc < 0.6

    pg.controls["dropout_ratio"].value = 0.0
    pg.controls["n_train"].value = 1000  # more data: validation rises, the gap shrinks
    more = pg.result
    assert pg.error is None and len(more.trainer.x_train) == 1000
    assert more.final_val_acc > base.final_val_acc + 0.03 and more.gap < base.gap

    pg.controls["n_train"].value = 300
    pg.controls["lr"].value = 0.01  # the slow book rate: far from memorized after 20 epochs
    assert pg.result.final_train_acc < base.final_train_acc - 0.2

    pg.controls["lr"].value = 10 ** 0.5  # far too large: diverges, said in red
    assert pg.result.diverged and "diverged" in pg.result.message and "#b00020" in pg.status.value
    texts = [t.get_text() for t in pg.figure.axes[0].texts]
    assert "diverged" in texts

    pg.controls["lr"].value = 0.1
    pg.controls["weight_init_std"].scheme.value = "custom"  # std 0.01 stalls the 6-layer net
    assert pg.values["weight_init_std"] == 0.01 and pg.result.final_train_acc < 0.2
    pg.controls["weight_init_std"].scheme.value = "xavier"
    assert pg.error is None and pg.result.trainer.network.weight_init_std == "xavier"


def test_bad_training_set_size_is_refused():
    with pytest.raises(ValueError, match="n_train"):
        figs.compute_regularization(n_train=3600)


def test_the_prose_of_the_playground_at_default_settings():
    """Section 5's 'things to try', at the defaults (300 images, 40 epochs, lr 0.1), on two seeds."""
    for seed in (0, 1):
        base = figs.compute_regularization(seed=seed)
        more = figs.compute_regularization(n_train=1000, seed=seed)
        assert more.final_val_acc > base.final_val_acc + 0.03 and more.gap < base.gap  # "jumps by several points"
        wd = figs.compute_regularization(weight_decay_lambda=0.01, seed=seed)
        assert abs(wd.final_val_acc - base.final_val_acc) < 0.03  # "changes little"
        assert figs.compute_regularization(dropout_ratio=0.5, seed=seed).final_train_acc < 0.6  # underfits
    other = figs.compute_regularization(seed=2)
    assert other.history["val_acc"] != base.history["val_acc"]  # the seed moves a run
    assert abs(other.final_val_acc - base.final_val_acc) < 0.06  # "a point or two", not a different net


def test_the_seed_control_changes_the_run(pg):
    pg.controls["epochs"].value = 10
    first = pg.result
    pg.controls["seed"].value = 3
    assert pg.error is None and pg.result.trainer.network is not first.trainer.network
    assert pg.result.history["train_acc"] != first.history["train_acc"]
