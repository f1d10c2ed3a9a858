"""Notebook 05's claims, asserted on the same seeded runs, with the same functions and settings.

The notebook's runs (Section 1) are repeated once per module; every number its prose cites is
checked here, so a change to the engine that breaks a lesson fails a test, not a reader.
"""
import numpy as np
import pytest

from dlhelpers.experiments import overfitting as overfit

# notebook 05, Section 1, cell "RUNS"
NB05_RUNS = {"no regularization": {}, "early stopping": {"patience": 10},
             "no regularization, 1000 images": {"n_train": 1000, "curves": False},
             **overfit.sweep_settings()}
SEED_CHECK = ["weight decay 0.001", "weight decay 0.01", "dropout 0.1", "dropout 0.15"]
SEED_RUNS = overfit.seed_settings(NB05_RUNS, ["no regularization"] + SEED_CHECK, seeds=(1, 2))
WD = [f"weight decay {lam:g}" for lam in overfit.WEIGHT_DECAY_LAMBDAS]
DO = [f"dropout {r:g}" for r in overfit.DROPOUT_RATIOS]
SE_1000 = np.sqrt(0.85 * 0.15 / 1000)  # standard error of an accuracy near 0.85 on 1000 images


@pytest.fixture(scope="module")
def runs():
    return overfit.run_settings({**NB05_RUNS, **SEED_RUNS}, progress=False)


@pytest.fixture(scope="module")
def base(runs):
    return runs["no regularization"]


def _gain(runs, base, label, key="final_val_acc"):
    return runs[label][key] - base[key]


def test_the_setting_is_the_books_net_at_the_checkers_budget(base):
    from dlhelpers.exercises.nb05 import REG_BUDGET
    p = base["settings"]
    assert p["n_train"] == 300 and p["hidden_size_list"] == (100,) * 6 and p["mini_batch_size"] == 100
    assert (p["lr"], p["epochs"]) == (0.1, 100)
    assert overfit.BOOK_SETTINGS["lr"] == 0.01 and overfit.BOOK_SETTINGS["epochs"] == 200
    for key in ("n_train", "hidden_size_list", "lr", "mini_batch_size", "epochs", "n_val", "seed"):
        assert p[key] == REG_BUDGET[key], key
    net = overfit.make_net(p)
    n_weights = sum(v.size for k, v in net.params.items() if k.startswith("W"))
    assert 125_000 < n_weights < 135_000 and 420 < n_weights / 300 < 440  # "about 130,000", "roughly 430"


def test_300_images_overfit_with_a_large_gap(base):
    assert base["final_train_acc"] == 1.0 and min(base["train_acc"][35:]) == 1.0
    assert round(base["final_val_acc"], 3) == 0.819 and round(base["final_test_acc"], 3) == 0.818
    assert round(overfit.gap(base), 2) == 0.18
    # train reaches 100 % around epoch 30, validation stops improving near 82 %
    assert 25 <= base["train_acc"].index(1.0) <= 32
    assert abs(np.mean(base["val_acc"][40:]) - 0.82) < 0.01
    # validation and test curves run side by side
    assert np.max(np.abs(np.subtract(base["val_acc"], base["test_acc"])[30:])) < 0.03


def test_the_notebooks_loop_matches_the_checker_and_the_trainer(base, runs):
    from dlhelpers.exercises import nb05
    assert nb05._baseline() == (base["final_train_acc"], base["final_val_acc"])
    from dlhelpers import Trainer, load_mnist
    (x, t), _ = load_mnist()
    x_val, t_val = overfit.validation_data()
    net = overfit.make_net(overfit.SETTINGS)
    trainer = Trainer(net, x[:300], t[:300], x_val=x_val, t_val=t_val, epochs=100, mini_batch_size=100,
                      optimizer="sgd", optimizer_param={"lr": 0.1}, seed=0, patience=10, verbose=False,
                      progress=False)
    trainer.train()
    stopped = runs["early stopping"]
    assert np.allclose(trainer.history["val_acc"], stopped["val_acc"])
    assert trainer.best_epoch == stopped["best_epoch"]
    assert "restored the weights of epoch 30" in trainer.stop_reason


