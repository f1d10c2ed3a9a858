"""Hyperparameter search: random (log-uniform), grid and coarse-to-fine, run in parallel.

A *trial function* takes ``(params, seed)`` -- a dict of hyperparameter values and an int seed --
trains something and returns either a number (the score, higher is better) or a dict with a
``'score'`` entry plus anything else worth keeping (curves, flags). Example::

    def trial(params, seed):
        net = MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=params["weight_decay"], seed=seed)
        ...
        return {"score": val_acc[-1], "val_acc": val_acc}

    result = random_search(trial, {"lr": (1e-6, 1e-2), "weight_decay": (1e-8, 1e-4)}, n_trials=100)
    result.best(5)

Reproducibility: trial ``i`` of a search with base seed ``s`` draws its hyperparameters and its
training seed from ``np.random.SeedSequence(s, spawn_key=(stage, i))``, so a trial's result
depends only on (s, stage, i) -- not on how many trials run, in which order they finish, or which
executor runs them.

Parallelism: trials are submitted to any :class:`concurrent.futures.Executor`:

* ``executor=None`` (default): a shared pool of local worker processes, one per CPU core, each
  limited to one BLAS thread (:func:`default_executor`). Workers are started with 'forkserver'
  (or 'spawn'), which is safe inside a Jupyter kernel, so the trial function must be importable:
  define it in a ``.py`` module (a function typed into a notebook cannot be sent to a fresh
  process), or use ``functools.partial`` of a module-level function.
* ``executor="serial"``: run in this process, one after another (debugging; notebook functions).
* a Dask cluster: ``distributed.Client(address).get_executor()`` (``pip install dlhelpers[cluster]``).

A tqdm progress bar counts completed trials and shows the best score so far.
"""
import atexit
import itertools
import math
import multiprocessing
import os
import pickle
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "Trial", "SearchResult", "SerialExecutor", "local_executor", "default_executor",
    "shutdown_default_executor", "trial_seed", "trial_rng", "sample_log_uniform", "run_trials",
    "random_search", "grid_search", "log_grid", "narrow_ranges", "edge_report", "coarse_to_fine",
]


# ----------------------------------------------------------------------------- seeds
def _trial_sequences(base_seed, index, stage=0):
    ss = np.random.SeedSequence(int(base_seed), spawn_key=(int(stage), int(index)))
    sample_ss, run_ss = ss.spawn(2)
    return sample_ss, run_ss


def trial_seed(base_seed, index, stage=0):
    """The int seed handed to trial ``index`` (of search ``stage``) of a search with ``base_seed``."""
    return int(_trial_sequences(base_seed, index, stage)[1].generate_state(1)[0])


def trial_rng(base_seed, index, stage=0):
    """The generator that draws trial ``index``'s hyperparameters (independent of its seed)."""
    return np.random.default_rng(_trial_sequences(base_seed, index, stage)[0])


def sample_log_uniform(rng, ranges):
    """One value per name, ``10 ** U(log10 low, log10 high)``, in the order of ``ranges``.

    ranges : dict name -> (low, high) with 0 < low <= high, e.g. {'lr': (1e-6, 1e-2)}.
    Returns a dict name -> float.
    """
    values = {}
    for name, (low, high) in ranges.items():
        lo, hi = _log_bounds(name, low, high)
        values[name] = float(10.0 ** rng.uniform(lo, hi))
    return values


def _log_bounds(name, low, high):
    if not (low > 0 and high > 0):
        raise ValueError(f"range of {name!r} must be positive for a log scale, got ({low!r}, {high!r})")
    if low > high:
        raise ValueError(f"range of {name!r} has low > high: ({low!r}, {high!r})")
    return math.log10(low), math.log10(high)


def log_grid(low, high, n):
    """``n`` values from ``low`` to ``high``, evenly spaced in log10 (like np.logspace)."""
    lo, hi = _log_bounds("grid", low, high)
    return [float(v) for v in np.logspace(lo, hi, n)]


