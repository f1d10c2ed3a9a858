"""dlhelpers.search: sampling, seeding, grid, coarse-to-fine and the executors (local processes, Dask)."""
import functools
import math
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from dlhelpers import search
from dlhelpers.experiments.search_demos import mnist_trial

RANGES = {"lr": (1e-4, 1e-1), "weight_decay_lambda": (1e-8, 1e-4)}
# A real but tiny training run: 160 train / 40 validation samples, 2 epochs of a 784-20-20-10 net.
TINY_TRIAL = functools.partial(mnist_trial, n_samples=200, epochs=2, hidden_size_list=(20, 20))


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
    with search.local_executor(max_workers=2) as executor:
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
    seeds = {search.trial_seed(7, i, stage) for i in range(50) for stage in range(3)}
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
    assert search.log_grid(1e-6, 1e-2, 5) == pytest.approx([1e-6, 1e-5, 1e-4, 1e-3, 1e-2])


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
    with pytest.raises(KeyError, match="score"):
        search.run_trials(lambda p, s: {"acc": 1}, [{}], executor="serial", progress=False)


def test_local_processes_give_the_same_results_as_a_serial_run(pool):
    assert pool.start_method in ("forkserver", "spawn") and pool.n_workers == 2
    serial = search.random_search(TINY_TRIAL, RANGES, 6, seed=11, executor="serial", progress=False)
    parallel = search.random_search(TINY_TRIAL, RANGES, 6, seed=11, executor=pool, progress=False)
    assert parallel == serial
    assert parallel.trials[0].result["train_loss"] == serial.trials[0].result["train_loss"]
    assert len(set(serial.scores)) > 1  # the trials really differ


def test_dask_cluster_gives_the_same_results_as_local_processes(pool):
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is an optional extra: pip install dlhelpers[cluster]")
    local = search.random_search(TINY_TRIAL, RANGES, 6, seed=11, executor=pool, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = search.random_search(TINY_TRIAL, RANGES, 6, seed=11, executor=client.get_executor(),
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
