"""Export the notebooks to reveal.js slide decks (``make slides``) into slides/ (git-ignored).

Usage: python tools/make_slides.py [--offline] [--output-dir slides] [notebooks/01_*.ipynb ...]

Each notebook is exported as stored (its saved outputs; nothing is re-executed) with nbconvert's
slides exporter and the cells' ``slideshow.slide_type`` metadata, plus three export-time changes
(the notebooks themselves are not touched):

* a note on the title slide: the playgrounds are snapshots; live controls need ``make present``;
* every widget output (a playground, a progress bar) gets a static snapshot rendered from the
  widget state saved in the notebook: its title, each control's saved value, its status line and
  its figure as a PNG. Where the widget renderer script loads, the widgets are drawn from the same
  saved state and the snapshot hides itself (CSS ``:has``); where it does not (offline), the
  snapshot is what the viewer sees. Either way nothing recomputes: there is no kernel in a slide;
* an "Instructor note" blockquote in a cell moves to the speaker notes (press S in reveal.js).

Images referenced from markdown are embedded, so every deck is one HTML file.

reveal.js, require.js, jQuery, MathJax and the widget renderer are loaded from public CDNs by
default. ``--offline`` instead copies them into slides/_assets/ (once; fetched with ``npm pack``
from the npm registry, so it needs npm and access to the registry when first run) and links the
decks to those copies, so slides/ then works with no network at all.
"""
import argparse
import base64
import html
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter
from nbconvert.preprocessors import Preprocessor

REPO = Path(__file__).resolve().parent.parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
LIVE_NOTE = (
    "> **Live version.** The playgrounds in these slides are snapshots of the notebook's saved "
    "state: their controls do not recompute anything here. To move the learning rate, the weight "
    "init and the dropout ratio live, run `make present` in the course folder and open this "
    "notebook in the page it prints.")
SNAPSHOT_CSS = """
<style>
.dl-snapshot { border: 1px solid #ccc; border-radius: 4px; padding: 6px 10px; margin: 4px 0;
               font-size: 0.8em; background: #fafafa; }
.dl-snapshot .dl-controls { color: #333; margin: 2px 0 4px 0; }
.dl-snapshot .dl-control { display: inline-block; margin-right: 1.2em; white-space: nowrap; }
.dl-snapshot .dl-control b { font-weight: 600; }
.dl-snapshot img { max-width: 100%; max-height: 340px; width: auto; display: block; margin: 4px 0; }
/* on a 960x700 slide: the figure fits above the fold, under its title and controls */
.dl-live { color: #555; font-style: italic; font-size: 0.7em; margin: 2px 0 6px 0; }
/* The widget renderer, where it loads, draws the same saved state: then hide the snapshot. */
.jp-OutputArea:has(.lm-Widget) .dl-snapshot,
.output_area:has(.lm-Widget) .dl-snapshot { display: none; }
</style>
"""

# --------------------------------------------------------------------- widget snapshots


def _d3_exp(text):
    """Python's '1.0e-01' as d3-format (the widgets' readout) writes it: '1.0e-1'."""
    return re.sub(r"e([+-])0*(\d)", r"e\1\2", text)


def _format_value(state):
    value = state.get("value")
    fmt = state.get("readout_format")
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (int, float)) and fmt:
        try:
            return _d3_exp(format(value, fmt.replace("~", "")))
        except ValueError:
            pass
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, (list, tuple)):
        return " – ".join(str(v) for v in value)
    return str(value)


