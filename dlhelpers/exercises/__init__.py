"""Checkers for the notebooks' "Your turn" exercises, one module per notebook (``nb01`` ... ``nb06``).

Each ``check_*`` function runs the reader's code against the reference on fixed random inputs and
prints a verdict: "not attempted yet" with a first hint for an unfilled stub, ✔ for a match, or
✘ with what differs, the likely mistake and a hint. ``hint(name, level)`` gives more help (level
1 the idea, 2 the shape of the answer, 3 the key line) and ``solution(name)`` prints the
reference, which lives in :mod:`dlhelpers.exercises.references` and is shown only when asked.
``questions(nb)`` and ``answer(key)`` are the concept questions that close each notebook.

Rules every check applies the same way (:func:`checker.check_function`): the reader's code gets
copies of the inputs, which must come back unchanged; an answer must be of the reference's kind (a
NumPy array where an array is due, never a list); code that still reaches a leftover
``raise NotImplementedError`` is told so; the check stops the reader's code after
:data:`checker.TIME_LIMIT` seconds (an endless loop); the library's own function is refused.
"""
from .checker import CheckResult, check_function, compare_outputs, is_stub
from .hints import HINTS, hint, solution
from .questions import answer, questions

__all__ = ["CheckResult", "HINTS", "check_function", "compare_outputs", "hint", "is_stub", "questions", "answer", "solution"]
