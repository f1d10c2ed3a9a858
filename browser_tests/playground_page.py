"""Driving one course playground in a Voila page: find it, type into its readouts, watch it redraw.

The playground is found by what a reader sees, not by internal ids: the first widget box that holds
the controls labelled "learning rate", "weight init" and "dropout ratio" plus an Output widget as a
direct child (that is how ``dlhelpers.widgets.Playground`` lays itself out: controls, status HTML,
output). The elements are then tagged with ``data-bt`` attributes for stable locators, and two
MutationObservers log, with page timestamps, every change of the status line and of the plot
image, so the time from the Enter key to the redrawn plot is measured inside the browser.
"""
import math
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

# Label patterns of the three course controls (dlhelpers.widgets' descriptions). A notebook may
# rename its learning-rate slider to something ending in "lr" (e.g. "your pick: lr"); a range slider
# such as "log10 lr range" does not match.
LR, INIT, DROPOUT = r"^(learning rate|.*\blr)$", r"^weight init$", r"^dropout ratio$"
LOG_CONTROLS = {"lr", "std"}
RED = "rgb(176, 0, 32)"  # the status colour of errors and of the divergence message

# Watches one playground's status line and plot image; ``keys`` is the list of user-action times
# (page clock) that the watcher's marks index into. Shared by both instrumentations below.
MAKE_WATCHER = r"""
const makeWatcher = (out, status, keys) => {
  const bt = {status: [], imgs: [], keys};
  bt.imgSrc = () => { const i = out.querySelector('img'); return i ? i.getAttribute('src') : null; };
  bt.isFinal = (e) => e.pre || /updated in/.test(e.text);
  let last = bt.imgSrc();
  new MutationObserver(() => {
    const s = bt.imgSrc();
    if (s && s !== last) { last = s; bt.imgs.push({t: performance.now(), len: s.length}); }
  }).observe(out, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
  const snap = () => ({t: performance.now(), text: status.innerText, pre: !!status.querySelector('pre')});
  new MutationObserver(() => bt.status.push(snap()))
      .observe(status, {subtree: true, childList: true, characterData: true});
  bt.mark = () => ({s: bt.status.length, i: bt.imgs.length, k: bt.keys.length, src: bt.imgSrc()});
  bt.settled = (m) => {
    const finals = bt.status.slice(m.s).filter(bt.isFinal);
    if (!finals.length) return false;
    if (finals[0].pre || bt.imgSrc() !== m.src) return true;
    return performance.now() - finals[0].t > 1500;  // final status but no new image: give up waiting
  };
  return bt;
};
"""

FIND_AND_INSTRUMENT = r"""
(labels) => {
""" + MAKE_WATCHER + r"""
  const [lrPattern, initPattern, dropoutPattern] = labels.map(p => new RegExp(p, 'i'));
  const labelIn = (root, re) => [...root.querySelectorAll('label.widget-label')]
      .find(l => re.test(l.textContent.trim()));
  let root = null, out = null;
  for (const lrLabel of [...document.querySelectorAll('label.widget-label')]
                          .filter(l => lrPattern.test(l.textContent.trim()))) {
    for (let el = lrLabel.parentElement; el && el !== document.body; el = el.parentElement) {
      if (!el.classList.contains('widget-box')) continue;
      const o = el.querySelector(':scope > .widget-output');
      if (o && labelIn(el, initPattern) && labelIn(el, dropoutPattern)) { root = el; out = o; break; }
    }
    if (root) break;
  }
  if (!root || !out.querySelector('img')) return null;
  const status = out.previousElementSibling;
  const lr = labelIn(root, lrPattern).closest('.widget-slider');
  const initBox = labelIn(root, initPattern).closest('.widget-dropdown');
  const select = initBox.querySelector('select');
  const std = initBox.parentElement.querySelector(':scope > .widget-slider');
  const dropout = labelIn(root, dropoutPattern).closest('.widget-slider');
  const tag = (el, name) => { if (el) el.setAttribute('data-bt', name); };
  root.setAttribute('data-bt-playground', '1');
  tag(out, 'output'); tag(status, 'status'); tag(select, 'init-select');
  for (const [name, slider] of [['lr', lr], ['std', std], ['dropout', dropout]]) {
    if (!slider) continue;
    tag(slider.querySelector('.widget-readout'), name + '-readout');
    tag(slider.querySelector('.noUi-handle'), name + '-handle');
  }
  const keys = [];
  document.addEventListener('keydown', e => { if (e.key === 'Enter') keys.push(performance.now()); }, true);
  document.addEventListener('change', e => keys.push(performance.now()), true);
  window.__bt = makeWatcher(out, status, keys);
  return true;
}
"""

