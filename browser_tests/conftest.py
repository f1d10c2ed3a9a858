"""Real-browser tests of the notebooks' playgrounds: a Voila server and headless Chromium.

Both are started here, once per session, and stopped in finalizers (Voila's whole process tree,
kernels included), so nothing is left running even when a test fails.

Options (command line or environment):
  --notebook-dir DIR / BROWSER_TEST_NOTEBOOKS   folder with the *.ipynb to test (default notebooks/)
  --max-update-seconds S / BROWSER_TEST_MAX_UPDATE_S   allowed time from Enter to redrawn plot (2.0)
  --max-heavy-update-seconds S / BROWSER_TEST_MAX_HEAVY_UPDATE_S   the same for controls that
                                                retrain much more (epochs, trials, data or batch size) (6.0)
  CHROMIUM=/path/to/chromium                    the browser binary (default: `chromium` on PATH)
Voila is started with tools/present.py's command line, template and voila.json (what instructors
see). Screenshots, the Voila log and timings.json (load and update times, every playground control
found and what changing it did, console warnings, requests) go to artifacts/browser/.
"""
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "artifacts" / "browser"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 # Offline like a classroom without internet, and no waiting on a slow DNS: every
                 # host name fails at once (the page's icon font from a CDN among them); the test
                 # server is addressed by IP.
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
INSTALL_HINT = ("Install Debian's Chromium with `apt-get install chromium` (as root: "
                "`apt-get update && apt-get install -y chromium`), or point the CHROMIUM environment "
                "variable at a Chromium/Chrome binary. Playwright's own browser download is not used.")

TIMINGS = {}  # notebook -> {"load_s": ..., "updates": [{"step": ..., "seconds": ...}, ...]}


def pytest_addoption(parser):
    group = parser.getgroup("browser", "real-browser playground tests")
    group.addoption("--notebook-dir", default=os.environ.get("BROWSER_TEST_NOTEBOOKS",
                                                             str(REPO / "notebooks")),
                    help="folder whose *.ipynb are served by Voila and tested (default notebooks/)")
    group.addoption("--max-update-seconds", type=float,
                    default=float(os.environ.get("BROWSER_TEST_MAX_UPDATE_S", "2.0")),
                    help="longest allowed time from pressing Enter to the redrawn plot (default 2)")
    group.addoption("--max-heavy-update-seconds", type=float,
                    default=float(os.environ.get("BROWSER_TEST_MAX_HEAVY_UPDATE_S", "6.0")),
                    help="the same for controls that retrain much more (epochs, trials, training-set "
                         "size, mini-batch size, layers; see playground_controls.HEAVY_LABELS) "
                         "(default 6)")
    group.addoption("--load-timeout", type=float,
                    default=float(os.environ.get("BROWSER_TEST_LOAD_TIMEOUT_S", "150")),
                    help="seconds Voila may take to execute a notebook and show its playground")


def notebook_dir(config):
    return Path(config.getoption("--notebook-dir")).resolve()


def pytest_generate_tests(metafunc):
    if "notebook" in metafunc.fixturenames:
        names = sorted(p.name for p in notebook_dir(metafunc.config).glob("*.ipynb"))
        if names:
            metafunc.parametrize("notebook", names, scope="module")
        else:
            metafunc.parametrize("notebook", [pytest.param(
                None, marks=pytest.mark.skip(
                    reason=f"no notebooks in {notebook_dir(metafunc.config)}"))], scope="module")


# ----------------------------------------------------------------------------- processes
def _descendants(pid):
    try:
        import psutil
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except Exception:  # psutil missing or the process is already gone
        return []


