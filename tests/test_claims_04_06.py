"""What notebooks 04-06 claim, asserted on seeded runs with the functions and settings they use."""
import numpy as np
import pytest

from dlhelpers.experiments import batchnorm as bn_exp


# ----------------------------------------------------------------------------- 04 batch norm
@pytest.fixture(scope="module")
def init_grid():
    """Section 5 of notebook 04 at its default settings (lr 0.1, 10 epochs, 16 scales, 1000 images)."""
    return bn_exp.run_init_scale_grid(bn_exp.BOOK_STDS, lr=0.1, epochs=10, progress=False)


@pytest.fixture(scope="module")
def lr_comparison():
    return bn_exp.learning_rate_comparison(lrs=(0.01, 0.1, 1.0), progress=False)


def test_bn_learns_at_most_of_the_16_init_scales_and_the_plain_net_at_few(init_grid):
    assert np.allclose(init_grid["stds"], np.logspace(0, -4, 16))
    with_bn, without_bn = bn_exp.count_learned(init_grid, threshold=0.5)
    assert with_bn >= 14
    assert without_bn <= 4
    # where the plain net fails it stays at chance (about 11 %)
    failed = init_grid["plain"][:, -1] <= 0.5
    assert np.all(init_grid["plain"][failed, -1] < 0.2)


def test_bn_reaches_90_percent_in_fewer_epochs_at_the_default_scale(lr_comparison):
    bn, plain = lr_comparison["bn"][1], lr_comparison["plain"][1]  # He init, lr 0.1
    bn_epochs = bn_exp.epochs_to_reach(bn["train_acc"], 0.9)
    plain_epochs = bn_exp.epochs_to_reach(plain["train_acc"], 0.9)
    assert bn_epochs is not None and plain_epochs is not None and bn_epochs < plain_epochs
    for bn, plain in zip(lr_comparison["bn"], lr_comparison["plain"]):  # faster at every rate
        assert bn["train_acc"][-1] > plain["train_acc"][-1]


def test_bn_tolerates_a_learning_rate_at_which_the_plain_net_diverges(lr_comparison):
    bn, plain = lr_comparison["bn"][2], lr_comparison["plain"][2]  # lr 1
    assert plain["diverged"] and "learning rate" in plain["stop_reason"]
    assert plain["stop_reason"].startswith("Training stopped at iteration")
    assert not bn["diverged"] and bn["train_acc"][-1] > 0.98


def test_without_bn_the_spread_shrinks_per_layer_and_with_bn_it_stays_one():
    spread = bn_exp.preactivation_spread(weight_init_std=0.01)
    plain = [a.std() for a in spread["plain"]]
    assert all(later < earlier / 5 for earlier, later in zip(plain, plain[1:]))
    assert np.allclose([a.std() for a in spread["normalized"]], 1.0, atol=0.01)


def test_gamma_and_beta_can_undo_the_normalization():
    assert bn_exp.undo_check() < 1e-12


def test_running_statistics_settle_on_the_true_values_within_30_batches():
    demo = bn_exp.running_stats_demo()
    assert np.allclose(demo["running_mean"][30], demo["means"], atol=0.1 * np.sqrt(demo["vars"]) + 0.05)
    assert np.allclose(demo["running_mean"][-20:].mean(0), demo["means"], atol=0.05 * np.sqrt(demo["vars"]))
    assert np.allclose(demo["running_var"][-20:].mean(0), demo["vars"], rtol=0.1)


def test_test_mode_on_a_single_sample_matches_the_running_statistics():
    demo = bn_exp.running_stats_demo()
    layer = demo["layer"]
    x_one = np.array([[4.0, -0.5, 2.0]])
    out = bn_exp.single_sample_outputs(layer, x_one)
    by_hand = (x_one - layer.running_mean) / np.sqrt(layer.running_var + layer.eps)
    assert np.allclose(out["test"], by_hand) and np.allclose(out["formula"], by_hand)
    assert "needs at least 2 values per feature" in out["train"]  # training mode refuses a batch of one
    assert np.array_equal(layer.running_mean, demo["running_mean"][-1])  # the demo left them alone


def test_a_trained_bn_net_answers_the_same_alone_and_in_a_batch(mnist_sample):
    net = bn_exp.train_bn_net()
    _, (x_test, t_test) = mnist_sample
    alone = net.predict(x_test[:1])
    in_batch = net.predict(x_test[:500])[:1]
    assert alone.argmax() == in_batch.argmax() and np.allclose(alone, in_batch, atol=1e-4)
    assert net.accuracy(x_test, t_test) > 0.8
    scores = bn_exp.batch_companion_noise(net, n_batches=10)
    assert 0.05 < scores.std(axis=0).max() < 3  # batch companions move the scores, mildly


def test_backward_passes_the_numerical_check_and_the_bias_before_bn_has_zero_gradient():
    assert all(err < 1e-7 for err in bn_exp.layer_gradient_check().values())
    report = bn_exp.network_gradient_check()
    assert report.passed, str(report)
    for name in report:
        if name in ("b1", "b2"):
            assert report.zero[name] and report.max_analytic[name] < 1e-12 and report.max_numeric[name] < 1e-9
        else:
            assert not report.zero[name] and report[name] < 1e-7 and report.max_analytic[name] > 1e-3


