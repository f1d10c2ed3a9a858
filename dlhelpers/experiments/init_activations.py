"""Experiments of notebook 03 (weight initialization, activations and their histograms).

* :func:`symmetric_init_experiment` - all-zero or all-equal weights keep every hidden unit identical;
* :func:`activation_histograms`, :func:`saturation_fraction`, :func:`layer_stats`,
  :func:`within_between_std`, :func:`draw_histograms` - the book's 5 x 100 histogram experiment
  (the notebook writes its loop out; this copy feeds the playground);
* :func:`forward_backward`, :func:`geometric_mean` - the same experiment through the layers'
  forward and backward: gradient std and predicted vs measured gain per layer (the notebook
  writes CS231n's 10 x 500 tanh version out);
* :data:`ACTIVATION_CURVES`, :func:`maxout` - activation functions and their derivatives, for the
  figure (taken from :mod:`dlhelpers.activations`);
* :func:`dead_relu_fraction`, :func:`dead_units_after_training` - dead ReLUs;
* :func:`linear_stack` - a stack of linear layers is one linear layer;
* :func:`preprocess_2d`, :func:`gradient_sign_agreement`, :func:`positive_input_paths` - data
  preprocessing and the all-positive-input zig-zag;
* :func:`init_weights`, :data:`INIT_RULES` - the schemes of :mod:`dlhelpers.initializers`
  (the book's Xavier = LeCun, Glorot normal and uniform, He, He for Leaky ReLU);
* :data:`MNIST_INIT_SETTINGS` - the MNIST comparison, run with
  :func:`dlhelpers.experiments.mnist_compare.compare_on_mnist`;
* :func:`histogram_playground` (forward and backward per layer, previous setting as a ghost),
  :func:`training_playground` (the three course knobs) - the playgrounds.
"""
from functools import partial

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
import numpy as np

from ..activations import ACTIVATIONS, get_activation
from ..data import load_mnist
from ..initializers import INIT_RULES, init_std, init_weights
from ..layers import Affine
from ..network import MultiLayerNet
from ..optimizers import SGD
from ..playground_result import PlaygroundResult
from ..plotting import PALETTE
from ..parallel import blas_thread_limit
from ..training import Trainer
from ..widgets import SLIDER_LAYOUT, SLIDER_STYLE, InitStdControl, Playground, TrainingPlayground

__all__ = ["symmetric_init_experiment", "unit_spread", "activation_histograms", "saturation_fraction",
           "layer_stats", "within_between_std", "draw_histograms", "forward_backward",
           "geometric_mean", "ACTIVATION_CURVES", "maxout",
           "dead_relu_fraction", "dead_units_after_training", "linear_stack", "preprocess_2d",
           "gradient_sign_agreement", "positive_input_paths", "same_sign_steps", "init_weights", "INIT_RULES",
           "layer_std_profile", "MNIST_INIT_SETTINGS", "histogram_playground", "training_playground"]


# --------------------------------------------------------------------------- symmetry
def unit_spread(W):
    """Largest difference between any hidden unit's incoming weights and unit 0's.

    ``W`` has shape (fan_in, units); column j holds the weights into unit j. 0 means that every
    unit of the layer computes exactly the same function.
    """
    W = np.asarray(W)
    return float(np.max(np.abs(W - W[:, :1])))


