"""Experiments of notebook 01 (loss functions and backpropagation).

What each figure of the notebook computes lives here, so that ``tests/test_claims_01_03.py``
checks the notebook's claims with the same code (``tests/test_claims_01.py``):

* :func:`score_gradients` - why cross-entropy, not MSE, goes with a saturating output;
* :func:`quickly_trained_net`, :func:`loss_along_direction` - the loss changes on every small move
  of the weights, the accuracy is a step function of them;
* :func:`difference_errors` - forward vs central difference quotients;
* :func:`gradient_descent_path`, :func:`draw_descent_paths` - plain gradient descent on a 2-D bowl;
* :func:`numerical_gradient_cost`, :func:`throughput_by_batch_size` - timings;
* :class:`AddNode`, :class:`MulNode`, :func:`fruit_example`, :func:`draw_fruit_graph` - the
  computational graph of the shopping example; :func:`sigmoid_stages`, :func:`draw_sigmoid_graph` -
  the sigmoid as a graph of four elementary nodes;
* :func:`layer_gradient_errors`, :func:`network_gradient_errors` - gradient checks, each a
  :class:`dlhelpers.gradcheck.GradientCheck` report (print it for one rounded line per parameter);
* :func:`code_of` - a function's source without its docstring, to show next to the lesson;
* :func:`training_playground` - the notebook's playground (a run whose loss climbs above twice its
  start is marked diverged, in red).
"""
import ast
import inspect
import textwrap
import time

import matplotlib.pyplot as plt
import numpy as np

from ..functions import softmax
from ..gradcheck import check_layer_gradients, check_network_gradients, compare_gradients, numerical_gradient
from ..layers import Affine, ReLU, Sigmoid, SoftmaxWithLoss
from ..network import MultiLayerNet
from ..parallel import blas_thread_limit
from ..plotting import PALETTE
from ..recipes import DIVERGED_COLOR, draw_training_run
from ..training import Trainer
from ..widgets import TrainingPlayground, learning_rate_slider

__all__ = ["AddNode", "MulNode", "fruit_example", "draw_fruit_graph", "sigmoid_stages",
           "draw_sigmoid_graph", "score_gradients", "quickly_trained_net", "loss_along_direction",
           "difference_errors", "gradient_descent_path", "draw_descent_paths", "numerical_gradient_cost",
           "throughput_by_batch_size", "layer_gradient_errors", "network_gradient_errors",
           "training_playground", "draw_run_01", "BLOWUP_FACTOR"]


# --------------------------------------------------------------------------- computational graph
class AddNode:
    """z = x + y. Backward hands the upstream gradient to both inputs unchanged."""

    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        """Returns (dL/dx, dL/dy) = (dout, dout)."""
        return dout, dout


class MulNode:
    """z = x * y. Backward multiplies the upstream gradient by the *other* input (swapped)."""

    def __init__(self):
        self.x = self.y = None

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        """Returns (dL/dx, dL/dy) = (dout * y, dout * x): the inputs trade places."""
        return dout * self.y, dout * self.x


def fruit_example(apple=100.0, n_apple=2, orange=150.0, n_orange=3, tax=1.1):
    """Total price = (apple * n_apple + orange * n_orange) * tax, forward and backward.

    Returns
    -------
    dict with the forward values ('apple_total', 'orange_total', 'subtotal', 'price') and the
    derivative of the price with respect to every input ('d_apple', 'd_n_apple', 'd_orange',
    'd_n_orange', 'd_tax').
    """
    mul_apple, mul_orange, add, mul_tax = MulNode(), MulNode(), AddNode(), MulNode()
    apple_total = mul_apple.forward(apple, n_apple)
    orange_total = mul_orange.forward(orange, n_orange)
    subtotal = add.forward(apple_total, orange_total)
    price = mul_tax.forward(subtotal, tax)

    d_subtotal, d_tax = mul_tax.backward(1.0)
    d_apple_total, d_orange_total = add.backward(d_subtotal)
    d_apple, d_n_apple = mul_apple.backward(d_apple_total)
    d_orange, d_n_orange = mul_orange.backward(d_orange_total)
    return {"apple": apple, "n_apple": n_apple, "orange": orange, "n_orange": n_orange, "tax": tax,
            "apple_total": apple_total, "orange_total": orange_total, "subtotal": subtotal,
            "price": price, "d_apple_total": d_apple_total, "d_orange_total": d_orange_total,
            "d_subtotal": d_subtotal, "d_tax": d_tax, "d_apple": d_apple, "d_n_apple": d_n_apple,
            "d_orange": d_orange, "d_n_orange": d_n_orange}


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


