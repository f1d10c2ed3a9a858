"""Hyperparameter search: random, grid, coarse-to-fine and successive halving.

Where and how trials run (executors, BLAS threads, per-trial seeds) is :mod:`dlhelpers.parallel`.

The trial function
------------------
Every search works on a *trial function* that must conform to the following API::

    fn(params, seed, **trial_kwargs) -> score, or dict with a 'score' entry

    params : dict name -> value
        One trial's hyperparameters (sampled or taken from the grid, plus ``fixed``); a fresh
        copy per call, so the function may modify it.
    seed : int
        The trial's own seed. Derive every random draw from it (``np.random.default_rng(seed)``):
        weights, batch order, dropout masks. Trial ``i`` of stage ``s`` always gets
        ``parallel.trial_seed(base_seed, i, s)``.
    trial_kwargs : keyword arguments
        Empty for random and grid search. :func:`successive_halving` passes the epoch budget as
        ``epochs=<int>`` (the keyword is ``budget_name``): train for that many epochs from
        scratch. The same (params, seed) with a larger budget must be the same run, only longer.
    returns : a finite real number (higher is better; ``mode='min'`` for losses), or a dict
        holding that number under ``'score'`` plus anything else worth keeping (curves, flags).
        None, strings, NaN and inf are rejected with the trial's index, params and value: a
        diverged run should report its worst score (accuracy 0.0, a large loss) and a flag.

Example::

    from dlhelpers.search import random_search
    from dlhelpers.spaces import Choice, IntUniform, LogUniform, Uniform

    def trial(params, seed, epochs=10):
        net = MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=params["weight_decay_lambda"],
                            seed=seed)
        ...
        return {"score": val_acc[-1], "val_acc": val_acc}

    space = {"lr": LogUniform(1e-6, 1e-2), "weight_decay_lambda": (1e-8, 1e-4),
             "dropout_ratio": Uniform(0.0, 0.5), "hidden_size": IntUniform(20, 100),
             "weight_init_std": Choice(["he", "xavier"])}
    result = random_search(trial, space, n_trials=100)
    result.best(5)

A plain ``(low, high)`` pair means :class:`dlhelpers.spaces.LogUniform`, as in the book's searches.
"""
import itertools
import math
import numbers
import time
from concurrent.futures import as_completed
from dataclasses import dataclass, field

import numpy as np

from .checks import check_callable, check_choice, check_dict, check_int, check_range
from .parallel import blas_thread_limit, check_sendable, resolve_executor, trial_rng, trial_seed
from .spaces import Choice, IntUniform, LogUniform, Uniform, _as_dimension, _as_space

__all__ = [
    "Trial", "SearchResult", "HalvingResult", "run_trials", "random_search", "grid_search",
    "successive_halving", "halving_vs_random", "narrow_ranges", "edge_report", "coarse_to_fine",
]


