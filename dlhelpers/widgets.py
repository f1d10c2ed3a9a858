"""The course's interactive controls and playgrounds (ipywidgets 7.7 and 8.x).

Three standard controls appear in every notebook: :func:`learning_rate_slider`,
:class:`InitStdControl` (log slider plus named schemes) and :func:`dropout_slider`.
A :class:`Playground` ties controls to a compute function and a drawing function; every change
recomputes and redraws in place, keeps the previous run as a faint ghost (for draw functions that
take ``previous``), shows diverged settings in red, and shows errors instead of swallowing them.
Anything that trains uses ``continuous_update=False`` so work waits for the slider's release.
The training recipe behind the training playgrounds is :mod:`dlhelpers.recipes`.

Only APIs present in both ipywidgets 7.7 (what Colab ships) and 8.x are used.

Testing without a browser: set ``control.value = ...``; the observers run synchronously, so
``playground.result``, ``.figure``, ``.error`` and ``.n_updates`` change before the next line.
"""
import inspect
import io
import math
import time
import traceback

import ipywidgets as widgets
import matplotlib.pyplot as plt
import traitlets
from IPython.display import Image, clear_output, display

from .checks import check_callable, check_dict, check_int, check_number, check_positive, check_range
from .initializers import INIT_SCHEMES
from .playground_result import PlaygroundResult
from .recipes import draw_training_run, train_small_net

ERROR_COLOR = "#b00020"

SLIDER_LAYOUT = widgets.Layout(width="420px")
SLIDER_STYLE = {"description_width": "130px"}


def _check_exponents(min_exp, max_exp):
    min_exp, max_exp = check_number(min_exp, "min_exp"), check_number(max_exp, "max_exp")
    if min_exp >= max_exp:
        raise ValueError(f"min_exp ({min_exp:g}) must be below max_exp ({max_exp:g}): the slider runs "
                         "from 10**min_exp to 10**max_exp")
    return min_exp, max_exp


def _check_log_value(value, name, min_exp, max_exp):
    """A positive number inside [10**min_exp, 10**max_exp] (a log slider would clamp it silently)."""
    return check_range(check_positive(value, name), name, 10.0 ** min_exp, 10.0 ** max_exp,
                       hint="(the slider's range is 10**min_exp .. 10**max_exp)")


def _check_description(description):
    if not isinstance(description, str):
        raise TypeError(f"description must be a str (the control's label), got {description!r}")
    return description


def learning_rate_slider(value=0.01, min_exp=-4, max_exp=0, description="learning rate"):
    """Log-scale learning-rate slider from 10**min_exp to 10**max_exp (fires on release)."""
    min_exp, max_exp = _check_exponents(min_exp, max_exp)
    value = _check_log_value(value, "value", min_exp, max_exp)
    _check_description(description)
    return widgets.FloatLogSlider(value=value, base=10, min=min_exp, max=max_exp, step=0.1,
                                  description=description, continuous_update=False,
                                  readout_format=".1e", layout=SLIDER_LAYOUT, style=SLIDER_STYLE)


def dropout_slider(value=0.0, description="dropout ratio"):
    """Dropout ratio (probability of dropping a unit) from 0 to 0.9 (fires on release)."""
    value = check_range(value, "value", 0.0, 0.9, hint="(the dropout ratio slider runs from 0 to 0.9)")
    _check_description(description)
    return widgets.FloatSlider(value=value, min=0.0, max=0.9, step=0.05, description=description,
                               continuous_update=False, readout_format=".2f",
                               layout=SLIDER_LAYOUT, style=SLIDER_STYLE)


