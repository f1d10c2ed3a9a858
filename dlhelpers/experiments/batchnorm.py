"""Notebook 04's experiments: what batch normalization does, how it trains and tests, why it helps.

Each function computes what one figure or printed check of the notebook shows; ``draw_*`` turns
the result into a figure. ``tests/test_claims_04.py`` asserts the notebook's claims with the
same functions and settings.
"""
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import search
from ..data import load_mnist_cached as _mnist
from ..gradcheck import check_layer_gradients, check_network_gradients
from ..layers import Affine, BatchNormalization
from ..network import MultiLayerNet
from ..playground_result import PlaygroundResult
from ..plotting import PALETTE
from ..recipes import DIVERGED_COLOR
from ..training import Trainer
from ..recipes import train_small_net
from ..widgets import InitStdControl, Playground, dropout_slider, learning_rate_slider

#: The book's grid of weight-init scales: 16 values from 1 down to 1e-4, evenly spaced in log10.
BOOK_STDS = np.logspace(0, -4, 16)

# ----------------------------------------------------------------------------- the idea
def preactivation_spread(weight_init_std=0.01, hidden_size_list=(100,) * 5, n_samples=500, seed=0):
    """Pre-activations of a deep ReLU net on real images, without and with batch norm.

    Both nets share their initial weights (same seed). Returns a dict with
    'plain': list of (n_samples, units) Affine outputs per hidden layer of the net without BN, and
    'normalized': list of the BN outputs (training mode, one batch of ``n_samples``) of the net with BN.
    """
    (x, _), _ = _mnist()
    x = x[:n_samples]
    n_layers = len(hidden_size_list)
    out = {}
    for key, use_bn in (("plain", False), ("normalized", True)):
        net = MultiLayerNet(784, list(hidden_size_list), 10, weight_init_std=weight_init_std,
                            use_batchnorm=use_bn, seed=seed)
        captured, h = [], x
        for name, layer in net.layers.items():
            h = layer.forward(h, train_flg=True)
            if (use_bn and isinstance(layer, BatchNormalization)) or (not use_bn and isinstance(layer, Affine)
                                                                        and len(captured) < n_layers):
                captured.append(h.copy())
        out[key] = captured
    out["weight_init_std"] = weight_init_std
    return out


def draw_preactivation_spread(spread):
    """Two rows of per-layer histograms: Affine outputs without BN (top), BN outputs (bottom).

    Each top panel has its own symmetric x range (the spread shrinks by decades); its three ticks
    are written out (no offset text), so the shrinking scale reads off the tick labels.
    """
    n = len(spread["plain"])
    fig, axes = plt.subplots(2, n, figsize=(11, 4.4), sharey="row")
    for i in range(n):
        for row, (key, color, label) in enumerate((("plain", PALETTE[1], "no BN:\nAffine output"),
                                                   ("normalized", PALETTE[0], "with BN:\nafter BN"))):
            values = spread[key][i].ravel()
            ax = axes[row, i]
            limit = float(np.quantile(np.abs(values), 0.995)) * 1.1
            ax.hist(values, bins=np.linspace(-limit, limit, 41), color=color, alpha=0.85)
            ax.set_xlim(-limit, limit)
            tick = float(f"{limit * 0.7:.1g}")
            ax.set_xticks([-tick, 0.0, tick])
            ax.set_xticklabels([f"{-tick:.0e}" if tick < 0.01 else f"{-tick:g}", "0",
                                f"{tick:.0e}" if tick < 0.01 else f"{tick:g}"])
            ax.set_title(f"layer {i + 1}: std {values.std():.2g}", fontsize=10)
            ax.tick_params(labelsize=9)
            ax.yaxis.set_major_locator(MaxNLocator(3))
            if i == 0:
                ax.set_ylabel(label, fontsize=10)
    fig.supxlabel("pre-activation value (note each top panel's own scale)", fontsize=10)
    fig.suptitle(f"Pre-activations of a {n}-layer ReLU net, weight std {spread['weight_init_std']:g}, "
                 f"{spread['plain'][0].shape[0]} MNIST images")
    fig.tight_layout()
    return fig