# ----------------------------------------------------------------------------- 05 overfitting
from dlhelpers.experiments import overfitting as overfit  # noqa: E402

NB05_SETTINGS = {  # notebook 05, Section 1 (book setting: 300 images, 6 x 100, SGD 0.01, 200 epochs)
    "no regularization": {},
    "weight decay 0.1": {"weight_decay": 0.1},
    "dropout 0.15": {"dropout_ratio": 0.15, "return_params": True},
    "dropout 0.3": {"dropout_ratio": 0.3},
    "early stopping": {"patience": 20},
}


@pytest.fixture(scope="module")
def nb05_runs():
    return overfit.run_settings(NB05_SETTINGS, progress=False)


def test_300_images_overfit_with_a_large_gap(nb05_runs):
    base = nb05_runs["no regularization"]
    assert base["settings"]["n_train"] == 300 and base["settings"]["hidden"] == (100,) * 6
    assert base["settings"]["lr"] == 0.01 and base["settings"]["epochs"] == 200
    assert min(base["train_acc"][-10:]) == 1.0
    assert overfit.gap(base) > 0.15 and base["final_test_acc"] < 0.85


def test_weight_decay_and_dropout_shrink_the_gap(nb05_runs):
    base_gap = overfit.gap(nb05_runs["no regularization"])
    assert overfit.gap(nb05_runs["weight decay 0.1"]) < base_gap - 0.03
    assert overfit.gap(nb05_runs["dropout 0.15"]) < base_gap - 0.03
    assert overfit.gap(nb05_runs["dropout 0.3"]) < overfit.gap(nb05_runs["dropout 0.15"])
    # weight decay keeps the weights small; training no longer reaches 100 %
    assert nb05_runs["weight decay 0.1"]["weight_sq"] < nb05_runs["no regularization"]["weight_sq"] / 2.5
    assert nb05_runs["weight decay 0.1"]["train_acc"][-1] < 0.97
    # the notebook's honest caveat: at lr 0.01, dropout 0.3 has not fitted its training set in 200 epochs
    assert nb05_runs["dropout 0.3"]["train_acc"][-1] < 0.8


def test_early_stopping_stops_where_the_rule_says_and_restores_the_best_weights(nb05_runs):
    base, stopped = nb05_runs["no regularization"], nb05_runs["early stopping"]
    stop, best = overfit.early_stop_epoch(base["val_acc"], patience=20)  # same run, watched
    assert stop is not None and stop < 150
    assert len(stopped["val_acc"]) - 1 == stop and stopped["best_epoch"] == best
    assert stopped["val_acc"] == base["val_acc"][:stop + 1]
    assert f"restored the weights of epoch {best}" in stopped["stop_reason"]
    # the training-validation gap opens: validation flattens while training goes on to 100 %
    assert base["train_acc"][-1] - base["val_acc"][-1] > 0.15


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
        assert np.allclose(forms[f"mean_{name}"], forms[f"test_{name}"], rtol=0.03)
        kept = forms[f"train_{name}"] != 0
        assert 0 < kept.sum() < kept.size
    assert np.allclose(forms["test_inverted"], forms["x"])
    assert np.allclose(forms["test_book"], 0.5 * forms["x"])
    assert np.allclose(forms["train_inverted"], 2 * forms["train_book"])  # same mask, scaled by 1/(1-p)


def test_dropout_behaves_like_an_ensemble_of_thinned_networks(nb05_runs):
    net = overfit.rebuild_net(nb05_runs["dropout 0.15"])
    reading = overfit.ensemble_reading(net)
    assert reading["ensemble_acc"][-1] > reading["single_masked_acc"] + 0.1
    assert abs(reading["ensemble_acc"][-1] - reading["test_mode_acc"]) < 0.03
    assert reading["agreement"] > 0.85
    assert reading["ensemble_acc"][0] < reading["ensemble_acc"][-1]


# ----------------------------------------------------------------------------- 06 search and babysitting
import math  # noqa: E402

from dlhelpers import search  # noqa: E402
from dlhelpers.experiments import babysitting as baby  # noqa: E402
from dlhelpers.experiments import search_demos as demos  # noqa: E402

NB06_TRIAL = demos.make_trial(epochs=20, hidden_size_list=(50, 50))  # notebook 06 defaults


@pytest.fixture(scope="module")
def nb06_rounds():
    coarse = search.random_search(NB06_TRIAL, demos.BOOK_RANGES, n_trials=50, seed=0, progress=False)
    fine_ranges = search.narrow_ranges(coarse, top_k=5, margin=0.25, move=1.0)
    fine = search.random_search(NB06_TRIAL, fine_ranges, n_trials=25, seed=0, stage=1, progress=False)
    return coarse, fine


