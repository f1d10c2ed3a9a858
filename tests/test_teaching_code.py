"""The notebooks show the code that teaches: every experiment a notebook calls is printed, tied or plumbing.

Each ``dlhelpers.experiments`` module declares ``SHOWN``: for every function a notebook calls,

- ``"printed"``: the notebook prints it with ``code_of`` (where the lesson is taught);
- ``"tied"``: the notebook writes the same computation itself and a cell asserts that both agree
  (``np.array_equal``, ``np.allclose`` or ``assert`` in a cell that names the function);
- ``"plumbing"``: data slicing, seeds, caches: nothing a reader learns from.

Functions whose docstring says ``Shown in: notebook NN, section S`` must be called or printed in
that notebook, and the section must exist (d2l's "Defined in" line, made a test).
"""
import ast
import importlib
import inspect
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("0*.ipynb"))
ROLES = ("printed", "tied", "plumbing")
SHOWN_IN = re.compile(r"Shown in: notebook (\d\d), section ([0-9]+[a-z]?(?:\.[0-9]+)?)")


def code_cells(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            src = "".join(cell["source"])
            yield "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines())


def headings(path):
    nb = json.loads(path.read_text())
    return [line for cell in nb["cells"] if cell["cell_type"] == "markdown"
            for line in "".join(cell["source"]).splitlines() if line.startswith("#")]


def experiment_calls(path):
    """{(module, function): [cell source, ...]} for every experiments function the notebook calls."""
    cells = list(code_cells(path))
    aliases, direct = {}, {}
    for src in cells:
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.ImportFrom) and node.module == "dlhelpers.experiments":
                for a in node.names:
                    aliases[a.asname or a.name] = f"dlhelpers.experiments.{a.name}"
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dlhelpers.experiments."):
                for a in node.names:
                    direct[a.asname or a.name] = (node.module, a.name)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("dlhelpers.experiments.") and a.asname:
                        aliases[a.asname] = a.name
    calls = {}
    for src in cells:
        for node in ast.walk(ast.parse(src)):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in aliases:
                key = (aliases[f.value.id], f.attr)
            elif isinstance(f, ast.Name) and f.id in direct:
                key = direct[f.id]
            else:
                continue
            calls.setdefault(key, []).append(src)
    return {k: v for k, v in calls.items() if k[0] in MODULE_NAMES(k)}


def MODULE_NAMES(key):
    """Only the modules' own functions count (code_of and re-imported core names do not)."""
    module = importlib.import_module(key[0])
    obj = getattr(module, key[1], None)
    if obj is None or getattr(obj, "__module__", None) != key[0]:
        return ()
    return (key[0],)


def printed_names(path):
    text = "\n".join(code_cells(path))
    return set(re.findall(r"code_of\(\s*(?:[A-Za-z_]\w*\.)?([A-Za-z_]\w*)", text))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_every_experiment_a_notebook_calls_is_printed_tied_or_plumbing(path):
    printed = printed_names(path)
    problems = []
    for (module_name, name), cells in sorted(experiment_calls(path).items()):
        shown = getattr(importlib.import_module(module_name), "SHOWN", {})
        role = shown.get(name)
        if role not in ROLES:
            problems.append(f"{module_name}.{name}: no SHOWN entry (one of {ROLES})")
        elif role == "printed" and name not in printed:
            problems.append(f"{module_name}.{name}: SHOWN says printed, but no code_of({name}) cell")
        elif role == "tied" and not any(re.search(r"np\.(array_equal|allclose)|\bassert\b", c) for c in cells):
            problems.append(f"{module_name}.{name}: SHOWN says tied, but no cell that calls it asserts agreement")
    assert not problems, "\n".join(problems)


def shown_in_entries():
    import pkgutil

    import dlhelpers
    for info in pkgutil.walk_packages(dlhelpers.__path__, "dlhelpers."):
        if ".figures" in info.name or ".exercises" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == info.name:
                for nb, section in SHOWN_IN.findall(inspect.getdoc(obj) or ""):
                    yield f"{info.name}.{name}", name, nb, section


@pytest.mark.parametrize("qualname, name, nb, section", list(shown_in_entries()), ids=lambda v: str(v))
def test_shown_in_names_a_section_that_exists_and_shows_it(qualname, name, nb, section):
    path = next((p for p in NOTEBOOKS if p.name.startswith(nb)), None)
    assert path is not None, f"{qualname}: no notebook {nb}"
    assert any(re.match(rf"#+ {re.escape(section)}[.\s]", h) for h in headings(path)), \
        f"{qualname}: notebook {nb} has no section {section}"
    assert any(re.search(rf"\b{name}\b", src) for src in code_cells(path)), \
        f"{qualname}: notebook {nb} never uses {name}"