# ----------------------------------------------------------------------------- results
@dataclass
class Trial:
    """One finished trial: its position, hyperparameters, seed, what it returned and its score.

    ``elapsed`` (seconds) is informative only and excluded from comparisons, so two runs of the
    same search compare equal whatever machine or executor ran them.
    """
    index: int
    params: dict
    seed: int
    result: object
    score: float
    stage: int = 0
    elapsed: float = field(default=0.0, compare=False, repr=False)

    def __eq__(self, other):
        if not isinstance(other, Trial):
            return NotImplemented
        same_score = (self.score == other.score) or (math.isnan(self.score) and math.isnan(other.score))
        return (self.index == other.index and self.stage == other.stage and self.seed == other.seed
                and self.params == other.params and same_score
                and _same_result(self.result, other.result))


def _same_result(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_result(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple, np.ndarray)) or isinstance(b, (list, tuple, np.ndarray)):
        a_arr, b_arr = np.asarray(a), np.asarray(b)
        if a_arr.shape != b_arr.shape:
            return False
        if a_arr.dtype.kind in "fc" or b_arr.dtype.kind in "fc":
            return bool(np.array_equal(a_arr, b_arr, equal_nan=True))
        return bool(np.array_equal(a_arr, b_arr))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _rank_key(trial):
    return -trial.score if not math.isnan(trial.score) else math.inf


class SearchResult:
    """The trials of one search, in index order, with helpers to rank and read them.

    Attributes: ``trials`` (list of :class:`Trial`), ``kind`` ('random', 'grid' or 'custom'),
    ``ranges`` (the sampled ranges of a random search, else None), ``stage``.
    """

    def __init__(self, trials, kind="custom", ranges=None, stage=0):
        self.trials = sorted(trials, key=lambda t: t.index)
        self.kind = kind
        self.ranges = dict(ranges) if ranges is not None else None
        self.stage = stage

    def __len__(self):
        return len(self.trials)

    def __iter__(self):
        return iter(self.trials)

    def __eq__(self, other):
        return isinstance(other, SearchResult) and self.trials == other.trials

    def best(self, k=1):
        """The ``k`` highest-scoring trials, best first (NaN scores rank last; ties by index)."""
        return sorted(self.trials, key=lambda t: (_rank_key(t), t.index))[:k]

    @property
    def best_trial(self):
        return self.best(1)[0]

    def values(self, name):
        """Array of hyperparameter ``name`` over the trials, in index order, shape (n_trials,)."""
        return np.array([t.params[name] for t in self.trials], dtype=float)

    @property
    def scores(self):
        """Array of scores in index order, shape (n_trials,)."""
        return np.array([t.score for t in self.trials], dtype=float)

    def table(self, k=5, digits=3):
        """A small text table of the ``k`` best trials (rounded, so it prints reproducibly)."""
        names = list(self.trials[0].params) if self.trials else []
        lines = ["rank  score  " + "  ".join(f"{n:>12}" for n in names)]
        for rank, t in enumerate(self.best(k), 1):
            cells = "  ".join(f"{t.params[n]:>12.{digits - 1}e}" for n in names)
            lines.append(f"{rank:>4}  {t.score:.{digits}f}  {cells}")
        return "\n".join(lines)

    def __repr__(self):
        best = self.best_trial.score if self.trials else float("nan")
        return f"SearchResult({self.kind}, {len(self)} trials, best score {best:.3f})"


# ----------------------------------------------------------------------------- executors
class SerialExecutor(Executor):
    """An Executor that runs each call immediately in this process (no parallelism).

    Useful for debugging and for trial functions defined in a notebook.
    """

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # delivered through the future, like any executor
            future.set_exception(err)
        return future


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _start_method():
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


def _worker_init():
    """Runs once in each worker process: one BLAS thread (parallelism comes from the processes).

    Workers also ignore Ctrl-C / kernel interrupts: the main process cancels what is pending, and
    the workers do not flood the terminal with tracebacks.
    """
    import signal
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):
        pass
    try:
        from threadpoolctl import threadpool_limits
        global _WORKER_LIMITS
        _WORKER_LIMITS = threadpool_limits(limits=1, user_api="blas")
    except ImportError:
        pass