def fraction_positive(spread):
    """Share of the BN outputs (gamma = 1, beta = 0) above zero, per hidden layer.

    A ReLU after such a layer fires for these; the mean is 0 but the median need not be, so the
    share is near, not exactly, one half. Returns a list of floats, one per layer.
    """
    return [float(np.mean(a > 0)) for a in spread["normalized"]]


# ----------------------------------------------------------------------------- algorithm checks
def undo_check(n=64, d=4, seed=0):
    """Set gamma = sqrt(var + eps) and beta = mu: the BN layer becomes the identity on its batch.

    Returns the largest |output - input| (float64; rounding-level when the identity holds).
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(loc=[3.0, -1.0, 0.5, 10.0][:d], scale=[2.0, 0.1, 1.0, 5.0][:d], size=(n, d))
    bn = BatchNormalization(np.ones(d), np.zeros(d))
    mu, var = x.mean(axis=0), x.var(axis=0)
    bn.params["gamma"][...] = np.sqrt(var + bn.eps)
    bn.params["beta"][...] = mu
    return float(np.max(np.abs(bn.forward(x, train_flg=True) - x)))


def running_stats_demo(n_batches=150, mini_batch_size=100, means=(3.0, -1.0, 0.5), stds=(2.0, 0.5, 1.0),
                       momentum=0.9, seed=0):
    """Feed training batches to a BN layer and record its running mean and variance.

    Features are drawn from N(means, stds^2). Returns a dict with the trained 'layer', arrays
    'running_mean' and 'running_var' of shape (n_batches, D), and the true 'means' and 'vars'.
    """
    rng = np.random.default_rng(seed)
    means, stds = np.asarray(means), np.asarray(stds)
    d = len(means)
    bn = BatchNormalization(np.ones(d), np.zeros(d), momentum=momentum)
    rm, rv = [], []
    for _ in range(n_batches):
        bn.forward(rng.normal(means, stds, size=(mini_batch_size, d)), train_flg=True)
        rm.append(bn.running_mean.copy())
        rv.append(bn.running_var.copy())
    return {"layer": bn, "running_mean": np.array(rm), "running_var": np.array(rv),
            "means": means, "vars": stds ** 2, "momentum": momentum}


def draw_running_stats(demo):
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.0))
    for ax, key, truth, title in ((axes[0], "running_mean", demo["means"], "running mean"),
                                  (axes[1], "running_var", demo["vars"], "running variance")):
        for j in range(demo[key].shape[1]):
            ax.plot(np.arange(1, len(demo[key]) + 1), demo[key][:, j], color=PALETTE[j],
                    label=f"feature {j}")
            ax.axhline(truth[j], color=PALETTE[j], linestyle=":", linewidth=1)
        ax.set(title=f"{title} (dotted: true value)", xlabel="training batch")
    axes[0].legend(loc="center right", bbox_to_anchor=(1.0, 0.3))
    fig.suptitle(f"Running statistics with momentum {demo['momentum']}: "
                 r"$\mu_{run} \leftarrow 0.9\,\mu_{run} + 0.1\,\mu_B$")
    fig.tight_layout()
    return fig


def single_sample_outputs(layer, x_one):
    """A BN layer on a batch of ONE sample (shape (1, D)), three ways.

    Returns a dict: 'test' (test-mode forward), 'formula' (gamma * (x - running_mean) /
    sqrt(running_var + eps) + beta computed by hand) and 'train' (the layer's refusal message: in
    training mode a lone sample would be normalized by its own mean, so every output would
    collapse to beta; the layer refuses such a batch, as PyTorch does).
    """
    gamma, beta = layer.params["gamma"], layer.params["beta"]
    formula = gamma * (x_one - layer.running_mean) / np.sqrt(layer.running_var + layer.eps) + beta
    test = layer.forward(x_one, train_flg=False)
    try:
        layer.forward(x_one, train_flg=True)
        train = "no error: the layer normalized a batch of one"
    except ValueError as err:
        train = str(err)
    return {"test": test, "formula": formula, "train": train}


# ----------------------------------------------------------------------------- backward checks
def layer_gradient_check(n=8, d=5, seed=0):
    """Relative errors of BatchNormalization.backward against central differences (float64).

    Returns {'x': err, 'gamma': err, 'beta': err}; a correct backward gives errors below 1e-7.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(2.0, 3.0, size=(n, d))
    layer = BatchNormalization(rng.normal(1.0, 0.3, size=d), rng.normal(0.0, 0.3, size=d))
    dout = rng.standard_normal((n, d))
    return check_layer_gradients(layer, x, dout)


