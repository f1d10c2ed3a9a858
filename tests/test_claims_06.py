"""Notebook 06's claims, asserted on seeded runs with the functions and settings it uses."""
import math

import numpy as np
import pytest

from dlhelpers import search
from dlhelpers.experiments import babysitting as baby
from dlhelpers.experiments import search_demos as demos




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
