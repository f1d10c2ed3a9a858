"""Figures and the playground of notebook 01, drawn from :mod:`dlhelpers.experiments.backprop`.

* :func:`draw_fruit_graph`, :func:`draw_sigmoid_graph` - the computational graphs of section 8-9;
* :func:`draw_descent_paths` - gradient descent on the bowl, a diverged run in red;
* :func:`training_playground` - the notebook's playground (a run whose loss climbs above
  :data:`BLOWUP_FACTOR` times its start is marked diverged, in red), drawn by :func:`draw_run_01`.
"""
import matplotlib.pyplot as plt
import numpy as np

from ..experiments.backprop import fruit_example, sigmoid_stages
from ..plotting import DIVERGED_COLOR, PALETTE
from ..recipes import draw_training_run
from ..widgets import TrainingPlayground, learning_rate_slider

__all__ = ["draw_fruit_graph", "draw_sigmoid_graph", "draw_descent_paths", "BLOWUP_FACTOR",
           "draw_run_01", "training_playground"]


def draw_fruit_graph(values=None, ax=None):
    """Draw the shopping graph: forward values above each edge, gradients (red) below."""
    v = values or fruit_example()
    ax = ax or plt.gca()
    nodes = {"×a": (2.6, 2.2), "×o": (2.6, 0.0), "+": (5.0, 1.1), "×t": (7.4, 1.1)}
    for label, (x, y) in nodes.items():
        ax.add_patch(plt.Circle((x, y), 0.3, facecolor="white", edgecolor="black", zorder=3))
        ax.text(x, y, label[0], ha="center", va="center", fontsize=14, zorder=4)
    # (start, end, input name, forward value, gradient, where along the edge the numbers go)
    edges = [((0.0, 2.9), nodes["×a"], "apple", v["apple"], v["d_apple"], 0.4),
             ((0.0, 1.5), nodes["×a"], "n apples", v["n_apple"], v["d_n_apple"], 0.4),
             ((0.0, 0.7), nodes["×o"], "orange", v["orange"], v["d_orange"], 0.4),
             ((0.0, -0.7), nodes["×o"], "n oranges", v["n_orange"], v["d_n_orange"], 0.4),
             (nodes["×a"], nodes["+"], "", v["apple_total"], v["d_apple_total"], 0.5),
             (nodes["×o"], nodes["+"], "", v["orange_total"], v["d_orange_total"], 0.5),
             (nodes["+"], nodes["×t"], "", v["subtotal"], v["d_subtotal"], 0.5),
             ((5.6, -0.9), nodes["×t"], "tax", v["tax"], v["d_tax"], 0.45),
             (nodes["×t"], (9.4, 1.1), "", v["price"], 1.0, 0.5)]
    for (x0, y0), (x1, y1), name, fwd, bwd, frac in edges:
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle="-|>", color="0.35", shrinkA=0, shrinkB=13, lw=1.2))
        xm, ym = x0 + frac * (x1 - x0), y0 + frac * (y1 - y0)
        if name:
            ax.text(x0 - 0.1, y0, name, ha="right", va="center", fontsize=9, color="0.3")
        ax.text(xm, ym + 0.14, f"{fwd:g}", ha="center", va="bottom", fontsize=10, color=PALETTE[0])
        ax.text(xm, ym - 0.14, f"{bwd:.3g}", ha="center", va="top", fontsize=10, color=PALETTE[1])
    ax.text(9.5, 1.1, "price", ha="left", va="center", fontsize=9, color="0.3")
    ax.set(xlim=(-1.3, 10.3), ylim=(-1.2, 3.2), aspect="equal")
    ax.axis("off")
    ax.set_title("forward values (blue, above) and gradients d price / d edge (orange, below)")
    return ax



def draw_sigmoid_graph(values=None, ax=None):
    """Draw the sigmoid's graph x -> [×-1] -> [exp] -> [+1] -> [1/·] -> y with the values of
    :func:`sigmoid_stages` (default x = 1): forward values above each edge (blue), gradients below
    (orange)."""
    v = values or sigmoid_stages(1.0)
    ax = ax or plt.gca()
    labels = ["×(-1)", "exp", "+1", "1/·"]
    xs = [1.6, 3.4, 5.2, 7.0]
    for label, x in zip(labels, xs):
        ax.add_patch(plt.Circle((x, 0), 0.38, facecolor="white", edgecolor="black", zorder=3))
        ax.text(x, 0, label, ha="center", va="center", fontsize=10, zorder=4)
    starts = [0.0] + xs
    ends = xs + [8.8]
    fwd = [v["x"], v["a"], v["b"], v["c"], v["y"]]
    bwd = [v["dx"], v["da"], v["db"], v["dc"], v["dy"]]
    names = ["x", "a", "b", "c", "y"]
    for x0, x1, f, g, name in zip(starts, ends, fwd, bwd, names):
        ax.annotate("", xy=(x1, 0), xytext=(x0, 0),
                    arrowprops=dict(arrowstyle="-|>", color="0.35", shrinkA=0 if x0 == 0 else 15,
                                    shrinkB=15 if x1 != 8.8 else 0, lw=1.2))
        xm = (x0 + x1) / 2
        ax.text(xm, 0.18, f"{name} = {f:.3g}", ha="center", va="bottom", fontsize=9.5, color=PALETTE[0])
        ax.text(xm, -0.18, f"{g:.3g}", ha="center", va="top", fontsize=9.5, color=PALETTE[1])
    ax.set(xlim=(-0.3, 9.1), ylim=(-0.8, 0.8), aspect="equal")
    ax.axis("off")
    ax.set_title(f"sigmoid at x = {v['x']:g}: forward values (blue, above), "
                 f"gradients dy/d(edge) (orange, below)", fontsize=10)
    return ax