def network_gradient_check(seed=0):
    """Backprop vs numerical gradients of a small BN network (12-6-6-3, float64).

    Returns a :class:`~dlhelpers.gradcheck.GradientCheck`; ``print`` it for one line per
    parameter. The biases b1, b2 feed a BN layer, which subtracts the batch mean: their true
    gradient is zero (beta does their job), and the report says so instead of a relative error.
    """
    rng = np.random.default_rng(seed)
    net = MultiLayerNet(12, [6, 6], 3, use_batchnorm=True, weight_init_std=0.5, seed=seed,
                        dtype=np.float64)
    x = rng.standard_normal((8, 12))
    t = rng.integers(0, 3, 8)
    return check_network_gradients(net, x, t)


# ----------------------------------------------------------------------------- the book's grid
def init_scale_trial(params, seed=None):
    """Train one net of the init-scale experiment; a trial function for :func:`dlhelpers.search.run_trials`.

    params : dict with 'weight_init_std' (a number or a scheme name), 'use_batchnorm', 'lr',
        'epochs', 'n_train', 'hidden_size_list' (tuple of units per hidden layer), 'seed' (the
        run's own seed: nets with and without BN at the same scale start from the same weights
        and see the same batches) and optionally 'n_test' (test images evaluated per epoch,
        default 200).

    Returns a dict: 'score' (final training accuracy), 'train_acc' and 'test_acc' per epoch
    (epoch 0 = before training; padded with the last value after a divergence stop), 'diverged',
    'epochs_done' (epochs completed before a divergence stop) and 'stop_reason' (the Trainer's
    message, or None).
    """
    (x, t), (xt, tt) = _mnist()
    n, n_test = int(params["n_train"]), int(params.get("n_test", 200))
    std = params["weight_init_std"]
    net = MultiLayerNet(784, list(params["hidden_size_list"]), 10,
                        weight_init_std=std if isinstance(std, str) else float(std),
                        use_batchnorm=bool(params["use_batchnorm"]), seed=int(params["seed"]))
    trainer = Trainer(net, x[:n], t[:n], x_test=xt[:n_test], t_test=tt[:n_test], epochs=int(params["epochs"]),
                      mini_batch_size=100, optimizer="sgd", optimizer_param={"lr": float(params["lr"])},
                      seed=int(params["seed"]), verbose=False, progress=False, blas_threads=1)
    history = trainer.train()
    epochs_done = len(history["train_acc"]) - 1
    length = int(params["epochs"]) + 1
    pad = lambda values: [float(v) for v in values] + [float(values[-1])] * (length - len(values))
    return {"score": float(history["train_acc"][-1]), "train_acc": pad(history["train_acc"]),
            "test_acc": pad(history["test_acc"]), "diverged": bool(trainer.diverged),
            "epochs_done": epochs_done, "stop_reason": trainer.stop_reason}


