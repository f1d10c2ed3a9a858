"""Shared machinery of the exercise checkers: run a reader's code next to the reference and say
precisely what differs, without ever printing the reference or a whole array.

A check never answers just False: it prints which test input failed (shapes only), the first
element that differs, the likely mistake and the first hint. A stub (a function or class whose
body is ``...``, ``pass``, ``return None`` or ``raise NotImplementedError``) is reported as
"not attempted yet" with the first hint, identically on every run, so a stored notebook of stubs
passes a strict output comparison.
"""
import ast
import contextlib
import copy
import functools
import inspect
import signal
import textwrap
import threading

import numpy as np

from .hints import first_hint

#: Longest error text quoted from a reader's exception (longer texts are cut, never dumped).
MAX_ERROR_CHARS = 160
#: Seconds a check may spend in the reader's code before it is stopped as an endless loop.
TIME_LIMIT = 5.0
#: Lists of at most this many numbers are shown in full when a test input is reported.
MAX_LISTED = 60


class CheckResult:
    """Outcome of a check: ``passed`` (bool), ``attempted`` (bool) and ``message`` (what a reader sees)."""

    def __init__(self, passed, message, attempted=True):
        self.passed = bool(passed)
        self.attempted = bool(attempted)
        self.message = message

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return self.message

    def _repr_pretty_(self, p, cycle):
        p.text(self.message)


class Raised:
    """Stands for "the reader's code raised ``err``" so that diagnoses can name the mistake."""

    def __init__(self, err):
        self.err = err

    def __repr__(self):
        return f"an error: {short_error(self.err)}"


def short_error(err):
    """``TypeName: first line of the message``, cut to :data:`MAX_ERROR_CHARS`."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    if len(text) > MAX_ERROR_CHARS:
        text = text[:MAX_ERROR_CHARS] + " ..."
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def catching(fn):
    """``fn`` wrapped so that an exception becomes a :class:`Raised` value (NotImplementedError passes)."""
    def wrapped(*args):
        try:
            return fn(*args)
        except NotImplementedError:
            raise
        except Exception as err:  # turned into a diagnosis instead of a bare traceback
            return Raised(err)
    wrapped.__name__ = getattr(fn, "__name__", "your function")
    return wrapped


def close(a, b, rtol=1e-5, atol=1e-8):
    """True if ``a`` and ``b`` are arrays/numbers of the same shape and all close; never raises."""
    if a is None or b is None or isinstance(a, Raised) or isinstance(b, Raised):
        return False
    try:
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def part(value, i, n):
    """Element ``i`` of ``value`` if it is a tuple or list of length ``n``, else None."""
    return value[i] if isinstance(value, (tuple, list)) and len(value) == n else None


# --------------------------------------------------------------------------- stubs
def _trivial_body(body):
    """True if a function body (list of AST statements) does nothing: docstring, pass, ...,
    ``return`` / ``return None`` or ``raise NotImplementedError``."""
    for i, stmt in enumerate(body):
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and (
                stmt.value.value is Ellipsis or (i == 0 and isinstance(stmt.value.value, str))):
            continue
        if isinstance(stmt, ast.Return) and (stmt.value is None or (
                isinstance(stmt.value, ast.Constant) and stmt.value.value is None)):
            continue
        if isinstance(stmt, ast.Raise) and stmt.exc is not None:
            exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                continue
        return False
    return True


def _function_is_stub(fn):
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None  # e.g. a lambda inside a larger statement
    return node


def is_stub(obj):
    """True if ``obj`` (a function or a class) is an unfilled exercise stub, judged from its source.

    A function is a stub if its body does nothing (docstring, ``pass``, ``...``, ``return None``,
    ``raise NotImplementedError``). A class is a stub if its own methods other than ``__init__``
    all do nothing, or its ``__init__`` does nothing but raise. Methods are read one by one, which
    works for classes defined in a notebook cell too. Objects without readable source (lambdas
    inside an expression, built-ins) are never stubs; a stub there still shows when it raises
    NotImplementedError.
    """
    if inspect.isclass(obj):
        methods = {name: f for name, f in vars(obj).items() if inspect.isfunction(f)}
        nodes = {name: _function_is_stub(f) for name, f in methods.items()}
        if any(node is None for node in nodes.values()):
            return False
        init = nodes.get("__init__")
        if init is not None and _trivial_body(init.body) and any(isinstance(s, ast.Raise) for s in init.body):
            return True
        others = [node for name, node in nodes.items() if name != "__init__"]
        return bool(others) and all(_trivial_body(node.body) for node in others)
    if inspect.isfunction(obj) or inspect.ismethod(obj):
        node = _function_is_stub(obj)
        return node is not None and _trivial_body(node.body)
    return False


def is_library_object(obj):
    """True if ``obj`` is the course library's own function or class (not an exercise's reference):
    what a name still holds when the reader skipped the stub cell (01 imports its losses)."""
    module = getattr(obj, "__module__", "") or ""
    return module.startswith("dlhelpers.") and not module.startswith("dlhelpers.exercises")


def library_refused(obj, name, exercise=None):
    """The verdict for the library's own object passed to a check."""
    where = f"{obj.__module__}.{getattr(obj, '__qualname__', name)}"
    return report(False, name, [f"✘ {name} is the library's own {where}, not your code: run your exercise "
                                "cell (the one that defines it) first, then this check."], exercise)