def local_executor(max_workers=None, start_method=None):
    """A ProcessPoolExecutor for trials on this machine.

    max_workers : int or None
        Worker processes; None uses every core this process may run on.
    start_method : 'forkserver', 'spawn', 'fork' or None
        None picks 'forkserver' where available, else 'spawn'. Both start clean interpreters,
        which is safe inside a Jupyter kernel (forking a kernel's threads is not), so the trial
        function must be importable from a module. 'fork' also accepts functions defined in the
        notebook, at that risk.

    Each worker limits BLAS to one thread. Use it as a context manager, or call ``shutdown()``.
    """
    workers = max_workers or _cpu_count()
    context = multiprocessing.get_context(start_method or _start_method())
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init)
    executor.start_method = context.get_start_method()
    executor.n_workers = workers
    return executor


_DEFAULT = {"executor": None}
_DEFAULT_LOCK = threading.Lock()


def default_executor():
    """The shared local process pool (created on first use, reused, shut down at exit).

    A pool whose worker died is broken for good; it is replaced, so the next search works.
    """
    with _DEFAULT_LOCK:
        current = _DEFAULT["executor"]
        if current is not None and getattr(current, "_broken", False):
            current.shutdown(wait=False, cancel_futures=True)
            _DEFAULT["executor"] = None
        if _DEFAULT["executor"] is None:
            _DEFAULT["executor"] = local_executor()
        return _DEFAULT["executor"]


def shutdown_default_executor():
    """Stop the shared pool's worker processes (a new pool starts on the next search)."""
    with _DEFAULT_LOCK:
        executor, _DEFAULT["executor"] = _DEFAULT["executor"], None
    if executor is not None:
        executor.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_default_executor)


def _check_sendable(fn, executor):
    """Fail early, with advice, when ``fn`` cannot reach another process."""
    if not isinstance(executor, ProcessPoolExecutor):
        return
    advice = ("Trial functions run in fresh worker processes, so they must be importable: define the "
              "function in a .py module (or use functools.partial of a module-level function), or "
              "pass executor='serial' to run in this process.")
    target = getattr(fn, "func", fn)  # functools.partial
    method = getattr(executor, "start_method", None)
    if getattr(target, "__module__", None) == "__main__" and method != "fork":
        raise TypeError(f"{getattr(target, '__name__', target)!r} is defined in __main__ (a notebook "
                        f"or script). {advice}")
    try:
        pickle.dumps(fn)
    except Exception as err:
        raise TypeError(f"the trial function cannot be pickled ({err}). {advice}") from None


# ----------------------------------------------------------------------------- running trials
_BLAS = {"depth": 0, "limiter": None}
_BLAS_LOCK = threading.Lock()


def _enter_one_blas_thread():
    with _BLAS_LOCK:
        if _BLAS["depth"] == 0:
            try:
                from threadpoolctl import threadpool_limits
                _BLAS["limiter"] = threadpool_limits(limits=1, user_api="blas")
            except ImportError:
                _BLAS["limiter"] = None
        _BLAS["depth"] += 1


def _exit_one_blas_thread():
    with _BLAS_LOCK:
        _BLAS["depth"] -= 1
        if _BLAS["depth"] == 0 and _BLAS["limiter"] is not None:
            _BLAS["limiter"].restore_original_limits()
            _BLAS["limiter"] = None


def _call_trial(fn, params, seed):
    """Runs in the worker: the trial with one BLAS thread; returns (result, seconds).

    One BLAS thread everywhere keeps results bit-identical across executors (float32 matrix
    products can round differently with two threads). The limit is reference-counted per
    process, so trials sharing a process (threaded Dask workers) do not undo each other's limit.
    """
    _enter_one_blas_thread()
    start = time.perf_counter()
    try:
        result = fn(dict(params), seed)
    finally:
        _exit_one_blas_thread()
    return result, time.perf_counter() - start


