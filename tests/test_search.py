"""dlhelpers.search: sampling, seeding, grid, coarse-to-fine and the executors (local processes, Dask)."""
import functools
import math
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from dlhelpers import parallel, search, spaces
from dlhelpers.data import load_mnist_cached
from dlhelpers.network import MultiLayerNet
from dlhelpers.training import Trainer
from dlhelpers.utils import train_val_split

RANGES = {"lr": (1e-4, 1e-1), "weight_decay_lambda": (1e-8, 1e-4)}


def tiny_trial(params, seed, epochs=2):
    """A real but tiny training run, scored by validation accuracy: 160 training / 40 validation
    images of the bundled sample, a 784-20-20-10 net, SGD with batches of 40 for ``epochs`` epochs."""
    (x, t), _ = load_mnist_cached()
    (x_train, t_train), (x_val, t_val) = train_val_split(x[:200], t[:200], 0.2, rng=0)
    net = MultiLayerNet(784, [20, 20], 10, weight_decay_lambda=params["weight_decay_lambda"], seed=seed)
    trainer = Trainer(net, x_train, t_train, x_val=x_val, t_val=t_val, epochs=epochs, mini_batch_size=40,
                      optimizer_param={"lr": params["lr"]}, seed=seed, verbose=False, progress=False)
    history = trainer.train()
    return {"score": history["val_acc"][-1], "val_acc": history["val_acc"], "train_loss": history["train_loss"]}




def quadratic(params, seed):
    """Score peaks at lr = 1e-2 (log scale); a little seeded noise so seeds matter."""
    noise = np.random.default_rng(seed).normal(0, 1e-3)
    return -(math.log10(params["lr"]) + 2) ** 2 + noise


def slow_first(params, seed):
    time.sleep(0.05 * (3 - params["i"]))  # trial 0 finishes last
    return params["i"]


def failing(params, seed):
    if params["lr"] > 1e-2:
        raise ValueError("boom")
    return 0.0


@pytest.fixture(scope="module")
def pool():
    with parallel.local_executor(max_workers=2) as executor:
        yield executor


def test_log_uniform_sampling_stays_in_range_and_is_uniform_in_the_exponent():
    result = search.random_search(quadratic, {"lr": (1e-6, 1e-2)}, 400, seed=3,
                                  executor="serial", progress=False)
    exponents = np.log10(result.values("lr"))
    assert exponents.min() >= -6 and exponents.max() <= -2
    counts, _ = np.histogram(exponents, bins=4, range=(-6, -2))
    assert counts.min() > 70, counts  # about 100 per decade: uniform in log10, not in lr


def test_trials_are_seeded_by_index_so_more_trials_keep_the_first_ones():
    few = search.random_search(quadratic, RANGES, 5, seed=7, executor="serial", progress=False)
    many = search.random_search(quadratic, RANGES, 12, seed=7, executor="serial", progress=False)
    assert few.trials == many.trials[:5]
    other = search.random_search(quadratic, RANGES, 5, seed=8, executor="serial", progress=False)
    assert [t.params for t in other] != [t.params for t in few]
    seeds = {parallel.trial_seed(7, i, stage) for i in range(50) for stage in range(3)}
    assert len(seeds) == 150


def test_results_come_back_in_index_order_whatever_finishes_first():
    with ThreadPoolExecutor(max_workers=3) as executor:
        trials = search.run_trials(slow_first, [{"i": i} for i in range(3)], executor=executor,
                                   progress=False)
    assert [t.index for t in trials] == [0, 1, 2]
    assert [t.result for t in trials] == [0, 1, 2]


def test_grid_search_runs_every_combination_first_name_slowest():
    grid = {"lr": [1e-3, 1e-2], "weight_decay_lambda": [1e-6, 1e-5, 1e-4]}
    result = search.grid_search(quadratic, grid, executor="serial", progress=False)
    assert len(result) == 6 and result.kind == "grid"
    assert [t.params["lr"] for t in result] == [1e-3] * 3 + [1e-2] * 3
    assert result.best_trial.params["lr"] == 1e-2
    assert spaces.log_grid(1e-6, 1e-2, 5) == pytest.approx([1e-6, 1e-5, 1e-4, 1e-3, 1e-2])


