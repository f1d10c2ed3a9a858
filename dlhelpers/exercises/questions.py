"""Concept questions that close each notebook, with answers only on request.

``questions("05")`` prints notebook 05's questions, numbered ``05.1``, ``05.2``, ...;
``answer("05.3")`` prints the answer to one of them. The questions live in one small module per
notebook (``questions_nb05.py``: ``QUESTIONS``, a list of (question, answer) pairs of str), so a
notebook's stored output shows the questions and never an answer.
"""
import importlib
import re

NOTEBOOKS = ("01", "02", "03", "04", "05", "06")


def _check_notebook(nb, name="nb"):
    if not isinstance(nb, str) or nb not in NOTEBOOKS:
        raise ValueError(f"{name} must be a notebook number as a string, one of {', '.join(NOTEBOOKS)}; got {nb!r}")
    return nb


def question_bank(nb):
    """The (question, answer) pairs of notebook ``nb`` ('01' ... '06')."""
    module = importlib.import_module(f"{__package__}.questions_nb{_check_notebook(nb)}")
    return list(module.QUESTIONS)


def questions(nb):
    """Print notebook ``nb``'s concept questions, numbered 'nb.1', 'nb.2', ... (no answers)."""
    bank = question_bank(nb)
    for i, (question, _) in enumerate(bank, start=1):
        print(f"{nb}.{i}  {question}")
    print(f"\nThink each one through, then compare: answer('{nb}.1') ... answer('{nb}.{len(bank)}').")


def answer(key):
    """Print the answer to question ``key``, e.g. '05.3' (notebook 05, question 3)."""
    match = re.fullmatch(r"(\d\d)\.(\d+)", key) if isinstance(key, str) else None
    if match is None:
        raise ValueError(f"key must look like '05.3' (notebook 05, question 3), got {key!r}")
    nb, number = match.group(1), int(match.group(2))
    bank = question_bank(_check_notebook(nb, "key's notebook"))
    if not 1 <= number <= len(bank):
        raise ValueError(f"notebook {nb} has questions {nb}.1 to {nb}.{len(bank)}; got key {key!r}")
    question, text = bank[number - 1]
    print(f"{key}  {question}\n\n{text}")
