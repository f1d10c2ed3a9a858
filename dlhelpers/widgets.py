"""The course's interactive controls and playgrounds (ipywidgets).

Three standard controls appear in every notebook: :func:`learning_rate_slider`,
:class:`InitStdControl` (log slider plus named schemes) and :func:`dropout_slider`.
A :class:`Playground` ties controls to a compute function and a drawing function; every change
recomputes and redraws in place, and errors are shown to the reader instead of being swallowed.
Anything that trains uses ``continuous_update=False`` so work waits for the slider's release.

Testing without a browser: set ``control.value = ...``; the observers run synchronously, so
``playground.result``, ``.figure``, ``.error`` and ``.n_updates`` change before the next line.
"""
import io
import time
import traceback

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Image, clear_output, display

from .plotting import plot_accuracy, plot_loss_curves

SLIDER_LAYOUT = widgets.Layout(width="420px")
SLIDER_STYLE = {"description_width": "130px"}


def learning_rate_slider(value=0.01, min_exp=-4, max_exp=0, description="learning rate"):
    """Log-scale learning-rate slider from 10**min_exp to 10**max_exp (fires on release)."""
    return widgets.FloatLogSlider(value=value, base=10, min=min_exp, max=max_exp, step=0.1,
                                  description=description, continuous_update=False,
                                  readout_format=".1e", layout=SLIDER_LAYOUT, style=SLIDER_STYLE)


def dropout_slider(value=0.0, description="dropout ratio"):
    """Dropout ratio (probability of dropping a unit) from 0 to 0.9 (fires on release)."""
    return widgets.FloatSlider(value=value, min=0.0, max=0.9, step=0.05, description=description,
                               continuous_update=False, readout_format=".2f",
                               layout=SLIDER_LAYOUT, style=SLIDER_STYLE)


class InitStdControl(widgets.HBox):
    """Weight-init choice: a named scheme ('he', 'xavier', ...) or a custom std on a log slider.

    ``value`` is what ``MultiLayerNet(weight_init_std=...)`` takes: the scheme name, or the
    slider's number when the scheme is 'custom std'. Observers of ``value`` fire on either change.
    """

    value = widgets.widgets.trait_types.traitlets.Any()

    def __init__(self, value="he", schemes=("he", "xavier"), std=0.01, min_exp=-4, max_exp=1,
                 description="weight init"):
        options = [("custom std", "custom")] + [(self._label(s), s) for s in schemes]
        if isinstance(value, str):
            if value not in schemes:
                raise ValueError(f"init scheme {value!r} is not among {schemes}")
            scheme = value
        else:
            scheme, std = "custom", float(value)
        self.scheme = widgets.Dropdown(options=options, value=scheme, description=description,
                                       style=SLIDER_STYLE, layout=widgets.Layout(width="260px"))
        self.std = widgets.FloatLogSlider(value=std, base=10, min=min_exp, max=max_exp, step=0.1,
                                          description="std", continuous_update=False,
                                          readout_format=".1e", layout=widgets.Layout(width="300px"),
                                          style={"description_width": "40px"})
        super().__init__([self.scheme, self.std])
        self.scheme.observe(self._sync, names="value")
        self.std.observe(self._sync, names="value")
        self._sync()

    @staticmethod
    def _label(scheme):
        return {"he": "He  sqrt(2/n)", "xavier": "Xavier  sqrt(1/n)", "lecun": "LeCun  sqrt(1/n)",
                "glorot": "Glorot  sqrt(2/(n+m))"}.get(scheme, scheme)

    def _sync(self, change=None):
        custom = self.scheme.value == "custom"
        self.std.disabled = not custom
        self.value = float(self.std.value) if custom else self.scheme.value


def init_std_control(value="he", **kwargs):
    """Shortcut for :class:`InitStdControl`."""
    return InitStdControl(value=value, **kwargs)


class Playground:
    """Controls -> compute -> draw, redrawn in place on every change.

    Parameters
    ----------
    controls : dict name -> widget
        Each widget's ``value`` is passed to ``compute`` under its name.
    compute : callable(**values) -> result
    draw : callable(result, values) -> matplotlib Figure
    title : str, optional
        Shown above the controls.

    Attributes after each update: ``result``, ``figure`` (closed after display), ``values``,
    ``error`` (the exception text, or None), ``status`` (an HTML widget), ``latency`` (seconds),
    ``n_updates``.
    """

    def __init__(self, controls, compute, draw, title=None, columns=1):
        self.controls = dict(controls)
        self.compute = compute
        self.draw = draw
        self.out = widgets.Output(layout=widgets.Layout(min_height="260px"))
        self.status = widgets.HTML(value="")
        self.result = self.figure = self.error = None
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
        self.status.value = "<span style='color:#777'>working…</span>"
        start = time.perf_counter()
        try:
            self.result = self.compute(**self.values)
            figure = self.draw(self.result, self.values)
        except Exception as err:  # shown to the reader; the playground stays usable
            self.error = f"{type(err).__name__}: {err}"
            self.latency = time.perf_counter() - start
            self.status.value = (f"<pre style='color:#b00020;white-space:pre-wrap'>{_escape(self.error)}\n"
                                 f"{_escape(_short_traceback(err))}</pre>")
            self.n_updates += 1
            return
        self.error = None
        if _in_kernel():
            png = _figure_png(figure)
            with self.out:
                clear_output(wait=True)
                display(Image(data=png, format="png"))
        plt.close(figure)
        self.figure = figure
        self.latency = time.perf_counter() - start
        note = getattr(self.result, "message", None) or ""
        color = "#b00020" if getattr(self.result, "diverged", False) else "#555"
        self.status.value = (f"<span style='color:{color}'>{_escape(note)}</span> "
                             f"<span style='color:#999'>(updated in {self.latency:.2f} s)</span>")
        self.n_updates += 1

    def _ipython_display_(self):
        display(self.widget)


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
_SAMPLE_CACHE = {}