def symmetric_init_experiment(weight_init_std="zero", activation="sigmoid", hidden_size_list=(50, 50),
                              iterations=300, lr=0.1, mini_batch_size=100, seed=0, dtype=np.float32):
    """Train a net whose weights all start at the same value, and measure how its units differ.

    Parameters
    ----------
    weight_init_std : 'zero', 'equal' (every weight 0.01) or anything :class:`MultiLayerNet`
        accepts ('he', 0.01, ...) for a random start to compare with.
    activation : str
    hidden_size_list : sequence of int
    iterations, lr, mini_batch_size, seed : training settings (SGD on the bundled MNIST sample).
    dtype : precision of the network.

    Returns
    -------
    dict with 'network' (trained), 'spread' (dict 'W1', 'W2', ... -> :func:`unit_spread` of each
    hidden layer's incoming weights after training), 'losses' (per iteration), 'train_acc',
    'W1_init' (the first layer's weights before training, shape (784, units)).
    """
    (x, t), _ = load_mnist()
    x = x.astype(dtype)
    random_init = weight_init_std not in ("zero", "equal")
    net = MultiLayerNet(784, list(hidden_size_list), 10, activation=activation,
                        weight_init_std=weight_init_std if random_init else "he", seed=seed, dtype=dtype)
    if not random_init:
        value = 0.0 if weight_init_std == "zero" else 0.01
        for key, p in net.params.items():
            if key.startswith("W"):
                p[...] = value
    W1_init = net.params["W1"].copy()
    rng = np.random.default_rng(seed)
    opt = SGD(lr)
    losses = []
    with blas_thread_limit(1):   # faster for these small matrices, and reproducible
        for _ in range(iterations):
            idx = rng.choice(len(x), mini_batch_size, replace=False)
            grads = net.gradient(x[idx], t[idx], copy=False)
            losses.append(net.last_loss)
            opt.update(net.params, grads)
    n_hidden = len(hidden_size_list)
    spread = {f"W{i}": unit_spread(net.params[f"W{i}"]) for i in range(1, n_hidden + 1)}
    return {"network": net, "spread": spread, "losses": np.array(losses),
            "train_acc": net.accuracy(x, t), "W1_init": W1_init}


# --------------------------------------------------------------------------- histograms
def activation_histograms(activation="sigmoid", weight_init_std=1.0, n_layers=5, n_units=100, n_samples=1000,
                          seed=0, dtype=np.float64):
    """The book's experiment: Gaussian input through ``n_layers`` layers of ``n_units`` units.

    x (n_samples, n_units) ~ N(0, 1); each layer computes z = x @ W (no bias) with W drawn from
    N(0, std^2), then x = activation(z).

    Parameters
    ----------
    activation : str
        A name of :data:`dlhelpers.activations.ACTIVATIONS`.
    weight_init_std : float or str
        A number, or a scheme of :mod:`dlhelpers.initializers` ('xavier': sqrt(1/n),
        'he': sqrt(2/n)), where n is the fan-in (``n_units``).

    Returns
    -------
    list of ``n_layers`` arrays, each (n_samples, n_units): every layer's activations.
    """
    rng = np.random.default_rng(seed)
    fn = get_activation(activation).function
    x = rng.standard_normal((n_samples, n_units)).astype(dtype)
    acts = []
    with blas_thread_limit(1):
        for _ in range(n_layers):
            W = init_weights(weight_init_std, n_units, n_units, rng, dtype)
            x = fn(x @ W)
            acts.append(x)
    return acts


def saturation_fraction(acts, tol=0.05):
    """Fraction of activations within ``tol`` of 0 or 1 (sigmoid saturation), per layer."""
    return np.array([float(np.mean((a < tol) | (a > 1 - tol))) for a in acts])


def layer_stats(acts):
    """(means, stds): two arrays with one entry per layer."""
    return (np.array([float(np.mean(a)) for a in acts]), np.array([float(np.std(a)) for a in acts]))


def within_between_std(acts):
    """How each layer's spread divides into spread within a unit and spread between units.

    Returns
    -------
    (within, between) : two arrays with one entry per layer. ``within`` is the std over samples
    of each unit's activations, averaged over units; ``between`` is the std over units of each
    unit's mean activation. A histogram whose spread is mostly ``between`` is a comb of narrow
    per-unit peaks: every unit outputs almost the same value for every sample.
    """
    within = np.array([float(np.mean(np.std(a, axis=0))) for a in acts])
    between = np.array([float(np.std(np.mean(a, axis=0))) for a in acts])
    return within, between


def histogram_range(activation, acts=None):
    """A fixed x-range for an activation's histograms, so layers can be compared by eye."""
    if activation == "sigmoid":
        return (0.0, 1.0)
    if activation == "tanh":
        return (-1.0, 1.0)
    top = max(float(np.percentile(a, 99.5)) for a in acts) if acts else 1.0
    top = top if np.isfinite(top) and top > 0 else 1.0
    return (-0.1 * top if activation in ("leaky_relu", "elu") else 0.0, top)


