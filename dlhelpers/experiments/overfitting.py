"""Notebook 05's experiments: overfitting 300 images, weight decay, dropout, early stopping.

The book's setting throughout: 300 MNIST training images, 6 hidden layers of 100 ReLU units (7
Affine layers), He init, SGD lr 0.01, batch 100, 200 epochs. Runs are independent, so they go
through :func:`dlhelpers.search.run_trials` in parallel.
"""
import numpy as np

from .. import search
from ..data import load_mnist_cached as _mnist
from ..early_stopping import early_stop_epoch  # noqa: F401  (re-exported for notebook 05)
from ..layers import Affine, Dropout
from ..network import MultiLayerNet
from ..playground_result import PlaygroundResult
from ..plotting import PALETTE
from ..recipes import train_small_net
from ..training import Trainer

#: The book's overfitting setup (notebook 05, Section 1).
BOOK_SETTINGS = {"n_train": 300, "hidden_size_list": (100,) * 6, "lr": 0.01, "mini_batch_size": 100, "epochs": 200,
                 "weight_init_std": "he", "weight_decay_lambda": 0.0, "dropout_ratio": 0.0, "seed": 0,
                 "patience": None, "n_val": 200, "n_eval": 500, "return_params": False}

def _plt():
    import matplotlib.pyplot as plt
    return plt


def validation_data(n_val=200):
    """``n_val`` images from the END of the training pool: never among the first 300, never test images."""
    (x, t), _ = _mnist()
    return x[-n_val:], t[-n_val:]


# ----------------------------------------------------------------------------- training runs
def overfit_trial(params, seed=None):
    """One training run of notebook 05 (a trial function for :func:`dlhelpers.search.run_trials`).

    params : dict, :data:`BOOK_SETTINGS` overridden by any of its keys. 'patience' (epochs)
        enables early stopping on validation accuracy (the rule of
        :class:`dlhelpers.early_stopping.EarlyStopping`); validation images come from
        :func:`validation_data`. 'n_eval' caps the images evaluated per epoch (the Trainer's
        ``evaluate_sample_num_per_epoch``: all 300 training images, the first 500 test images;
        None evaluates all 1000). 'return_params' adds the final weights to the result.

    Returns a dict with per-epoch 'train_acc', 'test_acc' and 'val_acc' (epoch 0 = before training),
    'weight_sq' (sum of W^2 over all layers at the end), 'best_epoch' and 'stop_reason' (early
    stopping), 'final_test_acc' (test accuracy of the weights the run ends with, which are the
    restored best ones after an early stop), and 'score' (the same).
    """
    p = {**BOOK_SETTINGS, **params}
    (x, t), (xt, tt) = _mnist()
    x_val, t_val = validation_data(int(p["n_val"]))
    n = int(p["n_train"])
    dropout = float(p["dropout_ratio"])
    net = MultiLayerNet(784, list(p["hidden_size_list"]), 10, weight_init_std=p["weight_init_std"],
                        weight_decay_lambda=float(p["weight_decay_lambda"]), use_dropout=dropout > 0,
                        dropout_ratio=dropout, seed=int(p["seed"]))
    trainer = Trainer(net, x[:n], t[:n], x_val=x_val, t_val=t_val, x_test=xt, t_test=tt, epochs=int(p["epochs"]),
                      mini_batch_size=int(p["mini_batch_size"]), optimizer="sgd",
                      optimizer_param={"lr": float(p["lr"])}, seed=int(p["seed"]), verbose=False,
                      progress=False, patience=p["patience"],
                      evaluate_sample_num_per_epoch=p["n_eval"], blas_threads=1)
    h = trainer.train()
    final_test = float(net.accuracy(xt, tt))
    weight_sq = float(sum(np.sum(layer.params["W"].astype(np.float64) ** 2)
                          for layer in net.layers.values() if isinstance(layer, Affine)))
    result = {"train_acc": [float(a) for a in h["train_acc"]], "test_acc": [float(a) for a in h["test_acc"]],
              "val_acc": [float(a) for a in h["val_acc"]], "weight_sq": weight_sq,
              "best_epoch": trainer.best_epoch, "stop_reason": trainer.stop_reason,
              "final_test_acc": final_test, "score": final_test, "settings": p}
    if p["return_params"]:
        result["params"] = net.copy_params()
    return result


