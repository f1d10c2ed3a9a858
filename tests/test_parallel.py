"""dlhelpers.parallel: the one BLAS-thread limiter, executor building and per-trial seeds."""
import ast
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import dlhelpers
from dlhelpers import parallel


def blas_threads():
    counts = {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}
    assert counts, "no BLAS library found by threadpoolctl"
    return max(counts)


def test_the_core_has_one_blas_limiter():
    """Only dlhelpers.parallel talks to threadpoolctl; the core modules limit BLAS through it."""
    package = Path(dlhelpers.__file__).parent
    for module in sorted(package.glob("*.py")):
        if module.name == "parallel.py":
            continue
        imported = {alias.name.split(".")[0] for node in ast.walk(ast.parse(module.read_text()))
                    if isinstance(node, (ast.Import, ast.ImportFrom))
                    for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])}
        assert "threadpoolctl" not in imported, f"{module.name} limits BLAS itself; use parallel.blas_thread_limit"


def test_the_limit_is_shared_by_nested_and_concurrent_users_and_restored_at_the_end():
    with threadpool_limits(limits=2, user_api="blas"):
        assert blas_threads() == 2
        seen = {}

        def trial_in_a_thread():           # e.g. a trial on a threaded Dask worker
            with parallel.blas_thread_limit(1):
                seen["inside"] = blas_threads()

        with parallel.blas_thread_limit(1):   # run_trials holds the limit in the main thread
            thread = threading.Thread(target=trial_in_a_thread)
            thread.start()
            thread.join(5)
            seen["after the thread left"] = blas_threads()
        assert seen == {"inside": 1, "after the thread left": 1}   # its exit did not undo the limit
        assert blas_threads() == 2                                 # the last exit restored it
        with parallel.blas_thread_limit(1):
            with parallel.blas_thread_limit(2):                    # a different limit nests
                assert blas_threads() == 2
            assert blas_threads() == 1
        with parallel.blas_thread_limit(None):
            assert blas_threads() == 2


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "1"])
def test_a_bad_thread_count_is_named(bad):
    with pytest.raises((ValueError, TypeError), match="n_threads"):
        parallel.blas_thread_limit(bad)


def test_process_pool_workers_run_with_one_blas_thread():
    with parallel.local_executor(max_workers=1) as pool:
        info = pool.submit(threadpool_info).result(timeout=60)
    assert {lib["num_threads"] for lib in info if lib["user_api"] == "blas"} == {1}


def test_resolve_executor_builds_or_passes_through_and_names_bad_values():
    assert isinstance(parallel.resolve_executor("serial"), parallel.SerialExecutor)
    with ThreadPoolExecutor(1) as pool:
        assert parallel.resolve_executor(pool) is pool
    for bad in ("processes", 4, object()):
        with pytest.raises(TypeError, match="executor must be"):
            parallel.resolve_executor(bad)
    with pytest.raises(ValueError, match="max_workers"):
        parallel.local_executor(max_workers=0)
    with pytest.raises(ValueError, match="start_method"):
        parallel.local_executor(start_method="thread")


def test_trial_seeds_depend_on_base_seed_stage_and_index_only():
    assert parallel.trial_seed(0, 3, 1) == parallel.trial_seed(0, 3, 1)
    seeds = {parallel.trial_seed(b, i, s) for b in range(2) for i in range(20) for s in range(2)}
    assert len(seeds) == 80
    a = parallel.trial_rng(0, 3).uniform(size=3)
    assert np.array_equal(a, parallel.trial_rng(0, 3).uniform(size=3))
    with pytest.raises(ValueError, match="seed"):
        parallel.trial_seed(-1, 0)
    with pytest.raises(TypeError, match="index"):
        parallel.trial_seed(0, 1.0)


def test_users_of_the_same_limit_share_one_setting_and_only_the_last_exit_restores(monkeypatch):
    calls = []

    class Recorder:
        def __init__(self, limits, user_api):
            calls.append(("set", limits))

        def restore_original_limits(self):
            calls.append(("restore",))

    monkeypatch.setattr(parallel, "threadpool_limits", Recorder)
    first, second = parallel.blas_thread_limit(1), parallel.blas_thread_limit(1)
    first.__enter__()
    second.__enter__()          # e.g. the Trainer inside a trial inside run_trials
    second.__exit__(None, None, None)
    assert calls == [("set", 1)]
    with parallel.blas_thread_limit(3):
        pass
    assert calls == [("set", 1), ("set", 3), ("restore",)]
    first.__exit__(None, None, None)
    assert calls[-1] == ("restore",) and len(calls) == 4
