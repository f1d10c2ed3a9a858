"""Checkers for notebook 06 (hyperparameter search): log-uniform draws, narrowing a range
around the best trials, the update-to-weight ratio, and the open task, the successive-halving
schedule and the open task's second half, successive halving with resumed training
(:func:`check_resumed_halving`). Each ``check_*`` prints a verdict.

The log-uniform exercise is called ``log_uniform_draws(rng, low_exp, high_exp, n)`` so that it
does not shadow :func:`dlhelpers.search.sample_log_uniform` (which takes a dict of ranges);
:func:`check_sample_log_uniform` remains as the old name of :func:`check_log_uniform_draws`.
"""
import inspect

import numpy as np

from .. import search
from . import checker
from . import references as ref
from .checker import (Raised, TimeLimitExceeded, catching, check_function, close, is_stub, not_attempted, report,
                      require_callable, short_error, still_raises, time_limit, timed_out, type_problem)




# ----------------------------------------------------------------------------- inputs
class _Seed(int):
    """A generator's seed that reports itself as the generator the reader's function receives."""

    def __repr__(self):
        return f"np.random.default_rng({int(self)})"


def _sample_inputs(rng, trial):
    low = float(rng.integers(-8, -3))
    return _Seed(rng.integers(0, 10_000)), low, low + float(rng.integers(1, 5)), int(rng.integers(5, 30))


def _with_rng(fn):
    def call(seed, low_exp, high_exp, n):
        return fn(np.random.default_rng(int(seed)), low_exp, high_exp, n)
    call.__name__ = getattr(fn, "__name__", "log_uniform_draws")
    return call


def _narrow_inputs(rng, trial):
    n = int(rng.integers(12, 40))
    values = 10.0 ** rng.uniform(-6, -1, n)
    scores = np.round(rng.uniform(0.1, 0.9, n), 3)
    return values, scores, int(rng.integers(3, 7)), float(rng.choice([0.25, 0.5]))


def _ratio_inputs(rng, trial):
    shape = (int(rng.integers(3, 9)), int(rng.integers(3, 9)))
    W = rng.standard_normal(shape) * rng.uniform(0.05, 1.0)
    return W, W - rng.uniform(1e-4, 1e-2) * rng.standard_normal(shape)


def _close(a, b):
    """Relative closeness only: these values span many decades."""
    return close(a, b, rtol=1e-6, atol=0)


# ----------------------------------------------------------------------------- checkers
def check_log_uniform_draws(fn):
    """Check ``fn(rng, low_exp, high_exp, n)`` -> n log-uniform values (one rng.uniform call)."""
    def rng_of(a):
        return np.random.default_rng(a[0])

    diagnoses = [
        (lambda got, exp, a: _close(got, rng_of(a).uniform(10.0 ** a[1], 10.0 ** a[2], a[3])),
         "uniform in the VALUE, not in the exponent: almost every sample lands in the top decade. "
         "Draw the exponent uniformly, then raise 10 to it."),
        (lambda got, exp, a: _close(got, rng_of(a).uniform(a[1], a[2], a[3])),
         "these are the exponents; return 10 ** exponent."),
        (lambda got, exp, a: _close(got, np.exp(rng_of(a).uniform(a[1], a[2], a[3]))),
         "np.exp uses base e; the exponents are powers of 10: use 10.0 ** exponent."),
    ]
    name = getattr(fn, "__name__", "log_uniform_draws")
    return check_function(_with_rng(fn), _with_rng(ref.log_uniform_draws), _sample_inputs,
                          name=name, diagnoses=diagnoses, exercise="log_uniform_draws", stub_of=fn,
                          arg_names=["rng", "low_exp", "high_exp", "n"])


#: The exercise's former name (it shadowed :func:`dlhelpers.search.sample_log_uniform`).
check_sample_log_uniform = check_log_uniform_draws


def check_narrow_range(fn):
    """Check ``fn(values, scores, top_k, margin)`` -> (low, high)."""
    def best_logs(a, worst=False):
        order = np.argsort(a[1] if worst else -a[1], kind="stable")[:a[2]]
        return np.log10(a[0][order])

    diagnoses = [
        (lambda got, exp, a: _close(got, (10.0 ** (best_logs(a, True).min() - a[3]),
                                          10.0 ** (best_logs(a, True).max() + a[3]))),
         "that is the range of the LOWEST scores: sort by descending score (higher is better)."),
        (lambda got, exp, a: _close(got, (10.0 ** best_logs(a).min(), 10.0 ** best_logs(a).max())),
         "the margin is missing: pad by `margin` decades on each side, so the next round also "
         "looks a little beyond the best trials."),
        (lambda got, exp, a: _close(got, (10.0 ** best_logs(a).min() - a[3], 10.0 ** best_logs(a).max() + a[3])),
         "the margin is added to the values; it is in decades: subtract/add it to log10 of the values."),
        (lambda got, exp, a: _close(got, (best_logs(a).min() - a[3], best_logs(a).max() + a[3])),
         "these are exponents; return the values 10 ** (log10(min) - margin) and 10 ** (log10(max) + margin)."),
    ]
    return check_function(fn, ref.narrow_range, _narrow_inputs, name="narrow_range", diagnoses=diagnoses)


