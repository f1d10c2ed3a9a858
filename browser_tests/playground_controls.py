"""Every control of every playground on a Voila page, found from the page and changed once.

Nothing here knows a notebook's control names. A playground is recognised by how
``dlhelpers.widgets.Playground`` lays itself out (a widget box whose direct children end with the
status HTML and an Output widget); its controls are the ipywidgets inside that box, outside the
output, named by their visible labels. Each is changed once the way a person would:

  slider with an editable readout   type a value a quarter of the range away (on the slider's
                                    step grid, lower side first) + Enter
  range slider                      type "low – high" with one end moved inwards + Enter
  slider whose readout ignores      focus the handle, one arrow-key step (a SelectionSlider:
  typing or is not editable         its readout is editable but ignores what is typed)
  dropdown / toggle buttons / radio pick the last option not selected (new options tend to be
                                    appended last, e.g. a "yours" entry)
  checkbox / toggle button          click it
  button                            click it (a redraw is recorded but not required)
  number box                        type the current value plus one step + Enter

Then the playground must finish an update (the status line says "updated in", or an error is
shown, which fails) within the time limit; a new plot image is recorded but not required (two
settings can draw the same picture). A control still disabled after all others were changed is
recorded as not driven. Controls of a kind not listed above fail the test: add a driver here.

The timing uses the watcher of ``playground_page`` (page clock, from the last user action to the
final status or new image, whichever is later).
"""
import math
import re
import time

from playground_page import MAKE_WATCHER, PlaygroundError

# Labels of controls whose change can multiply the training work (epochs, trials, training-set
# size, mini-batch size: more steps per epoch, depth): they get the --max-heavy-update-seconds limit
# instead of --max-update-seconds. Everything else, choices and toggles included, gets the latter.
HEAVY_LABELS = re.compile(r"epoch|trial|batch|training[- ]set|train(ing)? size|samples|images|layers",
                          re.I)

CONTROL_SELECTOR = ", ".join(f".widget-{kind}" for kind in (
    "slider", "dropdown", "toggle-buttons", "radio", "checkbox", "toggle-button", "button", "text",
    "textarea", "select", "select-multiple", "combobox", "colorpicker", "datepicker", "play",
    "tagsinput"))

# Tags every playground box (data-bt-pg="k") and its controls (data-bt-ctl="k:j"), gives each
# playground a watcher window.__btp[k] (once), and describes what it found.
DISCOVER = r"""
(args) => {
""" + MAKE_WATCHER + r"""
  const [controlSelector] = args;
  if (!window.__btActs) {
    const acts = window.__btActs = [];
    const push = () => acts.push(performance.now());
    const keys = ['Enter', ' ', 'ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'PageUp',
                  'PageDown', 'Home', 'End'];
    document.addEventListener('keydown', e => { if (keys.includes(e.key)) push(); }, true);
    document.addEventListener('change', push, true);
    document.addEventListener('click', push, true);
    window.__btp = {};
  }
  const clean = (t) => (t || '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
  const boxes = [...document.querySelectorAll('.widget-box')].filter(b => {
    const o = b.querySelector(':scope > .widget-output');
    return o && o.previousElementSibling && o.previousElementSibling.classList.contains('widget-html')
        && !b.closest('.widget-output');
  });
  const main = document.querySelector('[data-bt-playground]');
  const known = {};
  for (const name of ['lr', 'std', 'dropout']) {
    const r = document.querySelector(`[data-bt="${name}-readout"]`);
    if (r) known[name] = r.closest('.widget-slider');
  }
  const sel = document.querySelector('[data-bt="init-select"]');
  if (sel) known['init'] = sel.closest('.widget-dropdown');
  const kindOf = (el) => {
    const c = el.classList;
    if (c.contains('widget-slider'))
      return el.querySelectorAll('.noUi-handle').length > 1 ? 'range-slider' : 'slider';
    for (const k of ['dropdown', 'toggle-buttons', 'radio', 'checkbox', 'toggle-button', 'button'])
      if (c.contains('widget-' + k)) return k;
    if (c.contains('widget-text') && el.querySelector('input[type=number]')) return 'number';
    return 'unsupported (' + [...c].filter(x => x.startsWith('widget-')).join(' ') + ')';
  };
  const labelOf = (el) => {
    const l = el.querySelector(':scope > label.widget-label');
    let t = l ? clean(l.textContent) : '';
    if (!t && el.classList.contains('widget-checkbox'))
      t = clean((el.querySelector('.widget-label-basic span') || {}).textContent);
    if (!t && el.tagName === 'BUTTON') t = clean(el.textContent) || clean(el.getAttribute('title'));
    return t;
  };
  return boxes.map((box, k) => {
    box.setAttribute('data-bt-pg', String(k));
    const out = box.querySelector(':scope > .widget-output');
    const status = out.previousElementSibling;
    if (!window.__btp[k]) window.__btp[k] = makeWatcher(out, status, window.__btActs);
    const first = box.firstElementChild;
    const title = first && first !== status && first.classList.contains('widget-html')
        ? clean(first.innerText) : '';
    const all = [...box.querySelectorAll(controlSelector)].filter(el => !el.closest('.widget-output'));
    const controls = all.filter(el => !all.some(o => o !== el && o.contains(el)));
    const inControls = (el) => controls.some(c => c.contains(el));
    const stray = [...box.querySelectorAll('input, select, textarea, button, [contenteditable], .noUi-handle')]
        .filter(el => !el.closest('.widget-output') && !inControls(el))
        .map(el => el.outerHTML.slice(0, 160));
    return {index: k, title, main: box === main, stray,
            status: clean(status.innerText),
            controls: controls.map((el, j) => {
              el.setAttribute('data-bt-ctl', `${k}:${j}`);
              const knownAs = box === main
                  ? (Object.entries(known).find(([, e]) => e === el) || [null])[0] : null;
              return {id: `${k}:${j}`, playground: k, kind: kindOf(el), label: labelOf(el),
                      known: knownAs};
            })};
  });
}
"""