# ----------------------------------------------------------------------------- results
@dataclass
class Trial:
    """One finished trial: its position, hyperparameters, seed, what it returned and its score.

    ``budget`` is the epoch budget of a successive-halving rung (None elsewhere). ``elapsed``
    (seconds) is informative only and excluded from comparisons, so two runs of the same search
    compare equal whatever machine or executor ran them.
    """
    index: int
    params: dict
    seed: int
    result: object
    score: float
    stage: int = 0
    elapsed: float = field(default=0.0, compare=False, repr=False)
    budget: object = None

    def __eq__(self, other):
        if not isinstance(other, Trial):
            return NotImplemented
        same_score = (self.score == other.score) or (math.isnan(self.score) and math.isnan(other.score))
        return (self.index == other.index and self.stage == other.stage and self.seed == other.seed
                and self.budget == other.budget and self.params == other.params and same_score
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


def _rank_key(trial, mode="max"):
    """Sort key: best first for ``mode``, NaN last, ties by index."""
    if math.isnan(trial.score):
        return (math.inf, trial.index)
    return (-trial.score if mode == "max" else trial.score, trial.index)


def _check_fixed(fixed, names):
    if fixed is None:
        return {}
    fixed = check_dict(fixed, "fixed", "{'epochs': 5}")
    both = sorted(set(fixed) & set(names))
    if both:
        raise ValueError(f"fixed and the searched names overlap on {both}: a name is either searched "
                         "or fixed, remove it from one of them")
    return dict(fixed)


def _check_mode(mode):
    return check_choice(mode, "mode", ("max", "min"), hint="'max' for scores like accuracy, 'min' for losses.")


class SearchResult:
    """The trials of one search, in index order, with helpers to rank and read them.

    Attributes: ``trials`` (list of :class:`Trial`), ``kind`` ('random', 'grid', 'halving rung'
    or 'custom'), ``ranges`` (the searched space as given, else None), ``stage``, ``mode``
    ('max': higher scores are better; 'min': lower).
    """

    def __init__(self, trials, kind="custom", ranges=None, stage=0, mode="max"):
        self.trials = sorted(trials, key=lambda t: t.index)
        self.kind = kind
        self.ranges = dict(ranges) if ranges is not None else None
        self.stage = stage
        self.mode = _check_mode(mode)

    def __len__(self):
        return len(self.trials)

    def __iter__(self):
        return iter(self.trials)

    def __eq__(self, other):
        return isinstance(other, SearchResult) and self.trials == other.trials

    def best(self, k=1):
        """The ``k`` best trials, best first (by ``mode``; NaN scores rank last; ties by index)."""
        k = check_int(k, "k", 0)
        return sorted(self.trials, key=lambda t: _rank_key(t, self.mode))[:k]

    @property
    def best_trial(self):
        if not self.trials:
            raise ValueError("this result has no trials, so no best trial")
        return self.best(1)[0]

    def values(self, name):
        """Array of hyperparameter ``name`` over the trials, in index order, shape (n_trials,).

        Numeric values come back as floats; categorical ones (e.g. 'he') as an object array.
        """
        if self.trials and name not in self.trials[0].params:
            raise ValueError(f"no hyperparameter name {name!r}; the trials have {list(self.trials[0].params)}")
        values = [t.params[name] for t in self.trials]
        if all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
            return np.array(values, dtype=float)
        return np.array(values, dtype=object)

    @property
    def scores(self):
        """Array of scores in index order, shape (n_trials,)."""
        return np.array([t.score for t in self.trials], dtype=float)

    def table(self, k=5, digits=3):
        """A small text table of the ``k`` best trials (rounded, so it prints reproducibly)."""
        names = list(self.trials[0].params) if self.trials else []
        width = {n: max(12, len(n)) for n in names}

        def cell(n, v):
            if isinstance(v, numbers.Integral) or not isinstance(v, numbers.Real):
                return f"{v!s:>{width[n]}}"
            return f"{v:>{width[n]}.{digits - 1}e}"

        lines = ["rank  score  " + "  ".join(f"{n:>{width[n]}}" for n in names)]
        for rank, t in enumerate(self.best(k), 1):
            cells = "  ".join(cell(n, t.params[n]) for n in names)
            lines.append(f"{rank:>4}  {t.score:.{digits}f}  {cells}")
        return "\n".join(lines)

    def __repr__(self):
        best = self.best_trial.score if self.trials else float("nan")
        return f"SearchResult({self.kind}, {len(self)} trials, best score {best:.3f})"


# ----------------------------------------------------------------------------- running trials
def _call_trial(fn, params, seed, kwargs):
    """Runs in the worker: the trial with one BLAS thread; returns (result, seconds).

    One BLAS thread everywhere keeps results bit-identical across executors.
    """
    with blas_thread_limit(1):
        start = time.perf_counter()
        result = fn(dict(params), seed, **kwargs)
    return result, time.perf_counter() - start


def _default_score(result):
    if isinstance(result, dict):
        if "score" not in result:
            raise ValueError("a trial function returning a dict must include a 'score' entry "
                           f"(got keys {sorted(result)}), or pass score=... to the search")
        return result["score"]
    return result


def _checked_score(value, index, params, result):
    """The score as a float, or an error naming the trial and what it returned."""
    where = f"trial {index} (params {params}) returned {_short(result)}"
    if isinstance(result, dict) and value is not result:
        where += f", whose score is {_short(value)}"
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: a trial function must return a finite number (the score) or a "
                        "dict with a numeric 'score' entry")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{where}: scores must be finite. If the run diverged, return its worst "
                         "score instead (accuracy 0.0, a large loss) and a flag such as "
                         "'diverged': True")
    return value