class InitStdControl(widgets.HBox):
    """Weight-init choice: a named scheme ('he', 'xavier', ...) or a custom std on a log slider.

    ``value`` is what ``MultiLayerNet(weight_init_std=...)`` takes: the scheme name, or the
    slider's number when the scheme is 'custom std'. Observers of ``value`` fire on either change.
    """

    value = traitlets.Any()

    def __init__(self, value="he", schemes=("he", "xavier"), std=0.01, min_exp=-4, max_exp=1,
                 description="weight init"):
        schemes = self._check_schemes(schemes)
        min_exp, max_exp = _check_exponents(min_exp, max_exp)
        _check_description(description)
        options = [("custom std", "custom")] + [(self._label(s), s) for s in schemes]
        if isinstance(value, str):
            if value not in schemes:
                raise ValueError(f"value (the init scheme) {value!r} is not among schemes={schemes}")
            scheme = value
            std = _check_log_value(std, "std", min_exp, max_exp)
        else:
            scheme = "custom"
            std = _check_log_value(value, "value (a custom weight_init_std)", min_exp, max_exp)
        # 130 px of description leave 250 px for the longest label, 'Glorot  sqrt(2/(n+m))'
        self.scheme = widgets.Dropdown(options=options, value=scheme, description=description,
                                       style=SLIDER_STYLE, layout=widgets.Layout(width="380px"))
        self.std = widgets.FloatLogSlider(value=std, base=10, min=min_exp, max=max_exp, step=0.1,
                                          description="std", continuous_update=False,
                                          readout_format=".1e", layout=widgets.Layout(width="300px"),
                                          style={"description_width": "40px"})
        super().__init__([self.scheme, self.std], layout=widgets.Layout(flex_flow="row wrap"))
        self.scheme.observe(self._sync, names="value")
        self.std.observe(self._sync, names="value")
        self._sync()

    @staticmethod
    def _check_schemes(schemes):
        if isinstance(schemes, (str, bytes)) or not hasattr(schemes, "__iter__"):
            raise TypeError(f"schemes must be a tuple of scheme names such as ('he', 'xavier'), got {schemes!r}")
        schemes = tuple(schemes)
        unknown = [s for s in schemes if s not in INIT_SCHEMES]
        if not schemes or unknown:
            raise ValueError(f"schemes must name at least one of {INIT_SCHEMES}, got {schemes!r}")
        return schemes

    @staticmethod
    def _label(scheme):
        return {"he": "He  sqrt(2/n)", "xavier": "Xavier  sqrt(1/n)", "lecun": "LeCun  sqrt(1/n)",
                "glorot": "Glorot  sqrt(2/(n+m))"}.get(scheme, scheme)

    def _sync(self, change=None):
        custom = self.scheme.value == "custom"
        self.std.disabled = not custom
        self.value = float(self.std.value) if custom else self.scheme.value


class Playground:
    """Controls -> compute -> draw, redrawn in place on every change.

    Parameters
    ----------
    controls : dict name -> widget
        Each widget's ``value`` is passed to ``compute`` under its name.
    compute : callable(**values) -> result
        Preferably a :class:`dlhelpers.playground_result.PlaygroundResult` (or subclass): its
        ``message`` is shown under the controls, in red when ``diverged`` is True.
    draw : callable(result, values) or callable(result, values, previous) -> matplotlib Figure
        If ``draw`` has a parameter named ``previous`` it receives the result of the last
        successful update (None the first time), to draw as a faint ghost beside the new one.
    title : str, optional
        Shown above the controls.
    columns : int
        Controls per row.

    A control value that is NaN, infinite or outside the slider's range never reaches
    ``compute``: the update is refused with a red message naming the control. An exception in
    ``compute`` or ``draw`` is shown (type, message, short traceback) and stored in ``error``;
    figures a failing ``draw`` opened are closed.

    Attributes after each update: ``result``, ``previous`` (the result before it), ``figure``
    (closed after display), ``values``, ``error`` (the exception text, or None), ``status`` (an
    HTML widget), ``latency`` (seconds), ``n_updates``.
    """

    def __init__(self, controls, compute, draw, title=None, columns=1):
        self.controls = check_dict(controls, "controls", "{'lr': learning_rate_slider()}")
        for name, control in self.controls.items():
            if not (hasattr(control, "value") and hasattr(control, "observe")):
                raise TypeError(f"controls[{name!r}] must be a widget with .value and .observe, got "
                                f"{type(control).__name__}")
        self.compute = check_callable(compute, "compute", "compute(**values) -> result")
        self.draw = check_callable(draw, "draw", "draw(result, values[, previous]) -> Figure")
        if title is not None and not isinstance(title, str):
            raise TypeError(f"title must be a str or None, got {title!r}")
        columns = check_int(columns, "columns", 1)
        self._draw_takes_previous = _takes_parameter(draw, "previous")
        self.out = widgets.Output(layout=widgets.Layout(min_height="260px"))
        self.status = widgets.HTML(value="")
        self.result = self.previous = self.figure = self.error = None
        self.values = {}
        self.latency = None
        self.n_updates = 0
        boxes = list(self.controls.values())
        if columns > 1:
            rows = [widgets.HBox(boxes[i:i + columns]) for i in range(0, len(boxes), columns)]
            control_box = widgets.VBox(rows)
        else:
            control_box = widgets.VBox(boxes)
        header = [widgets.HTML(f"<b>{title}</b>")] if title else []
        self.widget = widgets.VBox(header + [control_box, self.status, self.out])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()

    def _on_change(self, change):
        self.update()

    def update(self):
        """Recompute and redraw with the controls' current values."""
        self.values = {name: control.value for name, control in self.controls.items()}
        start = time.perf_counter()
        refusal = _invalid_control_value(self.controls)
        if refusal is not None:
            self._show_error(refusal, None, start)
            return
        self.status.value = "<span style='color:#777'>working…</span>"
        open_figures = set(plt.get_fignums())
        try:
            result = self.compute(**self.values)
            if self._draw_takes_previous:
                figure = self.draw(result, self.values, previous=self.result)
            else:
                figure = self.draw(result, self.values)
        except Exception as err:  # shown to the reader; the playground stays usable
            for number in set(plt.get_fignums()) - open_figures:
                plt.close(number)
            self._show_error(f"{type(err).__name__}: {err}", err, start)
            return
        self.error = None
        if _in_kernel():
            png = _figure_png(figure)
            with self.out:
                clear_output(wait=True)
                display(Image(data=png, format="png"))
        plt.close(figure)
        self.previous, self.result = self.result, result
        self.figure = figure
        self.latency = time.perf_counter() - start
        note, diverged = "", False
        if isinstance(result, PlaygroundResult):
            note, diverged = result.message, result.diverged
        color = ERROR_COLOR if diverged else "#555"
        self.status.value = (f"<span style='color:{color}'>{_escape(note)}</span> "
                             f"<span style='color:#999'>(updated in {self.latency:.2f} s)</span>")
        self.n_updates += 1

    def _show_error(self, text, err, start):
        self.error = text
        self.latency = time.perf_counter() - start
        detail = f"\n{_escape(_short_traceback(err))}" if err is not None else ""
        self.status.value = (f"<pre style='color:{ERROR_COLOR};white-space:pre-wrap'>"
                             f"{_escape(text)}{detail}</pre>")
        self.n_updates += 1

    def _ipython_display_(self):
        display(self.widget)