def test_the_best_random_search_trials_have_learning_rates_above_1e_3(nb06_rounds):
    coarse, _ = nb06_rounds
    assert demos.BOOK_RANGES == {"lr": (1e-6, 1e-2), "weight_decay_lambda": (1e-8, 1e-4)}
    lrs = coarse.values("lr")
    assert lrs.min() >= 1e-6 and lrs.max() <= 1e-2
    assert all(t.params["lr"] > 1e-3 for t in coarse.best(5))
    assert search.edge_report(coarse)["lr"] == "high edge"


def test_coarse_to_fine_moves_the_range_past_the_edge_and_finds_better_trials(nb06_rounds):
    coarse, fine = nb06_rounds
    low, high = fine.ranges["lr"]
    assert high == pytest.approx(1e-1) and 1e-3 < low < 1e-2
    assert fine.best_trial.score > coarse.best_trial.score + 0.2


def test_the_best_trial_is_reproducible_and_the_test_set_is_less_kind(nb06_rounds):
    coarse, fine = nb06_rounds
    best = max(coarse.best(1) + fine.best(1), key=lambda t: t.score)
    val_again, test_acc = demos.final_test_accuracy(best, NB06_TRIAL)
    assert val_again == best.score
    assert test_acc < best.score


def test_local_processes_and_dask_give_identical_results_for_the_notebook_search(nb06_rounds):
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is an optional extra: pip install dlhelpers[cluster]")
    coarse, _ = nb06_rounds
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = search.random_search(NB06_TRIAL, demos.BOOK_RANGES, n_trials=4, seed=0,
                                       executor=client.get_executor(), progress=False)
    assert on_dask.trials == coarse.trials[:4]  # trial i depends only on (seed, i)


def test_random_search_covers_the_important_hyperparameter_better_than_a_grid():
    grid, rand = demos.grid_vs_random()
    assert len(np.unique(grid.values("important"))) == 3 and len(np.unique(rand.values("important"))) == 9
    assert rand.best_trial.score > grid.best_trial.score
    assert demos.grid_vs_random_odds(repeats=50) > 0.5


def test_the_initial_loss_is_within_0_1_of_ln_10():
    rows = dict(baby.initial_loss_table())
    he = rows["He init"]
    assert abs(he["loss"] - math.log(10)) < 0.1 and he["ok"]
    assert rows["He init, weight decay 0.01"]["loss"] > he["loss"] + 0.5  # the penalty shows up
    assert not rows["weight std 1"]["ok"] and rows["weight std 1"]["loss"] > 10


def test_a_tiny_subset_is_memorized():
    tiny = baby.overfit_tiny_subset(n=20, epochs=100, lr=0.1)
    assert tiny.history["train_acc"][-1] == 1.0 and tiny.history["train_loss"][-1] < 0.05


def test_learning_rate_symptoms_too_small_crawls_and_too_large_stops_the_trainer():
    runs = baby.learning_rate_runs(lrs=(1e-3, 0.1, 3.0))
    small, good, large = runs[1e-3], runs[0.1], runs[3.0]
    loss = small.history["train_loss"]
    assert loss[0] - loss[-1] < 0.25  # the loss barely moves ...
    assert small.history["train_acc"][-1] > small.history["train_acc"][0] + 0.05  # ... accuracy creeps up
    assert good.history["train_loss"][-1] < 0.5 and good.history["train_acc"][-1] > 0.9
    assert large.diverged
    assert large.stop_reason.startswith("Training stopped at iteration")
    assert "the learning rate (3) is too large" in large.stop_reason


def test_a_too_small_init_shows_a_plateau_then_a_drop():
    runs = baby.init_plateau_runs(inits=(0.03, 0.04, "he"), lr=0.2)
    plateaus = {k: baby.plateau_length(r.history["train_loss"]) for k, r in runs.items()}
    assert plateaus[0.03] > plateaus[0.04] > plateaus["he"] + 20
    for init in (0.03, 0.04):  # and then it does drop
        assert np.mean(runs[init].history["train_loss"][-10:]) < 2.0


def test_update_to_weight_ratios_per_layer_order_the_learning_rates():
    runs = baby.update_ratio_runs(lrs=(1e-4, 1e-2, 1.0))
    medians = {lr: baby.median_update_ratios(r) for lr, r in runs.items()}
    assert set(medians[1e-2]) == {"W1", "W2", "W3"}
    assert all(v < 1e-4 for v in medians[1e-4].values())
    assert all(2e-4 < v < 3e-3 for v in medians[1e-2].values())
    assert medians[1.0]["W1"] > 1e-2
    assert len(runs[1e-2].history["update_ratio"]["W1"]) == runs[1e-2].iteration


def test_a_split_without_shuffling_can_hold_out_only_some_classes(mnist_sample):
    from dlhelpers.utils import train_val_split
    (x, t), _ = mnist_sample
    tail = np.sort(t[:500], kind="stable")[-100:]
    assert set(np.unique(tail)) <= {8, 9}
    (_, _), (_, t_val) = train_val_split(x[:500], t[:500], val_fraction=0.2, rng=0)
    assert len(t_val) == 100 and len(np.unique(t_val)) == 10
