"""Notebook 06's claims, asserted on seeded runs with the functions, settings and loops it uses.

The fixture repeats the notebook's search cells line for line (coarse round, fine round, then the
loop that fixes weight decay and moves the learning-rate range until its best value is inside).
Training is chaotic (another CPU's BLAS kernel, or DLHELPERS_PERTURB=1, makes another run), so
each claim is asserted with a margin, over paired seeds where the notebook's prose cites a spread.
"""
import math

import numpy as np
import pytest

from dlhelpers import search
from dlhelpers.exercises import references as ref
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
    assert all(t.params["lr"] > 1e-3 for t in coarse.best(5))  # "all of the best trials above 1e-3"
    assert search.edge_report(coarse) == {"lr": "high edge", "weight_decay_lambda": "inside"}
    # "accuracy rises steadily with the learning rate": a clear positive slope per decade
    assert demos.lr_and_lambda_effects(coarse)[0] > 0.05


def test_coarse_to_fine_moves_the_range_past_the_edge_and_finds_better_trials(nb06_rounds):
    coarse, fine = nb06_rounds[:2]
    low, high = fine.ranges["lr"]
    assert high == pytest.approx(1e-1) and 1e-3 < low < 1e-2
    assert fine.best_trial.score > coarse.best_trial.score + 0.2  # "much better than the first"
    assert search.edge_report(fine)["lr"] == "high edge"  # again: the range must move once more


def test_weight_decay_does_not_matter_in_round_2(nb06_rounds):
    fine = nb06_rounds[1]
    per_lr, per_lambda = demos.lr_and_lambda_effects(fine)
    assert per_lr > 0.2 and abs(per_lambda) < 0.05 * per_lr  # "tens of times" smaller
    # "with lr <= 0.1 and lambda < 1e-5 the decay shrinks a weight by < 1e-6 per step, < 1e-4 in 80 steps"
    lr_high, lam_high = fine.ranges["lr"][1], fine.ranges["weight_decay_lambda"][1]
    assert lr_high <= 0.1 + 1e-12 and lam_high < 1e-5 and lr_high * lam_high < 1e-6
    assert len(fine.trials[0].result["train_loss"]) == 80


def test_the_search_best_is_not_at_an_edge_before_the_test_cell(nb06_rounds, chosen):
    assert 3 <= len(nb06_rounds) <= 4
    last = nb06_rounds[-1]
    assert search.edge_report(last) == {"lr": "inside"}
    low, high = last.ranges["lr"]
    assert 1e-2 < low < 4e-2 and high == pytest.approx(1.0)  # "from about 2e-2 to 1"
    assert chosen.stage == last.stage or chosen.score >= last.best_trial.score
    assert all(0.08 < t.params["lr"] < 0.7 for t in last.best(5))  # "a few tenths"
    top5 = [t.score for t in last.best(5)]
    assert top5[0] - top5[-1] < demos.score_standard_error(top5[0], 100)  # "less than the noise"
    assert all(t.params["weight_decay_lambda"] == nb06_rounds[1].best_trial.params["weight_decay_lambda"]
               for t in last)


def test_the_chosen_trial_is_reproduced_by_running_the_trial_function_again(chosen):
    again = NB06_TRIAL(chosen.params, chosen.seed)
    assert again["score"] == chosen.score