def require_callable(obj, name):
    """Raise TypeError unless ``obj`` (what the reader passed to a checker) can be called."""
    if not callable(obj):
        raise TypeError(f"the checker expects your {name} itself (a function or class, passed without "
                        f"calling it), got {describe(obj)}")


def _has_source(obj):
    """True if the source of ``obj`` (function, or every method of a class) can be read."""
    if inspect.isclass(obj):
        methods = [f for f in vars(obj).values() if inspect.isfunction(f)]
        return bool(methods) and all(_function_is_stub(f) is not None for f in methods)
    return (inspect.isfunction(obj) or inspect.ismethod(obj)) and _function_is_stub(obj) is not None


def still_raises(obj, name, exercise=None):
    """The result for code that raised NotImplementedError although it is not a bare stub.

    ``obj`` is the reader's function or class. If its source is readable (so :func:`is_stub` could
    judge it and found real code), the reader wrote something and still reaches a leftover
    ``raise NotImplementedError``: that is said plainly. Otherwise it counts as not attempted.
    """
    if obj is not None and _has_source(obj):
        return report(False, name, [f"✘ {name}: your code still reaches `raise NotImplementedError`.",
                                    "Delete the stub's `raise NotImplementedError` line (or the branch "
                                    "that raises it) once your code is written above it."], exercise)
    return not_attempted(name, exercise)


def not_attempted(name, exercise=None):
    """The deterministic "not attempted yet" result for exercise ``exercise`` (default ``name``)."""
    exercise = exercise or name
    message = (f"○ {name}: not attempted yet.\n"
               f"  Hint 1: {first_hint(exercise)}\n"
               f"  More help: hint({exercise!r}, 2), hint({exercise!r}, 3); the answer: solution({exercise!r})")
    result = CheckResult(False, message, attempted=False)
    print(result)
    return result


def report(passed, name, lines, exercise=None):
    """Print and return a verdict: ``lines`` under a ✔/✘ headline; failures end with hint 1."""
    exercise = exercise or name
    body = list(lines)
    if not passed:
        body.append(f"Hint: {first_hint(exercise)}  (more: hint({exercise!r}, 2))")
    text = "\n".join([body[0]] + ["  " + line for line in body[1:]]) if body else name
    result = CheckResult(passed, text)
    print(result)
    return result


# --------------------------------------------------------------------------- time limit
class TimeLimitExceeded(BaseException):
    """Raised inside the reader's code when a check runs out of time (a BaseException, so that an
    ``except Exception`` in the reader's code cannot swallow it)."""


_LIMIT = {"depth": 0}


