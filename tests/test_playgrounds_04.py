"""Notebook 04's playground, driven from Python: every control changes the result as it should."""
import matplotlib.pyplot as plt
import pytest

from dlhelpers.figures import batchnorm as bn_fig
from dlhelpers.plotting import GHOST_STYLE
from dlhelpers.widgets import ERROR_COLOR


@pytest.fixture(scope="module")
def bn_playground():
    return bn_fig.batchnorm_playground()


def _labels(pg):
    return [desc for desc in (getattr(c, "description", None) for c in pg.controls.values()) if desc]


def test_bn_playground_has_the_course_knobs_and_the_batch_size_knob(bn_playground):
    pg = bn_playground
    assert {"learning rate", "dropout ratio", "hidden layers", "mini-batch size"} <= set(_labels(pg))
    assert pg.controls["weight_init_std"].scheme.description == "weight init"
    assert tuple(pg.controls["mini_batch_size"].options) == bn_fig.MINI_BATCH_SIZES
    assert pg.values["mini_batch_size"] == 100


def test_bn_playground_default_shows_bn_learning_where_the_plain_net_cannot(bn_playground):
    pg = bn_playground
    assert pg.error is None and pg.figure is not None
    assert pg.values["weight_init_std"] == 0.01
    assert pg.result.bn.final_train_acc > 0.7
    assert pg.result.plain.final_train_acc < 0.2  # chance level at std 0.01
    assert "with BN" in pg.result.message and "no BN" in pg.result.message


def test_bn_playground_controls(bn_playground):
    pg = bn_playground
    controls = pg.controls
    n = pg.n_updates

    controls["n_layers"].value = 1  # one hidden layer: even std 0.01 trains without BN
    assert pg.error is None and pg.values["n_layers"] == 1
    assert pg.result.plain.final_train_acc > 0.25  # chance is 0.11; four layers stayed there
    assert len(pg.result.bn.trainer.network.hidden_size_list) == 1

    controls["weight_init_std"].scheme.value = "he"  # a good init: the plain net learns well
    assert pg.error is None and pg.values["weight_init_std"] == "he"
    assert pg.result.plain.final_train_acc > 0.6

    controls["n_layers"].value = 4
    controls["lr"].value = 3.0  # too large for the plain net, not for the BN net
    assert pg.error is None
    assert pg.result.plain.diverged and not pg.result.bn.diverged
    assert pg.result.diverged and "diverged" in pg.result.message
    assert ERROR_COLOR in pg.status.value  # said in red

    controls["lr"].value = 0.1
    he_bn = pg.result.bn.final_train_acc
    controls["dropout_ratio"].value = 0.5  # dropout slows both down in 6 epochs
    assert pg.error is None and pg.result.bn.final_train_acc < he_bn - 0.05
    assert pg.result.bn.trainer.network.use_dropout
    controls["dropout_ratio"].value = 0.0
    assert pg.n_updates == n + 7


def test_small_mini_batches_make_bn_fall_behind_the_plain_net(bn_playground):
    pg = bn_playground
    pg.controls["weight_init_std"].scheme.value = "he"
    pg.controls["lr"].value = 0.1
    pg.controls["n_layers"].value = 4
    pg.controls["mini_batch_size"].value = 100
    assert pg.error is None
    assert pg.result.bn.final_train_acc > pg.result.plain.final_train_acc  # batch 100: BN ahead
    pg.controls["mini_batch_size"].value = 4
    assert pg.error is None and pg.values["mini_batch_size"] == 4
    assert pg.result.bn.trainer.mini_batch_size == 4 and pg.result.plain.trainer.mini_batch_size == 4
    assert pg.result.bn.final_train_acc < pg.result.plain.final_train_acc  # BN's weakness
    assert pg.result.plain.final_train_acc > 0.8
    pg.controls["mini_batch_size"].value = 100