def test_the_test_cell_validation_against_test_for_every_trial(nb06_rounds, chosen):
    test_accs = [demos.accuracies_on_test_set(r.trials, NB06_TRIAL) for r in nb06_rounds]
    val_all = np.concatenate([r.scores for r in nb06_rounds])
    test_all = np.concatenate(test_accs)
    stage = [r.stage for r in nb06_rounds].index(chosen.stage)
    chosen_test = test_accs[stage][[t.index for t in nb06_rounds[stage].trials].index(chosen.index)]
    assert chosen_test < chosen.score  # the pick scores lower on the test set
    assert 0.025 < demos.score_standard_error(chosen.score, 100) < 0.035  # "about 0.03" at p = 0.9
    assert demos.score_standard_error(chosen.score, 100) == math.sqrt(chosen.score * (1 - chosen.score) / 100)
    top = np.argsort(-val_all, kind="stable")[:10]
    assert test_all[top].mean() < val_all[top].mean()  # "the 10 best ... score lower on the test images"
    assert np.corrcoef(val_all, test_all)[0, 1] > 0.95  # "close to 1"
    assert abs(np.mean(test_all - val_all)) < 0.02  # "on average test is about as high as validation"
    # the stored weights are the trial's net: its validation accuracy is the trial's score
    _, (xv, tv) = demos.search_data()
    from dlhelpers import MultiLayerNet
    net = MultiLayerNet(784, [50, 50], 10, seed=0)
    net.set_state(chosen.result["state"])
    assert float(net.accuracy(xv, tv)) == chosen.score


def test_the_picks_optimism_holds_over_eight_search_seeds(nb06_rounds):
    """Section 4's repeat: the last round with other search seeds; the prose cites these figures."""
    lam = nb06_rounds[1].best_trial.params["weight_decay_lambda"]
    rep = demos.optimism_over_seeds(NB06_TRIAL, nb06_rounds[-1].ranges["lr"], lam, seeds=range(1, 9))
    drop, drop10 = rep["val"] - rep["test"], rep["top10_val"] - rep["top10_test"]
    mean, se = demos.mean_and_se(drop)
    assert np.all(drop > 0)  # "lower on 8 of 8 seeds" (and on the notebook's 3)
    assert 0.03 < mean < 0.07 and se < 0.01 and mean > 5 * se  # "about 0.05, standard error about 0.004"
    mean10, se10 = demos.mean_and_se(drop10)
    assert 0.015 < mean10 < 0.045 and mean10 > 5 * se10 and mean10 < mean  # "the 10 best about 0.03"


def test_the_chosen_trial_shows_a_train_validation_gap(chosen):
    r = chosen.result
    assert r["train_acc"][-1] > r["val_acc"][-1] + 0.03


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
    # no training here: a made-up score, deterministic on every machine
    grid, rand = demos.grid_vs_random()
    assert len(np.unique(grid.values("important"))) == 3 and len(np.unique(rand.values("important"))) == 9
    assert round(grid.best_trial.score, 3) == 0.489 and round(rand.best_trial.score, 3) == 0.710
    assert demos.grid_vs_random_odds(repeats=100) == pytest.approx(0.63)


def test_successive_halving_screens_three_times_as_many_configurations_at_equal_epochs():
    out = demos.halving_vs_random_demo()
    h, rnd = out["halving"], out["random"]
    assert [(len(r), b) for r, b in zip(h.rungs, h.budgets)] == [(27, 1), (9, 3), (3, 9)]
    assert out["halving_epochs"] == out["random_epochs"] == 81 and len(rnd) == 9
    # "in this one search the two bests are within the noise of a 100-image score"
    assert abs(h.best_trial.score - rnd.best_trial.score) < demos.score_standard_error(0.83, 100)
    kept = {t.index for t in h.rungs[1]}
    dropped = [t for t in rnd.trials if t.index not in kept]
    # "random search spent 9 epochs each on configurations halving dropped, without getting far"
    assert len(dropped) >= 4 and max(t.score for t in dropped) < h.best_trial.score - 0.3


@pytest.fixture(scope="module")
def anytime8():
    return demos.anytime_over_seeds(seeds=range(8))