def test_narrow_ranges_spans_the_best_trials_and_moves_past_an_edge():
    # The optimum (1e-2) sits at the top edge of [1e-6, 1e-2]: the narrowed range must cross it.
    coarse = search.random_search(quadratic, {"lr": (1e-6, 1e-2)}, 60, seed=0, executor="serial",
                                  progress=False)
    assert search.edge_report(coarse) == {"lr": "high edge"}
    low, high = search.narrow_ranges(coarse, top_k=5, margin=0.25)["lr"]
    best5 = [t.params["lr"] for t in coarse.best(5)]
    assert low < min(best5) and high > max(best5)
    assert high > 1e-2 and math.log10(high) - math.log10(low) < 4
    rounds = search.coarse_to_fine(quadratic, {"lr": (1e-6, 1e-2)}, n_trials=(60, 20), seed=0,
                                   executor="serial", progress=False)
    assert rounds[0] == coarse and rounds[1].ranges == {"lr": (low, high)}
    assert rounds[1].stage == 1
    assert search.edge_report(rounds[1])["lr"] == "inside"


def test_best_ranks_nan_scores_last():
    trials = [search.Trial(0, {"lr": 1.0}, 0, None, float("nan")),
              search.Trial(1, {"lr": 2.0}, 1, None, 0.2), search.Trial(2, {"lr": 3.0}, 2, None, 0.5)]
    result = search.SearchResult(trials)
    assert [t.index for t in result.best(3)] == [2, 1, 0]
    assert "rank" in result.table(2) and "0.500" in result.table(2)


def test_functions_that_cannot_reach_a_worker_process_fail_early_with_advice(pool):
    def typed_in_a_notebook(params, seed):
        return 0.0
    typed_in_a_notebook.__module__ = "__main__"
    with pytest.raises(TypeError, match="importable"):
        search.run_trials(typed_in_a_notebook, [{}], executor=pool, progress=False)
    with pytest.raises(TypeError, match="cannot be pickled"):
        search.run_trials(lambda p, s: 0.0, [{}], executor=pool, progress=False)
    # the same lambda is fine in this process
    assert search.run_trials(lambda p, s: 1.0, [{}], executor="serial", progress=False)[0].score == 1.0


def test_a_failing_trial_names_itself():
    with pytest.raises(RuntimeError, match=r"trial 1 .*ValueError: boom"):
        search.run_trials(failing, [{"lr": 1e-3}, {"lr": 1e-1}], executor="serial", progress=False)
    with pytest.raises(ValueError, match="score"):
        search.run_trials(lambda p, s: {"acc": 1}, [{}], executor="serial", progress=False)


def test_local_processes_give_the_same_results_as_a_serial_run(pool):
    assert pool.start_method in ("forkserver", "spawn") and pool.n_workers == 2
    serial = search.random_search(tiny_trial, RANGES, 6, seed=11, executor="serial", progress=False)
    on_pool = search.random_search(tiny_trial, RANGES, 6, seed=11, executor=pool, progress=False)
    assert on_pool == serial
    assert on_pool.trials[0].result["train_loss"] == serial.trials[0].result["train_loss"]
    assert len(set(serial.scores)) > 1  # the trials really differ