def draw_histograms(acts, axes, activation, color, label=None, bins=30, log_x=False, log_range=None):
    """One histogram per layer into ``axes`` (a sequence as long as ``acts``).

    For ReLU-like activations the exact zeros (half of all values or more) are left out of the
    bars, and their share is written in each panel's title, so that the spread of the rest stays
    visible. ``log_x=True`` (ReLU only) bins the positive values on a log axis shared by all
    panels, so a signal that shrinks by decades from layer to layer shows as a shift to the left;
    ``log_range=(low, high)`` fixes that axis (to compare several calls), else it spans the data.
    """
    positive_only = activation == "relu"
    if log_x and not positive_only:
        raise ValueError(f"log_x=True needs non-negative activations (relu), not {activation!r}")
    if log_x and log_range is not None:
        edges = np.logspace(np.log10(log_range[0]), np.log10(log_range[1]), bins + 1)
    elif log_x:
        pos = [a[a > 0] for a in acts]
        pos = [p for p in pos if p.size]
        lo = min(float(np.percentile(p, 0.5)) for p in pos) if pos else 1e-3
        hi = max(float(np.percentile(p, 99.9)) for p in pos) if pos else 1.0
        lo, hi = 10 ** np.floor(np.log10(lo)), 10 ** np.ceil(np.log10(hi))
        edges = np.logspace(np.log10(lo), np.log10(hi), bins + 1)
    else:
        lo, hi = histogram_range(activation, acts)
        edges = np.linspace(lo, hi, bins + 1)
    for i, (ax, a) in enumerate(zip(axes, acts)):
        values = a.ravel()
        title = f"layer {i + 1}"
        if positive_only:
            title += f"  ({np.mean(values == 0):.0%} zeros)"
            values = values[values > 0]
        counts, _ = np.histogram(values, bins=edges)
        ax.stairs(counts, edges, fill=True, color=color, alpha=0.85)   # one artist: fast to draw
        if log_x:
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(LogLocator(base=10, numticks=4))   # labels that do not collide
        ax.set_xlim(edges[0], edges[-1])
        ax.set_title(title, fontsize=8)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
    if label:
        axes[0].set_ylabel(label, fontsize=9)
    return axes


# --------------------------------------------------------------------------- activation functions
#: Display name -> (function, derivative) for the notebook's figure, from the registry of
#: :mod:`dlhelpers.activations`. PReLU is a leaky ReLU whose slope a is a learned parameter; it is
#: shown with a = 0.25 (its usual starting value).
ACTIVATION_CURVES = {
    "sigmoid": (ACTIVATIONS["sigmoid"].function, ACTIVATIONS["sigmoid"].derivative),
    "tanh": (ACTIVATIONS["tanh"].function, ACTIVATIONS["tanh"].derivative),
    "ReLU": (ACTIVATIONS["relu"].function, ACTIVATIONS["relu"].derivative),
    "Leaky ReLU (0.01)": (partial(ACTIVATIONS["leaky_relu"].function, alpha=0.01),
                          partial(ACTIVATIONS["leaky_relu"].derivative, alpha=0.01)),
    "PReLU (a = 0.25)": (partial(ACTIVATIONS["leaky_relu"].function, alpha=0.25),
                         partial(ACTIVATIONS["leaky_relu"].derivative, alpha=0.25)),
    "ELU (1.0)": (partial(ACTIVATIONS["elu"].function, alpha=1.0), partial(ACTIVATIONS["elu"].derivative, alpha=1.0)),
}


def maxout(x, W1, b1, W2, b2):
    """Maxout unit with two pieces: max(x @ W1 + b1, x @ W2 + b2), element-wise over the outputs."""
    return np.maximum(x @ W1 + b1, x @ W2 + b2)


# --------------------------------------------------------------------------- dead ReLUs
def dead_relu_fraction(activations):
    """Fraction of units that output 0 for every sample of the batch.

    ``activations`` is one (N, units) array of ReLU outputs, or a list of them (one per layer);
    the result is a float, or an array with one fraction per layer.
    """
    if isinstance(activations, (list, tuple)):
        return np.array([dead_relu_fraction(a) for a in activations])
    a = np.asarray(activations)
    return float(np.mean(np.all(a <= 0, axis=0)))


