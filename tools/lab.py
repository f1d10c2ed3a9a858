"""Start JupyterLab on the course's notebooks: ``make lab``, or without make ``python tools/lab.py``.

Usage: python tools/lab.py [extra JupyterLab options, e.g. --no-browser --port 8890]

Run it with the Python of the course's virtual environment (``.venv/bin/python`` or
``.venv\\Scripts\\python`` on Windows). It opens JupyterLab on notebooks/ in your browser; stop it
with Ctrl+C twice in this terminal (or File > Shut Down in JupyterLab).
"""
import os
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def lab_command(extra=()):
    command = [sys.executable, "-m", "jupyterlab", str(REPO / "notebooks")]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # Jupyter refuses root unless told; containers often are root
    # jupyter-server's kernel-websocket ping timeout defaults to 3 x its 30 s ping interval, which
    # tornado rejects with a warning at every kernel connection before using 30 s anyway. Saying 30 s
    # directly changes nothing but the warning.
    command.append("--ServerApp.tornado_settings={'ws_ping_timeout': 30000}")
    return command + list(extra)


def main(argv=None):
    command = lab_command(sys.argv[1:] if argv is None else argv)
    if os.name != "nt":
        os.execv(command[0], command)
    child = subprocess.Popen(command)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is JupyterLab's to handle; wait for it
    return child.wait()


if __name__ == "__main__":
    sys.exit(main())