def _default_score(result):
    if isinstance(result, dict):
        if "score" not in result:
            raise KeyError("a trial function returning a dict must include a 'score' entry "
                           f"(got keys {sorted(result)}), or pass score=... to the search")
        return float(result["score"])
    return float(result)


def run_trials(fn, params_list, seed=0, stage=0, executor=None, progress=True, score=None,
               desc="trials", callback=None):
    """Run ``fn(params, seed_i)`` for each dict in ``params_list``; return :class:`Trial` objects.

    Trial ``i`` gets ``seed_i = trial_seed(seed, i, stage)``. The list comes back in index order
    whatever order the trials finished in. ``score(result) -> float`` reads the score (default:
    the result itself, or ``result['score']``). ``executor`` as in the module docstring.
    ``callback(n_done, n_total, best_score)``, if given, is called after each finished trial
    (e.g. to show progress in a widget).
    """
    params_list = [dict(p) for p in params_list]
    score = score or _default_score
    if executor is None:
        executor = default_executor()
    elif executor == "serial":
        executor = SerialExecutor()
    elif not isinstance(executor, Executor):
        raise TypeError(f"executor must be a concurrent.futures.Executor, 'serial' or None, got {executor!r}")
    _check_sendable(fn, executor)
    seeds = [trial_seed(seed, i, stage) for i in range(len(params_list))]
    bar = None
    if progress and params_list:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(params_list), desc=desc, unit="trial")
    futures = {}
    trials = []
    best = -math.inf
    # Trials that run inside this process (serial, or an in-process Dask cluster's threads) need
    # BLAS limited from here: threadpoolctl lets only one thread, normally this one, change it.
    _enter_one_blas_thread()
    try:
        for i, (params, s) in enumerate(zip(params_list, seeds)):
            futures[executor.submit(_call_trial, fn, params, s)] = i
        for future in as_completed(futures):
            i = futures[future]
            try:
                result, elapsed = future.result()
            except Exception as err:
                extra = ""
                if type(err).__name__ == "BrokenProcessPool":
                    extra = (" A worker process died. In a script, start the search under "
                             "`if __name__ == '__main__':` (workers import the main module); "
                             "otherwise the machine may have run out of memory.")
                raise RuntimeError(f"trial {i} (params {params_list[i]}, seed {seeds[i]}) failed: "
                                   f"{type(err).__name__}: {err}.{extra}") from err
            value = score(result)
            trials.append(Trial(i, params_list[i], seeds[i], result, value, stage, elapsed))
            if not math.isnan(value) and value > best:
                best = value
            if bar is not None:
                bar.update(1)
                bar.set_postfix(best=f"{best:.3f}", refresh=False)
            if callback is not None:
                callback(len(trials), len(params_list), best)
    finally:
        _exit_one_blas_thread()
        for future in futures:
            future.cancel()
        if bar is not None:
            bar.close()
    return sorted(trials, key=lambda t: t.index)


def random_search(fn, ranges, n_trials, seed=0, stage=0, executor=None, progress=True, score=None,
                  fixed=None):
    """Random search with every hyperparameter drawn log-uniformly from its range.

    Parameters
    ----------
    fn : callable(params, seed) -> score or dict with 'score'
    ranges : dict name -> (low, high)
        Each trial draws ``10 ** U(log10 low, log10 high)``; e.g. the book's
        ``{'lr': (1e-6, 1e-2), 'weight_decay': (1e-8, 1e-4)}``.
    n_trials : int
    seed, stage : ints
        Trial i's values and seed come from SeedSequence(seed, spawn_key=(stage, i)).
    fixed : dict or None
        Extra entries added unchanged to every trial's params.

    Returns
    -------
    SearchResult (kind 'random', ``ranges`` set).
    """
    if n_trials < 1:
        raise ValueError(f"n_trials must be at least 1, got {n_trials!r}")
    for name, (low, high) in ranges.items():
        _log_bounds(name, low, high)
    params_list = [{**sample_log_uniform(trial_rng(seed, i, stage), ranges), **(fixed or {})}
                   for i in range(n_trials)]
    trials = run_trials(fn, params_list, seed, stage, executor, progress, score,
                        desc=f"random search (stage {stage})" if stage else "random search")
    return SearchResult(trials, "random", ranges, stage)


