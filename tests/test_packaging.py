"""How the course is packaged: what a wheel holds, what an install accepts, the setup cell, the stamp tool."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
import stamp_repo_url as stamp  # noqa: E402

tomllib = pytest.importorskip("tomllib")
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def requirement_names(path):
    names = set()
    for line in Path(path).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[<>=!~\[; ]", line)[0].lower().replace("_", "-"))
    return names


def test_every_subpackage_is_packaged():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "dlhelpers").rglob("__init__.py")}
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"dlhelpers._data": "data"}


def test_dependency_ranges_accept_colab():
    requirements = pytest.importorskip("packaging.requirements")
    deps = {r.name.lower(): r.specifier for r in map(requirements.Requirement, PYPROJECT["project"]["dependencies"])}
    colab = dict(line.split("==") for line in (REPO / "requirements-colab.txt").read_text().splitlines()
                 if line and not line.startswith("#"))
    for name, version in colab.items():
        if name in deps:
            assert deps[name].contains(version), f"{name} {version} (Colab) is outside {deps[name]}"
    assert deps["ipywidgets"].contains("8.1.9") and not deps["ipywidgets"].contains("7.6.0")


def test_a_student_install_has_no_test_tools():
    student = requirement_names(REPO / "requirements.txt")
    assert {"jupyterlab", "ipywidgets", "jupyterlab-widgets", "ipykernel", "numpy", "matplotlib"} <= student
    assert student.isdisjoint({"pytest", "nbval", "dask", "playwright", "voila"})
    assert "voila" in requirement_names(REPO / "requirements-present.txt")
    assert {"pytest", "nbval", "dask", "playwright"} <= requirement_names(REPO / "requirements-dev.txt")


def test_the_course_address_is_unset_and_nothing_is_stale():
    assert stamp.read_repository_url() is None  # set by whoever publishes the course, never guessed
    assert stamp.main(["--check"]) == 0, "run `make stamp-url`"


def first_code_cell(path):
    nb = json.loads(Path(path).read_text())
    return "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_every_notebook_starts_with_the_setup_block(nb):
    source = first_code_cell(nb)
    assert source.startswith(stamp.MARKER) and source.count(stamp.MARKER) == 1
    assert "COURSE_REPO = None" in source


def test_stamping_an_address_is_idempotent(tmp_path, monkeypatch):
    for name in ("README.md", "pyproject.toml"):
        shutil.copy2(REPO / name, tmp_path / name)
    shutil.copytree(REPO / "notebooks", tmp_path / "notebooks")
    (tmp_path / "pyproject.toml").write_text((tmp_path / "pyproject.toml").read_text().replace(
        '# [project.urls]\n# Repository = "https://github.com/OWNER/REPO"',
        '[project.urls]\nRepository = "https://github.com/someone/course"'))
    monkeypatch.setattr(stamp, "REPO", tmp_path)
    assert stamp.main([]) == 0
    assert stamp.main(["--check"]) == 0  # a second run changes nothing
    for nb in (tmp_path / "notebooks").glob("*.ipynb"):
        source = first_code_cell(nb)
        assert "COURSE_REPO = 'https://github.com/someone/course'  # the course's git address" in source
        assert source.count(stamp.MARKER) == 1
    readme = (tmp_path / "README.md").read_text()
    assert ("[Open in Colab](https://colab.research.google.com/github/someone/course/blob/main/"
            "notebooks/01_loss_and_backprop.ipynb)") in readme
    # outputs and every other cell are left as they were
    for nb in (tmp_path / "notebooks").glob("*.ipynb"):
        new, old = json.loads(nb.read_text()), json.loads((REPO / "notebooks" / nb.name).read_text())
        assert [c.get("outputs") for c in new["cells"]] == [c.get("outputs") for c in old["cells"]]
        assert sum(a["source"] != b["source"] for a, b in zip(new["cells"], old["cells"])) == 1


def run_setup_block(tmp_path, url, colab):
    """Execute the setup block in a fresh interpreter where dlhelpers cannot be imported."""
    code = ("import sys, subprocess\nsys.modules['dlhelpers'] = None\n"
            + ("sys.modules['google.colab'] = type(sys)('google.colab')\n" if colab else "")
            + "def pip(cmd):  # stands in for the real install\n"
              "    print('pip:', *cmd[2:])\n"
              "    sys.modules['dlhelpers'] = type(sys)('dlhelpers')\n"
              "subprocess.check_call = pip\n"
            + stamp.setup_block(url) + "print('imported', dlhelpers.__name__)\n")
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_setup_block_outside_colab_says_how_to_install(tmp_path):
    done = run_setup_block(tmp_path, None, colab=False)
    last = done.stderr.strip().splitlines()[-1]
    assert last == ("ModuleNotFoundError: dlhelpers is not installed: in the course's folder run "
                    "`python -m pip install -r requirements.txt` (or `make lab`)")


def test_setup_block_in_colab_without_an_address_says_what_to_do(tmp_path):
    done = run_setup_block(tmp_path, None, colab=True)
    assert done.stderr.strip().splitlines()[-1].endswith(
        "this copy does not know the course's address: run `!pip install git+<the course's git address>`")


def test_setup_block_in_colab_installs_from_the_address(tmp_path):
    done = run_setup_block(tmp_path, "https://github.com/someone/course", colab=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["pip: pip install --quiet git+https://github.com/someone/course",
                                        "imported dlhelpers"]


def test_the_lab_command_serves_the_notebooks_quietly(monkeypatch):
    import lab
    monkeypatch.setattr(lab.os, "geteuid", lambda: 0, raising=False)
    command = lab.lab_command(["--no-browser"])
    assert command[:4] == [sys.executable, "-m", "jupyterlab", str(REPO / "notebooks")]
    assert "--allow-root" in command and command[-1] == "--no-browser"
    assert "--ServerApp.tornado_settings={'ws_ping_timeout': 30000}" in command
    monkeypatch.setattr(lab.os, "geteuid", lambda: 1000, raising=False)
    assert "--allow-root" not in lab.lab_command()
