"""Serve the course for a class (``make present``): Voila on notebooks/, code hidden, playgrounds live.

Usage: python tools/present.py [--port 8866] [--preheat] [notebook folder]

Voila runs each notebook in a fresh kernel when its page is opened (the playgrounds are usable
6-9 s after opening a page, measured on a 2-core machine without a GPU) and then shows prose, figures and live widgets without the code cells; every
viewer gets a kernel of their own. Before class, open the notebooks you will show in browser tabs:
an open tab keeps its kernel, so switching to it later is instant. The server listens on 127.0.0.1
only (share your screen or projector, not the port). Port 8866 is used when free, otherwise a free
port is picked and said so.

--preheat executes every notebook in the background at start, so a page opens sooner; but
each opened page makes Voila execute that notebook again in the background for the next viewer,
which slows the live playgrounds meanwhile (an update took 2.7 s instead of under 1 s here).
Stop with Ctrl+C.
"""
import argparse
import os
import shutil
import socket
import sys
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PORT = 8866
# Holds voila/templates/course (Voila's lab template without its Font Awesome CDN stylesheets) and
# voila.json (the websocket ping setting of tools/lab.py, which silences a warning per page).
TEMPLATE_ROOT = Path(__file__).resolve().parent / "voila"
TEMPLATE = "course"


def port_is_free(port, host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def voila_command(folder, port, preheat=False):
    voila = Path(sys.executable).with_name("voila")
    voila = str(voila) if voila.exists() else shutil.which("voila")
    if voila is None:
        sys.exit("Voila is not installed: `make present` installs it into .venv (requirements-present.txt).")
    command = [voila, str(folder), "--no-browser",
               "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0",
               "--strip_sources=True", f"--template={TEMPLATE}"]
    if preheat:
        command += ["--preheat_kernel=True", "--pool_size=1"]
    else:
        # A closed or reloaded page should free its kernel, but Voila 0.5's shutdown request on
        # page unload is refused (missing XSRF token), so kernels of closed pages would live until
        # the server stops. Cull kernels that have no page connected and were idle for 10 minutes;
        # an open page's kernel is never culled, however long it idles. (Not with --preheat: the
        # waiting pool kernels have no page either.)
        command += ["--MappingKernelManager.cull_idle_timeout=600",
                    "--MappingKernelManager.cull_interval=60"]
    return command


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(REPO / "notebooks"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", DEFAULT_PORT)))
    parser.add_argument("--preheat", action="store_true",
                        help="execute every notebook at start so pages open at once")
    args = parser.parse_args(argv)

    folder = Path(args.folder).resolve()
    notebooks = sorted(p.name for p in folder.glob("*.ipynb"))
    if not notebooks:
        sys.exit(f"No notebooks (*.ipynb) in {folder}: nothing to present.")
    port = args.port
    if not port_is_free(port):
        new = free_port()
        print(f"Port {port} is busy (another Voila or Jupyter server?); using port {new} instead.")
        port = new
    base = f"http://127.0.0.1:{port}/"
    print(f"\nPresenting {len(notebooks)} notebooks from {folder.name}/ at {base}")
    for name in notebooks:
        print(f"  {base}voila/render/{quote(name)}")
    if args.preheat:
        print("Every notebook is being executed in the background now (--preheat).")
    else:
        print("Each page runs its notebook first (6-9 s on 2 cores): open the ones you will show in "
              "tabs before class; an open tab keeps its kernel.")
    print("Code cells are hidden; the playgrounds are live. Stop with Ctrl+C.\n", flush=True)
    command = voila_command(folder, port, args.preheat)
    # Voila finds templates under every JUPYTER_PATH entry's voila/templates/, and reads voila.json
    # from every JUPYTER_CONFIG_PATH entry.
    for var in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH"):
        os.environ[var] = os.pathsep.join(p for p in (str(TEMPLATE_ROOT), os.environ.get(var)) if p)
    os.chdir(folder)
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