def rebuild_net(result):
    """The trained network of an :func:`overfit_trial` run with 'return_params': True."""
    p = result["settings"]
    dropout = float(p["dropout_ratio"])
    net = MultiLayerNet(784, list(p["hidden_size_list"]), 10, weight_init_std=p["weight_init_std"],
                        weight_decay_lambda=float(p["weight_decay_lambda"]), use_dropout=dropout > 0,
                        dropout_ratio=dropout, seed=int(p["seed"]))
    net.set_params(result["params"])
    return net


def run_settings(settings, executor=None, progress=True, desc="training runs"):
    """Run several :func:`overfit_trial` settings in parallel; returns their results in order.

    settings : dict label -> params (overrides of :data:`BOOK_SETTINGS`).
    Returns a dict label -> result dict.
    """
    labels = list(settings)
    trials = search.run_trials(overfit_trial, [settings[k] for k in labels], executor=executor,
                               progress=progress, desc=desc)
    return {label: trial.result for label, trial in zip(labels, trials)}


def gap(result, last=10):
    """Train minus test accuracy, averaged over the last ``last`` epochs (smooths the epoch noise)."""
    return float(np.mean(result["train_acc"][-last:]) - np.mean(result["test_acc"][-last:]))


# ----------------------------------------------------------------------------- figures
def draw_gap(result, ax=None, title="No regularization", show_val=False):
    """Train and test accuracy per epoch with the gap between them shaded."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2))
    train, test = np.asarray(result["train_acc"]), np.asarray(result["test_acc"])
    epochs = np.arange(len(train))
    ax.plot(epochs, train, color=PALETTE[0], label="train")
    ax.plot(epochs, test, color=PALETTE[1], linestyle="--", label="test")
    if show_val and result.get("val_acc"):
        ax.plot(np.arange(len(result["val_acc"])), result["val_acc"], color=PALETTE[2], linestyle=":",
                label="validation")
    ax.fill_between(epochs, test, train, where=train >= test, color=PALETTE[3], alpha=0.18,
                    label=f"gap (last 10 epochs: {gap(result):.2f})")
    ax.set(title=title, xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
    ax.legend(loc="lower right", fontsize=8)
    return ax


def draw_gap_panels(results, titles=None):
    """One :func:`draw_gap` panel per run, side by side."""
    plt = _plt()
    labels = list(results)
    fig, axes = plt.subplots(1, len(labels), figsize=(4.2 * len(labels), 3.2), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, label in zip(axes, labels):
        draw_gap(results[label], ax=ax, title=(titles or {}).get(label, label))
    fig.tight_layout()
    return fig


def draw_summary(results):
    """Final train and test accuracy (bars) and the gap, one group per setting."""
    plt = _plt()
    labels = list(results)
    train = [np.mean(results[k]["train_acc"][-10:]) for k in labels]
    test = [np.mean(results[k]["test_acc"][-10:]) for k in labels]
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(9, 3.2))
    ax.bar(x - 0.2, train, 0.4, color=PALETTE[0], label="train")
    ax.bar(x + 0.2, test, 0.4, color=PALETTE[1], label="test")
    for xi, tr, te in zip(x, train, test):
        ax.annotate(f"gap {tr - te:.2f}", (xi, max(tr, te) + 0.02), ha="center", fontsize=8)
    ax.set(xticks=x, ylim=(0, 1.12), ylabel="accuracy (mean of last 10 epochs)",
           title="300 training images, 200 epochs: what each regularizer does to the gap")
    ax.set_xticklabels(labels, fontsize=9)
    ax.legend(loc="upper right", fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def draw_weight_norms(results):
    plt = _plt()
    labels = list(results)
    fig, ax = plt.subplots(figsize=(6, 2.6))
    values = [results[k]["weight_sq"] for k in labels]
    ax.barh(labels, values, color=[PALETTE[i % len(PALETTE)] for i in range(len(labels))])
    ax.set(xlabel=r"$\sum W^2$ over all layers after training", title="Weight decay keeps the weights small")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- dropout mechanics
def dropout_forms_demo(ratio=0.5, n_units=8, n_masks=20000, seed=0):
    """The two dropout forms of :class:`dlhelpers.layers.Dropout` on the same input.

    Returns a dict with 'x' (1, n_units), one training output of each form ('train_book',
    'train_inverted'), the test outputs ('test_book' = x * (1 - ratio), 'test_inverted' = x) and
    the average training output over ``n_masks`` masks of each form (which matches its test output).
    """
    x = np.linspace(1.0, 2.0, n_units).reshape(1, -1)
    out = {"x": x, "ratio": ratio}
    for name, inverted in (("book", False), ("inverted", True)):
        layer = Dropout(ratio, inverted=inverted, rng=seed)
        out[f"train_{name}"] = layer.forward(x, train_flg=True)
        big = np.repeat(x, n_masks, axis=0)
        out[f"mean_{name}"] = layer.forward(big, train_flg=True).mean(axis=0, keepdims=True)
        out[f"test_{name}"] = layer.forward(x, train_flg=False)
    return out


def ensemble_reading(net, n_members=(1, 2, 5, 10, 20, 30), n_test=500, seed=0):
    """Dropout as an ensemble: average the softmax of many random thinned nets (training-mode masks).

    Returns a dict: 'n_members', 'ensemble_acc' (accuracy of the average of the first k masked
    passes, for each k), 'single_masked_acc' (mean accuracy of one masked pass), 'test_mode_acc'
    (the deterministic test-mode net), and 'agreement' (fraction of images where the largest
    ensemble and test mode predict the same class).
    """
    from ..functions import softmax
    _, (xt, tt) = _mnist()
    xt, tt = xt[:n_test], tt[:n_test]
    dropouts = [layer for layer in net.layers.values() if isinstance(layer, Dropout)]
    saved_rngs = [layer.rng for layer in dropouts]
    rng = np.random.default_rng(seed)
    for layer in dropouts:
        layer.rng = rng
    try:
        probs = [softmax(net.predict(xt, train_flg=True)) for _ in range(max(n_members))]
    finally:
        for layer, r in zip(dropouts, saved_rngs):
            layer.rng = r
    probs = np.array(probs)
    cumulative = np.cumsum(probs, axis=0)
    ensemble_acc = [float(np.mean(cumulative[k - 1].argmax(1) == tt)) for k in n_members]
    test_scores = net.predict(xt)
    return {"n_members": list(n_members), "ensemble_acc": ensemble_acc,
            "single_masked_acc": float(np.mean([np.mean(p.argmax(1) == tt) for p in probs])),
            "test_mode_acc": float(np.mean(test_scores.argmax(1) == tt)),
            "agreement": float(np.mean(cumulative[-1].argmax(1) == test_scores.argmax(1)))}


def draw_ensemble_reading(reading):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3.0))
    ax.plot(reading["n_members"], reading["ensemble_acc"], "o-", color=PALETTE[0],
            label="average of k random thinned nets")
    ax.axhline(reading["test_mode_acc"], color=PALETTE[1], linestyle="--", label="test mode (scaled, no masks)")
    ax.axhline(reading["single_masked_acc"], color=PALETTE[2], linestyle=":", label="one thinned net (mean)")
    ax.set_xscale("log")
    ax.set(xlabel="ensemble size k", ylabel="test accuracy", title="Dropout as an ensemble of thinned networks")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- early stopping
def draw_early_stopping(full, stopped):
    """The full 200-epoch run's validation curve, and where patience stopped the second run."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 3.2))
    e = np.arange(len(full["train_acc"]))
    ax.plot(e, full["train_acc"], color=PALETTE[0], label="train")
    ax.plot(e, full["val_acc"], color=PALETTE[2], label="validation")
    ax.fill_between(e, full["val_acc"], full["train_acc"], color=PALETTE[3], alpha=0.15,
                    label="train - validation gap")
    stop = len(stopped["val_acc"]) - 1
    best = stopped["best_epoch"]
    ax.axvline(best, color=PALETTE[4], linestyle="--", label=f"best validation epoch ({best})")
    ax.axvline(stop, color=PALETTE[7], linestyle=":", label=f"early stop ({stop})")
    ax.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02),
           title="Early stopping: keep the weights of the best validation epoch")
    ax.legend(fontsize=8, loc="lower right", ncol=2)
    fig.tight_layout()
    return fig


