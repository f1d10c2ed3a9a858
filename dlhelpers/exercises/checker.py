"""Compare a reader's function with the reference on random inputs and say precisely what differs.

A check never answers just False: it prints which test input failed, the shapes involved, the
first element that differs, the likely mistake (from the notebook's list of diagnoses) and a hint.
"""
import numpy as np


class CheckResult:
    """Outcome of a check: ``passed`` (bool) and ``message`` (what a reader sees)."""

    def __init__(self, passed, message):
        self.passed = bool(passed)
        self.message = message

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return self.message

    def _repr_pretty_(self, p, cycle):
        p.text(self.message)


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}, dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"


def _first_difference(got, expected, rtol, atol):
    diff = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=False)
    index = tuple(int(i) for i in np.argwhere(diff)[0]) if np.ndim(diff) else ()
    g = got[index] if index else got
    e = expected[index] if index else expected
    where = f"element {list(index)}" if index else "the value"
    return f"{where} is {float(g):.6g}, expected {float(e):.6g}"


def compare_outputs(got, expected, rtol=1e-5, atol=1e-7):
    """None if ``got`` matches ``expected`` (arrays, scalars or tuples of them), else what differs."""
    if isinstance(expected, tuple):
        if not isinstance(got, tuple) or len(got) != len(expected):
            return f"expected a tuple of {len(expected)} values, got {_describe(got)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = compare_outputs(g, e, rtol, atol)
            if problem:
                return f"output {i}: {problem}"
        return None
    if got is None:
        return "the function returned None (is a `return` missing?)"
    got_arr = np.asarray(got, dtype=float) if np.isscalar(got) or isinstance(got, (list, np.ndarray, np.generic)) else None
    if got_arr is None:
        return f"expected {_describe(expected)}, got {_describe(got)}"
    exp_arr = np.asarray(expected, dtype=float)
    if got_arr.shape != exp_arr.shape:
        return f"shape is {got_arr.shape}, expected {exp_arr.shape}"
    if not np.all(np.isfinite(got_arr)) and np.all(np.isfinite(exp_arr)):
        return "the result contains NaN or inf where the reference is finite"
    if not np.allclose(got_arr, exp_arr, rtol=rtol, atol=atol):
        return _first_difference(got_arr, exp_arr, rtol, atol)
    return None


def check_function(user_fn, reference_fn, make_inputs, name=None, n_trials=5, seed=0,
                   diagnoses=(), hint="", rtol=1e-5, atol=1e-7):
    """Run ``user_fn`` and ``reference_fn`` on the same random inputs and report.

    Parameters
    ----------
    make_inputs : callable(rng, trial) -> tuple of arguments
        Fresh arguments per trial (the reader's function gets copies, so in-place edits cannot
        leak into the reference run).
    diagnoses : sequence of (predicate, text)
        ``predicate(got, expected, args)`` returns True when ``got`` shows this known mistake.
    hint : str
        Printed after a failure.

    Returns
    -------
    CheckResult, also printed.
    """
    name = name or getattr(user_fn, "__name__", "your function")
    rng = np.random.default_rng(seed)
    for trial in range(n_trials):
        args = make_inputs(rng, trial)
        expected = reference_fn(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
        try:
            got = user_fn(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
        except Exception as err:
            shapes = ", ".join(_describe(a) for a in args)
            result = CheckResult(False, f"✘ {name} raised {type(err).__name__}: {err}\n"
                                        f"  on inputs: {shapes}\n  Hint: {hint}".rstrip())
            print(result)
            return result
        problem = compare_outputs(got, expected, rtol, atol)
        if problem:
            shapes = ", ".join(_describe(a) for a in args)
            lines = [f"✘ {name} differs from the reference on test {trial + 1} of {n_trials}",
                     f"  inputs: {shapes}", f"  {problem}"]
            for predicate, text in diagnoses:
                try:
                    if predicate(got, expected, args):
                        lines.append(f"  Likely mistake: {text}")
                        break
                except Exception:
                    continue
            if hint:
                lines.append(f"  Hint: {hint}")
            result = CheckResult(False, "\n".join(lines))
            print(result)
            return result
    result = CheckResult(True, f"✔ {name} matches the reference on {n_trials} random tests.")
    print(result)
    return result