def draw_descent_paths(paths):
    """Two panels for gradient descent runs ``{lr: (steps+1, 2) path}`` on the bowl x0^2 + x1^2.

    Left: the distance to the minimum after each step (log axis). Right: the coordinate x1 step by
    step, which shows the sign flipping when a step overshoots. A run whose distance grows is
    marked diverged: red, with x markers and the word in its legend label.

    Returns
    -------
    matplotlib Figure
    """
    fig, (ax_dist, ax_x1) = plt.subplots(1, 2, figsize=(10, 3.4))
    for i, (lr, path) in enumerate(paths.items()):
        dist = np.linalg.norm(path, axis=1)
        diverged = dist[-1] > dist[0]
        style = dict(color=DIVERGED_COLOR, marker="x", markersize=4) if diverged else \
            dict(color=PALETTE[i], marker="o", markersize=3)
        label = f"lr {lr}" + (": diverged" if diverged else "")
        ax_dist.semilogy(dist, "-", label=label, **style)
        ax_x1.plot(path[:, 1], "-", label=label, **style)
    ax_dist.set(title="distance to the minimum (log scale)", xlabel="step",
                ylabel="$\\|x\\|$", ylim=(1e-2, 30))
    ax_dist.legend(loc="lower left", fontsize=8)
    ax_x1.axhline(0, color="black", linewidth=0.8)
    ax_x1.set(title="the coordinate $x_1$ step by step", xlabel="step", ylabel="$x_1$", ylim=(-10, 10))
    ax_x1.legend(ncol=2, loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig



# --------------------------------------------------------------------------- playground
#: A run whose mini-batch loss ever exceeds this many times its first value is marked diverged.
BLOWUP_FACTOR = 2.0


class _Playground01(TrainingPlayground):
    """TrainingPlayground that also marks a loss blow-up as diverged.

    The Trainer stops only when the loss becomes NaN or explodes past 100 times its start; with
    ReLU units a too-large learning rate usually makes the loss jump to 10-30 and then kills the
    units, so the loss settles near 2 without ever exploding. Drawn plainly, that run would look
    like one that merely did not learn; here it is marked diverged (red) and its message says why.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.draw = draw_run_01

    def _train(self, **values):
        run = super()._train(**values)
        losses = np.asarray(run.history["train_loss"], dtype=float)
        if not run.diverged and len(losses) and np.nanmax(losses) > BLOWUP_FACTOR * losses[0]:
            run.diverged = True
            run.message = (f"diverged: the loss jumped from {losses[0]:.2f} to {np.nanmax(losses):.1f} "
                           f"(steps overshoot); final train acc {run.final_train_acc:.3f}, "
                           f"test acc {run.final_test_acc:.3f}")
        return run


def draw_run_01(run, values=None, previous=None, title=None):
    """:func:`dlhelpers.recipes.draw_training_run`, with a diverged run's own curves drawn in red.

    The grey ghost of ``previous`` (drawn at zorder 0) keeps its colour.
    """
    fig = draw_training_run(run, values, previous=previous, title=title)
    if run.diverged:
        # a diverged run sits near chance level: its legend goes where the curves are not
        for ax, where in zip(fig.axes, ("upper right", "upper left")):
            for line in ax.get_lines():
                if line.get_zorder() > 0:
                    line.set_color(DIVERGED_COLOR)
            if ax.get_legend() is not None:
                ax.legend(loc=where, fontsize=8)
    return fig


def training_playground(lr=0.1, weight_init_std=0.01, dropout_ratio=0.0, hidden_size_list=(50,),
                        n_train=1000, epochs=10):
    """The notebook's playground: the two-layer net (784-50-10, ReLU) on 1000 MNIST images.

    Learning rate, weight init and dropout ratio redraw the loss curve and the accuracies; the
    previous run stays as a grey ghost. The learning-rate slider reaches 10 (not just 1) so that a
    rate that is too large can be seen; it moves in steps of 10**0.1 (0.1, 0.126, ..., 0.316, ...,
    3.16). A run whose loss climbs above BLOWUP_FACTOR times its start is marked diverged (red).
    """
    sizes = "-".join(str(h) for h in hidden_size_list)
    return _Playground01(
        lr=lr, weight_init_std=weight_init_std, dropout_ratio=dropout_ratio,
        extra_controls={"lr": learning_rate_slider(lr, min_exp=-4, max_exp=1)},
        fixed={"hidden_size_list": tuple(hidden_size_list), "n_train": n_train, "epochs": epochs},
        title=f"Two-layer net 784-{sizes}-10 on {n_train} MNIST images, {epochs} epochs of SGD")