def sigmoid_stages(x, dout=1.0):
    """The sigmoid y = 1 / (1 + exp(-x)) as four elementary nodes, forward then backward.

    Forward: a = -x, b = exp(a), c = 1 + b, y = 1 / c. Backward, last node first, each node
    multiplies the upstream gradient by its local derivative: d(1/c)/dc = -1/c**2 = -y**2,
    d(1 + b)/db = 1, d exp(a)/da = exp(a) = b, d(-x)/dx = -1.

    Returns
    -------
    dict with the forward values 'x', 'a', 'b', 'c', 'y' and the gradients of the final output
    (times ``dout``) with respect to each: 'dy', 'dc', 'db', 'da', 'dx'. ``dx`` equals
    ``dout * y * (1 - y)``.
    """
    a = -x                  # multiply by -1
    b = np.exp(a)           # exp
    c = 1.0 + b             # add 1
    y = 1.0 / c             # divide
    dy = dout
    dc = dy * (-1.0 / c ** 2)   # = -dy * y**2
    db = dc * 1.0
    da = db * b
    dx = da * -1.0
    return {"x": x, "a": a, "b": b, "c": c, "y": y, "dy": dy, "dc": dc, "db": db, "da": da, "dx": dx}


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


# --------------------------------------------------------------------------- loss vs accuracy
def score_gradients(scores, t=1.0):
    """Gradients of the two losses with respect to the score s of a sigmoid output y = sigmoid(s).

    Cross-entropy E = -[t log y + (1 - t) log(1 - y)] gives dE/ds = y - t.
    Squared error E = 1/2 (y - t)^2 gives dE/ds = (y - t) * y (1 - y): the sigmoid's derivative
    y (1 - y) multiplies in, and it vanishes when the output saturates, however wrong it is.

    Returns
    -------
    dict with 'score', 'y', 'cross_entropy' and 'squared_error' (dE/ds), arrays of the shape of
    ``scores``.
    """
    s = np.asarray(scores, dtype=np.float64)
    y = 1.0 / (1.0 + np.exp(-s))
    return {"score": s, "y": y, "cross_entropy": y - t, "squared_error": (y - t) * y * (1.0 - y)}


def quickly_trained_net(x, t, epochs=5, lr=0.1, hidden_size_list=(50,), seed=1):
    """A MultiLayerNet (ReLU, He init) trained with plain SGD for a few epochs on ``x, t``.

    Returns
    -------
    (network, history): the trained :class:`~dlhelpers.network.MultiLayerNet` and the Trainer's
    history (``train_acc[-1]`` is its accuracy on ``x``).
    """
    net = MultiLayerNet(x.shape[1], list(hidden_size_list), 10, weight_init_std="he", seed=seed)
    trainer = Trainer(net, x, t, epochs=epochs, mini_batch_size=100, optimizer="sgd",
                      optimizer_param={"lr": lr}, seed=seed, verbose=False, progress=False)
    return net, trainer.train()


def loss_along_direction(network, x, t, alphas, key="W1", seed=0):
    """Move one weight matrix along a random direction and record loss and accuracy.

    ``network.params[key]`` becomes ``W0 + alpha * D`` for each alpha, where ``D`` is a random
    Gaussian direction scaled to the norm of ``W0``; the weights are restored afterwards.

    Returns
    -------
    dict with 'alpha', 'loss' and 'accuracy', each an array of shape (len(alphas),).
    """
    param = network.params[key]
    original = param.copy()
    rng = np.random.default_rng(seed)
    direction = rng.standard_normal(param.shape)
    direction *= np.linalg.norm(original) / np.linalg.norm(direction)
    losses, accs = [], []
    try:
        with blas_thread_limit(1):      # small matrices: one BLAS thread is fastest, and reproducible
            for a in alphas:
                param[...] = original + a * direction
                losses.append(network.loss(x, t))
                accs.append(network.accuracy(x, t))
    finally:
        param[...] = original
    return {"alpha": np.asarray(alphas, dtype=float), "loss": np.array(losses), "accuracy": np.array(accs)}


# --------------------------------------------------------------------------- numerical differentiation
def difference_errors(f, dfdx, x0, hs):
    """Absolute error of the forward and central difference quotients of ``f`` at ``x0``.

    Forward: (f(x+h) - f(x)) / h, error O(h). Central: (f(x+h) - f(x-h)) / (2h), error O(h^2).
    Both lose accuracy again for tiny h, where rounding in f(x+h) - f(x) dominates.

    Returns
    -------
    dict with 'h', 'forward' and 'central', arrays of shape (len(hs),), in float64.
    """
    hs = np.asarray(hs, dtype=np.float64)
    exact = dfdx(x0)
    forward = np.abs((f(x0 + hs) - f(x0)) / hs - exact)
    central = np.abs((f(x0 + hs) - f(x0 - hs)) / (2 * hs) - exact)
    return {"h": hs, "forward": forward, "central": central}