def test_dask_cluster_gives_the_same_results_as_local_processes(pool):
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is an optional extra: pip install dlhelpers[cluster]")
    local = search.random_search(tiny_trial, RANGES, 6, seed=11, executor=pool, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = search.random_search(tiny_trial, RANGES, 6, seed=11, executor=client.get_executor(),
                                       progress=False)
    assert on_dask == local


def test_narrow_ranges_only_moves_an_edge_the_best_trial_touches():
    coarse = search.random_search(quadratic, {"lr": (1e-6, 1e-2)}, 60, seed=0, executor="serial",
                                  progress=False)
    only_narrow = search.narrow_ranges(coarse, top_k=5, margin=0.25, move=0)["lr"]
    moved = search.narrow_ranges(coarse, top_k=5, margin=0.25, move=1.0)["lr"]
    assert moved[0] == only_narrow[0] and only_narrow[1] < 1e-1 and moved[1] == pytest.approx(1e-1)
    inside = search.random_search(quadratic, {"lr": (1e-4, 1.0)}, 60, seed=0, executor="serial",
                                  progress=False)
    assert search.edge_report(inside)["lr"] == "inside"
    assert search.narrow_ranges(inside, move=1.0) == search.narrow_ranges(inside, move=0)


def test_the_callback_counts_finished_trials():
    seen = []
    search.run_trials(quadratic, [{"lr": 10.0 ** -k} for k in range(1, 5)], executor="serial",
                      progress=False, callback=lambda done, total, best: seen.append((done, total, best)))
    assert [s[:2] for s in seen] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert seen[-1][2] == max(s[2] for s in seen)


# ----------------------------------------------------------------------------- spaces and modes
def record(params, seed, epochs=None):
    """Returns what it was called with, so a test can see types and budgets."""
    return {"score": float(params.get("score", 0.0)), "params": dict(params), "seed": seed,
            "epochs": epochs, "types": {k: type(v).__name__ for k, v in params.items()}}


def build_net(params, seed):
    """Builds (does not train) the net of a grid point: MultiLayerNet rejects a width of 50.0."""
    from dlhelpers import MultiLayerNet
    net = MultiLayerNet(784, [params["width"]], 10, weight_init_std=params["weight_init_std"], seed=seed)
    return float(np.std(net.params["W1"]))


def test_a_plain_pair_is_log_uniform_and_draws_what_the_first_edition_drew():
    ranges = {"lr": (1e-6, 1e-2), "weight_decay_lambda": (1e-8, 1e-4)}
    rng = np.random.default_rng(5)
    expected = {"lr": 10.0 ** rng.uniform(-6, -2), "weight_decay_lambda": 10.0 ** rng.uniform(-8, -4)}
    assert spaces.sample_space(np.random.default_rng(5), ranges) == expected
    assert spaces.sample_log_uniform(np.random.default_rng(5), ranges) == expected
    typed = {"lr": spaces.LogUniform(1e-6, 1e-2), "weight_decay_lambda": spaces.LogUniform(1e-8, 1e-4)}
    assert spaces.sample_space(np.random.default_rng(5), typed) == expected
    assert spaces.LogUniform(1e-6, 1e-2) == (1e-6, 1e-2)


def test_uniform_integer_and_choice_spaces_keep_their_types_and_ranges():
    space = {"dropout_ratio": spaces.Uniform(0.0, 0.5), "width": spaces.IntUniform(20, 22),
             "weight_init_std": spaces.Choice(["he", "xavier", 0.01])}
    result = search.random_search(record, space, 300, seed=1, executor="serial", progress=False)
    drop = result.values("dropout_ratio")
    assert drop.min() >= 0 and drop.max() <= 0.5 and abs(drop.mean() - 0.25) < 0.03  # linear, not log
    widths = [t.params["width"] for t in result]
    assert all(type(w) is int for w in widths) and set(widths) == {20, 21, 22}
    inits = [t.params["weight_init_std"] for t in result]
    assert set(map(repr, inits)) == {"'he'", "'xavier'", "0.01"}
    assert result.values("weight_init_std").dtype == object
    assert "xavier" in result.table(3) or "he" in result.table(3)


def test_grid_search_keeps_value_types_so_the_network_accepts_them():
    grid = {"weight_init_std": ["he", 0.01], "width": [50, 20]}
    result = search.grid_search(build_net, grid, executor="serial", progress=False)
    assert [(t.params["weight_init_std"], t.params["width"]) for t in result] == \
        [("he", 50), ("he", 20), (0.01, 50), (0.01, 20)]
    assert type(result.trials[0].params["weight_init_std"]) is str
    assert type(result.trials[0].params["width"]) is int
    assert result.ranges["width"] == (20, 50) and result.ranges["weight_init_std"] == spaces.Choice(["he", 0.01])
    with_zero = search.grid_search(record, {"dropout_ratio": [0.0, 0.25]}, executor="serial", progress=False)
    assert type(with_zero.ranges["dropout_ratio"]) is spaces.Uniform
    assert search.edge_report(with_zero) == {"dropout_ratio": "low edge"}   # ties: the first wins
    # He init for 784 inputs: std sqrt(2/784) = 0.0505; the fixed std is 0.01
    assert result.trials[0].score == pytest.approx(math.sqrt(2 / 784), rel=0.05)
    assert result.trials[2].score == pytest.approx(0.01, rel=0.05)


def test_mode_min_ranks_the_lowest_score_first_everywhere():
    grid = {"score": [0.3, 0.1, 0.2]}
    low = search.grid_search(record, grid, executor="serial", progress=False, mode="min")
    high = search.grid_search(record, grid, executor="serial", progress=False)
    assert low.best_trial.score == 0.1 and high.best_trial.score == 0.3
    assert [t.score for t in low.best(3)] == [0.1, 0.2, 0.3]
    seen = []
    search.run_trials(record, [{"score": s} for s in (0.3, 0.1, 0.2)], executor="serial", progress=False,
                      mode="min", callback=lambda d, n, best: seen.append(best))
    assert seen[-1] == 0.1 and seen == sorted(seen, reverse=True)   # a running minimum


def test_narrow_ranges_keeps_linear_ranges_inside_their_limits():
    space = {"lr": (1e-6, 1e-2), "dropout_ratio": spaces.Uniform(0.0, 0.5),
             "width": spaces.IntUniform(10, 100), "weight_init_std": spaces.Choice(["he", "xavier"])}
    coarse = search.random_search(quadratic, space, 40, seed=0, executor="serial", progress=False)
    new = search.narrow_ranges(coarse, top_k=5, margin=0.1)
    assert isinstance(new["dropout_ratio"], spaces.Uniform) and isinstance(new["width"], spaces.IntUniform)
    assert 0.0 <= new["dropout_ratio"].low <= new["dropout_ratio"].high <= 0.5
    best = [t.params["dropout_ratio"] for t in coarse.best(5)]
    assert new["dropout_ratio"] == pytest.approx((max(0.0, min(best) - 0.05), min(0.5, max(best) + 0.05)))
    assert 10 <= new["width"].low <= new["width"].high <= 100
    assert new["weight_init_std"] == spaces.Choice(["he", "xavier"])
    assert new["lr"][1] > 1e-2   # log range: moved past the high edge as before
    assert set(search.edge_report(coarse)) == {"lr", "dropout_ratio", "width"}


# ----------------------------------------------------------------------------- seeds by index
def test_a_trial_run_later_with_an_index_gets_that_trials_seed():
    params = [{"lr": 10.0 ** -k} for k in range(1, 7)]
    all_six = search.run_trials(quadratic, params, seed=4, executor="serial", progress=False)
    (late,) = search.run_trials(quadratic, params[5:], seed=4, indices=[5], executor="serial",
                                progress=False)
    assert late == all_six[5] and late.seed == parallel.trial_seed(4, 5)


# ----------------------------------------------------------------------------- successive halving
def budget_score(params, seed, epochs=1):
    """Score = -(log10 lr + 2)^2 with noise that shrinks as the budget grows."""
    noise = np.random.default_rng(seed).normal(0, 0.5 / epochs)
    return {"score": -(math.log10(params["lr"]) + 2) ** 2 + noise, "epochs": epochs}


def test_halving_schedule_divides_trials_and_multiplies_epochs_by_eta():
    assert search.halving_schedule(27, 1, 9, 3) == ([27, 9, 3], [1, 3, 9])
    assert search.halving_schedule(10, 2, 20, 2) == ([10, 5, 2, 1], [2, 4, 8, 20])
    assert search.halving_schedule(4, 1, 1, 3) == ([4], [1])


def test_halving_promotes_the_best_third_each_rung_with_eta_times_the_epochs():
    result = search.successive_halving(budget_score, {"lr": (1e-5, 1e1)}, 27, min_epochs=1,
                                       max_epochs=9, eta=3, seed=2, executor="serial", progress=False)
    assert [len(r) for r in result.rungs] == [27, 9, 3] and result.budgets == [1, 3, 9]
    assert result.epochs_spent == 27 * 1 + 9 * 3 + 3 * 9
    for lower, upper, budget in zip(result.rungs, result.rungs[1:], result.budgets[1:]):
        expected = sorted(t.index for t in lower.best(len(lower) // 3))
        assert [t.index for t in upper] == expected
        assert all(t.result["epochs"] == budget == t.budget for t in upper)
        by_index = {t.index: t for t in lower}
        assert all(t.params == by_index[t.index].params and t.seed == by_index[t.index].seed
                   for t in upper)
    # configuration i is trial i of a random search with the same seed
    plain = search.random_search(budget_score, {"lr": (1e-5, 1e1)}, 27, seed=2, executor="serial",
                                 progress=False)
    assert [t.params for t in result.rungs[0]] == [t.params for t in plain]
    assert result.best_trial.score == max(t.score for t in result.rungs[-1])


def test_halving_minimizes_when_asked():
    result = search.successive_halving(budget_score, {"lr": (1e-5, 1e1)}, 9, max_epochs=3, eta=3,
                                       seed=2, executor="serial", progress=False, mode="min")
    worst = sorted(t.index for t in result.rungs[0].best(3))
    assert [t.index for t in result.rungs[1]] == worst
    assert all(t.score <= -1 for t in result.rungs[1])   # far from the peak at lr = 1e-2


def test_halving_vs_random_spends_at_most_the_same_epochs():
    out = search.halving_vs_random(budget_score, {"lr": (1e-5, 1e1)}, 27, max_epochs=9, eta=3, seed=2,
                                   executor="serial", progress=False)
    assert out["halving_epochs"] == 27 * 1 + 9 * 3 + 3 * 9 == out["random_epochs"]
    assert len(out["random"]) == 9 and all(t.result["epochs"] == 9 for t in out["random"])
    assert out["random"].trials[0].params == out["halving"].rungs[0].trials[0].params


def test_halving_is_reproducible_on_processes_and_on_dask(pool):
    serial = search.successive_halving(tiny_trial, RANGES, 6, min_epochs=1, max_epochs=2, eta=2,
                                       seed=3, executor="serial", progress=False)
    on_pool = search.successive_halving(tiny_trial, RANGES, 6, min_epochs=1, max_epochs=2, eta=2,
                                        seed=3, executor=pool, progress=False)
    assert on_pool.rungs == serial.rungs and len(serial.rungs[1]) == 3
    assert len(serial.rungs[1].trials[0].result["val_acc"]) == 3   # epoch 0 plus the 2-epoch budget
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is an optional extra: pip install dlhelpers[cluster]")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = search.successive_halving(tiny_trial, RANGES, 6, min_epochs=1, max_epochs=2, eta=2,
                                            seed=3, executor=client.get_executor(), progress=False)
    assert on_dask.rungs == on_pool.rungs


# ----------------------------------------------------------------------------- bad input
def returns(value):
    return functools.partial(_returns, value)


def _returns(value, params, seed):
    return value


@pytest.mark.parametrize("value, kind, shown", [
    (float("nan"), ValueError, "nan"), (float("inf"), ValueError, "inf"), (None, TypeError, "None"),
    ("0.9", TypeError, "'0.9'"), ({"score": float("nan")}, ValueError, "score is nan"),
    ({"score": None}, TypeError, "score is None"), (True, TypeError, "True")])
def test_a_trial_returning_a_bad_score_is_named_with_what_it_returned(value, kind, shown):
    fn = functools.partial(_bad_second, value)
    with pytest.raises(kind, match=r"trial 1 \(params \{'lr': 0.1\}\) returned .*" + shown[:4]) as err:
        search.run_trials(fn, [{"lr": 1e-3}, {"lr": 0.1}], executor="serial", progress=False)
    assert shown in str(err.value)


def _bad_second(value, params, seed):
    return 0.5 if params["lr"] < 0.01 else value


@pytest.mark.parametrize("call, kind, match", [
    (lambda: search.random_search(quadratic, RANGES, 0), ValueError, "n_trials"),
    (lambda: search.random_search(quadratic, RANGES, 2.5), TypeError, "n_trials"),
    (lambda: search.random_search(quadratic, {}, 3), ValueError, "ranges is empty"),
    (lambda: search.random_search(quadratic, {"lr": (1e-2, 1e-4)}, 3), ValueError, "'lr'.*low > high"),
    (lambda: search.random_search(quadratic, {"lr": (1e-4, math.inf)}, 3), ValueError, "'lr'.*finite"),
    (lambda: search.random_search(quadratic, {"lr": (0.0, 0.5)}, 3), ValueError, "'lr'.*Uniform"),
    (lambda: search.random_search(quadratic, {"lr": 0.1}, 3), TypeError, "'lr'"),
    (lambda: search.random_search(quadratic, RANGES, 3, fixed={"lr": 1}), ValueError, "fixed.*lr"),
    (lambda: search.random_search(quadratic, RANGES, 3, mode="best"), ValueError, "mode"),
    (lambda: search.random_search(quadratic, RANGES, 3, executor="dask"), TypeError, "executor"),
    (lambda: search.random_search(quadratic, RANGES, 3, seed=-1), ValueError, "seed"),
    (lambda: spaces.Uniform(float("nan"), 1), ValueError, "finite"),
    (lambda: spaces.IntUniform(1, 5.5), TypeError, "ints"),
    (lambda: spaces.Choice([]), ValueError, "empty"),
    (lambda: spaces.Choice("he"), TypeError, "list"),
    (lambda: search.grid_search(quadratic, {}), ValueError, "grid is empty"),
    (lambda: search.grid_search(quadratic, {"lr": []}), ValueError, r"grid\['lr'\] is empty"),
    (lambda: search.grid_search(quadratic, {"lr": 0.1}), TypeError, r"grid\['lr'\].*list"),
    (lambda: search.run_trials(quadratic, []), ValueError, "params_list is empty"),
    (lambda: search.run_trials(quadratic, {"lr": 0.1}), TypeError, "list of dicts"),
    (lambda: search.run_trials(quadratic, [{"lr": 0.1}], indices=[0, 1]), ValueError, "indices"),
    (lambda: search.run_trials(None, [{"lr": 0.1}], executor="serial"), TypeError, "callable"),
    (lambda: search.successive_halving(quadratic, RANGES, 9, eta=1), ValueError, "eta"),
    (lambda: search.successive_halving(quadratic, RANGES, 9, eta=2.5), TypeError, "eta"),
    (lambda: search.successive_halving(quadratic, RANGES, 9, min_epochs=5, max_epochs=3), ValueError,
     "max_epochs"),
    (lambda: search.successive_halving(quadratic, RANGES, 0), ValueError, "n_trials"),
    (lambda: search.coarse_to_fine(quadratic, RANGES, n_trials=10), TypeError, "n_trials"),
    (lambda: search.coarse_to_fine(quadratic, RANGES, n_trials=()), ValueError, "n_trials"),
])
def test_bad_arguments_are_named_at_the_boundary(call, kind, match):
    with pytest.raises(kind, match=match):
        call()


def test_bad_narrowing_arguments_are_named():
    coarse = search.random_search(quadratic, RANGES, 10, executor="serial", progress=False)
    with pytest.raises(ValueError, match="margin"):
        search.narrow_ranges(coarse, margin=-0.1)
    with pytest.raises(ValueError, match="margin.*finite"):
        search.narrow_ranges(coarse, margin=math.nan)
    with pytest.raises(ValueError, match="move"):
        search.narrow_ranges(coarse, move=-1)
    with pytest.raises(ValueError, match="top_k"):
        search.narrow_ranges(coarse, top_k=0)
    with pytest.raises(ValueError, match="names.*'dropout'"):
        search.narrow_ranges(coarse, names=["dropout"])
    with pytest.raises(ValueError, match="fraction"):
        search.edge_report(coarse, fraction=0.7)
