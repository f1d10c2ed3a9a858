"""Notebook 06's claims, asserted on seeded runs with the functions, settings and loops it uses.

The fixture repeats the notebook's search cells line for line (coarse round, fine round, then the
loop that fixes weight decay and moves the learning-rate range until its best value is inside).
"""
import math

import numpy as np
import pytest

from dlhelpers import search
from dlhelpers.experiments import babysitting as baby
from dlhelpers.experiments import search_demos as demos

NB06_TRIAL = demos.make_trial(epochs=20, hidden_size_list=(50, 50), keep_state=True)  # notebook 06
N_COARSE, N_FINE = 50, 25


def _notebook_rounds():
    coarse = search.random_search(NB06_TRIAL, demos.BOOK_RANGES, n_trials=N_COARSE, seed=0, progress=False)
    fine_ranges = search.narrow_ranges(coarse, top_k=5, margin=0.25, move=1.0)
    fine = search.random_search(NB06_TRIAL, fine_ranges, n_trials=N_FINE, seed=0, stage=1, progress=False)
    LAMBDA = fine.best_trial.params["weight_decay_lambda"]
    rounds = [coarse, fine]
    while any(where != "inside" for where in search.edge_report(rounds[-1]).values()):
        if len(rounds) == 6:
            raise RuntimeError("still at an edge after 6 rounds")
        ranges = search.narrow_ranges(rounds[-1], names=["lr"], top_k=5, margin=0.25, move=1.0)
        rounds.append(search.random_search(NB06_TRIAL, ranges, n_trials=N_FINE, seed=0, stage=len(rounds),
                                           fixed={"weight_decay_lambda": LAMBDA}, progress=False))
    return rounds


@pytest.fixture(scope="module")
def nb06_rounds():
    return _notebook_rounds()


@pytest.fixture(scope="module")
def chosen(nb06_rounds):
    return max((r.best_trial for r in nb06_rounds), key=lambda t: t.score)


def test_the_best_random_search_trials_sit_at_the_top_edge_of_the_book_range(nb06_rounds):
    coarse = nb06_rounds[0]
    assert demos.BOOK_RANGES == {"lr": (1e-6, 1e-2), "weight_decay_lambda": (1e-8, 1e-4)}
    lrs = coarse.values("lr")
    assert lrs.min() >= 1e-6 and lrs.max() <= 1e-2
    assert all(t.params["lr"] > 1e-3 for t in coarse.best(5))
    assert search.edge_report(coarse) == {"lr": "high edge", "weight_decay_lambda": "inside"}
    assert coarse.best_trial.score == pytest.approx(0.45)


def test_coarse_to_fine_moves_the_range_past_the_edge_and_finds_better_trials(nb06_rounds):
    coarse, fine = nb06_rounds[:2]
    low, high = fine.ranges["lr"]
    assert high == pytest.approx(1e-1) and 1e-3 < low < 1e-2
    assert fine.best_trial.score == pytest.approx(0.87)
    assert fine.best_trial.score > coarse.best_trial.score + 0.2
    assert search.edge_report(fine)["lr"] == "high edge"  # again: the range must move once more


def test_weight_decay_does_not_matter_in_round_2_although_its_best_five_share_a_band(nb06_rounds):
    fine = nb06_rounds[1]
    per_lr, per_lambda = demos.lr_and_lambda_effects(fine)
    assert round(per_lr, 2) == 0.56 and round(per_lambda, 3) == -0.014
    assert abs(per_lambda) < 0.05 * per_lr
    # "with lr <= 0.1 and lambda < 1e-5 the decay shrinks a weight by < 1e-6 per step, < 1e-4 in 80 steps"
    lr_high, lam_high = fine.ranges["lr"][1], fine.ranges["weight_decay_lambda"][1]
    assert lr_high <= 0.1 + 1e-12 and lam_high < 1e-5 and lr_high * lam_high < 1e-6
    assert len(fine.trials[0].result["train_loss"]) == 80
    lams = [t.params["weight_decay_lambda"] for t in fine.best(5)]
    assert 2.9e-7 <= min(lams) and max(lams) <= 1.1e-6  # "between about 3e-7 and 1e-6"


