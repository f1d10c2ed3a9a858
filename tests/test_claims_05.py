"""Notebook 05's claims, asserted on the notebook's own runs (8 paired seeds) with statistical margins.

Training at these settings is chaotic: a last-bit change of the initial weights (another CPU's BLAS
kernel, or ``DLHELPERS_PERTURB=1``) ends as another run. So no test here pins a single run's third
decimal; each asserts a conclusion the prose draws from means and standard errors over paired
seeds, with margins that hold with the switch off and on.
"""
import numpy as np
import pytest

from dlhelpers.experiments import overfitting as overfit

SEEDS = overfit.SEEDS
WD = [f"weight decay {lam:g}" for lam in overfit.WEIGHT_DECAY_LAMBDAS]
DO = [f"dropout {r:g}" for r in overfit.DROPOUT_RATIOS]


@pytest.fixture(scope="module")
def runs():
    return overfit.run_settings(overfit.notebook_runs(), progress=False)  # notebook 05, Section 1


@pytest.fixture(scope="module")
def base(runs):
    return runs["no regularization"]


def summary(runs, label, key="final_val_acc"):
    return overfit.gain_summary(overfit.paired_gains(runs, label, key=key))


def test_the_setting_is_the_books_net_at_the_checkers_budget(base):
    from dlhelpers.exercises import nb05
    p = base["settings"]
    assert p["n_train"] == 300 and p["hidden_size_list"] == (100,) * 6 and p["mini_batch_size"] == 100
    assert (p["lr"], p["epochs"]) == (0.1, 100)
    assert overfit.BOOK_SETTINGS["lr"] == 0.01 and overfit.BOOK_SETTINGS["epochs"] == 200
    budget = getattr(nb05, "REG_BUDGET", None)
    if budget is not None:  # the open exercise's checker trains the same net
        for key in ("n_train", "hidden_size_list", "lr", "mini_batch_size", "epochs", "n_val"):
            assert p[key] == budget[key], key
    net = overfit.make_net(p)
    n_weights = sum(v.size for k, v in net.params.items() if k.startswith("W"))
    assert 125_000 < n_weights < 135_000 and 420 < n_weights / 300 < 440  # "about 130,000", "roughly 430"


def test_the_runs_are_paired_and_the_notebook_counts_them():
    runs = overfit.notebook_runs()
    assert len(runs) == 51 and SEEDS == tuple(range(8))
    for s in SEEDS:  # the same seed for every setting of a pair, only the regularizer differs
        assert runs[overfit.seed_label("dropout 0.1", s)]["seed"] == runs[overfit.seed_label("no regularization", s)]["seed"] == s
    assert overfit.seeds_of(runs, "weight decay 0.01") == SEEDS
    assert overfit.seeds_of(runs, "weight decay 0.1") == SEEDS[:4] and overfit.seeds_of(runs, "batch norm") == SEEDS[:4]
    assert overfit.seeds_of(runs, "1000 images") == SEEDS[:3]
    assert all(overfit.seeds_of(overfit.notebook_runs(True), k) == SEEDS
               for k in ("weight decay 0.1", "weight decay 0.003", "dropout 0.15"))


def test_gain_summary_is_mean_standard_error_and_a_two_se_verdict():
    s = overfit.gain_summary([0.01, 0.02, 0.03, 0.02])
    assert s["mean"] == pytest.approx(0.02) and s["se"] == pytest.approx(np.std([1, 2, 3, 2], ddof=1) / 200)
    assert (s["n_up"], s["n"], s["verdict"]) == (4, 4, "gain")
    assert overfit.gain_summary([0.01, -0.01, 0.02, -0.015])["verdict"] == "within the noise"
    assert overfit.gain_summary([-0.1, -0.12, -0.11])["verdict"] == "loss"
    assert overfit.gain_text(s) == "+2.0 ± 0.4 points (up on 4 of 4 seeds)"
    with pytest.raises(ValueError, match="gains"):
        overfit.gain_summary([0.01])


