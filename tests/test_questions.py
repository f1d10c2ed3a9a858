"""The concept questions at the end of every notebook: 5-8 each, asked in the notebook, answered only on request."""
import json
from pathlib import Path

import pytest

from dlhelpers.exercises import answer, questions
from dlhelpers.exercises.questions import NOTEBOOKS, question_bank

ROOT = Path(__file__).resolve().parents[1]


def notebook(nb):
    path = next((ROOT / "notebooks").glob(f"{nb}_*.ipynb"))
    return json.loads(path.read_text())


def stored_text(nb):
    """Every markdown cell and every stored text output of the notebook."""
    parts = []
    for cell in notebook(nb)["cells"]:
        if cell["cell_type"] == "markdown":
            parts.append("".join(cell["source"]))
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


@pytest.mark.parametrize("nb", NOTEBOOKS)
def test_each_notebook_asks_five_to_eight_questions_and_shows_no_answer(nb):
    bank = question_bank(nb)
    assert 5 <= len(bank) <= 8
    assert all(isinstance(q, str) and isinstance(a, str) and q.strip() and len(a) > 40 for q, a in bank)
    sources = ["".join(c["source"]) for c in notebook(nb)["cells"] if c["cell_type"] == "code"]
    assert any(f'questions("{nb}")' in s or f"questions('{nb}')" in s for s in sources)
    text = stored_text(nb)
    assert f"{nb}.{len(bank)}  {bank[-1][0]}" in text, "the questions cell's stored output"
    for _, a in bank:
        assert a not in text and a[:60] not in text


def test_questions_print_numbered_and_answer_prints_one(capsys):
    questions("01")
    out = capsys.readouterr().out
    bank = question_bank("01")
    assert out.startswith(f"01.1  {bank[0][0]}") and bank[0][1] not in out
    answer("01.2")
    assert bank[1][1] in capsys.readouterr().out


@pytest.mark.parametrize("key, match", [("5.3", "look like '05.3'"), (5.3, "look like"), ("07.1", "one of 01"),
                                        ("01.0", "01.1 to"), ("01.99", "01.1 to"), (None, "look like")])
def test_a_bad_key_names_the_argument_and_the_form(key, match):
    with pytest.raises(ValueError, match=match):
        answer(key)


@pytest.mark.parametrize("nb", [5, "5", "07", None])
def test_a_bad_notebook_is_refused(nb):
    with pytest.raises(ValueError, match="nb must be a notebook number"):
        questions(nb)
