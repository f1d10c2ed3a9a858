"""Execute notebooks in place so they are stored with fresh outputs (``make notebooks``).

Usage: python tools/execute_notebooks.py notebooks/01_*.ipynb [...]
Each notebook runs top to bottom in a fresh kernel with its own folder as working directory;
the time each took is printed. A failing cell stops with the error and leaves the file untouched.
"""
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path, timeout=600):
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(paths):
    for path in paths:
        seconds = execute(path)
        print(f"{path}: executed in {seconds:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:] or sorted(str(p) for p in Path("notebooks").glob("*.ipynb")))