def test_300_images_overfit_with_a_large_gap_on_every_seed(runs):
    for s in SEEDS:
        r = runs[overfit.seed_label("no regularization", s)]
        assert r["final_train_acc"] == 1.0 and 18 <= r["train_acc"].index(1.0) <= 40  # "about 20 to 40"
        assert min(r["train_acc"][50:]) == 1.0  # and stays there
        assert 0.12 < overfit.gap(r) < 0.21
        # validation and test curves run side by side
        assert np.mean(np.abs(np.subtract(r["val_acc"], r["test_acc"])[30:])) < 0.025
    val = overfit.paired_accuracies(runs, "no regularization")
    assert 0.825 < val.mean() < 0.855  # "near 84 %"
    gaps = [overfit.gap(runs[overfit.seed_label("no regularization", s)]) for s in SEEDS]
    assert 0.14 < np.mean(gaps) < 0.18  # "about 0.16"


def test_one_gap_definition_everywhere(base):
    from dlhelpers.figures import overfitting as figs
    h = {"train_acc": [0.5] * 5 + [1.0] * 10, "val_acc": [0.5] * 5 + [0.8] * 5 + [0.7] * 5}
    assert overfit.gap(h) == pytest.approx(0.25)  # the last 10 epochs
    ax = figs.draw_curves(base)
    assert f"gap (last 10 epochs: {overfit.gap(base):.2f})" in [t.get_text() for t in ax.get_legend().get_texts()]
    import matplotlib.pyplot as plt
    plt.close("all")


def test_weight_decay_too_strong_underfits_and_small_is_probable_not_proven(runs):
    strong = summary(runs, "weight decay 0.1")
    assert strong["verdict"] == "loss" and strong["mean"] < -0.10
    train = overfit.paired_accuracies(runs, "weight decay 0.1", key="final_train_acc")
    assert train.max() < 0.8 and 0.45 < train.mean() < 0.75  # "falls to about 0.6"
    assert overfit.SETTINGS["lr"] * 0.1 == pytest.approx(0.01)  # eta * lambda = 1 % per step
    for label in ("weight decay 0.001", "weight decay 0.01"):
        s = summary(runs, label)
        assert -0.004 < s["mean"] < 0.012, label  # "under one point"
        assert 0.002 < s["se"] < 0.007, label  # "a standard error of about half a point"
        assert 4 <= s["n_up"] <= 7, label  # the seeds disagree
    small = summary(runs, "weight decay 0.01")
    assert 0 < small["mean"] < 2.5 * small["se"]  # "probable, not proven"
    assert overfit.best_by_mean_validation(runs, WD) in ("weight decay 0.001", "weight decay 0.01")


def test_weight_decay_shrinks_the_weights(runs, base):
    norms = [overfit.paired_accuracies(runs, k, key="weight_sq").mean() for k in ["no regularization"] + WD]
    assert all(a > b for a, b in zip(norms, norms[1:]))  # larger lambda, smaller weights
    assert 0.90 < norms[1] / norms[0] < 0.99  # 0.001: "a few percent"
    assert norms[-1] < 0.05 * norms[0]  # 0.1: "almost nothing"


def test_dropout_small_ratio_is_a_gain_and_too_much_underfits(runs):
    s = summary(runs, "dropout 0.1")
    assert s["verdict"] == "gain" and 0.008 < s["mean"] < 0.025 and s["n_up"] >= 6  # "+1 to +2, 6 to 8 of 8"
    t = summary(runs, "dropout 0.1", "final_test_acc")
    assert 0.003 < t["mean"] < 0.018 and 0.003 < t["se"] < 0.009  # "about one point, SE about half a point"
    assert overfit.best_by_mean_validation(runs, DO) == "dropout 0.1"
    hurt = summary(runs, "dropout 0.3")
    assert hurt["verdict"] == "loss" and -0.15 < hurt["mean"] < -0.05  # "by about ten points"
    assert overfit.paired_accuracies(runs, "dropout 0.5", key="final_train_acc").max() < 0.5  # cannot fit
    assert 0.5 ** 6 == pytest.approx(0.016, abs=5e-4)