def _kill_tree(proc, timeout=10.0):
    """SIGTERM Voila's process group (it shuts its kernels down), then SIGKILL whatever is left.

    Kernels run in sessions of their own, so their ids are collected before Voila stops.
    """
    if proc.poll() is not None:
        return
    children = _descendants(proc.pid)
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=timeout)
    deadline = time.monotonic() + timeout
    for pid in children:
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is as good as gone
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def artifacts_dir():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def load_present():
    """tools/present.py as a module: the tests serve the pages the way `make present` does."""
    spec = importlib.util.spec_from_file_location("present", REPO / "tools" / "present.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def voila_server(request, artifacts_dir):
    """Voila serving the notebook folder on 127.0.0.1:<free port>; yields the base URL.

    Started as `make present` starts it (tools/present.py's command line, its course template and
    voila.json), plus tracebacks shown in the page so that a failing cell is visible to the test.
    """
    folder = notebook_dir(request.config)
    present = load_present()
    port = free_port()
    command = present.voila_command(folder, port) + ["--show_tracebacks=True"]
    env = dict(os.environ)
    for var in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH"):
        env[var] = os.pathsep.join(p for p in (str(present.TEMPLATE_ROOT), env.get(var)) if p)
    log_path = artifacts_dir / "voila.log"
    log = open(log_path, "w")
    log.write(f"# {' '.join(command)}\n# JUPYTER_PATH={env['JUPYTER_PATH']}\n")
    log.flush()
    proc = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True, env=env)

    def stop():
        _kill_tree(proc)
        log.close()
    request.addfinalizer(stop)

    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"Voila exited with code {proc.returncode} before serving; its log "
                        f"({log_path}):\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"Voila did not answer on {url} within 60 s; log:\n"
                        f"{log_path.read_text()[-3000:]}")
        time.sleep(0.25)
    return url


def chromium_path():
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium",
                      shutil.which("chromium-browser")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser(request):
    """Headless Debian Chromium driven by Playwright (closed, with its driver, at session end)."""
    path = chromium_path()
    if path is None:
        pytest.fail("Chromium was not found (looked at $CHROMIUM, `chromium` on PATH, "
                    "/usr/bin/chromium). " + INSTALL_HINT, pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("The Python package `playwright` is missing: "
                    "`.venv/bin/python -m pip install -r requirements-dev.txt`.", pytrace=False)
    playwright = sync_playwright().start()
    request.addfinalizer(playwright.stop)
    try:
        browser = playwright.chromium.launch(executable_path=path, headless=True,
                                             args=CHROMIUM_ARGS)
    except Exception as err:
        pytest.fail(f"Chromium at {path} did not start under Playwright: {err}\n" + INSTALL_HINT,
                    pytrace=False)
    request.addfinalizer(browser.close)
    return browser


def record_timing(notebook, key, value):
    entry = TIMINGS.setdefault(notebook, {"updates": []})
    if key == "update":
        entry["updates"].append(value)
    else:
        entry[key] = value


def pytest_sessionfinish(session, exitstatus):
    if TIMINGS:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "timings.json").write_text(json.dumps(TIMINGS, indent=2))


def pytest_terminal_summary(terminalreporter):
    if not TIMINGS:
        return
    tr = terminalreporter
    tr.section("playground timings (browser)")
    for name, entry in TIMINGS.items():
        load = entry.get("load_s")
        line = f"{name}: page + playground ready in " + (f"{load:.1f} s" if load else "n/a")
        main = [u["seconds"] for u in entry["updates"] if u.get("limited")]
        other = [u["seconds"] for u in entry["updates"] if not u.get("limited")]
        if main:
            line += f"; control changes: max {max(main):.2f} s over {len(main)}"
        if other:
            line += f"; extreme/recovery settings: max {max(other):.2f} s over {len(other)}"
        tr.write_line(line)
        records = entry.get("control_changes")
        if records is not None:
            found = entry.get("controls_found", [])
            driven = [r for r in records if r.get("seconds") is not None]
            line = (f"    {len(found)} playground(s), {sum(len(p['controls']) for p in found)} "
                    f"controls; {len(driven)} more changed")
            if driven:
                worst = max(driven, key=lambda r: r["seconds"])
                line += f", slowest {worst['seconds']:.2f} s ({worst['label']!r})"
            idle = [r["label"] for r in records if not r.get("driven")]
            failed = [r["label"] for r in records if r.get("failed")]
            if idle:
                line += f"; not driven (disabled): {idle}"
            if failed:
                line += f"; FAILED: {failed}"
            tr.write_line(line)
    tr.write_line(f"screenshots and timings.json in {ARTIFACTS.relative_to(REPO)}/")