def run_init_scale_grid(stds=BOOK_STDS, lr=0.1, epochs=10, n_train=1000, hidden_size_list=(100,) * 5, seed=0,
                        executor=None, progress=True):
    """The book's experiment: train with and without BN at every init std; runs in parallel.

    Returns a dict: 'stds' (S,); 'bn' and 'plain' training accuracy per epoch, shape
    (S, epochs + 1) (a diverged run is padded with its last value: read 'diverged' before drawing
    it); 'bn_diverged', 'plain_diverged' (S,) bool; 'bn_epochs_done', 'plain_epochs_done' (S,)
    int; 'plain_stop' (S,) list of the Trainer's stop messages (None where it ran through); and
    the settings 'lr', 'epochs', 'n_train'.
    """
    stds = [float(s) for s in stds]
    base = {"lr": lr, "epochs": epochs, "n_train": n_train, "hidden_size_list": tuple(hidden_size_list),
            "seed": seed}
    params = [{**base, "weight_init_std": s, "use_batchnorm": bn} for bn in (True, False) for s in stds]
    trials = search.run_trials(init_scale_trial, params, seed=seed, executor=executor,
                               progress=progress, desc=f"{len(params)} training runs (lr {lr:g})")
    results = [tr.result for tr in trials]
    acc = np.array([r["train_acc"] for r in results])
    diverged = np.array([r["diverged"] for r in results])
    done = np.array([r["epochs_done"] for r in results])
    s = len(stds)
    return {"stds": np.array(stds), "bn": acc[:s], "plain": acc[s:], "bn_diverged": diverged[:s],
            "plain_diverged": diverged[s:], "bn_epochs_done": done[:s], "plain_epochs_done": done[s:],
            "plain_stop": [r["stop_reason"] for r in results[s:]], "lr": lr, "epochs": epochs,
            "n_train": n_train}


def count_learned(grid, threshold=0.5):
    """How many scales end above ``threshold`` training accuracy: (with BN, without BN).

    A diverged run never counts as learned.
    """
    bn = (grid["bn"][:, -1] > threshold) & ~grid["bn_diverged"]
    plain = (grid["plain"][:, -1] > threshold) & ~grid["plain_diverged"]
    return int(np.sum(bn)), int(np.sum(plain))


def learned_scales(grid, key="plain", threshold=0.5):
    """The init stds at which the net ``key`` ('bn' or 'plain') ends above ``threshold`` without diverging."""
    ok = (grid[key][:, -1] > threshold) & ~grid[f"{key}_diverged"]
    return [float(s) for s in grid["stds"][ok]]


def _draw_run(ax, acc, diverged, epochs_done, color, style, width, label):
    """One run's accuracy curve; a diverged run ends in an x at the epoch it was stopped in."""
    if not diverged:
        ax.plot(np.arange(len(acc)), acc, color=color, linestyle=style, linewidth=width, label=label)
        return
    ax.plot(np.arange(epochs_done + 1), acc[:epochs_done + 1], color=color, linestyle=style, linewidth=width)
    ax.plot([epochs_done + 0.5], [acc[epochs_done]], "x", color=DIVERGED_COLOR, markersize=8, markeredgewidth=2,
            label=f"{label}: diverged")
    ax.text(0.97, 0.3, f"{label}:\ndiverged", transform=ax.transAxes, ha="right", va="center",
            color=DIVERGED_COLOR, fontsize=10, fontweight="bold")