def dead_units_after_training(lrs=(0.1, 0.5, 1.0), iterations=300, hidden_size_list=(100, 100, 100, 100),
                              activation="relu", mini_batch_size=128, n_eval=1000, seed=0):
    """Train a ReLU net at several learning rates and count the dead units per layer.

    Returns
    -------
    dict lr -> dict with 'dead' (fraction of dead units per hidden layer, measured on the first
    ``n_eval`` training images), 'dead_at_init' and 'test_acc'.
    """
    (x, t), (xt, tt) = load_mnist()
    out = {}
    for lr in lrs:
        net = MultiLayerNet(784, list(hidden_size_list), 10, activation=activation, weight_init_std="he",
                            seed=seed)
        at_init = dead_relu_fraction(net.hidden_activations(x[:n_eval]))
        trainer = Trainer(net, x, t, x_test=xt, t_test=tt, mini_batch_size=mini_batch_size, max_iterations=iterations,
                          optimizer="sgd", optimizer_param={"lr": lr}, seed=seed, verbose=False,
                          progress=False, evaluate_sample_num_per_epoch=n_eval)
        trainer.train()
        out[lr] = {"dead": dead_relu_fraction(net.hidden_activations(x[:n_eval])), "dead_at_init": at_init,
                   "test_acc": net.accuracy(xt, tt)}
    return out