def grid_search(fn, grid, seed=0, stage=0, executor=None, progress=True, score=None, fixed=None):
    """Every combination of the values in ``grid`` (dict name -> list), first name varying slowest.

    Returns a SearchResult (kind 'grid'); ``ranges`` holds each name's (min, max).
    """
    names = list(grid)
    combos = list(itertools.product(*(list(grid[n]) for n in names)))
    if not combos:
        raise ValueError("the grid is empty: give every name at least one value")
    params_list = [{**dict(zip(names, (float(v) for v in combo))), **(fixed or {})} for combo in combos]
    trials = run_trials(fn, params_list, seed, stage, executor, progress, score, desc="grid search")
    ranges = {n: (float(min(grid[n])), float(max(grid[n]))) for n in names}
    return SearchResult(trials, "grid", ranges, stage)


# ----------------------------------------------------------------------------- coarse to fine
def narrow_ranges(result, top_k=5, margin=0.25, names=None, move=1.0, edge_fraction=0.1):
    """New log ranges spanning the ``top_k`` best trials, padded by ``margin`` decades per side.

    If the best trial sits at an edge of its searched range (see :func:`edge_report`), the
    optimum may lie outside what was searched: that side of the new range then reaches ``move``
    decades beyond the old edge, so the next round looks there. ``move=0`` only narrows.

    Returns a dict name -> (low, high).
    """
    best = [t for t in result.best(top_k) if not math.isnan(t.score)]
    if not best:
        raise ValueError("no trial has a finite score; widen or move the ranges and search again")
    names = names or (list(result.ranges) if result.ranges else list(best[0].params))
    edges = edge_report(result, edge_fraction) if (result.ranges and move) else {}
    ranges = {}
    for name in names:
        logs = np.log10([t.params[name] for t in best])
        low, high = logs.min() - margin, logs.max() + margin
        if edges.get(name) == "high edge":
            high = max(high, math.log10(result.ranges[name][1]) + move)
        elif edges.get(name) == "low edge":
            low = min(low, math.log10(result.ranges[name][0]) - move)
        ranges[name] = (float(10 ** low), float(10 ** high))
    return ranges


def edge_report(result, fraction=0.1, ranges=None):
    """Where the best trial sits in each searched range: 'low edge', 'high edge' or 'inside'.

    A value within ``fraction`` of the range's log-width of an end counts as at the edge: a sign
    that the range should move that way before it is narrowed.
    """
    ranges = ranges or result.ranges
    if not ranges:
        raise ValueError("this result has no ranges; pass ranges=...")
    best = result.best_trial
    report = {}
    for name, (low, high) in ranges.items():
        lo, hi = _log_bounds(name, low, high)
        x = math.log10(best.params[name])
        width = max(hi - lo, 1e-12)
        if x - lo <= fraction * width:
            report[name] = "low edge"
        elif hi - x <= fraction * width:
            report[name] = "high edge"
        else:
            report[name] = "inside"
    return report


def coarse_to_fine(fn, ranges, n_trials=(40, 20), top_k=5, margin=0.25, move=1.0, seed=0,
                   executor=None, progress=True, score=None, fixed=None):
    """Rounds of random search, each in ranges narrowed around the previous round's best trials.

    n_trials : sequence of int, trials per round (its length is the number of rounds).
    Round r uses ``stage=r``, so its trials are seeded apart from other rounds'. Between rounds,
    :func:`narrow_ranges` (with ``top_k``, ``margin``, ``move``) picks the next ranges.

    Returns a list of SearchResult, one per round.
    """
    rounds = []
    current = dict(ranges)
    for stage, n in enumerate(n_trials):
        if stage:
            current = narrow_ranges(rounds[-1], top_k=top_k, margin=margin, names=list(ranges), move=move)
        rounds.append(random_search(fn, current, n, seed=seed, stage=stage, executor=executor,
                                    progress=progress, score=score, fixed=fixed))
    return rounds