def draw_init_scale_grid(grid):
    """A 4x4 grid of small panels (like the book's figure): training accuracy per epoch, BN vs not.

    A run stopped because its loss exploded is drawn up to its last epoch, then an x and the word
    "diverged", never as a flat line at chance.
    """
    stds = grid["stds"]
    rows = int(np.ceil(len(stds) / 4))
    fig, axes = plt.subplots(rows, 4, figsize=(9.5, 1.85 * rows + 1.1), sharex=True, sharey=True)
    epochs = grid["bn"].shape[1] - 1
    for i, ax in enumerate(axes.flat):
        if i >= len(stds):
            ax.axis("off")
            continue
        _draw_run(ax, grid["bn"][i], grid["bn_diverged"][i], grid["bn_epochs_done"][i], PALETTE[0], "-",
                  1.8, "with BN")
        _draw_run(ax, grid["plain"][i], grid["plain_diverged"][i], grid["plain_epochs_done"][i], PALETTE[1],
                  "--", 1.5, "no BN")
        ax.axhline(0.1, color="#999999", linewidth=0.8, linestyle=":", zorder=0)
        ax.set_title(f"std = {stds[i]:.2g}", fontsize=10)
        ax.set_ylim(0, 1.05)
        ax.set_xlim(-0.3, epochs + 1.3)
        ax.tick_params(labelsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        if i % 4 == 0:
            ax.set_ylabel("train acc", fontsize=10)
        if i >= len(stds) - 4:
            ax.set_xlabel("epoch", fontsize=10)
    handles = [plt.Line2D([], [], color=PALETTE[0], linewidth=1.8, label="with BN"),
               plt.Line2D([], [], color=PALETTE[1], linestyle="--", linewidth=1.5, label="no BN"),
               plt.Line2D([], [], color=DIVERGED_COLOR, marker="x", linestyle="none", markersize=8,
                          markeredgewidth=2, label="loss exploded: training stopped (diverged)"),
               plt.Line2D([], [], color="#999999", linestyle=":", label="chance (10 %)")]
    fig.suptitle(f"Training accuracy at {len(stds)} weight-init scales ({grid['n_train']} images, "
                 f"5 x 100 ReLU, SGD lr {grid['lr']:g}, {grid['epochs']} epochs)")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=9, frameon=False)
    return fig


#: Scales of the grid re-run at the book's settings in the notebook (a subset, to save time).
BOOK_SUBSET = (0, 2, 4, 7, 11, 15)