def test_the_search_best_is_not_at_an_edge_before_the_test_cell(nb06_rounds, chosen):
    assert len(nb06_rounds) == 3 and sum(len(r) for r in nb06_rounds) == 100
    last = nb06_rounds[-1]
    assert search.edge_report(last) == {"lr": "inside"}
    low, high = last.ranges["lr"]
    assert low == pytest.approx(1.9e-2, rel=0.05) and high == pytest.approx(1.0)
    assert chosen is last.best_trial and chosen.score == pytest.approx(0.90)
    assert all(0.18 < t.params["lr"] < 0.4 for t in last.best(5))  # "around 0.2 to 0.3"
    top5 = [t.score for t in last.best(5)]
    assert round(top5[0] - top5[-1], 2) == 0.02
    assert all(t.params["weight_decay_lambda"] == nb06_rounds[1].best_trial.params["weight_decay_lambda"]
               for t in last)


def test_the_chosen_trial_is_reproduced_by_running_the_trial_function_again(chosen):
    again = NB06_TRIAL(chosen.params, chosen.seed)
    assert again["score"] == chosen.score


def test_the_test_cell_validation_against_test_for_every_trial(nb06_rounds, chosen):
    test_accs = [demos.accuracies_on_test_set(r.trials, NB06_TRIAL) for r in nb06_rounds]
    val_all = np.concatenate([r.scores for r in nb06_rounds])
    test_all = np.concatenate(test_accs)
    chosen_test = test_accs[-1][[t.index for t in nb06_rounds[-1].trials].index(chosen.index)]
    assert round(chosen_test, 3) == 0.858 and chosen_test < chosen.score
    assert round(demos.score_standard_error(chosen.score, 100), 3) == 0.030
    assert round(demos.score_standard_error(chosen_test, 1000), 3) == 0.011
    top = np.argsort(-val_all, kind="stable")[:10]
    assert f"{val_all[top].mean():.3f} {test_all[top].mean():.3f}" == "0.882 0.853"  # as the notebook prints
    assert round(np.corrcoef(val_all, test_all)[0, 1], 2) == 0.99
    assert f"{np.mean(test_all - val_all):+.3f}" == "+0.004"
    # the stored weights are the trial's net: its validation accuracy is the trial's score
    _, (xv, tv) = demos.search_data()
    from dlhelpers import MultiLayerNet
    net = MultiLayerNet(784, [50, 50], 10, seed=0)
    net.set_state(chosen.result["state"])
    assert float(net.accuracy(xv, tv)) == chosen.score


def test_the_chosen_trial_shows_a_train_validation_gap(chosen):
    r = chosen.result
    assert (round(r["train_acc"][-1], 2), round(r["val_acc"][-1], 2)) == (1.0, 0.9)


def test_local_processes_and_dask_give_identical_results_for_the_notebook_search(nb06_rounds):
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is the optional cluster extra: python -m pip install -e \".[cluster]\"")
    coarse = nb06_rounds[0]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = search.random_search(NB06_TRIAL, demos.BOOK_RANGES, n_trials=4, seed=0,
                                       executor=client.get_executor(), progress=False)
    assert on_dask.trials == coarse.trials[:4]  # trial i depends only on (seed, i)


def test_random_search_covers_the_important_hyperparameter_better_than_a_grid():
    grid, rand = demos.grid_vs_random()
    assert len(np.unique(grid.values("important"))) == 3 and len(np.unique(rand.values("important"))) == 9
    assert round(grid.best_trial.score, 3) == 0.489 and round(rand.best_trial.score, 3) == 0.710
    assert demos.grid_vs_random_odds(repeats=100) == pytest.approx(0.63)


def test_successive_halving_screens_three_times_as_many_configurations_at_equal_epochs():
    out = demos.halving_vs_random_demo()
    h, rnd = out["halving"], out["random"]
    assert [(len(r), b) for r, b in zip(h.rungs, h.budgets)] == [(27, 1), (9, 3), (3, 9)]
    assert out["halving_epochs"] == out["random_epochs"] == 81 and len(rnd) == 9
    assert (round(h.best_trial.score, 2), round(rnd.best_trial.score, 2)) == (0.84, 0.82)
    assert abs(h.best_trial.score - rnd.best_trial.score) < demos.score_standard_error(0.83, 100)
    kept = {t.index for t in h.rungs[1]}
    dropped = [t for t in rnd.trials if t.index not in kept]
    assert len(dropped) == 6 and f"{max(t.score for t in dropped):.2f}" == "0.27"