def _short(obj, limit=80):
    text = repr(obj)
    return text if len(text) <= limit else text[:limit] + "..."


def run_trials(fn, params_list, seed=0, stage=0, executor=None, progress=True, score=None,
               desc="trials", callback=None, indices=None, trial_kwargs=None, mode="max", budget=None):
    """Run ``fn(params, seed_i, **trial_kwargs)`` for each dict in ``params_list``.

    Parameters
    ----------
    fn : the trial function (see the module docstring for its contract)
    params_list : list of dict, at least one
    seed, stage : int >= 0
        Trial ``i`` gets ``seed_i = trial_seed(seed, i, stage)``.
    executor : None, 'serial' or a concurrent.futures.Executor (see :mod:`dlhelpers.parallel`)
    progress : bool, a tqdm bar counting finished trials and showing the best score so far
    score : callable(result) -> number, or None (the result itself, or ``result['score']``)
    callback : callable(n_done, n_total, best_score) or None, called after each finished trial
    indices : list of int or None
        The trials' indices (default 0, 1, ...): a trial run later with index ``j`` gets exactly
        the seed it would have had as trial ``j`` of the search.
    trial_kwargs : dict or None, extra keyword arguments for every call (e.g. ``{'epochs': 3}``)
    mode : 'max' or 'min', which scores count as best (for the progress bar and callback)
    budget : stored on each Trial (successive halving's epochs)

    Returns
    -------
    list of :class:`Trial`, in index order whatever order they finished in.
    """
    params_list = _checked_params_list(params_list)
    seed = check_int(seed, "seed", 0)
    stage = check_int(stage, "stage", 0)
    mode = _check_mode(mode)
    indices = _checked_indices(indices, len(params_list))
    trial_kwargs = check_dict(trial_kwargs, "trial_kwargs", "{'epochs': 3}", allow_none=True)
    check_callable(score, "score", "result -> number", allow_none=True)
    check_callable(callback, "callback", "(n_done, n_total, best_score)", allow_none=True)
    score = score or _default_score
    executor = resolve_executor(executor)
    check_sendable(fn, executor)
    seeds = [trial_seed(seed, i, stage) for i in indices]
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(params_list), desc=desc, unit="trial")
    futures = {}
    trials = []
    best = -math.inf if mode == "max" else math.inf
    better = (lambda a, b: a > b) if mode == "max" else (lambda a, b: a < b)
    # Trials that run inside this process (serial, or an in-process Dask cluster's threads) need
    # BLAS limited from here: threadpoolctl lets only one thread, normally this one, change it.
    with blas_thread_limit(1):
        try:
            for k, (params, s) in enumerate(zip(params_list, seeds)):
                futures[executor.submit(_call_trial, fn, params, s, trial_kwargs)] = k
            for future in as_completed(futures):
                k = futures[future]
                i = indices[k]
                try:
                    result, elapsed = future.result()
                except Exception as err:
                    raise _trial_failed(err, i, params_list[k], seeds[k]) from err
                value = _checked_score(score(result), i, params_list[k], result)
                trials.append(Trial(i, params_list[k], seeds[k], result, value, stage, elapsed, budget))
                if better(value, best):
                    best = value
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(best=f"{best:.3f}", refresh=False)
                if callback is not None:
                    callback(len(trials), len(params_list), best)
        finally:
            for future in futures:
                future.cancel()
            if bar is not None:
                bar.close()
    return sorted(trials, key=lambda t: t.index)


def _checked_params_list(params_list):
    """A list of at least one dict (copied), or an error naming the bad entry."""
    if isinstance(params_list, dict):
        raise TypeError("params_list must be a list of dicts (one per trial), got a single dict; "
                        "wrap it in a list")
    params_list = list(params_list)
    if not params_list:
        raise ValueError("params_list is empty: give at least one trial's params")
    for i, p in enumerate(params_list):
        if not isinstance(p, dict):
            raise TypeError(f"params_list[{i}] must be a dict name -> value, got {p!r}")
    return [dict(p) for p in params_list]