# --------------------------------------------------------------------------- why non-linearity
def linear_stack(n_layers=3, sizes=(4, 6, 5, 3), n_samples=8, seed=0):
    """Outputs of a stack of linear layers and of the single equivalent layer.

    Returns
    -------
    dict with 'stacked' (N, out) and 'single' (N, out) outputs, 'W' and 'b' of the one layer that
    replaces them all (W = W1 W2 ... Wk; b collects the biases).
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, sizes[0]))
    Ws = [rng.standard_normal((sizes[i], sizes[i + 1])) for i in range(len(sizes) - 1)]
    bs = [rng.standard_normal(sizes[i + 1]) for i in range(len(sizes) - 1)]
    h = x
    for W, b in zip(Ws, bs):
        h = h @ W + b
    W_all, b_all = np.eye(sizes[0]), np.zeros(sizes[0])
    for W, b in zip(Ws, bs):
        W_all, b_all = W_all @ W, b_all @ W + b
    return {"x": x, "stacked": h, "single": x @ W_all + b_all, "W": W_all, "b": b_all}


# --------------------------------------------------------------------------- preprocessing
def preprocess_2d(n=400, seed=0):
    """CS231n's picture of preprocessing on correlated 2-D data.

    Returns
    -------
    dict name -> (n, 2) array: 'original' (off-centre, correlated, different scales),
    'zero-centred', 'normalized' (each feature unit variance), 'decorrelated' (rotated onto the
    PCA axes) and 'whitened' (PCA axes scaled to unit variance).
    """
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 2)) * np.array([3.0, 0.8])
    angle = np.deg2rad(30)
    rot = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    x = z @ rot + np.array([6.0, 4.0])
    centred = x - x.mean(axis=0)
    normalized = centred / centred.std(axis=0)
    cov = centred.T @ centred / n
    eigval, eigvec = np.linalg.eigh(cov)
    eigval, eigvec = eigval[::-1], eigvec[:, ::-1]   # widest axis first (horizontal in a plot)
    decorrelated = centred @ eigvec
    whitened = decorrelated / np.sqrt(eigval + 1e-8)
    return {"original": x, "zero-centred": centred, "normalized": normalized,
            "decorrelated": decorrelated, "whitened": whitened}


def gradient_sign_agreement(x, seed=0):
    """For one unit z = x @ w, the fraction of samples whose gradient dL/dw has all-equal signs.

    dL/dw = dL/dz * x for a single sample: if every entry of x is positive, every entry of the
    gradient has the sign of dL/dz. ``x`` is (N, D); dL/dz is drawn at random per sample.
    """
    rng = np.random.default_rng(seed)
    dz = rng.standard_normal(len(x))
    grads = dz[:, None] * np.asarray(x)
    same = np.all(grads > 0, axis=1) | np.all(grads < 0, axis=1)
    return float(np.mean(same))


def positive_input_paths(target=(1.0, -1.0), steps=100, lr=0.3, seed=0):
    """Per-sample SGD of a 2-weight linear unit towards ``target``, with positive vs centred inputs.

    The unit predicts y = w . x and the loss is (w . x - target . x)^2 / 2, so each step is
    w <- w - lr * ((w - target) . x) * x: a multiple of the input x. With all-positive inputs both
    weights always move in the same direction, and reaching (1, -1) takes a zig-zag. Both input
    sets are scaled to the same mean squared length, so the step sizes are comparable.

    Returns
    -------
    dict 'positive' / 'centred' -> (steps + 1, 2) path of w from (0, 0).
    """
    rng = np.random.default_rng(seed)
    xs = rng.uniform(0.2, 1.0, size=(steps, 2))
    target = np.asarray(target)
    out = {}
    for name, inputs in (("positive", xs), ("centred", xs - xs.mean(axis=0))):
        inputs = inputs / np.sqrt(np.mean(np.sum(inputs ** 2, axis=1)))
        w = np.zeros(2)
        path = [w.copy()]
        for x in inputs:
            w = w - lr * ((w - target) @ x) * x
            path.append(w.copy())
        out[name] = np.array(path)
    return out


def same_sign_steps(path):
    """Fraction of the steps of a 2-D path whose two components have the same sign."""
    d = np.diff(np.asarray(path), axis=0)
    d = d[np.all(d != 0, axis=1)]
    return float(np.mean(np.sign(d[:, 0]) == np.sign(d[:, 1])))


# --------------------------------------------------------------------------- init schemes
def layer_std_profile(activation, weight_init_std, n_layers=10, n_units=500, n_samples=500, seed=0):
    """Std of the activations at every layer (a short form of :func:`activation_histograms`)."""
    acts = activation_histograms(activation, weight_init_std, n_layers, n_units, n_samples, seed, dtype=np.float32)
    return layer_stats(acts)[1]


#: The MNIST comparison of notebook 03: 4 x 100 ReLU, SGD lr 0.01, three inits.
MNIST_INIT_SETTINGS = {
    "std = 0.01": {"weight_init_std": 0.01, "optimizer": "sgd", "optimizer_param": {"lr": 0.01}},
    "Xavier": {"weight_init_std": "xavier", "optimizer": "sgd", "optimizer_param": {"lr": 0.01}},
    "He": {"weight_init_std": "he", "optimizer": "sgd", "optimizer_param": {"lr": 0.01}},
}


# --------------------------------------------------------------------------- playgrounds
def forward_backward(activation="sigmoid", weight_init_std=1.0, n_layers=5, n_units=100, n_samples=1000, seed=0,
                     dtype=np.float32):
    """The histogram experiment forward, then a random gradient sent back down: per-layer statistics.

    The forward pass draws the same numbers as :func:`activation_histograms` (same generator
    order), but runs through :class:`~dlhelpers.layers.Affine` layers (zero bias) and the
    activation's layer class, so that their ``backward`` can send dL/d(last activations) ~ N(0, 1)
    back to the input.

    The backward gain of layer k (std of the gradient leaving it through its input over the std
    arriving at its output) is predicted as sqrt(n_units) * sigma * rms(f'(z_k)): the gradient is
    multiplied element-wise by f'(z_k), then summed over n_units outputs with weights of std sigma.

    Parameters
    ----------
    activation : str
        A name of :data:`dlhelpers.activations.ACTIVATIONS`.
    weight_init_std : float or str
        A std, or a scheme of :mod:`dlhelpers.initializers`.
    n_layers, n_units, n_samples, seed, dtype : the experiment's size, generator seed and precision.

    Returns
    -------
    dict with 'acts' (list of (n_samples, n_units) arrays), 'act_std' and 'grad_std' (arrays of
    n_layers: std of each layer's activations; std of the gradient reaching each layer's input),
    'gain_predicted' and 'gain_measured' (arrays of n_layers, layer 1 first) and 'sigma' (the
    weights' std).
    """
    entry = get_activation(activation)
    sigma = init_std(weight_init_std, n_units, n_units)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, n_units)).astype(dtype)
    layers = [(Affine(init_weights(weight_init_std, n_units, n_units, rng, dtype), np.zeros(n_units, dtype)),
               entry.layer()) for _ in range(n_layers)]
    acts, rms_slope = [], []
    with blas_thread_limit(1), np.errstate(over="ignore", invalid="ignore"):
        h = x
        for affine, act in layers:
            z = affine.forward(h)
            h = act.forward(z)
            acts.append(h)
            rms_slope.append(float(np.sqrt(np.mean(np.square(entry.derivative(z.astype(np.float64)))))))
        d = rng.standard_normal(h.shape).astype(dtype)
        grad_std = []
        arriving = float(np.std(d))
        gains = []
        for affine, act in reversed(layers):
            d = affine.backward(act.backward(d))
            leaving = float(np.std(d))
            gains.append(leaving / arriving if arriving > 0 else float("nan"))
            grad_std.append(leaving)
            arriving = leaving
    return {"acts": acts, "act_std": layer_stats(acts)[1], "grad_std": np.array(grad_std[::-1]),
            "gain_predicted": np.sqrt(n_units) * sigma * np.array(rms_slope),
            "gain_measured": np.array(gains[::-1]), "sigma": sigma}


def geometric_mean(values):
    """Geometric mean of positive numbers (the typical per-layer factor of a product)."""
    values = np.asarray(values, dtype=float)
    return float(np.exp(np.mean(np.log(values))))


class HistogramResult(PlaygroundResult):
    """One histogram-playground setting: per-layer activations, forward and backward statistics."""

    def __init__(self, stats, activation, setting):
        self.acts = stats["acts"]
        self.activation = activation
        self.setting = setting
        self.means, self.stds = layer_stats(self.acts)
        self.grad_std = stats["grad_std"]
        self.gain_predicted = stats["gain_predicted"]
        self.gain_measured = stats["gain_measured"]
        finite = np.all(np.isfinite(self.stds)) and np.all(np.isfinite(self.grad_std))
        self.diverged = not finite
        if self.diverged:
            self.message = ("the numbers overflowed (inf or NaN): this setting blows the signal up; "
                            "choose a smaller std or fewer layers")
            return
        parts = [f"forward: std of the last layer {self.stds[-1]:.3g}"]
        if activation == "sigmoid":
            parts.append(f"{saturation_fraction(self.acts)[-1]:.0%} within 0.05 of 0 or 1")
        if activation == "relu":
            parts.append(f"dead units in the last layer: {dead_relu_fraction(self.acts[-1]):.0%}")
        parts.append(f"backward: per-layer gain predicted {geometric_mean(self.gain_predicted):.3g}, "
                     f"measured {geometric_mean(self.gain_measured):.3g}; the gradient at layer 1 is "
                     f"{self.grad_std[0] / self.grad_std[-1]:.2g} x the one at layer {len(self.acts)}")
        self.message = "; ".join(parts)


def _setting_text(activation, weight_init_std):
    init = weight_init_std if isinstance(weight_init_std, str) else f"std {weight_init_std:.3g}"
    return f"{activation}, {init}"


def _compute_histograms(activation, weight_init_std, n_layers):
    with np.errstate(over="ignore", invalid="ignore"):   # an overflow is reported as diverged
        stats = forward_backward(activation, weight_init_std, n_layers=int(n_layers))
        return HistogramResult(stats, activation, _setting_text(activation, weight_init_std))


def _draw_histograms(result, values, previous=None):
    """Histograms of every layer (up to 5 per row), then the forward std and backward gradient std
    per layer, with the previous setting as a grey ghost."""
    n = len(result.acts)
    cols = min(n, 5)
    rows = (n + cols - 1) // cols
    height = 1.8 * rows + 3.0
    fig = plt.figure(figsize=(9.5, height))
    split = 1 - (1.8 * rows + 0.5) / height          # the line plots below this fraction of the height
    top = fig.add_gridspec(rows, cols, left=0.05, right=0.98, top=1 - 0.65 / height, bottom=split + 0.35 / height,
                           hspace=0.6, wspace=0.15)
    bottom = fig.add_gridspec(1, 2, left=0.09, right=0.98, top=split - 0.25 / height, bottom=0.5 / height,
                              wspace=0.3)
    hist_axes = [fig.add_subplot(top[i // cols, i % cols]) for i in range(n)]
    colors = {"sigmoid": PALETTE[0], "tanh": PALETTE[2], "relu": PALETTE[1]}
    color = colors.get(result.activation, PALETTE[3])
    if not result.diverged:
        # ReLU on a log axis, as in the notebook: a collapse by decades shows as a shift to the left
        draw_histograms(result.acts, hist_axes, result.activation, color, log_x=result.activation == "relu")
    ax_f, ax_b = fig.add_subplot(bottom[0, 0]), fig.add_subplot(bottom[0, 1])
    layers = np.arange(1, n + 1)
    if previous is not None and not getattr(previous, "diverged", True):
        p_layers = np.arange(1, len(previous.stds) + 1)
        ax_f.plot(p_layers, previous.stds, "o-", color="#bbbbbb", markersize=3, linewidth=1,
                  label=f"previous: {previous.setting}", zorder=0)
        ax_b.plot(p_layers, previous.grad_std, "o-", color="#bbbbbb", markersize=3, linewidth=1,
                  label=f"previous: {previous.setting}", zorder=0)
    if not result.diverged:
        ax_f.plot(layers, result.stds, "o-", color=color, label=result.setting)
        ax_b.plot(layers, result.grad_std, "o-", color=color, label="measured")
        # prediction: start from the gradient arriving at the top (std 1) and multiply layer by layer
        predicted = np.cumprod(result.gain_predicted[::-1])[::-1]
        ax_b.plot(layers, predicted, "--", color="black", linewidth=1,
                  label=f"predicted (gain {geometric_mean(result.gain_predicted):.2g}/layer)")
    else:
        for ax in (ax_f, ax_b):
            ax.text(0.5, 0.5, "diverged (overflow)", color="#b00020", ha="center", va="center",
                    transform=ax.transAxes)
    for ax, ylabel, title in ((ax_f, "std of activations", "Forward: activation std per layer"),
                              (ax_b, "std of dL/d(input)", "Backward: gradient std per layer")):
        if ax.lines and all(np.all(np.asarray(line.get_ydata()) > 0) for line in ax.lines):
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.3g}"))
            low, high = ax.get_ylim()
            # within a decade the minor ticks are the only labelled ones; beyond, they would crowd
            ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:.2g}") if high / low < 10
                                         else NullFormatter())
        ax.set_xticks(layers)
        ax.set_xlabel("layer", fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7, which="both")
        if ax.lines:
            ax.legend(fontsize=7, loc="best")
    fig.suptitle(f"{result.setting}: {n} layers of 100 units, 1000 x 100 Gaussian input", fontsize=10)
    return fig


def histogram_playground(activation="sigmoid", weight_init_std=1.0, n_layers=5):
    """Activation, weight init (named scheme or std) and depth: the per-layer histograms redraw,
    with the forward std and backward gradient std per layer (measured, and the predicted
    per-layer gain) below them; the previous setting stays as a grey ghost."""
    controls = {
        "activation": widgets.Dropdown(options=["sigmoid", "tanh", "relu", "leaky_relu", "elu"],
                                       value=activation, description="activation", style=SLIDER_STYLE),
        "weight_init_std": InitStdControl(weight_init_std, schemes=("xavier", "glorot", "he", "leaky_relu"),
                                          std=1.0, min_exp=-3, max_exp=1),
        "n_layers": widgets.IntSlider(value=n_layers, min=1, max=10, description="layers",
                                      continuous_update=False, layout=SLIDER_LAYOUT, style=SLIDER_STYLE),
    }
    return Playground(controls, _compute_histograms, _draw_histograms,
                      title="Activation histograms and gradients, layer by layer")


DEPTH_OPTIONS = [("2 x 50", (50, 50)), ("4 x 100", (100, 100, 100, 100)), ("6 x 50", (50,) * 6)]


def training_playground(lr=0.1, weight_init_std="he", dropout_ratio=0.0, activation="relu",
                        hidden_size_list=(50, 50), n_train=1000, epochs=8):
    """The three course knobs plus activation and depth, on 1000 MNIST images."""
    extra = {
        "activation": widgets.Dropdown(options=["relu", "sigmoid", "tanh", "leaky_relu", "elu"],
                                       value=activation, description="activation", style=SLIDER_STYLE),
        "hidden_size_list": widgets.Dropdown(options=DEPTH_OPTIONS, value=tuple(hidden_size_list),
                                             description="hidden layers", style=SLIDER_STYLE),
    }
    return TrainingPlayground(lr=lr, weight_init_std=weight_init_std, dropout_ratio=dropout_ratio,
                              extra_controls=extra, fixed={"n_train": n_train, "epochs": epochs},
                              title=f"Init, activation and depth on {n_train} MNIST images, {epochs} epochs of SGD")