def test_weight_decay_sweep_has_a_sweet_spot_that_raises_held_out_accuracy(runs, base):
    good = WD[:4]  # 0.001 .. 0.03
    for label in good:
        assert _gain(runs, base, label) > 0.015, label  # validation up 1.6-2.7 points
        assert _gain(runs, base, label, "final_test_acc") > 0.005, label  # test up 0.7-2.4 points
    vals = [runs[k]["final_val_acc"] for k in good]
    assert max(vals) - min(vals) < SE_1000  # a broad plateau, within one standard error
    assert overfit.best_by_validation(runs, WD) == "weight decay 0.001"
    assert round(runs["weight decay 0.001"]["final_val_acc"], 3) == 0.846
    assert round(runs["weight decay 0.001"]["final_test_acc"], 3) == 0.834
    # lambda = 0.1 is too strong: the net no longer fits its training set and held-out accuracy collapses
    strong = runs["weight decay 0.1"]
    assert strong["final_train_acc"] < 0.6 and _gain(runs, base, "weight decay 0.1") < -0.3
    assert overfit.SETTINGS["lr"] * 0.1 == pytest.approx(0.01)  # eta * lambda = 1 % per step


def test_weight_decay_shrinks_the_weights_and_the_gap(runs, base):
    chosen = overfit.run_settings({"weight decay 0.001": {"weight_decay_lambda": 0.001}}, progress=False)
    wd = chosen["weight decay 0.001"]
    assert wd["final_val_acc"] == runs["weight decay 0.001"]["final_val_acc"]  # same run, now with curves
    assert wd["final_train_acc"] == 1.0 and overfit.gap(wd) < overfit.gap(base) - 0.02
    norms = [runs[k]["weight_sq"] for k in ["no regularization"] + WD]
    assert all(a > b for a, b in zip(norms, norms[1:]))  # larger lambda, smaller weights
    assert 0.90 < runs["weight decay 0.001"]["weight_sq"] / base["weight_sq"] < 0.97  # "about 6 %"
    assert runs["weight decay 0.1"]["weight_sq"] < 0.05 * base["weight_sq"]  # "almost nothing"


def test_dropout_sweep_raises_held_out_accuracy_and_too_much_underfits(runs, base):
    for label in ("dropout 0.1", "dropout 0.15"):
        assert _gain(runs, base, label) > 0.025, label  # about three points
        assert _gain(runs, base, label, "final_test_acc") > 0.025, label
    assert max(runs[k]["final_val_acc"] for k in DO) > max(runs[k]["final_val_acc"] for k in WD)
    assert overfit.best_by_validation(runs, DO) == "dropout 0.1"
    assert round(runs["dropout 0.1"]["final_val_acc"], 3) == 0.853
    assert round(runs["dropout 0.1"]["final_test_acc"], 3) == 0.850
    assert 0 < _gain(runs, base, "dropout 0.2") < _gain(runs, base, "dropout 0.1")  # the book's 0.2: less
    assert _gain(runs, base, "dropout 0.3") < 0  # already hurts
    assert runs["dropout 0.5"]["final_train_acc"] < 0.5  # cannot fit the training set


def test_a_regularizer_raises_held_out_accuracy(runs, base):
    """The lesson the first edition failed to show: chosen on validation, confirmed on test."""
    for label in (overfit.best_by_validation(runs, WD), overfit.best_by_validation(runs, DO)):
        assert runs[label]["final_val_acc"] > base["final_val_acc"] + 0.02
        assert runs[label]["final_test_acc"] > base["final_test_acc"] + 0.01


def test_only_dropouts_gain_survives_other_seeds(runs):
    """Section 3b: gains over the same seed's baseline, seeds 0, 1, 2."""
    do = overfit.seed_gains(runs, "dropout 0.1")
    assert all(g > 0.005 for g in do) and [round(g, 3) for g in do] == [0.034, 0.024, 0.007]
    assert 0.015 < np.mean(do) < 0.025 and 0.015 < np.mean(overfit.seed_gains(runs, "dropout 0.1", key="final_test_acc"))
    for label in ("weight decay 0.001", "weight decay 0.01"):
        other = overfit.seed_gains(runs, label)[1:]
        assert max(round(abs(g), 3) for g in other) <= 0.013, label  # within the noise: "+-1.3 points"
        assert min(other) < 0.005, label  # no reliable gain
    bases = [runs[overfit.seed_label("no regularization", s)]["final_val_acc"] for s in (0, 1, 2)]
    assert bases[0] == min(bases)  # seed 0's baseline was the weakest
    assert [round(b, 3) for b in bases] == [0.819, 0.843, 0.848]
    table = overfit.seed_table(runs, SEED_CHECK)
    assert "+0.034  +0.024  +0.007  +0.022" in table