def _checked_indices(indices, n):
    """0 .. n-1 for None, else ``n`` distinct non-negative ints."""
    if indices is None:
        return list(range(n))
    indices = [check_int(i, "indices[...]", 0) for i in indices]
    if len(indices) != n or len(set(indices)) != n:
        raise ValueError(f"indices must be {n} distinct ints, one per params dict, got {indices!r}")
    return indices


def _trial_failed(err, index, params, seed):
    """The RuntimeError that reports a trial's exception with its index, params and seed."""
    extra = ""
    if type(err).__name__ == "BrokenProcessPool":
        extra = (" A worker process died. In a script, start the search under "
                 "`if __name__ == '__main__':` (workers import the main module); "
                 "otherwise the machine may have run out of memory.")
    return RuntimeError(f"trial {index} (params {params}, seed {seed}) failed: "
                        f"{type(err).__name__}: {err}.{extra}")


def _sampled_params(space, n_trials, seed, stage, fixed):
    return [{**{name: dim.sample(rng) for name, dim in space.items()}, **fixed}
            for rng in (trial_rng(seed, i, stage) for i in range(n_trials))]


def random_search(fn, ranges, n_trials, seed=0, stage=0, executor=None, progress=True, score=None,
                  fixed=None, mode="max", trial_kwargs=None):
    """Random search: each trial draws every hyperparameter from its range.

    Parameters
    ----------
    fn : the trial function (module docstring)
    ranges : dict name -> LogUniform / Uniform / IntUniform / Choice or a (low, high) pair
        A pair is log-uniform, ``10 ** U(log10 low, log10 high)``: e.g. the book's
        ``{'lr': (1e-6, 1e-2), 'weight_decay_lambda': (1e-8, 1e-4)}``.
    n_trials : int >= 1
    seed, stage : ints
        Trial i's values and seed come from SeedSequence(seed, spawn_key=(stage, i)).
    fixed : dict or None
        Extra entries added unchanged to every trial's params (not also in ``ranges``).
    mode : 'max' (default; accuracies) or 'min' (losses)
    trial_kwargs : dict or None, extra keyword arguments for every call (e.g. ``{'epochs': 5}``)

    Returns
    -------
    SearchResult (kind 'random', ``ranges`` as given).
    """
    space = _as_space(ranges)
    n_trials = check_int(n_trials, "n_trials", 1)
    params_list = _sampled_params(space, n_trials, check_int(seed, "seed", 0),
                                  check_int(stage, "stage", 0), _check_fixed(fixed, space))
    trials = run_trials(fn, params_list, seed, stage, executor, progress, score,
                        desc=f"random search (stage {stage})" if stage else "random search",
                        mode=mode, trial_kwargs=trial_kwargs)
    return SearchResult(trials, "random", ranges, stage, mode)


def grid_search(fn, grid, seed=0, stage=0, executor=None, progress=True, score=None, fixed=None,
                mode="max", trial_kwargs=None):
    """Every combination of the values in ``grid`` (dict name -> list), first name varying slowest.

    Values are passed on as given: ``{'weight_init_std': ['he', 0.01], 'width': [50, 100]}``
    runs 'he' as a str and 50 as an int. ``ranges`` of the result holds, per name, a (min, max)
    pair (log scale) when all values are positive numbers, :class:`Uniform` when one is <= 0, and
    a :class:`Choice` of the values otherwise.
    """
    if not isinstance(grid, dict):
        raise TypeError(f"grid must be a dict name -> list of values, got {type(grid).__name__}")
    if not grid:
        raise ValueError("the grid is empty: give at least one name -> list of values")
    names = list(grid)
    columns = []
    for name in names:
        values = grid[name]
        if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
            raise TypeError(f"grid[{name!r}] must be a list of values, got {values!r}; "
                            f"write [{values!r}] for a single value")
        values = [v.item() if isinstance(v, np.generic) else v for v in values]
        if not values:
            raise ValueError(f"grid[{name!r}] is empty: give at least one value")
        for v in values:
            if isinstance(v, float) and not math.isfinite(v):
                raise ValueError(f"grid[{name!r}] contains {v!r}: grid values must be finite")
        columns.append(values)
    fixed = _check_fixed(fixed, names)
    params_list = [{**dict(zip(names, combo)), **fixed} for combo in itertools.product(*columns)]
    trials = run_trials(fn, params_list, seed, stage, executor, progress, score, desc="grid search",
                        mode=mode, trial_kwargs=trial_kwargs)
    ranges = {}
    for name, values in zip(names, columns):
        numeric = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)
        if not numeric:
            ranges[name] = Choice(values)
        elif min(values) > 0:
            ranges[name] = (min(values), max(values))      # log scale, as the grid usually is
        else:
            ranges[name] = Uniform(min(values), max(values))
    return SearchResult(trials, "grid", ranges, stage, mode)