STATE = r"""
() => {
  const q = (name) => document.querySelector(`[data-bt="${name}"]`);
  const slider = (name) => {
    const r = q(name + '-readout'), h = q(name + '-handle');
    if (!r || !h) return null;
    return {readout: r.textContent, editable: r.getAttribute('contenteditable') === 'true',
            now: parseFloat(h.getAttribute('aria-valuenow')),
            min: parseFloat(h.getAttribute('aria-valuemin')),
            max: parseFloat(h.getAttribute('aria-valuemax'))};
  };
  const status = q('status');
  const red = [...status.querySelectorAll('span, font, div, b')].filter(
      el => getComputedStyle(el).color === '__RED__' && el.textContent.trim() && !el.closest('pre'));
  const select = q('init-select');
  return {lr: slider('lr'), std: slider('std'), dropout: slider('dropout'),
          init: select ? select.options[select.selectedIndex].textContent.replace(/\u00a0/g, ' ') : null,
          status: status.innerText, statusPre: !!status.querySelector('pre'),
          statusRedText: red.map(el => el.textContent.trim()).join(' '),
          img: window.__bt.imgSrc()};
}
""".replace("__RED__", RED)


class PlaygroundError(AssertionError):
    pass


class PlaygroundPage:
    """The first course playground of one Voila page."""

    def __init__(self, page, notebook, shots_dir, max_update_s, record):
        self.page = page
        self.notebook = notebook
        self.shots_dir = Path(shots_dir)
        self.max_update_s = max_update_s
        self.record = record  # callable(dict) storing one update's timing
        self.step = 0
        self.page_errors = []
        self.console = []   # (type, text) of every console message
        self.requests = []  # URL of every request the page made
        page.on("pageerror", lambda err: self.page_errors.append(str(err)))
        page.on("console", lambda msg: self.console.append((msg.type, msg.text)))
        page.context.on("request", lambda req: self.requests.append(req.url))

    # ------------------------------------------------------------------ loading
    def load(self, url, timeout_s):
        """Open the page (Voila executes the notebook first) and wait for the playground."""
        start = time.perf_counter()
        try:
            self.page.goto(url, wait_until="load", timeout=timeout_s * 1000)
        except PlaywrightTimeoutError:
            # Seen twice in full CI runs and never when reproduced alone: one page whose kernel
            # never finished executing. A second request gets a fresh kernel; a notebook that
            # really hangs fails the second time too.
            print(f"\n{self.notebook}: page did not load within {timeout_s:.0f} s; retrying once "
                  "with a fresh kernel")
            self.page.goto("about:blank", timeout=10_000)
            start = time.perf_counter()
            self.page.goto(url, wait_until="load", timeout=timeout_s * 1000)
        remaining = max(1.0, timeout_s - (time.perf_counter() - start))
        try:
            self.page.wait_for_function(FIND_AND_INSTRUMENT, arg=[LR, INIT, DROPOUT],
                                        timeout=remaining * 1000, polling=250)
        except Exception as err:
            raise PlaygroundError(
                f"{self.notebook}: no playground with controls labelled like {LR!r}, {INIT!r} and "
                f"{DROPOUT!r} (regular expressions) and a plot image showed up within "
                f"{timeout_s:.0f} s ({type(err).__name__}: {str(err).splitlines()[0][:300]}). "
                f"{self.problems_on_page() or ''}") from None
        self.page.locator("[data-bt-playground]").scroll_into_view_if_needed()
        return time.perf_counter() - start

    def problems_on_page(self):
        """Text that means something broke: a traceback, Voila's cell-error notice, a JS exception."""
        body = self.page.inner_text("body")
        found = []
        for needle in ("Traceback", "There was an error when executing cell"):
            if needle in body:
                i = body.index(needle)
                found.append(f"page shows {needle!r}: ...{body[max(0, i - 200):i + 600]}...")
        if self.page_errors:
            found.append(f"JavaScript errors: {self.page_errors[:3]}")
        return "; ".join(found)

    def version_warnings(self):
        """Console messages about mismatched widget packages ("Unsatisfied version ...")."""
        return [text for kind, text in self.console if "Unsatisfied version" in text]

    def requests_leaving(self, host="127.0.0.1"):
        """Requests to anywhere but ``host`` (data:, blob: and about: URLs stay in the page)."""
        return [url for url in self.requests
                if urlsplit(url).scheme not in ("data", "blob", "about", "chrome-extension")
                and urlsplit(url).hostname != host]

    # ------------------------------------------------------------------ reading
    def state(self):
        return self.page.evaluate(STATE)

    def value(self, control, state=None):
        """The control's numeric value (log sliders: 10**exponent) and whether it is in bounds."""
        s = (state or self.state())[control]
        if control in LOG_CONTROLS:
            return 10 ** s["now"], 10 ** s["min"], 10 ** s["max"]
        return s["now"], s["min"], s["max"]

    def diverged(self, state=None):
        state = state or self.state()
        return bool(state["statusRedText"]) and not state["statusPre"]

    # ------------------------------------------------------------------ acting
    def screenshot(self, label, selector="[data-bt-playground]"):
        self.shots_dir.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", label)
        path = self.shots_dir / f"{self.step:02d}-{name}.png"
        self.page.locator(selector).screenshot(path=str(path))
        return path

    def _type(self, control, text):
        readout = self.page.locator(f'[data-bt="{control}-readout"]')
        if readout.get_attribute("contenteditable") != "true":
            raise PlaygroundError(f"{self.notebook}: the {control} readout is not editable "
                                  f"(disabled control?); state: {self.state()[control]}")
        readout.click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)
        typed = readout.text_content()
        if typed != text:
            raise PlaygroundError(f"{self.notebook}: typing {text!r} into the {control} readout "
                                  f"left {typed!r} in it")
        self.page.keyboard.press("Enter")

    def change(self, control, text, label, expect="update", require_new_image=True,
               time_limit=True):
        """Type ``text`` + Enter into a readout (or pick a dropdown option when control is
        'init-select'); check what happened. ``expect``: 'update' (a redraw must arrive, without
        error, within the time limit) or 'none' (the widget must reject the input: nothing may
        reach the kernel). ``time_limit=False``: the redraw's time is recorded but not held to
        the limit (for extreme settings such as dropout 0.9). Returns the state afterwards.
        """
        self.step += 1
        before = self.state()
        self.screenshot(f"{label}-before")
        mark = self.page.evaluate("() => window.__bt.mark()")
        if control == "init-select":
            self.page.locator('[data-bt="init-select"]').select_option(label=text)
        else:
            self._type(control, text)
        where = f"{self.notebook}, control {control!r}, input {text!r}"
        if expect == "none":
            time.sleep(1.5)
            after = self.state()
            self.screenshot(f"{label}-after")
            log = self.page.evaluate("(m) => window.__bt.status.slice(m.s)", mark)
            if log:
                raise PlaygroundError(f"{where}: the input should have been rejected by the widget, "
                                      f"but the playground recomputed (status: {after['status']!r})")
            if after[control]["readout"] != before[control]["readout"]:
                raise PlaygroundError(f"{where}: readout shows {after[control]['readout']!r}, "
                                      f"expected the previous {before[control]['readout']!r}")
            if after[control]["now"] != before[control]["now"]:
                raise PlaygroundError(f"{where}: the slider value moved from "
                                      f"{before[control]['now']} to {after[control]['now']}")
            self.check_no_error(where, after)
            return after
        timeout_s = max(30.0, 10 * self.max_update_s)
        try:
            self.page.wait_for_function("(m) => window.__bt.settled(m)", arg=mark,
                                        timeout=timeout_s * 1000, polling=50)
        except Exception:
            self.screenshot(f"{label}-after-timeout")
            raise PlaygroundError(f"{where}: no redraw within {timeout_s:.0f} s; status now "
                                  f"{self.state()['status']!r}. {self.problems_on_page()}") from None
        timing = self.page.evaluate(
            """(m) => {const bt = window.__bt; const keys = bt.keys.slice(m.k);
                 const key = keys.length ? keys[keys.length - 1] : null;
                 const fin = bt.status.slice(m.s).filter(bt.isFinal)[0];
                 const img = bt.imgs.slice(m.i)[0];
                 return {key, fin: fin.t, img: img ? img.t : null};}""", mark)
        after = self.state()
        self.screenshot(f"{label}-after")
        if timing["key"] is None:
            raise PlaygroundError(f"{where}: the page saw no Enter key or change event")
        seconds = (max(timing["fin"], timing["img"] or 0) - timing["key"]) / 1000.0
        server = re.search(r"updated in ([0-9.]+) s", after["status"])
        self.record({"step": label, "seconds": round(seconds, 3), "limited": time_limit,
                     "compute_s": float(server.group(1)) if server else None})
        self.check_no_error(where, after)
        if require_new_image and after["img"] == mark["src"]:
            raise PlaygroundError(f"{where}: the playground recomputed (status {after['status']!r}) "
                                  "but the plot image did not change")
        if time_limit and seconds > self.max_update_s:
            raise PlaygroundError(
                f"{where}: the redrawn plot arrived {seconds:.2f} s after Enter, more than "
                f"{self.max_update_s:.1f} s (the kernel reports {after['status']!r})")
        return after

    def check_no_error(self, where, state=None):
        state = state or self.state()
        if state["statusPre"]:
            raise PlaygroundError(f"{where}: the playground shows an error: {state['status']}")
        problems = self.problems_on_page()
        if problems:
            raise PlaygroundError(f"{where}: {problems}")

    def check_in_bounds(self, control, where, state=None):
        state = state or self.state()
        s = state[control]
        if not (s["min"] - 1e-9 <= s["now"] <= s["max"] + 1e-9):
            raise PlaygroundError(f"{where}: {control} slider at {s['now']} outside "
                                  f"[{s['min']}, {s['max']}]")
        shown = float(s["readout"])
        value = math.log10(shown) if control in LOG_CONTROLS else shown
        if not (s["min"] - 0.06 <= value <= s["max"] + 0.06):
            raise PlaygroundError(f"{where}: {control} readout {s['readout']!r} is outside the "
                                  f"slider's range")


def pick(state, control, candidates, min_distance):
    """The first candidate inside the slider's range and at least ``min_distance`` from its value
    (in exponent units for log sliders)."""
    s = state[control]
    for c in candidates:
        pos = math.log10(c) if control in LOG_CONTROLS else c
        if s["min"] <= pos <= s["max"] and abs(pos - s["now"]) >= min_distance:
            return c
    raise PlaygroundError(f"no test value for {control} within [{s['min']}, {s['max']}] "
                          f"away from {s['now']}")


def as_text(value, control):
    return f"{value:.0e}" if control in LOG_CONTROLS else f"{value:g}"