def format_settings_comparison(fast, book):
    """A table: final training accuracy per scale at two settings (two grids over the same or fewer stds).

    Rows are the stds of ``book``; each cell reads e.g. '0.998' or 'diverged'.
    """
    def cell(grid, key, j):
        if grid[f"{key}_diverged"][j]:
            return "diverged"
        return f"{grid[key][j, -1]:.3f}"

    head_f = f"lr {fast['lr']:g}, {fast['epochs']} epochs"
    head_b = f"lr {book['lr']:g}, {book['epochs']} epochs"
    lines = [f"{'':>9} | {head_f:^21} | {head_b:^21}",
             f"{'std':>9} | {'with BN':>9} {'no BN':>9}   | {'with BN':>9} {'no BN':>9}"]
    for j, std in enumerate(book["stds"]):
        i = int(np.argmin(np.abs(fast["stds"] - std)))
        lines.append(f"{std:>9.2g} | {cell(fast, 'bn', i):>9} {cell(fast, 'plain', i):>9}   | "
                     f"{cell(book, 'bn', j):>9} {cell(book, 'plain', j):>9}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- effects
def learning_rate_comparison(lrs=(0.01, 0.1, 1.0), epochs=10, n_train=1000, hidden_size_list=(100,) * 5,
                             weight_init_std="he", seed=0, executor=None, progress=True):
    """He-initialized nets with and without BN at several learning rates (in parallel).

    Returns a dict: 'lrs', and per lr index 'bn' / 'plain' lists of trial results (see
    :func:`init_scale_trial`; 'test_acc' measured on 1000 test images).
    """
    base = {"epochs": epochs, "n_train": n_train, "hidden_size_list": tuple(hidden_size_list), "seed": seed,
            "weight_init_std": weight_init_std, "n_test": 1000}
    params = [{**base, "lr": lr, "use_batchnorm": bn} for lr in lrs for bn in (True, False)]
    trials = search.run_trials(init_scale_trial, params, seed=seed, executor=executor, progress=progress,
                               desc="learning rates")
    results = [tr.result for tr in trials]
    return {"lrs": list(lrs), "bn": results[0::2], "plain": results[1::2], "epochs": epochs}


def epochs_to_reach(train_acc, target):
    """First epoch whose training accuracy is >= target, or None if it never gets there."""
    hits = np.flatnonzero(np.asarray(train_acc) >= target)
    return int(hits[0]) if len(hits) else None


def draw_learning_rate_comparison(comparison):
    lrs = comparison["lrs"]
    fig, axes = plt.subplots(1, len(lrs), figsize=(10, 3.0), sharey=True)
    for ax, lr, bn, plain in zip(axes, lrs, comparison["bn"], comparison["plain"]):
        ax.plot(bn["train_acc"], color=PALETTE[0], linewidth=1.8, label="with BN: train")
        ax.plot(bn["test_acc"], color=PALETTE[0], linestyle=":", label="with BN: test")
        if plain["diverged"]:
            ax.plot([plain["epochs_done"] + 0.5], [plain["train_acc"][plain["epochs_done"]]], "x",
                    color=DIVERGED_COLOR, markersize=9, markeredgewidth=2, label="no BN: diverged")
            ax.text(0.5, 0.5, "no BN: loss exploded,\ntraining stopped (diverged)", transform=ax.transAxes,
                    ha="center", color=DIVERGED_COLOR, fontsize=10, fontweight="bold")
        else:
            ax.plot(plain["train_acc"], color=PALETTE[1], linestyle="--", linewidth=1.5, label="no BN: train")
            ax.plot(plain["test_acc"], color=PALETTE[1], linestyle=":", label="no BN: test")
        ax.set(title=f"lr = {lr:g}", xlabel="epoch", ylim=(0, 1.02))
    axes[0].set_ylabel("accuracy")
    axes[0].legend(fontsize=8, loc="lower right")
    fig.suptitle("He init, 5 x 100 ReLU, 1000 images: BN learns faster and tolerates a larger learning rate")
    fig.tight_layout()
    return fig


def train_bn_net(lr=0.1, epochs=10, n_train=1000, hidden_size_list=(100,) * 5, seed=0):
    """A He-initialized BN net trained on the first ``n_train`` images (for the test-time demos)."""
    (x, t), (xt, tt) = _mnist()
    net = MultiLayerNet(784, list(hidden_size_list), 10, use_batchnorm=True, seed=seed)
    Trainer(net, x[:n_train], t[:n_train], x_test=xt, t_test=tt, epochs=epochs, optimizer_param={"lr": lr},
            seed=seed, verbose=False, progress=False).train()
    return net


def batch_companion_noise(net, n_batches=30, mini_batch_size=100, sample_index=0, seed=0):
    """Training-mode scores of ONE image placed in ``n_batches`` different random batches.

    BN normalizes with the batch's statistics, so the same image gets a slightly different output
    depending on its companions: noise that acts as a mild regularizer. Returns an array of shape
    (n_batches, 10). (Uses training mode but does not change the net's parameters; the running
    statistics are restored.)
    """
    (x, _), _ = _mnist()
    rng = np.random.default_rng(seed)
    saved = net.get_state()
    pool = np.delete(np.arange(len(x)), sample_index)
    scores = []
    try:
        for _ in range(n_batches):
            idx = np.concatenate([[sample_index], rng.choice(pool, mini_batch_size - 1, replace=False)])
            scores.append(net.predict(x[idx], train_flg=True)[0])
    finally:
        net.set_state(saved)
    return np.array(scores)


def draw_batch_companion_noise(scores, test_scores=None):
    fig, ax = plt.subplots(figsize=(8, 3.0))
    n, k = scores.shape
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, size=scores.shape)
    ax.scatter(np.arange(k)[None, :] + jitter, scores, s=10, color=PALETTE[0], alpha=0.6,
               label=f"training mode, {n} different batches")
    if test_scores is not None:
        ax.scatter(np.arange(k), test_scores, marker="_", s=300, color=PALETTE[1], linewidths=2,
                   label="test mode (running statistics)")
    ax.set(title="One image, many batch companions: its class scores wobble in training mode",
           xlabel="class", ylabel="score (logit)", xticks=range(k))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- weight-scale invariance