# ----------------------------------------------------------------------------- coarse to fine
def narrow_ranges(result, top_k=5, margin=0.25, names=None, move=1.0, edge_fraction=0.1):
    """New ranges spanning the ``top_k`` best trials, padded by ``margin`` on each side.

    Log-uniform ranges ((low, high) pairs, :class:`LogUniform`): ``margin`` and ``move`` are in
    decades. If the best trial sits at an edge of its searched range (see :func:`edge_report`),
    the optimum may lie outside what was searched: that side of the new range then reaches
    ``move`` decades beyond the old edge, so the next round looks there. ``move=0`` only narrows.
    :class:`Uniform` / :class:`IntUniform`: ``margin`` is a fraction of the old width and the new
    range stays inside the old one (linear ranges often have hard limits, like a dropout ratio).
    :class:`Choice` entries are kept as they are.

    Returns a dict name -> range, of the same kinds as ``result.ranges``.
    """
    if not isinstance(result, SearchResult):
        raise TypeError(f"result must be a SearchResult, got {type(result).__name__}")
    top_k = check_int(top_k, "top_k", 1)
    margin = check_range(margin, "margin", low=0)
    move = check_range(move, "move", low=0)
    best = [t for t in result.best(top_k) if not math.isnan(t.score)]
    if not best:
        raise ValueError("no trial has a finite score; widen or move the ranges and search again")
    if result.ranges:
        space = _as_space(result.ranges, "result.ranges")
    else:
        space = {n: (v, v) for n, v in best[0].params.items()}
    names = list(space) if names is None else list(names)
    for name in names:
        if name not in space:
            raise ValueError(f"names contains {name!r}, which was not searched; searched: {list(space)}")
    edges = edge_report(result, edge_fraction) if (result.ranges and move) else {}
    ranges = {}
    for name in names:
        dim = _as_dimension(name, space[name])
        if isinstance(dim, Choice):
            ranges[name] = result.ranges[name]
            continue
        values = [t.params[name] for t in best]
        if isinstance(dim, LogUniform):
            logs = np.log10(values)
            low, high = logs.min() - margin, logs.max() + margin
            if edges.get(name) == "high edge":
                high = max(high, math.log10(dim.high) + move)
            elif edges.get(name) == "low edge":
                low = min(low, math.log10(dim.low) - move)
            new = (float(10 ** low), float(10 ** high))
            given = result.ranges.get(name) if result.ranges else None
            ranges[name] = LogUniform(*new, name=name) if isinstance(given, LogUniform) else new
        else:
            pad = margin * (dim.high - dim.low)
            low, high = max(dim.low, min(values) - pad), min(dim.high, max(values) + pad)
            if isinstance(dim, IntUniform):
                ranges[name] = IntUniform(int(math.floor(low)), int(math.ceil(high)), name=name)
            else:
                ranges[name] = Uniform(low, high, name=name)
    return ranges


