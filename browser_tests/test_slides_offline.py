"""The exported slide decks, opened as an offline viewer would (no network at all).

Each notebook is exported with tools/make_slides.py into a temporary folder, without local assets,
and opened from disk in Chromium whose host names all fail to resolve: reveal.js, MathJax and the
widget renderer cannot load. What must still be there: the note that live controls need
`make present`, a visible static snapshot (with its figure) of every playground, and the
instructor note kept out of the slides (speaker notes only).
"""
import importlib.util

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def make_slides():
    spec = importlib.util.spec_from_file_location("make_slides", REPO / "tools" / "make_slides.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def exported(notebook, request, make_slides, tmp_path_factory):
    from conftest import notebook_dir
    out = tmp_path_factory.mktemp("slides")
    exporter = make_slides.make_exporter(offline=False)
    target, snapshots = make_slides.export(notebook_dir(request.config) / notebook, out, exporter)
    return target, snapshots


def test_offline_deck_shows_live_note_and_playground_snapshots(exported, browser, notebook):
    target, snapshots = exported
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(target.as_uri(), wait_until="load", timeout=60_000)
        body = page.inner_text("body")
        assert "make present" in body and "Live version" in body, (
            f"{notebook}: the exported deck does not tell the viewer that live controls need "
            "`make present`")
        shown = page.evaluate("""() => [...document.querySelectorAll('.dl-snapshot')].map(s => ({
            visible: s.offsetParent !== null,
            controls: s.querySelectorAll('.dl-control').length,
            images: [...s.querySelectorAll('img')].filter(i => i.complete && i.naturalWidth > 0).length}))""")
        assert len(shown) == snapshots
        playgrounds = [s for s in shown if s["controls"]]
        assert playgrounds, f"{notebook}: no playground snapshot in the exported deck"
        for s in playgrounds:
            assert s["visible"] and s["images"] >= 1, (
                f"{notebook}: a playground snapshot is hidden or has no figure offline: {s}")
        in_notes = page.evaluate("""() => [...document.querySelectorAll('aside.notes')]
            .some(a => /Instructor note/.test(a.textContent))""")
        on_slides = page.evaluate("""() => [...document.querySelectorAll('section')]
            .some(s => [...s.querySelectorAll('p, blockquote')].some(p => !p.closest('aside.notes')
                        && /^\\s*Instructor note/.test(p.textContent)))""")
        assert not on_slides, f"{notebook}: the instructor note is on a slide, not in the notes"
        if "Instructor note" in target.read_text(encoding="utf-8"):
            assert in_notes, f"{notebook}: the instructor note went missing from the speaker notes"
    finally:
        context.close()