def test_anytime_random_search_leads_mid_budget_and_halving_ends_level(anytime8):
    a = anytime8
    assert a["epochs"][-1] == 81 and a["halving"].shape == a["random"].shape == (8, 81)
    for curves in (a["halving"], a["random"]):  # a best-so-far never falls
        assert np.all(np.diff(np.nan_to_num(curves, nan=0.0), axis=1) >= 0)
    middle = a["random"][:, 53] - a["halving"][:, 53]  # after 54 epochs: halving's 2nd rung done
    mean, se = demos.mean_and_se(middle)
    assert np.sum(middle > 0) >= 6 and mean > 2 * se and 0.04 < mean < 0.15  # "7 of 8, 0.09 +- 0.03"
    final = a["final_halving"] - a["final_random"]
    mean, se = demos.mean_and_se(final)
    assert abs(mean) < 2.5 * se + 0.005 and abs(mean) < 0.02  # "0.006 +- 0.006, level"


def test_the_resumed_halving_reference_trains_fewer_epochs_with_the_package_schedule():
    """The open task's building blocks: the package's schedule rule and train_more's resumption."""
    assert search.halving_schedule(10, 2, 100, 3) == ([10, 3, 1], [2, 6, 100])  # the stated example
    assert search.halving_schedule(27, 1, 27, 3) == ([27, 9, 3, 1], [1, 3, 9, 27])
    assert search.halving_schedule(27, 1, 9, 3) == ([27, 9, 3], [1, 3, 9])
    out = demos.halving_vs_random_demo()
    rung0 = sorted(out["halving"].rungs[0].trials, key=lambda t: t.index)
    configs, seeds = [t.params for t in rung0], [t.seed for t in rung0]

    spent = []

    def train(config, epochs, state):  # the notebook's wrappers around train_more
        spent.append(epochs)
        return demos.train_more(configs[config], seeds[config], epochs, None if state is None else state["state"])

    scores = {}

    def evaluate(config, state):
        scores[config] = state["score"]
        return state["score"]

    best, rungs = ref.resumed_halving(list(range(len(configs))), train, evaluate, 1, 9, 3)
    assert [len(r) for r in rungs] == [27, 9, 3]
    assert sum(spent) == 27 * 1 + 9 * 2 + 3 * 6 == 63 < out["halving_epochs"]
    score = scores[best]
    # a one-epoch fresh run is the package's rung-0 trial exactly
    first = demos.train_more(configs[0], seeds[0], 1)
    assert first["score"] == rung0[0].score
    # resuming continues from the stored weights: not the same as two epochs from fresh weights
    resumed = demos.train_more(configs[0], seeds[0], 2, first["state"])["state"]["params"]
    fresh = demos.train_more(configs[0], seeds[0], 2)["state"]["params"]
    assert not np.array_equal(resumed["W1"], fresh["W1"])
    assert score > 0.5 and best in {t.index for t in out["halving"].rungs[1]}


def test_the_initial_loss_is_ln_10_without_regularization_and_rises_by_the_penalty_with_it():
    rows = dict(baby.initial_loss_table())
    he = rows["He init"]
    assert abs(he["loss"] - math.log(10)) < 0.1 and he["ok"]
    assert not rows["weight std 1"]["ok"] and rows["weight std 1"]["loss"] > 10
    check = baby.penalty_check(weight_decay_lambda=0.01)
    assert check["loss_off"] == pytest.approx(he["loss"])
    assert check["rise"] == pytest.approx(check["penalty"], rel=1e-5)
    assert check["loss_on"] > check["loss_off"] + 0.5


SEEDS = (0, 1, 2)


def test_a_tiny_subset_is_memorized_while_validation_stays_low():
    for seed in SEEDS:
        tiny = baby.overfit_tiny_subset(n=20, epochs=100, lr=0.1, seed=seed)
        assert tiny.history["train_acc"][-1] == 1.0 and tiny.history["train_loss"][-1] < 0.05
        assert len(tiny.history["val_acc"]) == 101  # the validation curve exists (drawn dotted)
        assert tiny.history["val_acc"][-1] < 0.7  # "far lower"