def _takes_parameter(fn, name):
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _invalid_control_value(controls):
    """A message naming the first control whose value is NaN, infinite or out of range, else None."""
    for name, control in controls.items():
        checked = control.std if isinstance(control, InitStdControl) else control
        value = checked.value
        if isinstance(control, InitStdControl) and control.scheme.value != "custom":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if not math.isfinite(value):
            return f"{name} = {value} is not a number; move the slider to a valid value"
        low, high = getattr(checked, "min", None), getattr(checked, "max", None)
        if low is None or high is None:
            continue
        if isinstance(checked, widgets.FloatLogSlider):
            low, high = checked.base ** low, checked.base ** high
        if not low * (1 - 1e-9) <= value <= high * (1 + 1e-9) + 1e-12:
            return f"{name} = {value:g} is outside [{low:g}, {high:g}]; pick a value in that range"
    return None


def _figure_png(figure):
    """The figure as PNG bytes, rendered once.

    The inline backend's default ``bbox_inches='tight'`` renders every figure twice (once to
    measure it); for a log-scaled scatter with a colour bar that tripled the redraw time.
    Playground figures set their own layout, so one plain render is enough.
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _in_kernel():
    """True inside a Jupyter kernel (where an Output widget can show the figure)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _escape(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _short_traceback(err, limit=3):
    return "".join(traceback.format_exception(type(err), err, err.__traceback__, limit=-limit))


# ---------------------------------------------------------------------- MNIST training playground
class TrainingPlayground(Playground):
    """Train a small net on the bundled MNIST sample and redraw its loss and accuracy curves.

    The three course controls are ``controls['lr']``, ``controls['weight_init_std']`` and
    ``controls['dropout_ratio']``; ``extra_controls`` adds topic controls whose names are keyword
    arguments of :func:`train_small_net` (e.g. ``use_batchnorm``, ``weight_decay_lambda``,
    ``optimizer``, ``activation``); an entry named like a course control replaces it (e.g. an
    ``'lr'`` slider with another range). ``fixed`` sets other keyword arguments once. The previous
    run stays on the figure as a grey ghost.
    """

    def __init__(self, lr=0.1, weight_init_std="he", dropout_ratio=0.0, extra_controls=None,
                 fixed=None, title="Training playground", init_schemes=("he", "xavier")):
        extra = check_dict(extra_controls, "extra_controls", "{'use_batchnorm': Checkbox()}", allow_none=True)
        standard = {"lr": lambda: learning_rate_slider(lr),
                    "weight_init_std": lambda: InitStdControl(weight_init_std, schemes=init_schemes),
                    "dropout_ratio": lambda: dropout_slider(dropout_ratio)}
        # a standard control given in extra_controls replaces the default one (which is not built)
        controls = {name: extra.pop(name) if name in extra else make() for name, make in standard.items()}
        controls.update(extra)
        self.fixed = check_dict(fixed, "fixed", "{'epochs': 4}", allow_none=True)
        super().__init__(controls, self._train, draw_training_run, title=title)

    def _train(self, **values):
        return train_small_net(**{**self.fixed, **values})