# early_stop_epoch(val_acc, patience) -> (stop epoch or None, best epoch): the Trainer's rule
# (dlhelpers.early_stopping.EarlyStopping) applied to a recorded validation curve; imported above.


# ----------------------------------------------------------------------------- playground
WEIGHT_DECAY_OPTIONS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3)


class RegularizationRun(PlaygroundResult):
    """Playground result: a :class:`dlhelpers.recipes.TrainingRun` plus its train-test gap."""

    def __init__(self, run):
        self.run = run
        self.history = run.history
        self.diverged = run.diverged
        self.gap = float(np.mean(run.history["train_acc"][-5:]) - np.mean(run.history["test_acc"][-5:]))
        self.message = run.message if run.diverged else (
            f"final train {run.final_train_acc:.2f}, test {run.final_test_acc:.2f}, "
            f"gap (last 5 epochs) {self.gap:.2f}")


def compute_regularization(lr=0.1, weight_init_std="he", dropout_ratio=0.0, weight_decay_lambda=0.0,
                           epochs=40, n_train=300, seed=0):
    """Train the playground's net (4 x 100 ReLU on 300 images) and return a :class:`RegularizationRun`."""
    return RegularizationRun(train_small_net(
        lr=lr, weight_init_std=weight_init_std, dropout_ratio=dropout_ratio,
        weight_decay_lambda=weight_decay_lambda, hidden_size_list=(100,) * 4, n_train=n_train,
        n_test=500, epochs=epochs, mini_batch_size=100, seed=seed))


