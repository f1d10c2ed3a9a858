"""Replay a hosted notebook front end's versions (``make test-colab``, also run by CI).

Usage: python tools/test_colab.py [--venv build/venv-colab] [--jobs 2] [notebook ...]

1. A separate virtual environment (kept in build/venv-colab, rebuilt when requirements-colab.txt
   changes) gets Colab's published versions (requirements-colab.txt) plus pytest and nbclient.
2. The course is built as a wheel (from a copy of its sources) and installed there with those
   versions as constraints; the check fails if installing it changed any pinned version.
3. Every notebook is copied alone into an empty folder and executed top to bottom in that
   environment's kernel (two at a time): no repository, no PYTHONPATH, only the installed package.
4. The playground tests (tests/test_playgrounds_*.py) run there against the installed package.
Prints the time each step took.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PINS = REPO / "requirements-colab.txt"
RUNNER = ["pytest>=7.4", "nbclient>=0.10.4", "nbformat>=5.9"]
EXECUTE = """
import sys, time, nbformat
from nbclient import NotebookClient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
start = time.perf_counter()
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
print(f"{time.perf_counter() - start:.1f}")
"""


def step(title):
    print(f"== {title}", flush=True)
    return time.perf_counter()


def run(command, **kwargs):
    kwargs.setdefault("check", True)
    return subprocess.run([str(c) for c in command], **kwargs)


def clean_env():
    """The environment for everything run in the Colab venv: no repository on the import path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")
           and not k.startswith("DLHELPERS_")}
    env["MPLBACKEND"] = "Agg"
    env["PYTHONWARNINGS"] = "ignore::DeprecationWarning"
    return env


def pinned_versions():
    pins = {}
    for line in PINS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def make_venv(folder):
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    stamp = folder / ".pins"
    wanted = PINS.read_text() + "\n".join(RUNNER)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    shutil.rmtree(folder, ignore_errors=True)
    venv.create(folder, with_pip=True)
    run([python, "-m", "pip", "install", "--quiet", "-r", PINS, *RUNNER, "-c", PINS], env=clean_env())
    stamp.write_text(wanted)
    return python


def build_wheel(python, out):
    """The wheel, built from a copy of the sources (no build/ or egg-info left in the repository)."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source"
        source.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(REPO / name, source / name)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "full")
        for name in ("dlhelpers", "data"):
            shutil.copytree(REPO / name, source / name, ignore=ignore)
        run([python, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", out, source], env=clean_env())
    (wheel,) = Path(out).glob("dlhelpers-*.whl")
    return wheel


def installed_versions(python):
    out = run([python, "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True,
              env=clean_env()).stdout
    return {name.lower(): version for name, _, version in
            (line.partition("==") for line in out.splitlines() if "==" in line)}


def run_alone(python, nb):
    """Execute a copy of ``nb`` alone in an empty folder: (name, passed, report)."""
    with tempfile.TemporaryDirectory() as alone:
        copy = Path(alone) / nb.name
        shutil.copy2(nb, copy)
        t = time.perf_counter()
        done = run([python, "-c", EXECUTE, copy, alone], cwd=alone, env=clean_env(), check=False,
                   capture_output=True, text=True)
    if done.returncode:
        return nb.name, False, done.stderr[-3000:]
    return nb.name, True, (f"executed in {done.stdout.strip()} s "
                           f"({time.perf_counter() - t:.0f} s with kernel start)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", default=str(REPO / "build" / "venv-colab"))
    parser.add_argument("--jobs", type=int, default=2,
                        help="notebooks executed at once (default 2: most cells use one core)")
    parser.add_argument("notebooks", nargs="*")
    args = parser.parse_args(argv)
    notebooks = [Path(p).resolve() for p in args.notebooks] or sorted((REPO / "notebooks").glob("*.ipynb"))
    total = time.perf_counter()

    t = step(f"environment with {', '.join(f'{k} {v}' for k, v in pinned_versions().items())}")
    python = make_venv(Path(args.venv))
    print(f"   {time.perf_counter() - t:.0f} s")

    t = step("wheel built and installed")
    with tempfile.TemporaryDirectory() as dist:
        wheel = build_wheel(python, dist)
        run([python, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", wheel], env=clean_env())
        run([python, "-m", "pip", "install", "--quiet", wheel, "-c", PINS], env=clean_env())  # its dependencies
    versions = installed_versions(python)
    changed = {name: (pin, versions.get(name)) for name, pin in pinned_versions().items() if versions.get(name) != pin}
    if changed:
        sys.exit(f"installing the course changed pinned versions (pinned, now): {changed}")
    print(f"   {wheel.name}; pinned versions unchanged; {time.perf_counter() - t:.0f} s")

    t = step(f"every notebook alone in an empty folder, {args.jobs} at a time")
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda nb: run_alone(python, nb), notebooks))
    failures = [name for name, ok, _ in results if not ok]
    for name, ok, report in results:
        print(f"   {name} alone: {report}" if ok else f"FAILED {name} alone:\n{report}")
    print(f"   {time.perf_counter() - t:.0f} s", flush=True)

    t = step("playground tests against the installed package")
    with tempfile.TemporaryDirectory() as tmp:
        for test in [REPO / "tests" / "conftest.py", *sorted((REPO / "tests").glob("test_playgrounds_*.py"))]:
            shutil.copy2(test, tmp)
        done = run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", tmp], cwd=tmp,
                   env=clean_env(), check=False)
    if done.returncode:
        failures.append("playground tests")
    print(f"   {time.perf_counter() - t:.0f} s")
    print(f"test-colab: {'FAILED: ' + ', '.join(failures) if failures else 'passed'} "
          f"in {time.perf_counter() - total:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
