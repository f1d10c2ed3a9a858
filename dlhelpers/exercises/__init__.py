"""Checkers for the notebooks' "Your turn" exercises, one module per notebook.

Each ``check_*`` function runs the reader's code against the reference solution on random
inputs and prints a specific verdict (see :mod:`dlhelpers.exercises.checker`). Reference
solutions live next to their checkers, not in the notebooks.
"""
from .checker import CheckResult, check_function, compare_outputs

__all__ = ["CheckResult", "check_function", "compare_outputs"]