def gradient_descent_path(grad_fn, start, lr, steps):
    """Plain gradient descent x <- x - lr * grad_fn(x) from ``start``; returns the (steps+1, D) path."""
    x = np.array(start, dtype=np.float64)
    path = [x.copy()]
    for _ in range(steps):
        x = x - lr * grad_fn(x)
        path.append(x.copy())
    return np.array(path)


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
        style = dict(color="#b00020", marker="x", markersize=4) if diverged else \
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


def numerical_gradient_cost(network, x, t, n_probe=100, key="W1"):
    """Time the central difference per parameter and one backprop pass, on the same batch.

    The central difference is run on the first ``n_probe`` entries of ``network.params[key]``
    (each costs two forward passes); the full cost is extrapolated to every parameter.

    Returns
    -------
    dict with 'seconds_per_param', 'n_params', 'numerical_seconds' (estimate for all parameters),
    'backprop_seconds' (one full gradient) and 'ratio' (numerical / backprop).
    """
    param = network.params[key].reshape(-1)[:n_probe]
    start = time.perf_counter()
    numerical_gradient(lambda _: network.loss(x, t), param, 1e-2)
    per_param = (time.perf_counter() - start) / n_probe
    n_params = sum(p.size for p in network.params.values())
    runs = 20
    start = time.perf_counter()
    for _ in range(runs):
        network.gradient(x, t, copy=False)
    backprop = (time.perf_counter() - start) / runs
    total = per_param * n_params
    return {"seconds_per_param": per_param, "n_params": n_params, "numerical_seconds": total,
            "backprop_seconds": backprop, "ratio": total / backprop}


def throughput_by_batch_size(network, x, t, batch_sizes=(1, 10, 100, 1000), n_samples=1000):
    """Training samples per second (forward + backward) when ``n_samples`` go in batches of each size.

    Returns
    -------
    dict batch_size -> samples per second.
    """
    result = {}
    for size in batch_sizes:
        start = time.perf_counter()
        for i in range(0, n_samples, size):
            network.gradient(x[i:i + size], t[i:i + size], copy=False)
        result[size] = n_samples / (time.perf_counter() - start)
    return result


# --------------------------------------------------------------------------- gradient checks
def layer_gradient_errors(seed=0):
    """Backward of Affine, ReLU, Sigmoid and SoftmaxWithLoss vs central differences (float64).

    Returns
    -------
    dict layer name -> :class:`~dlhelpers.gradcheck.GradientCheck` (input/parameter name ->
    relative error). SoftmaxWithLoss also compares the closed form (y - t) / N, written out.
    """
    rng = np.random.default_rng(seed)
    n, d, m = 4, 5, 3
    x = rng.standard_normal((n, d))
    reports = {
        "Affine": check_layer_gradients(Affine(rng.standard_normal((d, m)), rng.standard_normal(m)),
                                        x, rng.standard_normal((n, m))),
        # keep ReLU inputs away from the kink at 0, where the derivative jumps
        "ReLU": check_layer_gradients(ReLU(), x + 0.1 * np.sign(x), rng.standard_normal((n, d))),
        "Sigmoid": check_layer_gradients(Sigmoid(), x, rng.standard_normal((n, d))),
    }
    t = rng.integers(0, d, size=n)
    layer = SoftmaxWithLoss()
    numeric = numerical_gradient(lambda z: layer.forward(z, t), x.copy())
    layer.forward(x, t)
    y = softmax(x)
    y[np.arange(n), t] -= 1
    reports["SoftmaxWithLoss"] = compare_gradients({"x": layer.backward(1.0), "(y - t) / N": y / n},
                                                   {"x": numeric, "(y - t) / N": numeric})
    return reports


def network_gradient_errors(x, t, hidden_size_list=(10,), activation="relu", seed=0):
    """Backprop vs numerical gradients of a small net on the batch ``x, t``, per parameter.

    Builds ``MultiLayerNet(D, hidden_size_list, C)`` in float64 (so the central difference is
    accurate), He-initialized, with small random biases so that their gradients are tested at a
    general point too.

    Returns
    -------
    :class:`~dlhelpers.gradcheck.GradientCheck`: parameter name -> relative error (a correct
    backward pass gives < 1e-7); ``print`` it for one rounded line per parameter.
    """
    x = np.asarray(x, dtype=np.float64)
    n_classes = 10 if np.ndim(t) == 1 else np.shape(t)[1]
    net = MultiLayerNet(x.shape[1], list(hidden_size_list), n_classes, activation=activation,
                        weight_init_std="he", seed=seed, dtype=np.float64)
    rng = np.random.default_rng(seed + 1)
    for key, p in net.params.items():
        if key.startswith("b"):
            p[...] = 0.1 * rng.standard_normal(p.shape)
    with blas_thread_limit(1):
        return check_network_gradients(net, x, t)


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
