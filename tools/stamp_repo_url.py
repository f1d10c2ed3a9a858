"""Write the course's public address into every notebook's setup cell and README (``make stamp-url``).

Usage: python tools/stamp_repo_url.py [--branch main] [--check]

The address is kept in one place, ``[project.urls] Repository`` in pyproject.toml, set by whoever
publishes the course (e.g. ``Repository = "https://github.com/OWNER/REPO"``). This tool

- gives every notebook's first code cell the setup block (found by its marker comment
  ``# course-setup``; added on top of the cell when missing) and sets its ``COURSE_REPO`` line,
  so a notebook opened on its own (Colab) installs ``dlhelpers`` from that address;
- rewrites README's block between ``<!-- colab-links:start -->`` and ``<!-- colab-links:end -->``:
  one "Open in Colab" link per notebook for a GitHub address, or how to set the address.

Running it twice changes nothing the second time. ``--check`` changes nothing and exits with 1
when a file is out of date. Only the cell's source changes; outputs are kept as stored.
"""
import argparse
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
MARKER = "# course-setup"
README_START, README_END = "<!-- colab-links:start -->", "<!-- colab-links:end -->"

SETUP_BLOCK = '''\
# course-setup: makes `dlhelpers` importable when this notebook is opened on its own (e.g. in Colab).
COURSE_REPO = None  # the course's git address; tools/stamp_repo_url.py writes it from pyproject.toml
try:
    import dlhelpers
except ModuleNotFoundError:
    import importlib, subprocess, sys
    if "google.colab" not in sys.modules:
        elsewhere = f", or `pip install git+{COURSE_REPO}`" if COURSE_REPO else ""
        raise ModuleNotFoundError("dlhelpers is not installed: in the course's folder run "
                                  f"`python -m pip install -r requirements.txt` (or `make lab`){elsewhere}") from None
    if not COURSE_REPO:
        raise ModuleNotFoundError("dlhelpers is not installed and this copy does not know the course's "
                                  "address: run `!pip install git+<the course's git address>`") from None
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", f"git+{COURSE_REPO}"])
    importlib.invalidate_caches()
    import dlhelpers
# end of course-setup
'''
REPO_LINE = re.compile(r"^COURSE_REPO = (?:None|'[^'\n]*')", re.M)  # the value only, not the comment


def read_repository_url():
    """``[project.urls] Repository`` from pyproject.toml, or None while the course is unpublished."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11: the one line we need, read plainly
        section = re.search(r"^\[project\.urls\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
        match = section and re.search(r'^Repository\s*=\s*"([^"]*)"', section.group(1), re.M)
        url = match.group(1) if match else None
    else:
        url = tomllib.loads(text).get("project", {}).get("urls", {}).get("Repository")
    if url and not re.match(r"^https://[^\s\"']+$", url):
        sys.exit(f"pyproject.toml: [project.urls] Repository must be an https:// address, got {url!r}")
    return url.rstrip("/") if url else None


def setup_block(url):
    return REPO_LINE.sub(f"COURSE_REPO = {url!r}" if url else "COURSE_REPO = None", SETUP_BLOCK, count=1)


def stamp_source(source, url):
    """The first code cell's source with an up-to-date setup block (added on top if missing)."""
    if MARKER not in source:
        return setup_block(url) + "\n" + source
    return REPO_LINE.sub(f"COURSE_REPO = {url!r}" if url else "COURSE_REPO = None", source, count=1)


def stamp_notebook(path, url):
    """New file text for ``path``, or None when it is already up to date."""
    raw = Path(path).read_text(encoding="utf-8")
    nb = json.loads(raw)
    cell = next((c for c in nb["cells"] if c["cell_type"] == "code"), None)
    if cell is None:
        return None
    source = "".join(cell["source"])
    new = stamp_source(source, url)
    if new == source:
        return None
    cell["source"] = new.splitlines(keepends=True)
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"  # as nbformat writes


def colab_links(url, notebooks, branch):
    """README's block: one Open-in-Colab link per notebook, or how to make them."""
    lines = [README_START]
    parsed = urlparse(url) if url else None
    if parsed and parsed.netloc == "github.com" and len(parsed.path.strip("/").split("/")) == 2:
        owner_repo = parsed.path.strip("/").removesuffix(".git")
        lines += ["| notebook | open alone in Colab |", "|---|---|"]
        for nb in notebooks:
            link = f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/notebooks/{nb.name}"
            lines.append(f"| {nb.stem} | [Open in Colab]({link}) |")
    elif url:
        lines.append(f"This copy's address ({url}) is not on GitHub, so there are no Colab links; "
                     "the notebooks still install the course from it.")
    else:
        lines.append("This copy is not published yet, so it has no Colab links: see below how to make them.")
    lines.append(README_END)
    return "\n".join(lines)


def stamp_readme(path, url, notebooks, branch):
    text = Path(path).read_text(encoding="utf-8")
    pattern = re.compile(re.escape(README_START) + ".*?" + re.escape(README_END), re.S)
    if not pattern.search(text):
        sys.exit(f"{path}: no {README_START} ... {README_END} block to write the Colab links into")
    new = pattern.sub(lambda _: colab_links(url, notebooks, branch), text, count=1)
    return None if new == text else new


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branch", default="main", help="branch the Colab links open (default: main)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is out of date")
    args = parser.parse_args(argv)
    url = read_repository_url()
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    changes = {nb: stamp_notebook(nb, url) for nb in notebooks}
    changes[REPO / "README.md"] = stamp_readme(REPO / "README.md", url, notebooks, args.branch)
    stale = [path for path, text in changes.items() if text is not None]
    for path in stale:
        if not args.check:
            path.write_text(changes[path], encoding="utf-8")
        print(f"{'out of date' if args.check else 'updated'}: {path.relative_to(REPO)}")
    print(f"course address: {url or 'not set ([project.urls] Repository in pyproject.toml)'}; "
          f"{len(stale)} file(s) {'out of date' if args.check else 'updated'}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
