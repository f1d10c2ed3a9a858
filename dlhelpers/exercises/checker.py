"""Shared machinery of the exercise checkers: run a reader's code next to the reference and say
precisely what differs, without ever printing the reference or a whole array.

A check never answers just False: it prints which test input failed (shapes only), the first
element that differs, the likely mistake and the first hint. A stub (a function or class whose
body is ``...``, ``pass``, ``return None`` or ``raise NotImplementedError``) is reported as
"not attempted yet" with the first hint, identically on every run, so a stored notebook of stubs
passes a strict output comparison.
"""
import ast
import inspect
import textwrap

import numpy as np

from .hints import first_hint

#: Longest error text quoted from a reader's exception (longer texts are cut, never dumped).
MAX_ERROR_CHARS = 160


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


def require_callable(obj, name):
    """Raise TypeError unless ``obj`` (what the reader passed to a checker) can be called."""
    if not callable(obj):
        raise TypeError(f"the checker expects your {name} itself (a function or class, passed without "
                        f"calling it), got {describe(obj)}")


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


# --------------------------------------------------------------------------- comparing values
def describe(value):
    """A one-line description of a value: its type and shape, never its contents."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}, dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of {len(value)} values"
    if isinstance(value, Raised):
        return repr(value)
    if isinstance(value, (int, float, np.number, bool, type(None))):
        return f"{type(value).__name__} {value!r}"
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


def compare_outputs(got, expected, rtol=1e-5, atol=1e-7):
    """None if ``got`` matches ``expected`` (arrays, scalars or tuples of them), else one line saying what differs."""
    if isinstance(got, Raised):
        return f"it raised {short_error(got.err)}"
    if isinstance(expected, tuple):
        if isinstance(got, list) and len(got) == len(expected):
            return (f"it returned a list of {len(got)} values; return a tuple instead "
                    f"(`return a, b` with a comma, not `return [a, b]`)")
        if not isinstance(got, tuple) or len(got) != len(expected):
            return f"expected a tuple of {len(expected)} values, got {describe(got)}"
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
    return [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]


def check_function(user_fn, reference_fn, make_inputs, name=None, n_trials=5, seed=0,
                   diagnoses=(), rtol=1e-5, atol=1e-7, exercise=None, compare=None, stub_of=None):
    """Run ``user_fn`` and ``reference_fn`` on the same random inputs and print a verdict.

    Parameters
    ----------
    user_fn, reference_fn : callable(*args)
        ``user_fn`` may raise: the error becomes a :class:`Raised` value that diagnoses can test.
    make_inputs : callable(rng, trial) -> tuple of arguments
        Fresh arguments per trial (each function gets copies, so in-place edits cannot leak).
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

    Returns
    -------
    CheckResult, also printed.
    """
    name = name or getattr(user_fn, "__name__", "your function")
    exercise = exercise or name
    require_callable(stub_of if stub_of is not None else user_fn, name)
    if is_stub(stub_of if stub_of is not None else user_fn):
        return not_attempted(name, exercise)
    user = catching(user_fn)
    rng = np.random.default_rng(seed)
    for trial in range(n_trials):
        args = make_inputs(rng, trial)
        expected = reference_fn(*_copied(args))
        try:
            got = user(*_copied(args))
        except NotImplementedError:
            return not_attempted(name, exercise)
        problem = compare(got, expected, args) if compare else compare_outputs(got, expected, rtol, atol)
        if problem:
            shapes = ", ".join(describe(a) for a in args)
            lines = [f"✘ {name} differs from the reference on test {trial + 1} of {n_trials}",
                     f"inputs: {shapes}", problem]
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
