"""The notebooks' experiments as functions: each computes what a figure shows; nothing here draws.

Notebooks call these, and ``tests/test_claims_*.py`` asserts what the notebooks claim using the
very same functions, so a notebook and its test cannot drift apart. The figures and playgrounds
that show the results live in :mod:`dlhelpers.figures` (one module per notebook), so a worker
process that runs a trial imports neither pyplot nor ipywidgets.

:func:`code_of` is the one printer of package source the notebooks use.
"""
import ast
import inspect
import textwrap

__all__ = ["code_of"]


def pyplot():
    """``matplotlib.pyplot``, imported on first use (kept only while figures still live here)."""
    import matplotlib.pyplot as plt
    return plt


def code_of(obj):
    """The source of a function or class without its docstring, dedented (for printing in a notebook).

    Parameters
    ----------
    obj : function, method or class

    Returns
    -------
    str
    """
    if not (inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isclass(obj)):
        raise TypeError(f"code_of needs a function, method or class, got {type(obj).__name__}")
    source = textwrap.dedent(inspect.getsource(obj))
    lines = source.splitlines()
    drop = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
                    and isinstance(first.value.value, str):
                drop.update(range(first.lineno - 1, first.end_lineno))
    return "\n".join(line for i, line in enumerate(lines) if i not in drop).rstrip() + "\n"