def check_update_ratio(fn):
    """Check ``fn(W_before, W_after)`` -> ||W_after - W_before|| / ||W_before||."""
    diagnoses = [
        (lambda got, exp, a: _close(got, np.linalg.norm(a[0]) / np.linalg.norm(a[1] - a[0])),
         "the ratio is upside down: the size of the update divided by the size of the weights."),
        (lambda got, exp, a: _close(got, np.linalg.norm(a[1] - a[0]) / np.linalg.norm(a[1])),
         "divided by the weights AFTER the update; divide by the weights the update was applied to.",),
        (lambda got, exp, a: _close(got, np.mean(np.abs(a[1] - a[0]) / np.abs(a[0]))),
         "that is an average of per-element ratios; take the norm of the whole update over the norm of W."),
        (lambda got, exp, a: _close(got, np.sum((a[1] - a[0]) ** 2) / np.sum(a[0] ** 2)),
         "squared norms: take the square root of each sum (np.linalg.norm does it)."),
    ]
    return check_function(fn, ref.update_ratio, _ratio_inputs, name="update_ratio", diagnoses=diagnoses)


# ----------------------------------------------------------------------------- open task: successive halving
#: (n_trials, reduction_factor, min_epochs, max_epochs); (2, 3, 1, 27) has no second rung (2 // 3 = 0 trials).
HALVING_CASES = ((27, 3, 1, 27), (20, 2, 1, 8), (10, 3, 2, 100), (81, 3, 1, 81), (16, 4, 5, 50),
                 (9, 3, 1, 2), (1, 2, 3, 30), (50, 2, 2, 1000), (2, 3, 1, 27))


def _library_form(fn):
    """True if ``fn`` takes the library's arguments (n_trials, min_epochs, max_epochs, eta) and so
    returns (sizes, budgets); False for the form (n_trials, reduction_factor, min_epochs, max_epochs)
    returning a list of (trials, epochs) rungs."""
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return False
    return "eta" in names or (len(names) >= 2 and names[1] == "min_epochs")