class WidgetSnapshot:
    """Static HTML for a widget tree, from the widget state stored in the notebook."""

    def __init__(self, widget_state):
        self.models = widget_state.get("state", {})

    def render(self, model_id):
        model = self.models.get(model_id)
        if model is None:
            return ""
        name, state = model.get("model_name", ""), model.get("state", {})
        if name in ("VBoxModel", "HBoxModel", "BoxModel", "GridBoxModel", "AccordionModel",
                    "TabModel", "StackModel"):
            parts = [self.render(ref.replace("IPY_MODEL_", "")) for ref in state.get("children", [])]
            blocks, run = [], []
            for part in (p for p in parts if p):
                if part.startswith("<span class='dl-control'>"):
                    run.append(part)  # controls side by side on one line
                    continue
                if run:
                    blocks.append("<div class='dl-controls'>" + "".join(run) + "</div>")
                    run = []
                blocks.append(part if part.startswith("<div") else f"<div>{part}</div>")
            if run and not blocks:
                return "".join(run)  # a row of controls only (e.g. the init scheme + std)
            if run:
                blocks.append("<div class='dl-controls'>" + "".join(run) + "</div>")
            return "".join(blocks)
        if name in ("HTMLModel", "HTMLMathModel"):
            return f"<div>{state.get('value', '')}</div>" if state.get("value") else ""
        if name == "LabelModel":
            return f"<div>{html.escape(str(state.get('value', '')))}</div>"
        if name == "OutputModel":
            return "".join(self._output(o) for o in state.get("outputs", []))
        if name in ("FloatProgressModel", "IntProgressModel"):
            return (f"<progress max='{state.get('max', 100)}' value='{state.get('value', 0)}'>"
                    "</progress>")
        if name in ("ButtonModel",):
            return ""
        if "value" in state or "index" in state:
            label = state.get("description", "")
            labels = state.get("_options_labels")
            if labels is not None and state.get("index") is not None:
                index = state["index"]
                shown = (", ".join(labels[i] for i in index) if isinstance(index, list)
                         else labels[index])
            else:
                shown = _format_value(state)
            disabled = " (inactive)" if state.get("disabled") else ""
            return (f"<span class='dl-control'><b>{html.escape(label)}</b> "
                    f"{html.escape(str(shown))}{disabled}</span>")
        return ""

    @staticmethod
    def _output(output):
        data = output.get("data", {})
        if output.get("output_type") == "stream":
            return f"<pre>{html.escape(''.join(output.get('text', '')))}</pre>"
        if "image/png" in data:
            png = data["image/png"]
            png = png if isinstance(png, str) else "".join(png)
            return f"<img alt='playground figure' src='data:image/png;base64,{png.strip()}'>"
        if "text/html" in data:
            text = data["text/html"]
            return text if isinstance(text, str) else "".join(text)
        if "text/plain" in data:
            text = data["text/plain"]
            return f"<pre>{html.escape(text if isinstance(text, str) else ''.join(text))}</pre>"
        return ""


class WidgetSnapshotPreprocessor(Preprocessor):
    """After every widget output, a static snapshot rendered from the saved widget state."""

    def preprocess(self, nb, resources):
        state = nb.metadata.get("widgets", {}).get(WIDGET_STATE)
        self.snapshot = WidgetSnapshot(state or {})
        self.count = 0
        nb, resources = super().preprocess(nb, resources)
        resources.setdefault("dl_slides", {})["snapshots"] = self.count
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        outputs = []
        for output in cell.get("outputs", []):
            outputs.append(output)
            view = output.get("data", {}).get(WIDGET_VIEW)
            if not view:
                continue
            body = self.snapshot.render(view.get("model_id", ""))
            if not body:
                continue
            self.count += 1
            is_playground = "dl-control" in body
            note = ("<div class='dl-live'>Saved state of a live playground: its controls "
                    "recompute only in <code>make present</code>.</div>" if is_playground else "")
            outputs.append(nbformat.v4.new_output(
                "display_data", data={"text/html": SNAPSHOT_CSS + "<div class='dl-snapshot'>"
                                      + body + "</div>" + note}))
        cell.outputs = outputs
        return cell, resources


class LiveNotePreprocessor(Preprocessor):
    """The live-controls note on the title slide; instructor notes into the speaker notes."""

    def preprocess(self, nb, resources):
        cells = []
        for cell in nb.cells:
            notes = None
            if cell.cell_type == "markdown":
                cell.source, notes = split_instructor_note(cell.source)
            cells.append(cell)
            if notes:
                cells.append(nbformat.v4.new_markdown_cell(
                    notes, metadata={"slideshow": {"slide_type": "notes"}}))
        # After the first cell (and its speaker notes), still on the title slide.
        at = 1
        while at < len(cells) and cells[at].metadata.get("slideshow", {}).get("slide_type") == "notes":
            at += 1
        cells.insert(at, nbformat.v4.new_markdown_cell(
            LIVE_NOTE, metadata={"slideshow": {"slide_type": "-"}}))
        nb.cells = cells
        return nb, resources


def split_instructor_note(source):
    """(source without the '> **Instructor note...' blockquote, the note's text or None).

    The note is the blockquote that starts with "Instructor note" (bold or not) and runs to the
    blockquote's last line."""
    lines = source.split("\n")
    for i, line in enumerate(lines):
        if re.match(r">\s*(\*\*|__)?\s*Instructor note", line, re.IGNORECASE):
            end = i
            while end < len(lines) and lines[end].startswith(">"):
                end += 1
            note = "\n".join(re.sub(r"^>\s?", "", l) for l in lines[i:end])
            rest = "\n".join(lines[:i] + lines[end:]).rstrip() + "\n"
            return rest, note
    return source, None