def weight_scale_invariance(scale=10.0, hidden_size_list=(100,) * 3, mini_batch_size=100, seed=0):
    """Multiply every Affine layer that feeds a BN layer (W and b) by ``scale``: loss and gradients.

    BN subtracts the batch mean and divides by the batch std, so scaling its input by c changes
    nothing downstream (up to eps): the training-mode loss stays the same. The gradient of those
    weights shrinks by 1/c, so one SGD step changes them by 1/c^2 of what it did relative to
    their size. The output layer (no BN after it) is left alone.

    Works in float64 on ``mini_batch_size`` MNIST images, He init. Returns a dict: 'scale',
    'loss_before', 'loss_after' (floats), 'grad_ratio' (dict W name -> ||dW after|| / ||dW before||)
    and 'step_ratio' (dict W name -> (||lr dW|| / ||W||) after / before, for any lr).
    """
    (x, t), _ = _mnist()
    xb, tb = x[:mini_batch_size].astype(np.float64), t[:mini_batch_size]
    net = MultiLayerNet(784, list(hidden_size_list), 10, use_batchnorm=True, seed=seed, dtype=np.float64)
    scaled = [f"W{i}" for i in range(1, len(hidden_size_list) + 1)]

    def measure():
        grads = net.gradient(xb, tb)
        return float(net.last_loss), {k: float(np.linalg.norm(grads[k])) for k in scaled + ["W%d" % (len(scaled) + 1)]}

    loss_before, g_before = measure()
    w_before = {k: float(np.linalg.norm(net.params[k])) for k in g_before}
    for i in range(1, len(hidden_size_list) + 1):
        net.params[f"W{i}"] *= scale
        net.params[f"b{i}"] *= scale
    loss_after, g_after = measure()
    w_after = {k: float(np.linalg.norm(net.params[k])) for k in g_before}
    return {"scale": scale, "loss_before": loss_before, "loss_after": loss_after,
            "grad_ratio": {k: g_after[k] / g_before[k] for k in g_before},
            "step_ratio": {k: (g_after[k] / w_after[k]) / (g_before[k] / w_before[k]) for k in g_before}}


# ----------------------------------------------------------------------------- playground
#: Choices of the playground's mini-batch size (BN estimates its statistics from this many samples).
MINI_BATCH_SIZES = (2, 4, 8, 16, 32, 100)


class BNComparison(PlaygroundResult):
    """Two training runs with the same settings, without and with batch norm (playground result)."""

    def __init__(self, plain, bn):
        self.plain, self.bn = plain, bn
        self.diverged = plain.diverged or bn.diverged

        def line(name, run):
            if run.diverged:
                return f"{name}: diverged (loss exploded, training stopped)"
            return f"{name}: train {run.final_train_acc:.2f} / test {run.final_test_acc:.2f}"
        self.message = line("with BN", bn) + "  |  " + line("no BN", plain)


def compare_bn_runs(lr=0.1, weight_init_std=0.01, dropout_ratio=0.0, hidden_size_list=(50,) * 4,
                    epochs=6, n_train=800, mini_batch_size=100, seed=0):
    """Train the same small net without and with BN (the playground's compute function).

    Both runs start from the same weights and see the same batches of ``mini_batch_size`` images;
    accuracies are measured in test mode (BN with its running statistics).
    """
    kwargs = dict(lr=lr, weight_init_std=weight_init_std, dropout_ratio=dropout_ratio,
                  hidden_size_list=tuple(int(h) for h in hidden_size_list), n_train=n_train, n_test=500,
                  epochs=epochs, mini_batch_size=int(mini_batch_size), seed=seed)
    return BNComparison(train_small_net(use_batchnorm=False, **kwargs),
                        train_small_net(use_batchnorm=True, **kwargs))


GHOST = "#bbbbbb"