def edge_report(result, fraction=0.1, ranges=None):
    """Where the best trial sits in each searched numeric range: 'low edge', 'high edge' or 'inside'.

    A value within ``fraction`` of the range's width (log width for log-uniform ranges) of an end
    counts as at the edge: a sign that the range should move that way before it is narrowed.
    Categorical (:class:`Choice`) entries are left out.
    """
    if not isinstance(result, SearchResult):
        raise TypeError(f"result must be a SearchResult, got {type(result).__name__}")
    fraction = check_range(fraction, "fraction", low=0)
    if fraction >= 0.5:
        raise ValueError(f"fraction must be below 0.5 (each edge zone is that share of the range), "
                         f"got {fraction!r}")
    ranges = ranges or result.ranges
    if not ranges:
        raise ValueError("this result has no ranges; pass ranges=...")
    space = _as_space(ranges)
    best = result.best_trial
    report = {}
    for name, dim in space.items():
        if isinstance(dim, Choice):
            continue
        x, lo, hi = dim.to_unit(best.params[name])
        width = max(hi - lo, 1e-12)
        if x - lo <= fraction * width:
            report[name] = "low edge"
        elif hi - x <= fraction * width:
            report[name] = "high edge"
        else:
            report[name] = "inside"
    return report


def coarse_to_fine(fn, ranges, n_trials=(40, 20), top_k=5, margin=0.25, move=1.0, seed=0,
                   executor=None, progress=True, score=None, fixed=None, mode="max"):
    """Rounds of random search, each in ranges narrowed around the previous round's best trials.

    n_trials : sequence of int, trials per round (its length is the number of rounds).
    Round r uses ``stage=r``, so its trials are seeded apart from other rounds'. Between rounds,
    :func:`narrow_ranges` (with ``top_k``, ``margin``, ``move``) picks the next ranges.

    Returns a list of SearchResult, one per round.
    """
    if isinstance(n_trials, numbers.Integral) or not hasattr(n_trials, "__iter__"):
        raise TypeError(f"n_trials must be a sequence of ints, one per round, e.g. (40, 20); got {n_trials!r}")
    n_trials = [check_int(n, "n_trials[...]", 1) for n in n_trials]
    if not n_trials:
        raise ValueError("n_trials is empty: give the number of trials of each round, e.g. (40, 20)")
    check_int(top_k, "top_k", 1)
    check_range(margin, "margin", low=0)
    check_range(move, "move", low=0)
    rounds = []
    current = dict(ranges) if isinstance(ranges, dict) else ranges
    for stage, n in enumerate(n_trials):
        if stage:
            current = narrow_ranges(rounds[-1], top_k=top_k, margin=margin, names=list(ranges), move=move)
        rounds.append(random_search(fn, current, n, seed=seed, stage=stage, executor=executor,
                                    progress=progress, score=score, fixed=fixed, mode=mode))
    return rounds


# ----------------------------------------------------------------------------- successive halving
@dataclass
class HalvingResult:
    """What :func:`successive_halving` did.

    rungs : list of SearchResult, one per rung; rung k ran its trials with ``budgets[k]`` epochs
        (each Trial keeps its config's index, seed and ``budget``).
    budgets : list of int, epochs per trial in each rung.
    epochs_spent : int, the sum over rungs of trials x epochs (every rung trains from scratch).
    mode : 'max' or 'min'.
    """
    rungs: list
    budgets: list
    epochs_spent: int
    mode: str = "max"

    @property
    def best_trial(self):
        """The best trial of the last rung (the one trained with the largest budget)."""
        return self.rungs[-1].best_trial

    def best(self, k=1):
        return self.rungs[-1].best(k)

    def __repr__(self):
        sizes = " -> ".join(f"{len(r)}x{b}" for r, b in zip(self.rungs, self.budgets))
        return (f"HalvingResult(rungs {sizes} epochs, {self.epochs_spent} epochs in all, "
                f"best score {self.best_trial.score:.3f})")