# The state of one tagged control: its value(s), range, options, whether it can be used.
CONTROL_STATE = r"""
(id) => {
  const el = document.querySelector(`[data-bt-ctl="${id}"]`);
  if (!el) return null;
  const clean = (t) => (t || '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
  const s = {};
  if (el.classList.contains('widget-slider')) {
    const target = el.querySelector('.noUi-target');
    const api = target && target.noUiSlider;
    const handles = [...el.querySelectorAll('.noUi-handle')];
    const readout = el.querySelector('.widget-readout');
    // The API's unformatted values: aria-valuenow is rounded for display (0.65 shows as 0.7).
    const raw = api ? api.get(true) : null;
    s.now = raw !== null ? [].concat(raw).map(Number)
                         : handles.map(h => parseFloat(h.getAttribute('aria-valuenow')));
    const range = api ? api.options.range : null;
    s.min = range ? range.min : parseFloat(handles[0].getAttribute('aria-valuemin'));
    s.max = range ? range.max : parseFloat(handles[handles.length - 1].getAttribute('aria-valuemax'));
    s.step = api && typeof api.options.step === 'number' ? api.options.step : null;
    s.readout = readout ? clean(readout.textContent) : null;
    s.editable = !!readout && readout.getAttribute('contenteditable') === 'true';
    s.disabled = !!target && target.hasAttribute('disabled');
  } else if (el.querySelector('select')) {
    const select = el.querySelector('select');
    s.options = [...select.options].map(o => clean(o.textContent));
    s.selected = select.selectedIndex;
    s.disabled = select.disabled;
  } else if (el.classList.contains('widget-toggle-buttons')) {
    const buttons = [...el.querySelectorAll('button')];
    s.options = buttons.map(b => clean(b.textContent) || clean(b.getAttribute('title')));
    s.selected = buttons.findIndex(b => b.classList.contains('mod-active'));
    s.disabled = buttons.every(b => b.disabled);
  } else if (el.classList.contains('widget-radio')) {
    const inputs = [...el.querySelectorAll('input[type=radio]')];
    s.options = inputs.map(i => clean((i.closest('label') || i.parentElement).textContent));
    s.selected = inputs.findIndex(i => i.checked);
    s.disabled = inputs.every(i => i.disabled);
  } else if (el.classList.contains('widget-checkbox')) {
    const input = el.querySelector('input[type=checkbox]');
    s.checked = input.checked;
    s.disabled = input.disabled;
  } else if (el.tagName === 'BUTTON') {
    s.pressed = el.classList.contains('mod-active');
    s.disabled = el.disabled;
  } else {
    const input = el.querySelector('input');
    if (input) {
      s.value = input.value; s.disabled = input.disabled;
      s.min = input.min; s.max = input.max; s.step = input.step;
    }
  }
  return s;
}
"""