def draw_regularization(result, values=None, previous=None):
    """Train vs test accuracy per epoch; ``previous`` (the last run, or None) as a grey ghost."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 3.1))
    if previous is not None:
        for key in ("train_acc", "test_acc"):
            ax.plot(previous.history[key], color="#bbbbbb", linewidth=1, alpha=0.6, zorder=0,
                    label="previous run" if key == "train_acc" else None)
    draw_gap({"train_acc": result.history["train_acc"], "test_acc": result.history["test_acc"]}, ax=ax,
             title="Train vs test accuracy (300 training images)")
    if result.diverged:
        ax.text(0.5, 0.5, "training diverged", transform=ax.transAxes, ha="center", color="#b00020",
                fontsize=14, fontweight="bold")
    fig.tight_layout()
    return fig


def regularization_playground(lr=0.1, weight_init_std="he", dropout_ratio=0.0, weight_decay_lambda=0.0,
                              epochs=40):
    """Dropout ratio, weight-decay lambda, learning rate and init std -> train and test curves."""
    import ipywidgets as widgets
    from ..widgets import InitStdControl, Playground, dropout_slider, learning_rate_slider
    controls = {
        "lr": learning_rate_slider(lr, min_exp=-3, max_exp=0),
        "weight_init_std": InitStdControl(weight_init_std, schemes=("he", "xavier")),
        "dropout_ratio": dropout_slider(dropout_ratio),
        "weight_decay_lambda": widgets.SelectionSlider(
            options=[(f"{v:g}", v) for v in WEIGHT_DECAY_OPTIONS], value=weight_decay_lambda,
            description="weight decay λ", continuous_update=False,
            layout=widgets.Layout(width="420px"), style={"description_width": "130px"}),
        "epochs": widgets.IntSlider(value=epochs, min=10, max=150, step=10, description="epochs",
                                    continuous_update=False, layout=widgets.Layout(width="420px"),
                                    style={"description_width": "130px"}),
    }
    return Playground(controls, compute_regularization, draw_regularization,
                      title="Regularization playground: 300 images, 4 x 100 ReLU, SGD, batch 100")