def mnist_sample(n_train=1000, n_test=500):
    """Leading ``n_train`` / ``n_test`` images of the bundled sample (cached; class-balanced order)."""
    key = (n_train, n_test)
    if key not in _SAMPLE_CACHE:
        from .data import load_mnist
        (x, t), (xt, tt) = load_mnist()
        _SAMPLE_CACHE[key] = (x[:n_train], t[:n_train], xt[:n_test], tt[:n_test])
    return _SAMPLE_CACHE[key]


class TrainingRun:
    """What one playground training produced: the trainer's history and a one-line summary."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.history = trainer.history
        self.diverged = trainer.diverged
        self.final_train_acc = self.history["train_acc"][-1]
        self.final_test_acc = self.history["test_acc"][-1]
        self.message = trainer.stop_reason or (
            f"final train acc {self.final_train_acc:.3f}, test acc {self.final_test_acc:.3f}")


def train_small_net(lr=0.1, weight_init_std="he", dropout_ratio=0.0, hidden_size_list=(50, 50),
                    n_train=1000, n_test=500, epochs=8, batch_size=100, optimizer="sgd",
                    activation="relu", use_batchnorm=False, weight_decay_lambda=0.0,
                    optimizer_param=None, seed=0):
    """Train a small MultiLayerNet on the bundled sample; returns a :class:`TrainingRun`.

    Defaults train in well under a second on two cores.
    """
    from .network import MultiLayerNet
    from .training import Trainer
    x, t, xt, tt = mnist_sample(n_train, n_test)
    net = MultiLayerNet(784, list(hidden_size_list), 10, activation=activation,
                        weight_init_std=weight_init_std, weight_decay_lambda=weight_decay_lambda,
                        use_dropout=dropout_ratio > 0, dropout_ratio=dropout_ratio,
                        use_batchnorm=use_batchnorm, seed=seed)
    params = {"lr": lr, **(optimizer_param or {})}
    trainer = Trainer(net, x, t, xt, tt, epochs=epochs, mini_batch_size=batch_size,
                      optimizer=optimizer, optimizer_param=params, seed=seed, verbose=False,
                      progress=False)
    trainer.train()
    return TrainingRun(trainer)


def draw_training_run(run, values=None, title=None):
    """Loss per iteration (left) and train/test accuracy per epoch (right)."""
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(8.4, 3.0))
    losses = np.asarray(run.history["train_loss"], dtype=float)
    plot_loss_curves({"train loss": losses}, ax=ax_loss, smooth=5)
    if len(losses) and np.isfinite(losses).all() and losses.max() > 20 * max(losses.min(), 1e-3):
        ax_loss.set_yscale("log")
    plot_accuracy(run.history, ax=ax_acc)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


class TrainingPlayground(Playground):
    """Train a small net on the bundled MNIST sample and redraw its loss and accuracy curves.

    The three course controls are ``controls['lr']``, ``controls['weight_init_std']`` and
    ``controls['dropout_ratio']``; ``extra_controls`` adds topic controls whose names are keyword
    arguments of :func:`train_small_net` (e.g. ``use_batchnorm``, ``weight_decay_lambda``,
    ``optimizer``, ``activation``). ``fixed`` sets other keyword arguments once.
    """

    def __init__(self, lr=0.1, weight_init_std="he", dropout_ratio=0.0, extra_controls=None,
                 fixed=None, title="Training playground", init_schemes=("he", "xavier")):
        controls = {
            "lr": learning_rate_slider(lr),
            "weight_init_std": InitStdControl(weight_init_std, schemes=init_schemes),
            "dropout_ratio": dropout_slider(dropout_ratio),
        }
        controls.update(extra_controls or {})
        self.fixed = dict(fixed or {})
        super().__init__(controls, self._train, draw_training_run, title=title)

    def _train(self, **values):
        return train_small_net(**{**self.fixed, **values})