def test_early_stopping_stops_after_the_validation_peak(runs, base):
    stopped = runs["early stopping"]
    assert (stopped["best_epoch"], stopped["stop_epoch"]) == (30, 40)
    assert overfit.early_stop_epoch(base["val_acc"], patience=10) == (40, 30)  # same run, watched
    assert stopped["val_acc"] == base["val_acc"][:41]
    # validation accuracy peaks at 30 and drops about two points; the test curve does the same
    assert int(np.argmax(base["val_acc"])) == 30
    assert 0.01 < base["val_acc"][30] - np.mean(base["val_acc"][40:]) < 0.03
    assert base["test_acc"][30] > np.mean(base["test_acc"][40:])
    # validation loss: lowest around epoch 30, then up by about a quarter
    loss = base["val_loss"]
    assert 28 <= int(np.argmin(loss)) <= 32
    assert 1.15 < loss[-1] / min(loss) < 1.4
    assert all(b >= a - 1e-3 for a, b in zip(loss[40:], loss[41:]))  # climbs steadily
    # restored weights: the best epoch's; about one point of test accuracy gained
    assert round(stopped["final_val_acc"], 3) == 0.836 and round(stopped["final_test_acc"], 3) == 0.826
    assert 0.005 < stopped["final_test_acc"] - base["final_test_acc"] < 0.015


def test_more_data_beats_every_regularizer(runs):
    more = runs["no regularization, 1000 images"]
    assert round(more["final_val_acc"], 3) == 0.903 and round(more["final_test_acc"], 3) == 0.887
    others = [k for k in runs if k != "no regularization, 1000 images"]
    assert more["final_val_acc"] > max(runs[k]["final_val_acc"] for k in others) + 0.03
    assert round(more["final_val_acc"] - runs["no regularization"]["final_val_acc"], 2) == 0.08  # "+8 points"


def test_weight_decay_formulas_in_the_network(mnist_sample):
    (x, t), _ = mnist_sample
    lam = 0.1
    plain = dlhelpers_net(0.0)
    decayed = dlhelpers_net(lam)
    penalty = lam / 2 * sum(np.sum(decayed.params[k] ** 2) for k in ("W1", "W2"))
    assert np.isclose(decayed.loss(x[:20], t[:20]) - plain.loss(x[:20], t[:20]), penalty)
    g0, g1 = plain.gradient(x[:20], t[:20]), decayed.gradient(x[:20], t[:20])
    for k in ("W1", "W2"):
        assert np.allclose(g1[k] - g0[k], lam * decayed.params[k])
    assert np.allclose(g1["b1"], g0["b1"])


def dlhelpers_net(lam):
    from dlhelpers import MultiLayerNet
    return MultiLayerNet(784, [50], 10, seed=1, weight_decay_lambda=lam, dtype=np.float64)


def test_both_dropout_forms_match_their_test_output_on_average():
    forms = overfit.dropout_forms_demo(ratio=0.5)
    for name in ("book", "inverted"):
        assert np.allclose(forms[f"mean_{name}"], forms[f"test_{name}"], rtol=0.05)
        kept = forms[f"passes_{name}"] != 0
        assert kept.shape == (4, 16) and 0.3 < kept.mean() < 0.7
        assert len({tuple(row) for row in kept}) == 4  # every pass draws its own mask
    assert np.allclose(forms["test_inverted"], forms["x"])
    assert np.allclose(forms["test_book"], 0.5 * forms["x"])
    assert np.allclose(forms["passes_inverted"], 2 * forms["passes_book"])  # same masks, scaled by 1/(1-p)
    assert abs(forms["kept_fraction"] - 0.5) < 0.02


def test_dropout_behaves_like_an_ensemble_of_thinned_networks(runs):
    net = overfit.rebuild_net(runs["dropout 0.15"])
    reading = overfit.ensemble_reading(net)
    assert reading["ensemble_acc"][-1] > reading["single_masked_acc"] + 0.03
    assert abs(reading["ensemble_acc"][-1] - reading["test_mode_acc"]) < 0.02
    assert reading["agreement"] > 0.95
    assert reading["ensemble_acc"][0] < reading["ensemble_acc"][-1]


def test_bad_settings_are_refused_with_the_key_named():
    with pytest.raises(ValueError, match="hidden"):
        overfit.run_settings({"x": {"hidden": (10,)}}, progress=False)
    with pytest.raises(ValueError, match="exceeds"):
        overfit.overfit_trial({"n_train": 3500})
    with pytest.raises(ValueError, match="no weights"):
        overfit.rebuild_net({"settings": overfit.SETTINGS})
