"""Notebook 05's experiments: overfitting 300 images, weight decay, dropout, early stopping.

The book's setting (:data:`BOOK_SETTINGS`): 300 MNIST training images, 6 hidden layers of 100 ReLU
units (7 Affine layers), He init, SGD lr 0.01, batch 100, 200 epochs (600 updates). The notebook
runs the same data and network at lr 0.1 for 100 epochs (:data:`SETTINGS`, 300 updates, the
budget of the exercise checker ``nb05.check_regularizer``): it overfits just as clearly in half the
updates. Validation data are the last 1000 images of the training pool (never among the training
images, never test images); test data are only reported.

Runs are independent, so they go through :func:`dlhelpers.search.run_trials` in parallel.
"""
import numpy as np

from .. import search
from ..data import load_mnist_cached as _mnist
from ..functions import cross_entropy_error, softmax
from ..early_stopping import EarlyStopping, early_stop_epoch  # noqa: F401  (re-exported for notebook 05)
from ..layers import Affine, Dropout
from ..network import MultiLayerNet
from ..playground_result import PlaygroundResult
from ..plotting import PALETTE
from ..training import Trainer
from . import pyplot as _plt

#: The book's overfitting setup (its chapter 6 scripts).
BOOK_SETTINGS = {"n_train": 300, "hidden_size_list": (100,) * 6, "lr": 0.01, "mini_batch_size": 100,
                 "epochs": 200, "weight_init_std": "he", "weight_decay_lambda": 0.0, "dropout_ratio": 0.0,
                 "seed": 0, "patience": None, "n_val": 1000, "curves": True, "return_params": False}

#: What notebook 05 runs: the book's data and network at lr 0.1 for 100 epochs (300 updates).
SETTINGS = {**BOOK_SETTINGS, "lr": 0.1, "epochs": 100}

#: The sweeps of Sections 2 and 3.
WEIGHT_DECAY_LAMBDAS = (0.001, 0.003, 0.01, 0.03, 0.1)
DROPOUT_RATIOS = (0.1, 0.15, 0.2, 0.3, 0.5)

POOL_SIZE = 4000  # images in the bundled training pool


def validation_data(n_val=1000):
    """``n_val`` images from the END of the training pool: never among the training images
    (which are taken from the front), never test images."""
    (x, t), _ = _mnist()
    if isinstance(n_val, bool) or not isinstance(n_val, (int, np.integer)) or not 1 <= n_val <= len(x) // 2:
        raise ValueError(f"n_val must be an integer number of images in 1..{len(x) // 2}, got {n_val!r}")
    return x[-n_val:], t[-n_val:]