def halving_schedule(n_trials, min_epochs, max_epochs, eta):
    """Rung sizes and budgets: ``n_k = n_trials // eta**k`` trials with ``min_epochs * eta**k`` epochs.

    Rungs continue while the budget stays within ``max_epochs`` and at least one trial is left;
    the last rung's budget is raised to ``max_epochs``. Returns (sizes, budgets), lists of int.
    """
    n_trials = check_int(n_trials, "n_trials", 1)
    min_epochs = check_int(min_epochs, "min_epochs", 1)
    max_epochs = check_int(max_epochs, "max_epochs", 1)
    eta = check_int(eta, "eta", 2, hint="(the reduction factor: each rung keeps the best 1/eta of the trials "
                                        "and gives them eta times the epochs; 3 is usual)")
    if max_epochs < min_epochs:
        raise ValueError(f"max_epochs ({max_epochs}) is below min_epochs ({min_epochs}); raise max_epochs")
    sizes, budgets = [n_trials], [min_epochs]
    while budgets[-1] * eta <= max_epochs and sizes[-1] // eta >= 1:
        sizes.append(sizes[-1] // eta)
        budgets.append(budgets[-1] * eta)
    budgets[-1] = max_epochs
    return sizes, budgets


def successive_halving(fn, ranges, n_trials, min_epochs=1, max_epochs=9, eta=3, seed=0, stage=0,
                       executor=None, progress=True, score=None, fixed=None, mode="max",
                       budget_name="epochs"):
    """Successive halving (the core of Hyperband and ASHA) on top of :func:`run_trials`.

    Rung 0 trains ``n_trials`` sampled configurations for ``min_epochs`` epochs each; every
    following rung keeps the best ``1/eta`` of the previous rung (by ``mode``; ties by index) and
    trains them from scratch with ``eta`` times the epochs, up to ``max_epochs`` (see
    :func:`halving_schedule`). The trial function receives the budget as the keyword
    ``budget_name`` (default ``epochs=``); see the module docstring for its contract.

    Reproducible per trial: configuration ``i`` has the params and seed of trial ``i`` of
    :func:`random_search` with the same ``seed`` and ``stage`` in every rung, whichever executor
    runs it. Any ``concurrent.futures`` executor works (local processes, Dask).

    Returns a :class:`HalvingResult`.
    """
    space = _as_space(ranges)
    sizes, budgets = halving_schedule(n_trials, min_epochs, max_epochs, eta)
    seed, stage = check_int(seed, "seed", 0), check_int(stage, "stage", 0)
    mode = _check_mode(mode)
    if not isinstance(budget_name, str) or not budget_name.isidentifier():
        raise ValueError(f"budget_name must be a keyword name such as 'epochs', got {budget_name!r}")
    configs = _sampled_params(space, sizes[0], seed, stage, _check_fixed(fixed, space))
    alive = list(range(sizes[0]))
    rungs = []
    for rung, (size, budget) in enumerate(zip(sizes, budgets)):
        if rung:
            alive = sorted(t.index for t in rungs[-1].best(size))
        trials = run_trials(fn, [configs[i] for i in alive], seed, stage, executor, progress, score,
                            desc=f"halving rung {rung} ({budget} epochs)", indices=alive,
                            trial_kwargs={budget_name: budget}, mode=mode, budget=budget)
        rungs.append(SearchResult(trials, "halving rung", ranges, stage, mode))
    spent = sum(len(r) * b for r, b in zip(rungs, budgets))
    return HalvingResult(rungs, budgets, spent, mode)


def halving_vs_random(fn, ranges, n_trials, min_epochs=1, max_epochs=9, eta=3, seed=0,
                      executor=None, progress=True, score=None, fixed=None, mode="max",
                      budget_name="epochs"):
    """Successive halving against random search at (at most) the same total epochs.

    Halving screens ``n_trials`` configurations; random search trains as many of the same
    configurations (trial 0, 1, ... of the same seed) for ``max_epochs`` each as the epochs
    halving spent allow: ``epochs_spent // max_epochs`` of them, at least one.

    Returns a dict: 'halving' (HalvingResult), 'random' (SearchResult), 'halving_epochs' and
    'random_epochs' (int, total epochs each spent).
    """
    halving = successive_halving(fn, ranges, n_trials, min_epochs, max_epochs, eta, seed=seed,
                                 executor=executor, progress=progress, score=score, fixed=fixed,
                                 mode=mode, budget_name=budget_name)
    n_random = max(1, halving.epochs_spent // halving.budgets[-1])
    random = random_search(fn, ranges, n_random, seed=seed, executor=executor, progress=progress,
                           score=score, fixed=fixed, mode=mode,
                           trial_kwargs={budget_name: halving.budgets[-1]})
    return {"halving": halving, "random": random, "halving_epochs": halving.epochs_spent,
            "random_epochs": n_random * halving.budgets[-1]}