def test_the_initial_loss_is_ln_10_without_regularization_and_rises_by_the_penalty_with_it():
    rows = dict(baby.initial_loss_table())
    he = rows["He init"]
    assert abs(he["loss"] - math.log(10)) < 0.1 and he["ok"]
    assert not rows["weight std 1"]["ok"] and rows["weight std 1"]["loss"] > 10
    check = baby.penalty_check(weight_decay_lambda=0.01)
    assert check["loss_off"] == pytest.approx(he["loss"])
    assert check["rise"] == pytest.approx(check["penalty"], rel=1e-5)
    assert round(check["loss_on"], 3) == 3.432 and round(check["penalty"], 3) == 1.104


def test_a_tiny_subset_is_memorized_while_validation_stays_low():
    tiny = baby.overfit_tiny_subset(n=20, epochs=100, lr=0.1)
    assert tiny.history["train_acc"][-1] == 1.0 and tiny.history["train_loss"][-1] < 0.05
    assert len(tiny.history["val_acc"]) == 101  # the validation curve exists (drawn dotted)
    assert round(tiny.history["val_acc"][-1], 2) == 0.42


def test_learning_rate_symptoms_too_small_crawls_and_too_large_stops_the_trainer():
    runs = baby.learning_rate_runs(lrs=(1e-3, 0.1, 3.0))
    small, good, large = runs[1e-3], runs[0.1], runs[3.0]
    loss = small.history["train_loss"]
    assert f"{loss[0]:.2f} -> {loss[-1]:.2f}" == "2.34 -> 2.19"  # as the prose cites
    assert f"{small.history['train_acc'][0]:.2f} -> {small.history['train_acc'][-1]:.2f}" == "0.15 -> 0.24"
    assert loss[0] - loss[-1] < 0.25  # the loss barely moves ...
    assert small.history["train_acc"][-1] > small.history["train_acc"][0] + 0.05  # ... accuracy creeps up
    assert good.history["train_loss"][-1] < 0.5 and good.history["train_acc"][-1] > 0.9
    assert large.diverged
    assert large.stop_reason.startswith("Training stopped at iteration")
    assert "the learning rate (3) is too large" in large.stop_reason


def test_a_too_small_init_shows_a_plateau_before_a_gradual_fall():
    runs = baby.init_plateau_runs(inits=(0.03, 0.04, "he"), lr=0.2)
    plateaus = {k: baby.plateau_length(r.history["train_loss"]) for k, r in runs.items()}
    assert plateaus == {0.03: 85, 0.04: 41, "he": 2}
    for init in (0.03, 0.04):  # and then it does fall
        assert np.mean(runs[init].history["train_loss"][-10:]) < 2.0
    last = {k: np.mean(r.history["train_loss"][-10:]) for k, r in runs.items()}
    assert last[0.03] > last[0.04] + 0.5 > last["he"] + 0.5  # std 0.03 still far above at the end


def test_update_to_weight_ratios_per_layer_order_the_learning_rates():
    runs = baby.update_ratio_runs(lrs=(1e-4, 1e-2, 1.0))
    medians = {lr: baby.median_update_ratios(r) for lr, r in runs.items()}
    assert set(medians[1e-2]) == {"W1", "W2", "W3"}
    assert all(v < 3e-5 for v in medians[1e-4].values())  # two orders below 1e-3
    assert all(3e-4 <= v <= 3e-3 for v in medians[1e-2].values())  # in the shaded band
    assert all(4e-3 <= v <= 1.8e-2 for v in medians[1.0].values())  # "4 to 17 times above"
    least = {lr: min(m, key=m.get) for lr, m in medians.items()}
    assert least == {1e-4: "W2", 1e-2: "W2", 1.0: "W3"}
    assert len(runs[1e-2].history["update_ratio"]["W1"]) == runs[1e-2].iteration


def test_a_split_without_shuffling_can_hold_out_only_some_classes(mnist_sample):
    from dlhelpers.utils import train_val_split
    (x, t), _ = mnist_sample
    tail = np.sort(t[:500], kind="stable")[-100:]
    assert set(np.unique(tail)) <= {8, 9}
    (_, _), (_, t_val) = train_val_split(x[:500], t[:500], val_fraction=0.2, rng=0)
    assert len(t_val) == 100 and len(np.unique(t_val)) == 10