def _halving_variant(n_trials, reduction_factor, min_epochs, max_epochs, ceil=False, zero_ok=False,
                     raise_last=True, capped=False, cumulative=False, swapped=False):
    """The rungs under :func:`dlhelpers.search.halving_schedule`'s rule, or under a known misreading."""
    sizes, budgets = [n_trials], [min_epochs]
    for _ in range(100):
        n, e = sizes[-1], budgets[-1]
        nxt = -(-n // reduction_factor) if ceil else n // reduction_factor
        if capped:  # the capped reading: go on until one trial or max_epochs, capping the epochs
            if n <= 1 or e >= max_epochs:
                break
            sizes.append(max(1, nxt))
            budgets.append(min(max_epochs, e * reduction_factor))
            continue
        if e * reduction_factor > max_epochs or (nxt < 1 and not zero_ok) or n == 0:
            break
        sizes.append(nxt)
        budgets.append(e * reduction_factor)
    if raise_last and not capped:
        budgets[-1] = max_epochs
    if cumulative:
        budgets = list(np.cumsum(budgets))
    rungs = list(zip(sizes, budgets))
    return [(b, s) for s, b in rungs] if swapped else rungs


def _rungs(got, library_form):
    """The reader's schedule as a list of (int, int) rungs, or None if it cannot be read as one."""
    try:
        if library_form:
            sizes, budgets = got
            if len(sizes) != len(budgets):
                return None
            got = zip(sizes, budgets)
        rungs = [tuple(rung) for rung in got]
        if any(len(r) != 2 for r in rungs):
            return None
        return [(int(a), int(b)) for a, b in rungs]
    except (TypeError, ValueError):
        return None


def _compare_schedule(library_form):
    def compare(got, expected, args):
        if got is None:
            return "the function returned None (is a `return` missing?)"
        kind = type_problem(got, expected)
        if kind:
            return kind
        rungs = _rungs(got, library_form)
        if rungs is None:
            return ("expected (sizes, budgets): two lists of the same length" if library_form
                    else "expected a list of (trials, epochs) pairs, one per rung")
        want = _rungs(expected, library_form)
        if rungs == want:
            return None
        if len(rungs) != len(want):
            return f"{len(rungs)} rungs {rungs}, expected {len(want)}"
        i = next(i for i, (g, e) in enumerate(zip(rungs, want)) if g != e)
        return f"rung {i} is {rungs[i]}, expected {want[i]} (trials, epochs)"
    return compare


def check_halving_schedule(fn):
    """Check a successive-halving schedule against :func:`dlhelpers.search.halving_schedule` (the one
    rule of the course: rungs continue while eta times the budget fits within max_epochs and at least
    one trial is left; the last rung's budget is raised to max_epochs).

    Two forms are accepted: ``fn(n_trials, min_epochs, max_epochs, eta) -> (sizes, budgets)`` (the
    library's own form, two lists of int), or ``fn(n_trials, reduction_factor, min_epochs, max_epochs)``
    -> list of (trials, epochs) tuples.
    """
    library_form = _library_form(fn)
    if library_form:
        reference = search.halving_schedule  # the rule, itself

        def inputs(rng, trial):
            n, eta, lo, hi = HALVING_CASES[trial]
            return n, lo, hi, eta

        def as_case(a):
            return (a[0], a[3], a[1], a[2])
        names = ["n_trials", "min_epochs", "max_epochs", "eta"]
    else:
        def reference(n_trials, reduction_factor, min_epochs, max_epochs):
            sizes, budgets = search.halving_schedule(n_trials, min_epochs, max_epochs, reduction_factor)
            return list(zip(sizes, budgets))

        def inputs(rng, trial):
            return HALVING_CASES[trial]

        def as_case(a):
            return tuple(a)
        names = ["n_trials", "reduction_factor", "min_epochs", "max_epochs"]

    def like(**kwargs):
        def matches(got, exp, a):
            variant = _halving_variant(*as_case(a), **kwargs)
            return variant != _rungs(exp, library_form) and _rungs(got, library_form) == variant
        return matches

    diagnoses = [
        (like(zero_ok=True), "a rung with 0 trials: n // eta can be 0; the schedule stops before a rung "
                             "would have no trial left."),
        (like(swapped=True), "each rung is (trials, epochs): the number of trials first."),
        (like(ceil=True), "the number of survivors is rounded up; keep the best n // eta (rounded down)."),
        (like(raise_last=False), "the last rung trains for max_epochs: the winner gets the full budget "
                                 "(raise the last rung's epochs to max_epochs)."),
        (like(capped=True), "a rung is added only while eta times the epochs still fits within max_epochs; "
                            "capping the epochs at max_epochs adds rungs the budget does not allow."),
        (like(cumulative=True), "the epochs are cumulative; give the epochs each trial trains at that rung."),
    ]
    return check_function(fn, reference, inputs, name=getattr(fn, "__name__", "halving_schedule"),
                          diagnoses=diagnoses, n_trials=len(HALVING_CASES), compare=_compare_schedule(library_form),
                          exercise="halving_schedule", arg_names=names, stub_of=fn)


# ----------------------------------------------------------------------------- open task: halving with resumed training
#: (n_configs, min_epochs, max_epochs, eta) of the resumed-halving check.
RESUME_CASES = ((27, 1, 27, 3), (10, 2, 100, 3), (16, 1, 8, 2), (5, 1, 9, 3))


class _ToyRuns:
    """Cheap stand-ins for training: a config's score after e epochs is a saturating curve with its own
    ceiling and speed (curves cross, so early rungs can mislead). A state records whose it is and how
    many epochs it holds; every call is logged so the check can see resumed or restarted training."""

    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.ceiling = rng.uniform(0.5, 0.95, n)
        self.speed = rng.uniform(1.0, 20.0, n)
        self.trained = np.zeros(n, dtype=int)   # epochs of training each config received in all
        self.fresh = np.zeros(n, dtype=int)     # how often each started from None
        self.mixed = False                      # a state was handed to another config
        self.configs = [{"id": i, "lr": float(10.0 ** rng.uniform(-4, -1))} for i in range(n)]

    def train(self, config, epochs, state):
        i = config["id"]
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a whole number >= 0, got {epochs!r}")
        if state is None:
            self.fresh[i] += 1
            start = 0
        else:
            if not (isinstance(state, dict) and "config" in state and "epochs" in state):
                raise TypeError(f"state must be what train returned (or None), got {type(state).__name__}")
            if state["config"] != i:
                self.mixed = True
            start = state["epochs"]
        self.trained[i] += int(epochs)
        return {"config": i, "epochs": start + int(epochs)}

    def evaluate(self, config, state):
        i = config["id"]
        e = 0 if state is None else state["epochs"]
        return float(self.ceiling[i] * (1.0 - np.exp(-e / self.speed[i])))


def check_resumed_halving(fn):
    """Check ``fn(configs, train, evaluate, min_epochs, max_epochs, eta) -> (best index, rungs)``:
    successive halving on the schedule of :func:`dlhelpers.search.halving_schedule`, where each
    survivor RESUMES from the state its last ``train`` call returned (``net.get_state()`` in the
    notebook) and trains only the epochs its new budget adds.

    ``train(config, epochs, state)`` trains ``epochs`` more epochs from ``state`` (None: fresh) and
    returns the new state; ``evaluate(config, state)`` gives the validation score (higher is better);
    survivors are the best ``sizes[k + 1]`` of rung k (ties: the lower index); ``rungs`` lists the
    config indices each rung trained. The check runs it on cheap simulated training curves.
    """
    name = getattr(fn, "__name__", "resumed_halving")
    exercise = "resumed_halving"
    require_callable(fn, name)
    if is_stub(fn):
        return not_attempted(name, exercise)
    user = catching(fn)

    def fail(*lines):
        return report(False, name, list(lines), exercise)

    try:
        with time_limit(checker.TIME_LIMIT):
            for trial, (n, lo, hi, eta) in enumerate(RESUME_CASES):
                where = f"test {trial + 1}: {n} configs, min_epochs={lo}, max_epochs={hi}, eta={eta}"
                runs, mine = _ToyRuns(n, seed=trial), _ToyRuns(n, seed=trial)
                expected = ref.resumed_halving(runs.configs, runs.train, runs.evaluate, lo, hi, eta)
                got = user(mine.configs, mine.train, mine.evaluate, lo, hi, eta)
                sizes, budgets = search.halving_schedule(n, lo, hi, eta)
                if isinstance(got, Raised):
                    return fail(f"✘ {name} raised {short_error(got.err)} ({where})",
                                "Likely mistake: call train(config, epochs, state) with the state the previous "
                                "train call returned for that config (None the first time), and "
                                "evaluate(config, state) with the state train returned.")
                if not (isinstance(got, tuple) and len(got) == 2):
                    return fail(f"✘ {name} must return a tuple (best index, rungs); got "
                                f"{type(got).__name__} ({where}).")
                best, rungs = got
                try:
                    rungs = [sorted(int(i) for i in rung) for rung in rungs]
                except (TypeError, ValueError):
                    return fail(f"✘ {name}: rungs must be a list of lists of config indices ({where}).")
                if mine.mixed:
                    return fail(f"✘ {name} resumed a config from another config's state ({where}).",
                                "Likely mistake: keep one state per config (e.g. a dict index -> state).")
                if [len(r) for r in rungs] != sizes:
                    return fail(f"✘ {name} trained {[len(r) for r in rungs]} configs per rung, the schedule says "
                                f"{sizes} ({where}).",
                                "Likely mistake: take the rung sizes and budgets from "
                                "search.halving_schedule(len(configs), min_epochs, max_epochs, eta).")
                if np.any(mine.fresh > 1):
                    total = int(mine.trained.sum())
                    return fail(f"✘ {name} trains survivors from scratch at every rung ({where}): "
                                f"{total} epochs in all, {int(runs.trained.sum())} when each resumes.",
                                "Likely mistake: pass the state a config's last train call returned, and train "
                                "only the epochs its new budget adds (budgets[k] - budgets[k - 1]).")
                last_rung = {i: k for k, rung in enumerate(rungs) for i in rung}
                wrong = [i for i, k in last_rung.items() if mine.trained[i] != budgets[k]]
                if wrong:
                    i = wrong[0]
                    return fail(f"✘ {name}: config {i} reached rung {last_rung[i]} ({budgets[last_rung[i]]} epochs) "
                                f"but was trained {int(mine.trained[i])} epochs in all ({where}).",
                                "Likely mistake: at rung k a survivor holding budgets[k - 1] epochs trains "
                                "budgets[k] - budgets[k - 1] more, not budgets[k].")
                if rungs != expected[1]:
                    k = next(k for k, (g, e) in enumerate(zip(rungs, expected[1])) if g != e)
                    text = ("the survivors are the WORST of the previous rung: keep the highest scores."
                            if k and set(rungs[k]).isdisjoint(expected[1][k]) else
                            "keep the best sizes[k + 1] configs of rung k by their score after that rung's training "
                            "(ties: the lower index).")
                    return fail(f"✘ {name}: rung {k} trained configs {rungs[k]}, expected {expected[1][k]} ({where}).",
                                f"Likely mistake: {text}")
                if best != expected[0]:
                    return fail(f"✘ {name} returned best index {best!r}, expected the config with the highest score "
                                f"in the last rung ({where}).")
    except TimeLimitExceeded:
        return timed_out(name, checker.TIME_LIMIT, exercise)
    except NotImplementedError:
        return still_raises(fn, name, exercise)
    return report(True, name, [f"✔ {name}: the schedule of search.halving_schedule, survivors resumed from their "
                               f"state, the best kept, on {len(RESUME_CASES)} simulated searches."], exercise)