def test_learning_rate_symptoms_too_small_crawls_and_too_large_stops_the_trainer():
    for seed in SEEDS:
        runs = baby.learning_rate_runs(lrs=(1e-3, 0.1, 10.0), seed=seed)
        small, good, large = runs[1e-3], runs[0.1], runs[10.0]
        loss = small.history["train_loss"]
        assert abs(loss[0] - math.log(10)) < 0.15 and 0 < loss[0] - loss[-1] < 0.2  # "by less than 0.2"
        assert 0.005 < small.history["train_acc"][-1] - small.history["train_acc"][0] < 0.12  # "1 to 9 points"
        assert good.history["train_loss"][-1] < 0.5 and good.history["train_acc"][-1] > 0.9
        assert large.diverged and large.stop_reason.startswith("Training stopped at iteration")
        assert "the learning rate (10) is too large" in large.stop_reason
    acc = baby.learning_rate_runs(lrs=(1e-3,), seed=0)[1e-3].history["train_acc"]
    assert acc[-1] - acc[0] > 0.05  # "several points on this seed" (the notebook's seed 0)


def test_at_lr_3_some_seeds_collapse_to_chance_instead_of_exploding():
    from dlhelpers.experiments.babysitting import _train
    runs = [_train(3.0, epochs=20, seed=seed) for seed in range(6)]
    collapsed = [r for r in runs if not r.diverged]
    assert 0 < len(collapsed) < len(runs)  # "some seeds explode and others collapse"
    assert all(abs(r.history["train_loss"][-1] - math.log(10)) < 0.1 and r.history["train_acc"][-1] < 0.2
               for r in collapsed)


def test_a_too_small_init_shows_a_plateau_before_a_gradual_fall():
    for seed in SEEDS:
        runs = baby.init_plateau_runs(inits=(0.03, 0.04, "he"), lr=0.2, seed=seed)
        plateaus = {k: baby.plateau_length(r.history["train_loss"]) for k, r in runs.items()}
        assert plateaus[0.03] > plateaus[0.04] > plateaus["he"]  # the smaller, the longer
        for init in (0.03, 0.04):  # and then it does fall
            assert np.mean(runs[init].history["train_loss"][-10:]) < 2.0
        last = {k: np.mean(r.history["train_loss"][-10:]) for k, r in runs.items()}
        assert last[0.03] > last[0.04] + 0.3 and last[0.03] > last["he"] + 0.5  # still far above


def test_update_to_weight_ratios_per_layer_order_the_learning_rates():
    for seed in SEEDS:
        runs = baby.update_ratio_runs(lrs=(1e-4, 1e-2, 1.0), seed=seed)
        medians = {lr: baby.median_update_ratios(r) for lr, r in runs.items()}
        assert set(medians[1e-2]) == {"W1", "W2", "W3"}
        assert all(v < 3e-5 for v in medians[1e-4].values())  # two orders below 1e-3
        assert all(2e-4 <= v <= 3e-3 for v in medians[1e-2].values())  # in the shaded band or at its edge
        first = {k: v[0] for k, v in runs[1.0].history["update_ratio"].items()}
        assert all(1e-2 < v < 1.0 for v in first.values())  # "starts one to two orders above"
        if seed == 0:  # the notebook's seed: "the medians stay several times above 1e-3"
            assert all(2e-3 <= v <= 5e-2 for v in medians[1.0].values())
        assert all(min(medians[lr], key=medians[lr].get) == "W2" for lr in (1e-4, 1e-2))
        assert len(runs[1e-2].history["update_ratio"]["W1"]) == runs[1e-2].iteration


def test_a_split_without_shuffling_can_hold_out_only_some_classes(mnist_sample):
    from dlhelpers.utils import train_val_split
    (x, t), _ = mnist_sample
    tail = np.sort(t[:500], kind="stable")[-100:]
    assert set(np.unique(tail)) <= {8, 9}
    (_, _), (_, t_val) = train_val_split(x[:500], t[:500], val_fraction=0.2, rng=0)
    assert len(t_val) == 100 and len(np.unique(t_val)) == 10