# --------------------------------------------------------------------- offline assets
# (npm package spec, files to keep relative to the package root)
ASSETS = {
    "reveal.js": ("reveal.js@4.0.2", ["dist", "plugin"]),
    "html-manager": ("@jupyter-widgets/html-manager@1", ["dist/embed-amd.js"]),
    "requirejs": ("requirejs@2", ["require.js"]),
    "jquery": ("jquery@2", ["dist/jquery.min.js"]),
    "mathjax": ("mathjax@2.7.9", ["MathJax.js", "config", "extensions", "jax/input/TeX",
                                  "jax/output/CommonHTML", "jax/element", "localization",
                                  "fonts/HTML-CSS/TeX/woff"]),
}


def vendor_assets(assets_dir):
    """Copy the decks' JavaScript into ``assets_dir`` (once) with ``npm pack``; True on success."""
    missing = [name for name in ASSETS if not (assets_dir / name / ".complete").exists()]
    if not missing:
        return True
    npm = shutil.which("npm")
    if npm is None:
        print("--offline: npm is not installed, so reveal.js and the widget renderer cannot be "
              "copied locally; the decks use the CDNs.", file=sys.stderr)
        return False
    for name in missing:
        spec, keep = ASSETS[name]
        target = assets_dir / name
        with tempfile.TemporaryDirectory() as tmp:
            result = subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", tmp],
                                    capture_output=True, text=True)
            tarballs = list(Path(tmp).glob("*.tgz"))
            if result.returncode != 0 or not tarballs:
                print(f"--offline: `npm pack {spec}` failed ({result.stderr.strip()[-300:]}); the "
                      "decks use the CDNs.", file=sys.stderr)
                return False
            with tarfile.open(tarballs[0]) as tar:
                tar.extractall(tmp, filter="data")
            root = Path(tmp) / "package"
            shutil.rmtree(target, ignore_errors=True)
            for rel in keep:
                src, dst = root / rel, target / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                if src.is_dir():
                    shutil.copytree(src, dst)
                elif src.exists():
                    shutil.copy2(src, dst)
            (target / ".complete").write_text(spec + "\n")
        print(f"  copied {spec} into {target.relative_to(assets_dir.parent)}/")
    return True


def offline_config(prefix="_assets"):
    return {
        "reveal_url_prefix": f"{prefix}/reveal.js",
        "require_js_url": f"{prefix}/requirejs/require.js",
        "jquery_url": f"{prefix}/jquery/dist/jquery.min.js",
        "mathjax_url": f"{prefix}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
        "widget_renderer_url": f"{prefix}/html-manager/dist/embed-amd.js",
    }


# --------------------------------------------------------------------- export


def make_exporter(offline=False):
    exporter = SlidesExporter()
    exporter.embed_images = True      # markdown images become data URIs: one file per deck
    exporter.reveal_scroll = True     # long slides scroll instead of being cut off
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    if offline:
        for key, value in offline_config().items():
            setattr(exporter, key, value)
    return exporter


def export(path, output_dir, exporter):
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    resources = {"metadata": {"name": path.stem, "path": str(path.parent)}}
    # Before the exporter's own steps, which turn slideshow metadata into slides.
    for step in (LiveNotePreprocessor(enabled=True), WidgetSnapshotPreprocessor(enabled=True)):
        nb, resources = step(nb, resources)
    body, resources = exporter.from_notebook_node(nb, resources=resources)
    target = output_dir / f"{path.stem}.slides.html"
    target.write_text(body, encoding="utf-8")
    return target, resources.get("dl_slides", {}).get("snapshots", 0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*")
    parser.add_argument("--output-dir", default=str(REPO / "slides"))
    parser.add_argument("--offline", action="store_true",
                        help="copy reveal.js, MathJax and the widget renderer into slides/_assets")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(str(p) for p in (REPO / "notebooks").glob("*.ipynb"))
    if not paths:
        sys.exit("No notebooks to export (notebooks/*.ipynb).")
    output_dir = Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    offline = args.offline and vendor_assets(output_dir / "_assets")
    exporter = make_exporter(offline)
    for path in paths:
        target, snapshots = export(path, output_dir, exporter)
        print(f"{target} ({target.stat().st_size / 1e6:.1f} MB, {snapshots} widget snapshot(s))")
    where = "slides/_assets (works offline)" if offline else "CDNs (needs the internet)"
    print(f"Open the .slides.html files in a browser; reveal.js and MathJax come from {where}. "
          "Live controls: `make present`.")


if __name__ == "__main__":
    main()