def test_dropout_beats_weight_decay_by_the_paired_measure(runs):
    do = overfit.paired_gains(runs, "dropout 0.1")
    assert do.mean() > overfit.paired_gains(runs, "weight decay 0.01").mean()
    assert do.mean() > overfit.paired_gains(runs, "weight decay 0.001").mean()


def test_dropouts_test_mode_matches_its_thinned_ensemble_and_a_real_ensemble_does_better(runs):
    dropout_nets = [overfit.rebuild_net(runs[overfit.seed_label("dropout 0.1", s)]) for s in SEEDS]
    plain_nets = [overfit.rebuild_net(runs[overfit.seed_label("no regularization", s)]) for s in SEEDS]
    for net, s in zip(plain_nets, SEEDS):  # the rebuilt nets are the trained ones
        xv, tv = overfit.validation_data()
        assert net.accuracy(xv, tv) == runs[overfit.seed_label("no regularization", s)]["final_val_acc"]
    readings = [overfit.ensemble_reading(net, n_members=(1, 2, 5, 10, 20), n_images=500) for net in dropout_nets[:3]]
    test_mode = np.array([r["test_mode_acc"] for r in readings])
    averaged = np.array([r["ensemble_acc"][-1] for r in readings])
    assert abs(np.mean(averaged - test_mode)) < 0.01  # "within a fraction of a point"
    assert np.mean([r["single_masked_acc"] for r in readings]) < test_mode.mean() - 0.02  # "by several points"
    assert all(r["agreement"] > 0.95 for r in readings)  # "the same class for almost every image"
    assert all(r["ensemble_acc"][0] < r["ensemble_acc"][-1] for r in readings)  # "rises"
    real = overfit.ensemble_accuracy(plain_nets)
    real_dropout = overfit.ensemble_accuracy(dropout_nets)
    assert real["single_acc"] == list(overfit.paired_accuracies(runs, "no regularization"))
    gain_real = real["ensemble_acc"][-1] - np.mean(real["single_acc"])
    assert 0.02 < gain_real < 0.045  # "about three points"
    assert gain_real > overfit.paired_gains(runs, "dropout 0.1").mean()  # "more than dropout's"
    assert real["ensemble_acc"][-1] > np.mean(real_dropout["single_acc"])
    assert real_dropout["ensemble_acc"][-1] > real["ensemble_acc"][-1]  # "better still"


def test_batch_norm_is_not_a_regularizer_here(runs):
    s = summary(runs, "batch norm")
    assert s["verdict"] == "loss" and s["n_up"] == 0 and -0.17 < s["mean"] < -0.09  # "about 13 points below"
    assert overfit.paired_accuracies(runs, "batch norm", key="final_train_acc").min() == 1.0  # still memorizes


def test_early_stopping_saves_training_but_gains_nothing_on_test(runs, base):
    es = overfit.early_stopping_gains(runs)
    assert 30 <= es["stop"].mean() <= 50 and np.all(es["stop"] - es["best"] == 10)  # "about 40 epochs"
    assert np.all((15 <= es["best"]) & (es["best"] <= 50))  # "peaks between about epochs 15 and 50"
    val, test = overfit.gain_summary(es["val_gain"]), overfit.gain_summary(es["test_gain"])
    assert abs(val["mean"]) < 0.01  # "a few tenths of a point, up or down" on validation
    assert -0.008 < test["mean"] < 0.003  # "gains nothing on test": a few tenths at most, either way (a small loss under the switch)
    for s in SEEDS:  # the validation loss climbs after its minimum
        loss = runs[overfit.seed_label("no regularization", s)]["val_loss"]
        assert loss[-1] > 1.1 * min(loss) and int(np.argmin(loss)) < 60
    # the rule only watches: a run stopped early is the full run's curve up to the stop
    stopped = overfit.overfit_trial({"patience": 10})
    stop, best = overfit.early_stop_epoch(base["val_acc"], patience=10)
    assert (stopped["stop_epoch"], stopped["best_epoch"]) == (stop, best)
    assert stopped["val_acc"] == base["val_acc"][:stop + 1]
    assert stopped["final_test_acc"] == base["test_acc"][best] and es["test_gain"][0] == base["test_acc"][best] - base["test_acc"][-1]