def test_the_previous_setting_is_drawn_as_a_ghost():
    first = bn_fig.compare_bn_runs(lr=0.1, weight_init_std="he", epochs=2, n_train=200)
    second = bn_fig.compare_bn_runs(lr=0.3, weight_init_std="he", epochs=2, n_train=200)
    fig = bn_fig.draw_bn_comparison(second, {"lr": 0.3, "weight_init_std": "he"}, previous=first)
    ax_loss, ax_acc = fig.axes
    grey = [line for line in ax_acc.lines if line.get_color() == GHOST_STYLE["color"]]
    assert len(grey) >= 4  # train and test curves of both previous runs
    assert "previous setting" in [t.get_text() for t in ax_loss.get_legend().get_texts()]
    plt.close(fig)
    alone = bn_fig.draw_bn_comparison(second, None)
    assert not [line for line in alone.axes[1].lines if line.get_color() == GHOST_STYLE["color"]]
    plt.close(alone)


def test_a_diverged_run_is_marked_on_the_figure():
    result = bn_fig.compare_bn_runs(lr=3.0, weight_init_std="he", epochs=2, n_train=200)
    assert result.plain.diverged
    fig = bn_fig.draw_bn_comparison(result, None)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "no BN: diverged" in texts
    plt.close(fig)


def test_a_failing_setting_is_shown_not_swallowed():
    pg = bn_fig.batchnorm_playground()
    pg.controls["lr"].value = float("nan")
    assert pg.error is not None and "lr" in pg.error


def test_the_things_to_try_in_the_prose():
    """Section 7's list, with the playground's compute function (4 x 50 ReLU, 800 images, 6 epochs)."""
    run = bn_fig.compare_bn_runs
    assert run(weight_init_std=0.1).plain.final_train_acc < 0.3       # "starts learning between 0.1 ..."
    assert run(weight_init_std=0.3).plain.final_train_acc > 0.6       # "... and 0.3"
    at_one = run(weight_init_std=1.0)
    assert at_one.plain.diverged and not at_one.bn.diverged and at_one.bn.final_train_acc > 0.3
    assert run(weight_init_std=0.1, hidden_size_list=(50,) * 2).plain.final_train_acc > 0.6
    deep = run(weight_init_std=0.1, hidden_size_list=(50,) * 8)
    assert deep.plain.final_train_acc < 0.15 and deep.bn.final_train_acc > 0.8
    deep_03 = run(weight_init_std=0.3, hidden_size_list=(50,) * 8)
    assert deep_03.plain.diverged and deep_03.bn.final_train_acc > 0.6
    dropped = run(weight_init_std="he", dropout_ratio=0.5)
    assert dropped.bn.final_train_acc > dropped.plain.final_train_acc  # "BN's advantage stays"


@pytest.mark.parametrize("lr", [1.5, 2.0])
def test_a_collapse_to_chance_is_reported_as_diverged_in_red(lr):
    """He init, lr 1.5-2: the plain net's loss jumps, then it sits at chance; the Trainer does not stop it."""
    pg = bn_fig.batchnorm_playground(lr=lr, weight_init_std="he")
    assert pg.error is None
    assert not pg.result.plain.diverged and pg.result.failure["no BN"] == "collapsed"
    assert pg.result.plain.final_train_acc < 0.2 and pg.result.failure["with BN"] is None
    assert pg.result.diverged and "no BN: diverged" in pg.result.message
    assert ERROR_COLOR in pg.status.value
    texts = [t.get_text() for ax in pg.figure.axes for t in ax.texts]
    assert "no BN: diverged" in texts


def test_the_default_plain_net_at_chance_is_not_called_diverged():
    pg = bn_fig.batchnorm_playground()
    assert pg.result.failure == {"with BN": None, "no BN": None}  # std 0.01: it did not learn, nothing blew up
    assert "diverged" not in pg.result.message


def test_small_mini_batches_put_bn_behind_on_every_paired_seed():
    """Section 7's story measured over seeds 0-2: behind by a few points at batch 4, by far at batch 2."""
    gaps = {m: [bn_fig.compare_bn_runs(lr=0.1, weight_init_std="he", mini_batch_size=m, seed=s)
                for s in (0, 1, 2)] for m in (4, 2)}
    at_4 = [r.plain.final_train_acc - r.bn.final_train_acc for r in gaps[4]]
    at_2 = [r.plain.final_train_acc - r.bn.final_train_acc for r in gaps[2]]
    assert min(at_4) > 0 and sum(at_4) / 3 > 0.03
    assert min(at_2) > 0.25