# ----------------------------------------------------------------------------- the training loop
def train_sgd(net, x_train, t_train, *, epochs, lr, mini_batch_size, seed,
              x_val=None, t_val=None, x_test=None, t_test=None, patience=None):
    """Plain mini-batch SGD, written out: the loop behind every run of notebook 05.

    Each epoch visits a fresh permutation in ``len(x_train) // mini_batch_size`` batches (the
    Trainer's order: same seed, same batches, same numbers). ``net.gradient`` is backprop of the
    loss INCLUDING the weight-decay term, so the decay is in ``grads``. Accuracies are measured
    after every epoch (index 0 = before training); validation and test data only when given.
    With ``patience``, early stopping watches validation accuracy with
    :class:`dlhelpers.early_stopping.EarlyStopping` and restores the best epoch's weights.

    Returns a dict: 'train_acc', 'val_acc', 'val_loss' (cross-entropy, without the decay
    term), 'test_acc' (lists per epoch), 'best_epoch' and 'stop_epoch' (None without an early stop).
    """
    rng = np.random.default_rng(seed)
    rule = EarlyStopping(patience) if patience is not None else None
    history = {"train_acc": [], "val_acc": [], "val_loss": [], "test_acc": [], "best_epoch": None,
               "stop_epoch": None}
    n_batches = max(len(x_train) // mini_batch_size, 1)
    best_state = None
    for epoch in range(epochs + 1):
        if epoch > 0:  # epoch 0 only measures the untrained net
            order = rng.permutation(len(x_train))
            for i in range(n_batches):
                batch = order[i * mini_batch_size:(i + 1) * mini_batch_size]
                grads = net.gradient(x_train[batch], t_train[batch])  # dL/dW + lambda * W
                for key in net.params:
                    net.params[key] -= lr * grads[key]  # the SGD step, in place
        history["train_acc"].append(net.accuracy(x_train, t_train))
        if x_val is not None:
            scores = net.predict(x_val)
            history["val_acc"].append(float(np.mean(scores.argmax(axis=1) == t_val)))
            history["val_loss"].append(float(cross_entropy_error(softmax(scores), t_val)))
        if x_test is not None:
            history["test_acc"].append(net.accuracy(x_test, t_test))  # for plots only
        if rule is not None:
            stop = rule.update(epoch, history["val_acc"][-1])
            if rule.improved:
                best_state, history["best_epoch"] = net.get_state(), epoch
            if stop:
                net.set_state(best_state)
                history["stop_epoch"] = epoch
                break
    return history


# ----------------------------------------------------------------------------- training runs
def make_net(p):
    """The MultiLayerNet of settings ``p`` (a full settings dict)."""
    dropout = float(p["dropout_ratio"])
    return MultiLayerNet(784, list(p["hidden_size_list"]), 10, weight_init_std=p["weight_init_std"],
                         weight_decay_lambda=float(p["weight_decay_lambda"]), use_dropout=dropout > 0,
                         dropout_ratio=dropout if dropout > 0 else 0.5, seed=int(p["seed"]))


def full_settings(params):
    """:data:`SETTINGS` overridden by ``params``; unknown keys and impossible sizes are refused."""
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of overrides of SETTINGS, got {type(params).__name__}")
    unknown = sorted(set(params) - set(SETTINGS))
    if unknown:
        raise ValueError(f"unknown setting(s) {unknown}; the keys are {sorted(SETTINGS)}")
    p = {**SETTINGS, **params}
    if int(p["n_train"]) + int(p["n_val"]) > POOL_SIZE:
        raise ValueError(f"n_train + n_val = {int(p['n_train']) + int(p['n_val'])} exceeds the {POOL_SIZE} "
                         "images of the training pool: training and validation images must not overlap")
    return p


def overfit_trial(params, seed=None):
    """One training run of notebook 05 (a trial function for :func:`dlhelpers.search.run_trials`).

    params : dict, :data:`SETTINGS` overridden by any of its keys. The run's seed is
        ``params['seed']`` (weights, batch order, dropout masks); the ``seed`` argument of the
        trial contract is ignored, so every setting starts from the same weights and batches.
        'patience' (epochs) enables early stopping on validation accuracy. 'curves': True measures
        validation and test accuracy after every epoch; False only once at the end (cheaper: the
        sweeps). 'return_params' adds the final weights to the result.

    Returns a dict with per-epoch 'train_acc' (and 'val_acc', 'test_acc' with curves), the final
    'final_train_acc', 'final_val_acc', 'final_test_acc' (of the weights the run ends with: the
    restored best ones after an early stop), 'weight_sq' (sum of W^2 over all layers), 'best_epoch',
    'stop_epoch', 'settings', and 'score' = the final validation accuracy (what a choice may use).
    """
    p = full_settings(params)
    (x, t), (xt, tt) = _mnist()
    x_val, t_val = validation_data(int(p["n_val"]))
    n = int(p["n_train"])
    net = make_net(p)
    curves = bool(p["curves"]) or p["patience"] is not None
    h = train_sgd(net, x[:n], t[:n], epochs=int(p["epochs"]), lr=float(p["lr"]),
                  mini_batch_size=int(p["mini_batch_size"]), seed=int(p["seed"]),
                  x_val=x_val if curves else None, t_val=t_val if curves else None,
                  x_test=xt if curves else None, t_test=tt if curves else None, patience=p["patience"])
    weight_sq = float(sum(np.sum(layer.params["W"].astype(np.float64) ** 2)
                          for layer in net.layers.values() if isinstance(layer, Affine)))
    result = {**h, "final_train_acc": float(net.accuracy(x[:n], t[:n])),
              "final_val_acc": float(net.accuracy(x_val, t_val)),
              "final_test_acc": float(net.accuracy(xt, tt)), "weight_sq": weight_sq, "settings": p}
    result["score"] = result["final_val_acc"]
    if p["return_params"]:
        result["params"] = net.copy_params()
    return result


def rebuild_net(result):
    """The trained network of an :func:`overfit_trial` run with 'return_params': True."""
    if "params" not in result:
        raise ValueError("this run kept no weights: run it with 'return_params': True")
    net = make_net(result["settings"])
    net.set_params(result["params"])
    return net


def run_settings(settings, executor=None, progress=True, desc="training runs"):
    """Run several :func:`overfit_trial` settings in parallel; returns their results in order.

    settings : dict label -> params (overrides of :data:`SETTINGS`).
    Returns a dict label -> result dict.
    """
    labels = list(settings)
    for label in labels:
        full_settings(settings[label])  # fail here, with the label, not in a worker
    trials = search.run_trials(overfit_trial, [settings[k] for k in labels], executor=executor,
                               progress=progress, desc=desc)
    return {label: trial.result for label, trial in zip(labels, trials)}


def sweep_settings(lambdas=WEIGHT_DECAY_LAMBDAS, ratios=DROPOUT_RATIOS, curves=False):
    """Labels -> params of the weight-decay and dropout sweeps (Sections 2 and 3)."""
    settings = {f"weight decay {lam:g}": {"weight_decay_lambda": lam, "curves": curves} for lam in lambdas}
    settings.update({f"dropout {r:g}": {"dropout_ratio": r, "curves": curves, "return_params": True}
                     for r in ratios})
    return settings


def best_by_validation(results, labels):
    """The label among ``labels`` with the highest final validation accuracy (the first on a tie)."""
    labels = list(labels)
    if not labels:
        raise ValueError("labels is empty: name at least one run to choose from")
    return max(labels, key=lambda k: (results[k]["final_val_acc"], -labels.index(k)))


def sweep_table(results, labels, baseline):
    """One line per run: train, validation and test accuracy, and the change against the baseline."""
    lines = [f"{'':<20} train   val    test   val vs baseline"]
    b = baseline
    lines.append(f"{'no regularization':<20} {b['final_train_acc']:.3f}  {b['final_val_acc']:.3f}  "
                 f"{b['final_test_acc']:.3f}")
    for k in labels:
        r = results[k]
        lines.append(f"{k:<20} {r['final_train_acc']:.3f}  {r['final_val_acc']:.3f}  {r['final_test_acc']:.3f}  "
                     f"{r['final_val_acc'] - b['final_val_acc']:+.3f}")
    return "\n".join(lines)


def seed_label(label, seed):
    """The label of ``label``'s run with another seed (seed 0 keeps the plain label)."""
    return label if seed == 0 else f"{label} (seed {seed})"


def seed_settings(runs, labels, seeds=(1, 2)):
    """The runs ``labels`` of ``runs`` (label -> params) again with other seeds, final accuracies only."""
    return {seed_label(k, s): {**runs[k], "seed": s, "curves": False} for s in seeds for k in labels}


def seed_gains(results, label, seeds=(0, 1, 2), key="final_val_acc", baseline="no regularization"):
    """Per seed: accuracy of ``label`` minus the baseline's with the same seed (a list)."""
    return [results[seed_label(label, s)][key] - results[seed_label(baseline, s)][key] for s in seeds]


def seed_table(results, labels, seeds=(0, 1, 2), baseline="no regularization"):
    """Validation gain over the same seed's baseline, per seed, and the mean gains (val and test)."""
    head = "".join(f"  seed {s}" for s in seeds)
    lines = [f"{'validation gain over the baseline':<34}{head}    mean   (test: mean)"]
    base = "".join(f"   {results[seed_label(baseline, s)]['final_val_acc']:.3f}" for s in seeds)
    lines.append(f"{'(baseline validation accuracy)':<34}{base}")
    for k in labels:
        g = seed_gains(results, k, seeds, baseline=baseline)
        gt = seed_gains(results, k, seeds, key="final_test_acc", baseline=baseline)
        lines.append(f"{k:<34}" + "".join(f"  {v:+.3f}" for v in g) + f"  {np.mean(g):+.3f}   ({np.mean(gt):+.3f})")
    return "\n".join(lines)


def gap(result, last=10):
    """Train minus validation accuracy, averaged over the last ``last`` epochs (smooths the noise)."""
    if not result.get("val_acc"):
        raise ValueError("this run has no validation curve: run it with 'curves': True")
    return float(np.mean(result["train_acc"][-last:]) - np.mean(result["val_acc"][-last:]))


# ----------------------------------------------------------------------------- figures
def draw_curves(result, ax=None, title="No regularization"):
    """Train, validation and test accuracy per epoch; the train-validation gap shaded."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2))
    train, val = np.asarray(result["train_acc"]), np.asarray(result["val_acc"])
    epochs = np.arange(len(train))
    ax.plot(epochs, train, color=PALETTE[0], label="train")
    ax.plot(epochs, val, color=PALETTE[2], label="validation")
    if result.get("test_acc"):
        ax.plot(epochs, result["test_acc"], color=PALETTE[1], linestyle="--", linewidth=1, label="test")
    ax.fill_between(epochs, val, train, where=train >= val, color=PALETTE[3], alpha=0.18,
                    label=f"gap (last 10 epochs: {gap(result):.2f})")
    ax.set(title=title, xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
    ax.legend(loc="lower right", fontsize=8)
    return ax


def draw_gap_panels(results, titles=None):
    """One :func:`draw_curves` panel per run, side by side."""
    plt = _plt()
    labels = list(results)
    fig, axes = plt.subplots(1, len(labels), figsize=(3.6 * len(labels), 3.2), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, label in zip(axes, labels):
        draw_curves(results[label], ax=ax, title=(titles or {}).get(label, label))
    fig.tight_layout()
    return fig


def draw_sweep(results, labels, values, baseline, xlabel, log_x=True, title=None, zoom_from=0.75):
    """Final accuracies against a regularizer's strength, the baseline as horizontal lines.

    Left: train, validation and test accuracy from 0 (underfitting shows as a falling train
    curve). Right: validation and test only, zoomed (the y-axis starts at ``zoom_from``, said in
    the title). The run with the best validation accuracy is circled: the choice; test is only
    reported.
    """
    plt = _plt()
    fig, (ax, az) = plt.subplots(1, 2, figsize=(9.6, 3.3))
    train = [results[k]["final_train_acc"] for k in labels]
    val = [results[k]["final_val_acc"] for k in labels]
    test = [results[k]["final_test_acc"] for k in labels]
    best = best_by_validation(results, labels)
    i = list(labels).index(best)
    for axis, zoomed in ((ax, False), (az, True)):
        axis.axhline(baseline["final_val_acc"], color=PALETTE[2], linewidth=1, alpha=0.7,
                     label=f"no regularization, validation ({baseline['final_val_acc']:.3f})")
        axis.axhline(baseline["final_test_acc"], color=PALETTE[1], linewidth=1, linestyle="--", alpha=0.7,
                     label=f"no regularization, test ({baseline['final_test_acc']:.3f})")
        if not zoomed:
            axis.plot(values, train, "^-", color=PALETTE[0], markersize=4, label="train")
        axis.plot(values, val, "o-", color=PALETTE[2], label="validation")
        axis.plot(values, test, "s--", color=PALETTE[1], markersize=4, label="test (report only)")
        axis.plot(values[i], val[i], "o", markersize=13, markerfacecolor="none", markeredgecolor="black",
                  label=f"chosen on validation ({values[i]:g})")
        if log_x:
            axis.set_xscale("log")
        axis.set(xlabel=xlabel, ylabel="accuracy after 100 epochs")
    ax.set(ylim=(0, 1.05), title=title or "Accuracy against the regularizer's strength")
    top = max(max(val), max(test), baseline["final_val_acc"]) + 0.02
    az.set(ylim=(zoom_from, top), title=f"Zoom (y-axis starts at {zoom_from}): held-out accuracy")
    ax.legend(fontsize=7, loc="lower left")  # the zoom uses the same styles
    fig.tight_layout()
    return fig


def draw_summary(results):
    """Final train, validation and test accuracy (bars), one group per run."""
    plt = _plt()
    labels = list(results)
    keys = (("final_train_acc", "train", PALETTE[0]), ("final_val_acc", "validation", PALETTE[2]),
            ("final_test_acc", "test", PALETTE[1]))
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(9.6, 3.5))
    for j, (key, name, color) in enumerate(keys):
        heights = [results[k][key] for k in labels]
        ax.bar(x + (j - 1) * 0.27, heights, 0.27, color=color, label=name)
        for xi, h in zip(x, heights):
            if key != "final_train_acc":
                ax.annotate(f"{h:.2f}", (xi + (j - 1) * 0.27, h + 0.01), ha="center", fontsize=7)
    ax.set(xticks=x, ylim=(0, 1.15), ylabel="accuracy at the end of the run",
           title="300 training images (last group: 1000): one run of each kind")
    ax.set_xticklabels(labels, fontsize=8)
    ax.legend(loc="upper right", fontsize=8, ncol=3)
    fig.tight_layout()
    return fig


def draw_weight_norms(results):
    plt = _plt()
    labels = list(results)
    fig, ax = plt.subplots(figsize=(6, 2.2))
    values = [results[k]["weight_sq"] for k in labels]
    ax.barh(labels, values, color=[PALETTE[i % len(PALETTE)] for i in range(len(labels))])
    ax.set(xlabel=r"$\sum W^2$ over all layers after training", title="Weight decay keeps the weights small")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- dropout mechanics
def dropout_forms_demo(ratio=0.5, n_units=16, n_passes=4, n_masks=20000, n_wide=10000, seed=0):
    """The two dropout forms of :class:`dlhelpers.layers.Dropout` on the same input.

    Returns a dict with 'x' (1, n_units) = 1.0 ... 2.0; per form ('book', 'inverted'):
    'passes_<form>' (n_passes training outputs, each with its own random mask), 'mean_<form>'
    (the average training output over ``n_masks`` masks) and 'test_<form>' (the test output);
    'kept_fraction' (fraction of ``n_wide`` units kept in one training pass) and 'ratio'.
    """
    x = np.linspace(1.0, 2.0, n_units).reshape(1, -1)
    out = {"x": x, "ratio": ratio}
    for name, inverted in (("book", False), ("inverted", True)):
        layer = Dropout(ratio, inverted=inverted, rng=seed)
        out[f"passes_{name}"] = np.vstack([layer.forward(x, train_flg=True) for _ in range(n_passes)])
        big = np.repeat(x, n_masks, axis=0)
        out[f"mean_{name}"] = layer.forward(big, train_flg=True).mean(axis=0, keepdims=True)
        out[f"test_{name}"] = layer.forward(x, train_flg=False)
    wide = Dropout(ratio, rng=seed + 1).forward(np.ones((1, n_wide)), train_flg=True)
    out["kept_fraction"] = float(np.mean(wide != 0))
    return out


def ensemble_reading(net, n_members=(1, 2, 5, 10, 20, 30), n_images=500, seed=0):
    """Dropout as an ensemble: average the softmax of many random thinned nets (training-mode masks).

    Measured on the first ``n_images`` validation images. Returns a dict: 'n_members',
    'ensemble_acc' (accuracy of the average of the first k masked passes, for each k),
    'single_masked_acc' (mean accuracy of one masked pass), 'test_mode_acc' (the deterministic
    test-mode net), and 'agreement' (fraction of images where the largest ensemble and test mode
    predict the same class).
    """
    xv, tv = validation_data()
    xv, tv = xv[:n_images], tv[:n_images]
    dropouts = [layer for layer in net.layers.values() if isinstance(layer, Dropout)]
    if not dropouts:
        raise ValueError("the network has no Dropout layers: build it with use_dropout=True")
    saved_rngs = [layer.rng for layer in dropouts]
    rng = np.random.default_rng(seed)
    for layer in dropouts:
        layer.rng = rng
    try:
        probs = [softmax(net.predict(xv, train_flg=True)) for _ in range(max(n_members))]
    finally:
        for layer, r in zip(dropouts, saved_rngs):
            layer.rng = r
    probs = np.array(probs)
    cumulative = np.cumsum(probs, axis=0)
    ensemble_acc = [float(np.mean(cumulative[k - 1].argmax(1) == tv)) for k in n_members]
    test_scores = net.predict(xv)
    return {"n_members": list(n_members), "ensemble_acc": ensemble_acc,
            "single_masked_acc": float(np.mean([np.mean(p.argmax(1) == tv) for p in probs])),
            "test_mode_acc": float(np.mean(test_scores.argmax(1) == tv)),
            "agreement": float(np.mean(cumulative[-1].argmax(1) == test_scores.argmax(1)))}


def draw_ensemble_reading(reading):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    ax.plot(reading["n_members"], reading["ensemble_acc"], "o-", color=PALETTE[0],
            label="average of k random thinned nets")
    ax.axhline(reading["test_mode_acc"], color=PALETTE[1], linestyle="--", label="test mode (no masks)")
    ax.axhline(reading["single_masked_acc"], color=PALETTE[2], linestyle=":", label="one thinned net (mean)")
    ax.set_xscale("log")
    ax.set(xlabel="ensemble size k", ylabel="validation accuracy", ylim=(0, 1),
           title="Dropout as an ensemble of thinned networks")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- early stopping
def draw_early_stopping(full, stopped, zoom_from=0.7):
    """The full run and where early stopping ended a copy of it, in three panels.

    Left: train, validation and test accuracy (y from 0). Middle: validation and test accuracy,
    zoomed (the y-axis starts at ``zoom_from``, said in the title). Right: validation loss, which
    turns up clearly once the net memorizes. Dashed: the best validation epoch; dotted: the stop.
    """
    plt = _plt()
    fig, (ax, az, al) = plt.subplots(1, 3, figsize=(12, 3.3))
    e = np.arange(len(full["train_acc"]))
    stop, best = stopped["stop_epoch"], stopped["best_epoch"]
    for axis in (ax, az, al):
        axis.axvline(best, color=PALETTE[4], linestyle="--", label=f"best validation epoch ({best})")
        if stop is not None:
            axis.axvline(stop, color=PALETTE[7], linestyle=":", label=f"early stop ({stop})")
        axis.set(xlabel="epoch")
    ax.plot(e, full["train_acc"], color=PALETTE[0], label="train")
    for axis in (ax, az):
        axis.plot(e, full["val_acc"], color=PALETTE[2], label="validation")
        axis.plot(e, full["test_acc"], color=PALETTE[1], linestyle="--", linewidth=1, label="test (report only)")
        axis.set(ylabel="accuracy")
    az.plot(best, full["val_acc"][best], "o", color=PALETTE[4])
    al.plot(e, full["val_loss"], color=PALETTE[2], label="validation loss")
    ax.set(ylim=(0, 1.02), title="No regularization, 100 epochs")
    az.set(ylim=(zoom_from, max(max(full["val_acc"]), max(full["test_acc"])) + 0.02),
           xlim=(10, len(e) - 1), title=f"Zoom (y-axis starts at {zoom_from})")
    al.set(ylim=(0, max(full["val_loss"][10:]) * 1.15), xlim=(10, len(e) - 1), ylabel="cross-entropy",
           title="Validation loss (from 0): turns up")
    for axis in (ax, az, al):
        axis.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


# early_stop_epoch(val_acc, patience) -> (stop epoch or None, best epoch): the Trainer's rule
# (dlhelpers.early_stopping.EarlyStopping) applied to a recorded validation curve; imported above.


# ----------------------------------------------------------------------------- playground
WEIGHT_DECAY_OPTIONS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
N_TRAIN_OPTIONS = (100, 300, 1000, 3000)
PLAYGROUND_N_VAL = 500  # validation images (the last of the pool) and test images per epoch


class RegularizationRun(PlaygroundResult):
    """Playground result: the Trainer's history, final accuracies and the train-validation gap.

    Attributes: ``history`` ('train_acc', 'val_acc', 'test_acc' per epoch), ``trainer``,
    ``final_train_acc``, ``final_val_acc``, ``final_test_acc``, ``gap`` (train minus validation,
    mean of the last 5 epochs), ``message``, ``diverged``.
    """

    def __init__(self, trainer):
        h = trainer.history
        self.trainer, self.history, self.diverged = trainer, h, trainer.diverged
        self.final_train_acc, self.final_val_acc = h["train_acc"][-1], h["val_acc"][-1]
        self.final_test_acc = h["test_acc"][-1]
        self.gap = float(np.mean(h["train_acc"][-5:]) - np.mean(h["val_acc"][-5:]))
        self.message = (f"diverged: {trainer.stop_reason}" if trainer.diverged else
                        f"final train {self.final_train_acc:.2f}, validation {self.final_val_acc:.2f} "
                        f"(test {self.final_test_acc:.2f}), gap train - validation (last 5 epochs) {self.gap:.2f}")


def compute_regularization(lr=0.1, weight_init_std="he", dropout_ratio=0.0, weight_decay_lambda=0.0,
                           n_train=300, epochs=40, seed=0):
    """Train the playground's net (6 x 100 ReLU, SGD, batch 100) on ``n_train`` images.

    Validation: the last 500 images of the training pool; test: the first 500 test images;
    training accuracy on (at most) the first 500 training images. Returns a :class:`RegularizationRun`.
    """
    if isinstance(n_train, bool) or not isinstance(n_train, (int, np.integer)) or \
            not 1 <= n_train <= POOL_SIZE - PLAYGROUND_N_VAL:
        raise ValueError(f"n_train must be an integer in 1..{POOL_SIZE - PLAYGROUND_N_VAL} (the rest of "
                         f"the pool is validation data), got {n_train!r}")
    (x, t), (xt, tt) = _mnist()
    x_val, t_val = validation_data(PLAYGROUND_N_VAL)
    net = MultiLayerNet(784, [100] * 6, 10, weight_init_std=weight_init_std,
                        weight_decay_lambda=weight_decay_lambda, use_dropout=dropout_ratio > 0,
                        dropout_ratio=dropout_ratio if dropout_ratio > 0 else 0.5, seed=seed)
    trainer = Trainer(net, x[:n_train], t[:n_train], x_val=x_val, t_val=t_val, x_test=xt[:PLAYGROUND_N_VAL],
                      t_test=tt[:PLAYGROUND_N_VAL], epochs=epochs, mini_batch_size=100, optimizer="sgd",
                      optimizer_param={"lr": lr}, evaluate_sample_num_per_epoch=PLAYGROUND_N_VAL,
                      seed=seed, verbose=False, progress=False)
    trainer.train()
    return RegularizationRun(trainer)


def draw_regularization(result, values=None, previous=None):
    """Train, validation and test accuracy per epoch; ``previous`` (the last run, or None) as a
    faint grey ghost of its train and validation curves; a diverged run is marked in red."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 3.1))
    if previous is not None:
        for key, style in (("train_acc", "-"), ("val_acc", ":")):
            ax.plot(previous.history[key], color="#bbbbbb", linewidth=1.2, linestyle=style, zorder=0,
                    label="previous run (train, validation)" if key == "train_acc" else None)
    n = (values or {}).get("n_train", "")
    draw_curves(result.history, ax=ax, title=f"Train, validation and test accuracy ({n} training images)")
    if result.diverged:
        last = len(result.history["train_acc"]) - 1
        ax.plot(last, result.history["train_acc"][-1], "x", color="#b00020", markersize=12, mew=3)
        ax.text(0.5, 0.5, "diverged", transform=ax.transAxes, ha="center", color="#b00020",
                fontsize=14, fontweight="bold")
    fig.tight_layout()
    return fig


def regularization_playground(lr=0.1, weight_init_std="he", dropout_ratio=0.0, weight_decay_lambda=0.0,
                              n_train=300, epochs=40):
    """Learning rate, weight init, dropout ratio, weight-decay lambda, training-set size and
    epochs -> train, validation and test curves, the previous run as a ghost."""
    import ipywidgets as widgets
    from ..widgets import SLIDER_LAYOUT, SLIDER_STYLE, InitStdControl, Playground, dropout_slider, learning_rate_slider
    controls = {
        "lr": learning_rate_slider(lr, min_exp=-3, max_exp=0.5),
        "weight_init_std": InitStdControl(weight_init_std, schemes=("he", "xavier")),
        "dropout_ratio": dropout_slider(dropout_ratio),
        "weight_decay_lambda": widgets.SelectionSlider(
            options=[(f"{v:g}", v) for v in WEIGHT_DECAY_OPTIONS], value=weight_decay_lambda,
            description="weight decay λ", continuous_update=False, layout=SLIDER_LAYOUT, style=SLIDER_STYLE),
        "n_train": widgets.SelectionSlider(
            options=[(str(v), v) for v in N_TRAIN_OPTIONS], value=n_train, description="training images",
            continuous_update=False, layout=SLIDER_LAYOUT, style=SLIDER_STYLE),
        "epochs": widgets.IntSlider(value=epochs, min=10, max=150, step=10, description="epochs",
                                    continuous_update=False, layout=SLIDER_LAYOUT, style=SLIDER_STYLE),
    }
    return Playground(controls, compute_regularization, draw_regularization,
                      title="Regularization playground: 6 x 100 ReLU, SGD, batch 100, validation on 500 held-out images")