def slider_is_log(state):
    """A FloatLogSlider's handle sits at the exponent while its readout shows base**exponent."""
    try:
        shown = float(state["readout"])
    except (TypeError, ValueError):
        return False
    now = state["now"][0]
    if abs(shown - now) <= 1e-9 + 1e-6 * abs(now):
        return False
    return shown > 0 and abs(math.log10(shown) - now) < 0.06


def _decimals(step):
    text = f"{step:.10f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def _format(position, step, log):
    if log:
        return f"{10 ** position:.1e}"
    digits = _decimals(step) if step else 3
    return f"{round(position, digits) + 0.0:.{digits}f}"  # + 0.0: no "-0.0"


def slider_target(state):
    """A new handle position a quarter of the range away, on the step grid, lower side first;
    returns (position, text to type)."""
    lo, hi, now = state["min"], state["max"], state["now"][0]
    step = state["step"] or (hi - lo) / 100
    k = max(1, round((hi - lo) / 4 / step))
    position = now - k * step if now - k * step >= lo - 1e-9 else now + k * step
    position = min(max(position, lo), hi)
    return position, _format(position, step, slider_is_log(state))


def range_target(state):
    """Move the lower end up by a quarter of the gap (at least one step), else the upper end down."""
    lo_now, hi_now = state["now"]
    step = state["step"] or (state["max"] - state["min"]) / 100
    k = max(1, round((hi_now - lo_now) / 4 / step))
    if lo_now + k * step <= hi_now - step + 1e-9:
        new = (lo_now + k * step, hi_now)
    elif hi_now - k * step >= lo_now + 1e-9:
        new = (lo_now, hi_now - k * step)
    else:  # both ends together: widen downwards, or upwards at the minimum
        new = (lo_now - step, hi_now) if lo_now - step >= state["min"] else (lo_now, hi_now + step)
    text = " – ".join(_format(v, step, False) for v in new)
    return new, text


def other_option(state):
    """The last option that is not selected."""
    choices = [i for i in range(len(state["options"])) if i != state["selected"]]
    if not choices:
        raise PlaygroundError(f"only one option ({state['options']}): nothing to change to")
    return choices[-1]


