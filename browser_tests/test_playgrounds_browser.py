"""Every notebook's first playground, in a real browser, as a presenter would use it.

For each notebook Voila executes it and serves it; headless Chromium opens it and the test types
into the slider readouts (type value + Enter, as a person does), then checks what the page shows:
a new plot image, no error or traceback, and a redraw within the time limit (2 s by default).
It also feeds the readouts rubbish and out-of-range values and drives the net into divergence.
Last, every other control of every playground on the page (found from the page, not named here)
is changed once and must redraw without error in time (playground_controls.py). The page must
log no widget version warnings and request nothing but the local server.
Screenshots before and after every change: artifacts/browser/<notebook>/.
"""
import math
import shutil
from urllib.parse import quote

import pytest

from conftest import ARTIFACTS, record_timing
from playground_controls import ControlDriver
from playground_page import PlaygroundPage, as_text, pick

LR_CANDIDATES = (0.03, 0.01, 0.1, 0.003, 0.3, 0.001)
STD_CANDIDATES = (0.05, 0.1, 0.02, 0.2, 0.005)
DROPOUT_CANDIDATES = (0.3, 0.2, 0.5, 0.1)


@pytest.fixture(scope="module")
def playground(request, notebook, browser, voila_server):
    """The notebook open in its own browser context, its first playground found and instrumented."""
    shots = ARTIFACTS / notebook.removesuffix(".ipynb")
    shutil.rmtree(shots, ignore_errors=True)
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()

    def close():
        # Leave the page so that Voila's unload handler shuts this notebook's kernel down and the
        # next notebook gets the machine to itself. Voila 0.5 sends the shutdown request with
        # the page's _xsrf cookie, which it never sets, and then refuses the request; a cookie
        # set here (double-submit: the same value goes in the cookie and in the form) lets it pass.
        try:
            page.evaluate("() => { document.cookie = '_xsrf=' + '0123456789abcdef'.repeat(2) + "
                          "'; path=/'; }")
            page.goto("about:blank", timeout=10_000)
            page.wait_for_timeout(500)  # let the shutdown beacon leave before the context closes
        finally:
            context.close()
    request.addfinalizer(close)
    pg = PlaygroundPage(page, notebook, shots, request.config.getoption("--max-update-seconds"),
                        record=lambda entry: record_timing(notebook, "update", entry))
    url = f"{voila_server}voila/render/{quote(notebook)}"
    seconds = pg.load(url, request.config.getoption("--load-timeout"))
    record_timing(notebook, "load_s", round(seconds, 2))
    pg.screenshot("loaded")
    return pg


def ensure_custom_std(pg):
    state = pg.state()
    if state["init"] != "custom std":
        state = pg.change("init-select", "custom std", "weight-init-custom-std")
    assert state["std"]["editable"], (
        f"{pg.notebook}: 'custom std' is selected but the std slider's readout is still disabled")
    return state


def set_log_value(pg, control, value, label):
    """Type ``value`` into a log slider; a redraw is expected unless it already has that value."""
    state = pg.state()
    same = abs(state[control]["now"] - math.log10(value)) < 1e-6
    # Two healthy settings can draw the same picture (e.g. both stuck at chance level), so a
    # recomputed, error-free status is what counts here, not a different image.
    return pg.change(control, as_text(value, control), label, expect="none" if same else "update",
                     time_limit=False, require_new_image=False)


def test_page_loads_without_errors(playground):
    playground.check_no_error(f"{playground.notebook} after loading")


def test_page_has_no_version_warnings_and_stays_local(playground):
    """No "Unsatisfied version" console warnings (mismatched widget packages) and no request to
    anywhere but the local server (a classroom may be offline; nothing is fetched from a CDN)."""
    pg = playground
    record_timing(pg.notebook, "console", [f"{kind}: {text[:300]}" for kind, text in pg.console
                                           if kind in ("warning", "error")])
    record_timing(pg.notebook, "requests_leaving", pg.requests_leaving())
    assert not pg.version_warnings(), (
        f"{pg.notebook}: {len(pg.version_warnings())} 'Unsatisfied version' console warnings, e.g. "
        f"{pg.version_warnings()[0]!r}; check the ipywidgets / jupyterlab_widgets / voila pins")
    assert not pg.requests_leaving(), (
        f"{pg.notebook}: the page requested {pg.requests_leaving()[:5]} (not 127.0.0.1)")