def draw_bn_comparison(result, values=None, previous=None):
    """Loss per epoch (left) and train/test accuracy per epoch (right), BN vs no BN.

    The loss is averaged per epoch so runs with different mini-batch sizes share one x axis.
    ``previous`` (the last result) is drawn first, thin and grey; a diverged run is marked in red.
    """
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9.5, 3.3))
    runs = [(result.bn, PALETTE[0], "with BN", 1.8), (result.plain, PALETTE[1], "no BN", 1.8)]
    if previous is not None and hasattr(previous, "bn"):
        runs = [(previous.bn, GHOST, None, 1.0), (previous.plain, GHOST, None, 1.0)] + runs
    ghost_labelled = False
    for run, color, name, width in runs:
        ghost = name is None
        label = None if ghost and ghost_labelled else ("previous setting" if ghost else name)
        ghost_labelled = ghost_labelled or ghost
        epochs = len(run.history["train_acc"]) - 1
        loss = np.asarray(run.history["train_loss"], dtype=float)
        if len(loss) and epochs > 0:
            per_epoch = np.array_split(loss, max(1, epochs))
            means = [float(np.mean(c)) if len(c) and np.all(np.isfinite(c)) else np.nan for c in per_epoch]
            ax_loss.plot(np.arange(1, len(means) + 1), means, color=color, marker="o", markersize=3,
                         linewidth=width, label=label, zorder=1 if ghost else 2)
        style = dict(color=color, linewidth=width, zorder=1 if ghost else 2)
        ax_acc.plot(run.history["train_acc"], marker="o", markersize=3, label=None if ghost else f"{name}: train",
                    **style)
        ax_acc.plot(run.history["test_acc"], linestyle=":", label=None if ghost else f"{name}: test", **style)
        if ghost and label:
            ax_acc.plot([], [], color=GHOST, label=label)
        if run.diverged and not ghost:
            for ax in (ax_loss, ax_acc):
                ax.text(0.5, 0.55 if name == "no BN" else 0.7, f"{name}: diverged", transform=ax.transAxes,
                        ha="center", color=DIVERGED_COLOR, fontsize=12, fontweight="bold")
    ax_loss.set(title="training loss (mean per epoch)", xlabel="epoch", ylabel="loss")
    ax_loss.set_yscale("log")
    ax_loss.legend(fontsize=8, loc="lower left")
    ax_acc.set(title="accuracy (test mode)", xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
    ax_acc.legend(fontsize=8, loc="lower right", ncol=2)
    if values is not None:
        fig.suptitle(f"mini-batch size {values.get('mini_batch_size', 100)}, lr {values.get('lr', 0):.3g}, "
                     f"init {values.get('weight_init_std')}, dropout {values.get('dropout_ratio', 0):g}, "
                     f"{values.get('n_layers', 4)} hidden layers", fontsize=10)
    fig.tight_layout()
    return fig


def batchnorm_playground(lr=0.1, weight_init_std=0.01, dropout_ratio=0.0, n_layers=4, mini_batch_size=100):
    """Learning rate, weight init and dropout with BN on and off side by side, plus depth and batch size."""
    style = {"description_width": "130px"}
    controls = {
        "lr": learning_rate_slider(lr, min_exp=-3, max_exp=0.5),
        "weight_init_std": InitStdControl(weight_init_std, schemes=("he", "xavier")),
        "dropout_ratio": dropout_slider(dropout_ratio),
        "n_layers": widgets.IntSlider(value=n_layers, min=1, max=8, description="hidden layers",
                                      continuous_update=False, style=style),
        "mini_batch_size": widgets.SelectionSlider(options=list(MINI_BATCH_SIZES), value=mini_batch_size,
                                                   description="mini-batch size", continuous_update=False,
                                                   style=style),
    }
    return Playground(controls, compute_bn_playground, draw_bn_comparison,
                      title="Batch norm on (blue) vs off (orange): 800 images, 6 epochs, 50 units per layer "
                            "(grey: the previous setting)")


def compute_bn_playground(lr, weight_init_std, dropout_ratio, n_layers, mini_batch_size=100):
    return compare_bn_runs(lr=lr, weight_init_std=weight_init_std, dropout_ratio=dropout_ratio,
                           hidden_size_list=(50,) * int(n_layers), mini_batch_size=mini_batch_size)