@contextlib.contextmanager
def time_limit(seconds=TIME_LIMIT):
    """Stop the enclosed code with :class:`TimeLimitExceeded` after ``seconds`` (wall clock).

    Works where signals do (the main thread on Linux and macOS: Jupyter kernels, pytest); elsewhere
    the code runs without a limit. Nested limits share the outermost one.
    """
    usable = (seconds is not None and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable or _LIMIT["depth"]:
        _LIMIT["depth"] += 1
        try:
            yield
        finally:
            _LIMIT["depth"] -= 1
        return

    def stop(signum, frame):
        raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    _LIMIT["depth"] += 1
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _LIMIT["depth"] -= 1


def timed_out(name, seconds, exercise=None):
    """The verdict for code stopped by :func:`time_limit`."""
    return report(False, name, [f"✘ {name}: still running after {seconds:g} s, so the check stopped it.",
                                "Likely mistake: an endless loop (a `while` condition that never becomes "
                                "false, e.g. one that a value can never leave)."], exercise)


def limited(exercise, seconds=None):
    """Decorator for a ``check_*(obj, ...)`` function: the whole check runs under :func:`time_limit`
    (``seconds``, default :data:`TIME_LIMIT` when called),
    and a leftover ``raise NotImplementedError`` reached in the reader's ``obj`` is reported as such."""
    def decorate(check):
        @functools.wraps(check)
        def wrapped(obj, *args, **kwargs):
            name = getattr(obj, "__name__", exercise)
            limit = TIME_LIMIT if seconds is None else seconds
            try:
                with time_limit(limit):
                    return check(obj, *args, **kwargs)
            except TimeLimitExceeded:
                return timed_out(name, limit, exercise)
            except NotImplementedError:
                return still_raises(obj, name, exercise)
        return wrapped
    return decorate


# --------------------------------------------------------------------------- inputs the reader passed in
def changed_input(before, after, names):
    """Name of the first argument the reader's code changed in place, or None.

    ``before`` is a deep copy of the arguments taken before the call, ``after`` the arguments the
    call received; arrays are compared exactly (NaN equal to NaN), containers element by element.
    """
    for i, (b, a) in enumerate(zip(before, after)):
        label = names[i] if i < len(names) else f"argument {i + 1}"
        where = _changed_where(b, a)
        if where is not None:
            return label + where
    return None


def _changed_where(b, a):
    """'' if ``a`` differs from ``b`` at the top, '[key]...' for a nested difference, None if equal."""
    if isinstance(b, np.ndarray):
        same = (isinstance(a, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype
                and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        return None if same else ""
    if isinstance(b, dict):
        if not isinstance(a, dict) or set(a) != set(b):
            return ""
        for key in b:
            inner = _changed_where(b[key], a[key])
            if inner is not None:
                return f"[{key!r}]{inner}"
        return None
    if isinstance(b, (list, tuple)):
        if type(a) is not type(b) or len(a) != len(b):
            return ""
        for i, (bi, ai) in enumerate(zip(b, a)):
            inner = _changed_where(bi, ai)
            if inner is not None:
                return f"[{i}]{inner}"
        return None
    if hasattr(b, "__dict__") and not isinstance(b, type) and not isinstance(b, np.random.Generator):
        return _changed_where(vars(b), vars(a)) if hasattr(a, "__dict__") else ""
    return None


def in_place_line(label):
    """The failure line for an input changed in place."""
    base = label.split("[")[0]
    return (f"your code changed its input `{label}` in place; the caller's array must come back "
            f"unchanged (in a network it is the previous layer's output). Compute new arrays "
            f"(`d = {base} - ...`, `{base} * mask`) instead of `{base} -= ...`, `{base}[...] = ...` or `{base} /= ...`.")


def argument_names(fn, n):
    """Parameter names of ``fn`` (the first ``n``), or an empty list when they cannot be read."""
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return []
    return names[:n]


# --------------------------------------------------------------------------- comparing values
def describe(value):
    """A one-line description of a value: its type and shape, never its contents."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}, dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        if 0 < len(value) <= MAX_LISTED and all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                                                for v in value):
            return "[" + ", ".join(f"{float(v):g}" if isinstance(v, (float, np.floating)) else str(v)
                                   for v in value) + "]"
        return f"{type(value).__name__} of {len(value)} values"
    if isinstance(value, Raised):
        return repr(value)
    if type(value).__repr__ not in (int.__repr__, float.__repr__, bool.__repr__, object.__repr__) and \
            not isinstance(value, np.number) and type(value).__module__ != "builtins":
        return repr(value)  # the checkers' own input records describe themselves
    if isinstance(value, (int, float, np.number, bool, type(None))):
        return str(value)
    if type(value).__repr__ is not object.__repr__:  # the checkers' own input records describe themselves
        return repr(value)
    return type(value).__name__


def _first_difference(got, expected, rtol, atol):
    diff = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=False)
    index = tuple(int(i) for i in np.argwhere(diff)[0]) if np.ndim(diff) else ()
    g = got[index] if index else got
    e = expected[index] if index else expected
    where = f"element {list(index)}" if index else "the value"
    return f"{where} is {float(g):.6g}, expected {float(e):.6g}"


def _is_number(value):
    return (isinstance(value, (int, float, np.number)) and not isinstance(value, bool)) or (
        isinstance(value, np.ndarray) and value.ndim == 0)


def type_problem(got, expected, where="it"):
    """None if ``got`` has the kind of ``expected`` (one rule for every exercise), else what is wrong.

    An array answer must be a NumPy array (a list is refused), a tuple a tuple, a list a list, and a
    number any real number (Python or NumPy scalar, or a 0-d array); containers are compared element by
    element. Values are not compared here.
    """
    if isinstance(expected, np.ndarray) and expected.ndim > 0:
        if isinstance(got, (list, tuple)):
            return (f"{where} returned a {type(got).__name__}; return a NumPy array (compute with array "
                    f"operations, or wrap the result in np.asarray(...))")
        return None
    if isinstance(expected, tuple):
        if isinstance(got, list) and len(got) == len(expected):
            return (f"{where} returned a list of {len(got)} values; return a tuple instead "
                    f"(`return a, b` with a comma, not `return [a, b]`)")
        if not isinstance(got, tuple) or len(got) != len(expected):
            return f"expected {'' if where == 'it' else where + ' to be '}a tuple of {len(expected)} values, got {describe(got)}"
    elif isinstance(expected, list):
        if not isinstance(got, list):
            return f"expected {'' if where == 'it' else where + ' to be '}a list, got {describe(got)}"
        if len(got) != len(expected):
            return None  # the values differ; compare_outputs says how
    else:
        return None
    for i, (g, e) in enumerate(zip(got, expected)):
        label = f"output {i}" if isinstance(expected, tuple) else f"item {i}"
        if isinstance(e, tuple) and isinstance(g, list):
            return f"{label} is a list; make each item a tuple, e.g. (trials, epochs)"
        problem = type_problem(g, e, label)
        if problem:
            return problem
    return None


def compare_outputs(got, expected, rtol=1e-5, atol=1e-7):
    """None if ``got`` matches ``expected`` (arrays, scalars or tuples of them), else one line saying what differs."""
    if isinstance(got, Raised):
        return f"it raised {short_error(got.err)}"
    kind = type_problem(got, expected)
    if kind:
        return kind
    if isinstance(expected, tuple):  # type_problem has checked that got is a tuple of that length
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = compare_outputs(g, e, rtol, atol)
            if problem:
                return f"output {i}: {problem}"
        return None
    if got is None:
        return "the function returned None (is a `return` missing?)"
    if isinstance(got, (tuple, list)) and np.ndim(expected) == 0:
        return f"expected one number, got {describe(got)}"
    try:
        got_arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"expected {describe(expected)}, got {describe(got)}"
    exp_arr = np.asarray(expected, dtype=float)
    if got_arr.shape != exp_arr.shape:
        return f"shape is {got_arr.shape}, expected {exp_arr.shape}"
    if not np.all(np.isfinite(got_arr)) and np.all(np.isfinite(exp_arr)):
        return "the result contains NaN or inf where the reference is finite"
    if not np.allclose(got_arr, exp_arr, rtol=rtol, atol=atol):
        return _first_difference(got_arr, exp_arr, rtol, atol)
    return None


def _copied(args):
    return copy.deepcopy(list(args))


def describe_inputs(args, names):
    """The test inputs on one line, by name where known: ``y = array of shape (4, 10), ...``."""
    parts = []
    for i, a in enumerate(args):
        label = names[i] if i < len(names) else None
        parts.append(f"{label} = {describe(a)}" if label else describe(a))
    return ", ".join(parts)


def check_function(user_fn, reference_fn, make_inputs, name=None, n_trials=5, seed=0,
                   diagnoses=(), rtol=1e-5, atol=1e-7, exercise=None, compare=None, stub_of=None,
                   arg_names=None):
    """Run ``user_fn`` and ``reference_fn`` on the same random inputs and print a verdict.

    Parameters
    ----------
    user_fn, reference_fn : callable(*args)
        ``user_fn`` may raise: the error becomes a :class:`Raised` value that diagnoses can test.
    make_inputs : callable(rng, trial) -> tuple of arguments
        Fresh arguments per trial (each function gets deep copies).
    diagnoses : sequence of (predicate, text)
        ``predicate(got, expected, args)`` returns True when ``got`` shows this known mistake;
        the first that matches is printed (``text`` may be a callable(got, args) -> str). A
        predicate that raises counts as False.
    compare : callable(got, expected, args) -> str or None, optional
        Replaces :func:`compare_outputs` (for answers that may differ legitimately, e.g. in a
        small constant).
    exercise : str
        Key of the exercise in :mod:`dlhelpers.exercises.hints` (default ``name``).
    stub_of : object, optional
        The reader's function or class, to detect an unfilled stub (default ``user_fn``).
    arg_names : list of str, optional
        Names of the test inputs in reports (default: the reference's parameter names).

    Every check, one rule: the reader's code gets deep copies of the inputs, which must come back
    unchanged (an input changed in place fails); the answer must be of the reference's kind
    (:func:`type_problem`); the whole check runs under :data:`TIME_LIMIT` seconds; code that still
    reaches a leftover ``raise NotImplementedError`` is told so.

    Returns
    -------
    CheckResult, also printed.
    """
    name = name or getattr(user_fn, "__name__", "your function")
    exercise = exercise or name
    owner = stub_of if stub_of is not None else user_fn
    require_callable(owner, name)
    if is_stub(owner):
        return not_attempted(name, exercise)
    if is_library_object(owner) and owner is not reference_fn:
        return library_refused(owner, name, exercise)
    user = catching(user_fn)
    rng = np.random.default_rng(seed)
    limit = TIME_LIMIT
    try:
        with time_limit(limit):
            for trial in range(n_trials):
                args = make_inputs(rng, trial)
                names = arg_names if arg_names is not None else argument_names(reference_fn, len(args))
                expected = reference_fn(*_copied(args))
                before, given = _copied(args), _copied(args)
                got = user(*given)
                changed = changed_input(before, given, names)
                if changed is not None:
                    return report(False, name, [f"✘ {name} changed an input in place (test {trial + 1} of {n_trials})",
                                                f"inputs: {describe_inputs(args, names)}",
                                                "Likely mistake: " + in_place_line(changed)], exercise)
                kind = None if isinstance(got, Raised) else type_problem(got, expected)
                problem = kind or (compare(got, expected, args) if compare
                                   else compare_outputs(got, expected, rtol, atol))
                if problem:
                    break
            else:
                problem = None
    except TimeLimitExceeded:
        return timed_out(name, limit, exercise)
    except NotImplementedError:
        return still_raises(owner, name, exercise)
    if problem:
        lines = [f"✘ {name} differs from the reference on test {trial + 1} of {n_trials}",
                 f"inputs: {describe_inputs(args, names)}", problem]
        for predicate, text in diagnoses:
            try:
                matched = predicate(got, expected, args)
            except Exception:
                matched = False
            if matched:
                lines.append("Likely mistake: " + (text(got, args) if callable(text) else text))
                break
        return report(False, name, lines, exercise)
    return report(True, name, [f"✔ {name} matches the reference on {n_trials} random tests."], exercise)