class ControlDriver:
    """Changes the discovered controls of a :class:`playground_page.PlaygroundPage` one by one."""

    def __init__(self, pg, max_update_s, max_heavy_update_s):
        self.pg = pg
        self.page = pg.page
        self.max_update_s = max_update_s
        self.max_heavy_update_s = max_heavy_update_s

    def discover(self):
        return self.page.evaluate(DISCOVER, [CONTROL_SELECTOR])

    def control_state(self, cid):
        return self.page.evaluate(CONTROL_STATE, cid)

    def limit_for(self, label):
        return self.max_heavy_update_s if HEAVY_LABELS.search(label or "") else self.max_update_s

    # ------------------------------------------------------------------ acting
    def _type_into(self, locator, text, where):
        locator.click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)
        typed = (locator.text_content() or "").replace("\u00a0", " ").strip()
        if typed != text:
            raise PlaygroundError(f"{where}: typing {text!r} left {typed!r} in the readout")
        self.page.keyboard.press("Enter")

    def _act(self, control, state, where):
        """Perform the change; returns (description of the new value, check(state_after) -> error)."""
        el = self.page.locator(f'[data-bt-ctl="{control["id"]}"]')
        kind = control["kind"]
        if kind == "slider" and state["editable"]:
            position, text = slider_target(state)
            mark = self.page.evaluate(f"() => window.__btp[{control['playground']}].mark()")
            self._type_into(el.locator(".widget-readout"), text, where)
            tolerance = (state["step"] or 0) / 2 + 0.02 + 1e-9

            def check(after):
                if abs(after["now"][0] - position) > tolerance:
                    return f"the handle is at {after['now'][0]}, expected {position} after typing {text!r}"
            if self._typing_took(control, state, mark):
                return text, check
            # A SelectionSlider's readout is editable but ignores what is typed (ipywidgets 8):
            # a person then moves the handle instead.
            typed_note = f"typed {text!r}: ignored; "
        else:
            typed_note = ""
        if kind == "slider":
            key = "ArrowLeft" if state["now"][0] > state["min"] else "ArrowRight"
            el.locator(".noUi-handle").first.focus()
            self.page.keyboard.press(key)

            def check(after):
                if after["now"][0] == state["now"][0]:
                    return f"{key} on the focused handle did not move it ({state['readout']!r})"
            return f"{typed_note}{key} (one step from {state['readout']!r})", check
        if kind == "range-slider":
            if not state["editable"]:
                raise PlaygroundError(f"{where}: the range slider's readout is not editable")
            new, text = range_target(state)
            self._type_into(el.locator(".widget-readout"), text, where)
            tolerance = (state["step"] or 0) / 2 + 1e-9

            def check(after):
                if any(abs(a - b) > tolerance for a, b in zip(after["now"], new)):
                    return f"the handles are at {after['now']}, expected {list(new)} after {text!r}"
            return text, check
        if kind in ("dropdown", "toggle-buttons", "radio"):
            i = other_option(state)
            if kind == "dropdown":
                el.locator("select").select_option(index=i)
            elif kind == "toggle-buttons":
                el.locator("button").nth(i).click()
            else:
                el.locator("input[type=radio]").nth(i).click()

            def check(after):
                if after["selected"] != i:
                    return f"option {state['options'][i]!r} was picked but {after['selected']} is selected"
            return state["options"][i], check
        if kind in ("checkbox", "toggle-button"):
            (el.locator("input[type=checkbox]") if kind == "checkbox" else el).click()
            flag = "checked" if kind == "checkbox" else "pressed"

            def check(after):
                if after[flag] == state[flag]:
                    return f"clicking did not change it ({flag} is still {state[flag]})"
            return f"{flag}={not state[flag]}", check
        if kind == "button":
            el.click()
            return "clicked", lambda after: None
        if kind == "number":
            step = float(state["step"]) if state.get("step") not in (None, "", "any") else 1.0
            value = float(state["value"]) + step
            if state.get("max") not in (None, "") and value > float(state["max"]):
                value = float(state["value"]) - step
            text = f"{value:g}"
            box = el.locator("input")
            box.fill(text)
            box.press("Enter")

            def check(after):
                if abs(float(after["value"]) - value) > 1e-9:
                    return f"the box shows {after['value']!r} after typing {text!r}"
            return text, check
        raise PlaygroundError(f"{where}: no driver for a control of kind {kind!r}; add one in "
                              "browser_tests/playground_controls.py")

    def _typing_took(self, control, state, mark, wait_s=1.0):
        """Whether the typed value reached the slider: its handle moved or an update started."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.control_state(control["id"])["now"] != state["now"]:
                return True
            if self.page.evaluate(f"(m) => window.__btp[{control['playground']}].status.length > m.s",
                                  mark):
                return True
            time.sleep(0.05)
        return False

    def drive(self, playground, control, record):
        """Change one control once and check the playground's redraw, filling in ``record``
        (from, to, seconds, limit_s, compute_s, new_image, diverged) as it goes."""
        pg = self.pg
        label = control["label"] or control["kind"]
        where = (f"{pg.notebook}, playground {playground['index']} "
                 f"({playground['title'][:50] or 'untitled'}), control {label!r} ({control['kind']})")
        state = self.control_state(control["id"])
        limit = self.limit_for(label)
        record.update(playground=playground["index"], label=label, kind=control["kind"],
                      limit_s=limit, **{"from": _describe(state)})
        pg.step += 1
        shot_name = f"pg{playground['index']}-{label}"
        selector = f'[data-bt-pg="{playground["index"]}"]'
        pg.screenshot(f"{shot_name}-before", selector)
        bt = f"window.__btp[{playground['index']}]"
        mark = self.page.evaluate(f"() => {bt}.mark()")
        to, check = self._act(control, state, where)
        record["to"] = to
        wait_s = max(30.0, 10 * limit)
        try:
            self.page.wait_for_function(f"(m) => {bt}.settled(m)", arg=mark,
                                        timeout=wait_s * 1000, polling=50)
        except Exception:
            pg.screenshot(f"{shot_name}-after-timeout", selector)
            if control["kind"] == "button":
                record.update(redrew=False)
                pg.check_no_error(where, self._status_state(playground["index"]))
                return record
            raise PlaygroundError(
                f"{where}: after {to!r} no update finished within {wait_s:.0f} s; status now "
                f"{self._status_state(playground['index'])['status']!r}. "
                f"{pg.problems_on_page()}") from None
        timing = self.page.evaluate(
            f"""(m) => {{const bt = {bt}; const keys = bt.keys.slice(m.k);
                 const fin = bt.status.slice(m.s).filter(bt.isFinal)[0];
                 const img = bt.imgs.slice(m.i)[0];
                 return {{key: keys.length ? keys[keys.length - 1] : null, fin: fin.t,
                          img: img ? img.t : null, src: bt.imgSrc()}};}}""", mark)
        pg.screenshot(f"{shot_name}-after", selector)
        status = self._status_state(playground["index"])
        if timing["key"] is None:
            raise PlaygroundError(f"{where}: the page saw no key, click or change event")
        seconds = (max(timing["fin"], timing["img"] or 0) - timing["key"]) / 1000.0
        server = re.search(r"updated in ([0-9.]+) s", status["status"])
        record.update(seconds=round(seconds, 3), limit_s=limit, redrew=True,
                      new_image=timing["src"] != mark["src"],
                      compute_s=float(server.group(1)) if server else None,
                      diverged=bool(status["redText"]) and not status["pre"])
        pg.check_no_error(where, status)
        problem = check(self.control_state(control["id"]))
        if problem:
            raise PlaygroundError(f"{where}: {problem}")
        if seconds > limit:
            raise PlaygroundError(f"{where}: after {to!r} the update finished {seconds:.2f} s "
                                  f"after the action, more than {limit:.1f} s "
                                  f"(the kernel reports {status['status']!r})")
        return record

    def _status_state(self, k):
        return self.page.evaluate(
            """([k, red]) => {
                 const box = document.querySelector(`[data-bt-pg="${k}"]`);
                 const status = box.querySelector(':scope > .widget-output').previousElementSibling;
                 const redEls = [...status.querySelectorAll('span, font, div, b')].filter(
                     el => getComputedStyle(el).color === red && el.textContent.trim() && !el.closest('pre'));
                 return {status: status.innerText, statusPre: !!status.querySelector('pre'),
                         pre: !!status.querySelector('pre'),
                         redText: redEls.map(el => el.textContent.trim()).join(' ')};
               }""", [k, "rgb(176, 0, 32)"])

    # ------------------------------------------------------------------ the whole page
    def drive_all(self):
        """Change every control not covered by the three-control tests once.

        Returns (found, records, failures): ``found`` lists each playground's title and controls,
        ``records`` one dict per change, ``failures`` the error messages (all controls are tried).
        """
        done, records, failures = set(), [], []
        found = None
        for _ in range(100):
            playgrounds = self.discover()
            if found is None:
                found = [{"playground": p["index"], "title": p["title"], "main": p["main"],
                          "controls": [{"label": c["label"], "kind": c["kind"],
                                        "known": c["known"]} for c in p["controls"]],
                          "stray_inputs": p["stray"]} for p in playgrounds]
            todo = []
            for p in playgrounds:
                seen = {}
                for c in p["controls"]:
                    n = seen[(c["label"], c["kind"])] = seen.get((c["label"], c["kind"]), 0) + 1
                    key = (p["index"], c["label"], c["kind"], n)
                    if c["known"] or key in done:
                        continue
                    todo.append((key, p, c))
            usable = [(key, p, c) for key, p, c in todo
                      if not self.control_state(c["id"]).get("disabled")]
            if not usable:
                for key, p, c in todo:
                    records.append({"playground": p["index"], "label": c["label"],
                                    "kind": c["kind"], "driven": False,
                                    "why": "disabled after every other control was changed"})
                break
            key, p, c = usable[0]
            done.add(key)
            record = {"driven": True}
            records.append(record)
            try:
                self.drive(p, c, record)
            except PlaygroundError as err:
                failures.append(str(err))
                record["failed"] = str(err)[:400]
                time.sleep(0.5)
        for p in found or []:
            if p["stray_inputs"]:
                failures.append(f"{self.pg.notebook}, playground {p['playground']}: inputs outside "
                                f"any recognised control: {p['stray_inputs'][:3]}")
        return found or [], records, failures


def _describe(state):
    if state is None:
        return None
    if "readout" in state:
        return state["readout"]
    if "options" in state:
        return state["options"][state["selected"]] if state["selected"] >= 0 else None
    for key in ("checked", "pressed", "value"):
        if key in state:
            return f"{key}={state[key]}"
    return None