def test_the_trainer_applies_the_same_rule(base):
    from dlhelpers import Trainer, load_mnist
    (x, t), _ = load_mnist()
    x_val, t_val = overfit.validation_data()
    trainer = Trainer(overfit.make_net(overfit.SETTINGS), x[:300], t[:300], x_val=x_val, t_val=t_val, epochs=100,
                      mini_batch_size=100, optimizer="sgd", optimizer_param={"lr": 0.1}, seed=0, patience=10,
                      verbose=False, progress=False)
    trainer.train()
    watched = trainer.history["val_acc"]
    assert np.allclose(watched, base["val_acc"][:len(watched)])
    assert trainer.best_epoch == overfit.early_stop_epoch(base["val_acc"], patience=10)[1]


def test_more_data_beats_every_regularizer(runs):
    more = summary(runs, "1000 images")
    assert more["verdict"] == "gain" and more["n_up"] == 3 and more["mean"] > 0.04  # "jumps by several points"
    best_reg = max(overfit.paired_gains(runs, k).mean() for k in WD + DO + ["batch norm"])
    assert more["mean"] > best_reg + 0.02


def test_weight_decay_formulas_in_the_network(mnist_sample):
    from dlhelpers import MultiLayerNet
    (x, t), _ = mnist_sample
    lam = 0.1
    plain = MultiLayerNet(784, [50], 10, seed=1, dtype=np.float64)
    decayed = MultiLayerNet(784, [50], 10, seed=1, weight_decay_lambda=lam, dtype=np.float64)
    penalty = lam / 2 * sum(np.sum(decayed.params[k] ** 2) for k in ("W1", "W2"))
    assert np.isclose(decayed.loss(x[:20], t[:20]) - plain.loss(x[:20], t[:20]), penalty)
    g0, g1 = plain.gradient(x[:20], t[:20]), decayed.gradient(x[:20], t[:20])
    for k in ("W1", "W2"):
        assert np.allclose(g1[k] - g0[k], lam * decayed.params[k])
    assert np.allclose(g1["b1"], g0["b1"])


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


def test_a_batchnorm_net_is_rebuilt_with_its_running_statistics():
    r = overfit.overfit_trial({"use_batchnorm": True, "epochs": 3, "curves": False, "return_params": True})
    xv, tv = overfit.validation_data()
    assert overfit.rebuild_net(r).accuracy(xv, tv) == r["final_val_acc"]


def test_bad_settings_are_refused_with_the_key_named():
    with pytest.raises(ValueError, match="hidden"):
        overfit.run_settings({"x": {"hidden": (10,)}}, progress=False)
    with pytest.raises(ValueError, match="exceeds"):
        overfit.overfit_trial({"n_train": 3500})
    with pytest.raises(ValueError, match="no weights"):
        overfit.rebuild_net({"settings": overfit.SETTINGS})
    with pytest.raises(ValueError, match="seeds"):
        overfit.paired_settings({"a": {}}, seeds=())
    with pytest.raises(KeyError, match="no run labelled"):
        overfit.seeds_of({}, "dropout 0.1")
    with pytest.raises(ValueError, match="nets"):
        overfit.ensemble_accuracy([])