def test_three_controls_redraw_the_plot(playground):
    pg = playground
    state = pg.state()
    lr = pick(state, "lr", LR_CANDIDATES, 0.2)
    pg.change("lr", as_text(lr, "lr"), "learning-rate")

    state = ensure_custom_std(pg)
    std = pick(state, "std", STD_CANDIDATES, 0.2)
    pg.change("std", as_text(std, "std"), "init-std")

    state = pg.state()
    ratio = pick(state, "dropout", DROPOUT_CANDIDATES, 0.1)
    pg.change("dropout", as_text(ratio, "dropout"), "dropout-ratio")


def type_out_of_range(pg, control, typed, bound):
    """Type a value beyond the slider's range: the widget must clamp it to ``bound``."""
    state = pg.state()
    where = f"{pg.notebook}, control {control!r}, input {typed!r}"
    at_bound = abs(state[control]["now"] - state[control][bound]) < 1e-9
    # The clamped value is a legal setting: it must recompute without error; its figure may
    # equal the previous one when both settings leave the net at chance level.
    state = pg.change(control, typed, f"{control}-{typed}-clamped-to-{bound}",
                      expect="none" if at_bound else "update", time_limit=False,
                      require_new_image=False)
    assert abs(state[control]["now"] - state[control][bound]) < 1e-9, (
        f"{where}: expected the slider clamped to its {bound} {state[control][bound]}, "
        f"got {state[control]['now']}")
    pg.check_in_bounds(control, where, state)
    return state


def test_readouts_reject_rubbish_and_clamp_out_of_range(playground):
    pg = playground
    ensure_custom_std(pg)
    for control in ("lr", "std", "dropout"):
        pg.change(control, "abc", f"{control}-abc-rejected", expect="none")
    type_out_of_range(pg, "dropout", "1e9", "max")
    type_out_of_range(pg, "dropout", "-5", "min")
    type_out_of_range(pg, "lr", "-1", "min")  # a negative learning rate: clamped to the minimum


def test_divergence_is_shown_and_playground_recovers(playground):
    pg = playground
    # The largest learning rate, typed far out of range: clamped to the slider's maximum.
    state = type_out_of_range(pg, "lr", "1e9", "max")
    steps = [f"learning rate {state['lr']['readout']}"]
    if not pg.diverged(state):
        # Not enough on its own (e.g. He init on a small net): add the largest init std.
        state = ensure_custom_std(pg)
        if not pg.diverged(state):
            state = type_out_of_range(pg, "std", "1e9", "max")
            steps.append(f"init std {state['std']['readout']}")
    assert pg.diverged(state), (
        f"{pg.notebook}: with {' and '.join(steps)} the playground shows no divergence message in "
        f"red; status is {state['status']!r}")
    pg.check_no_error(f"{pg.notebook} diverged", state)

    # The next changes must still work and bring the playground back to a healthy run.
    for control in ("std", "lr"):
        if control == "std" and not pg.state()["std"]["editable"]:
            continue  # a named init scheme is selected: the std slider is not in play
        state = set_log_value(pg, control, 0.01, f"{control}-back-to-1e-2")
    assert not pg.diverged(state), (
        f"{pg.notebook}: after going back to lr 1e-2 and std 1e-2 the status still shows "
        f"{state['statusRedText']!r}")
    assert "updated in" in state["status"]


def test_every_other_playground_control_redraws(playground, request):
    """Each control beyond learning rate / weight init / dropout, in every playground of the page,
    changed once as a person would: the playground redraws without error within the limit
    (--max-update-seconds, or --max-heavy-update-seconds for epochs/trials/data-size/layers)."""
    pg = playground
    driver = ControlDriver(pg, request.config.getoption("--max-update-seconds"),
                           request.config.getoption("--max-heavy-update-seconds"))
    found, records, failures = driver.drive_all()
    record_timing(pg.notebook, "controls_found", found)
    record_timing(pg.notebook, "control_changes", records)
    leaving = pg.requests_leaving()
    if leaving:
        failures.append(f"{pg.notebook}: requests to other hosts: {leaving[:5]}")
    assert found, f"{pg.notebook}: no playground (controls + status + output box) on the page"
    assert not failures, "\n".join(failures)
