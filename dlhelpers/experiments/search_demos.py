"""Notebook 06's experiments: the trial that trains one short run, and the search figures.

Everything a trial needs is importable from here, so the search can send it to worker
processes (see :mod:`dlhelpers.search`).
"""
import functools
import math

import numpy as np

from ..data import load_mnist_cached
from ..network import MultiLayerNet
from ..playground_result import PlaygroundResult
from ..training import Trainer
from ..utils import train_val_split
from .. import search

def search_data(n_samples=500, val_fraction=0.2, split_seed=0):
    """The first ``n_samples`` training images, shuffled and split into train / validation.

    Returns (x_train, t_train), (x_val, t_val): with the defaults 400 and 100 samples. The test
    set is never touched by a search. MNIST comes from the package's one cache
    (:func:`dlhelpers.data.load_mnist_cached`); the split itself is cheap and made per call.
    """
    (x, t), _ = load_mnist_cached()
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or not 2 <= n_samples <= len(x):
        raise ValueError(f"n_samples must be an int from 2 to {len(x)} (training images available), "
                         f"got {n_samples!r}")
    return train_val_split(x[:n_samples], t[:n_samples], val_fraction, rng=split_seed)


#: Keys of a trial's params that mnist_trial reads (the core's names); anything else is an error.
TRIAL_PARAMS = ("lr", "weight_decay_lambda", "weight_init_std", "dropout_ratio")


def _check_trial_params(params):
    if not isinstance(params, dict) or "lr" not in params:
        raise ValueError(f"params must be a dict with at least 'lr', got {params!r}")
    unknown = sorted(set(params) - set(TRIAL_PARAMS))
    if unknown:
        renamed = " ('weight_decay' is now 'weight_decay_lambda', the core's name)" \
            if "weight_decay" in unknown else ""
        raise ValueError(f"params has unknown keys {unknown}{renamed}; a trial reads {list(TRIAL_PARAMS)}")


def train_trial_net(params, seed, n_samples=500, epochs=10, hidden_size_list=(100,) * 6,
                    mini_batch_size=100, weight_init_std="he", dropout_ratio=0.0, val_fraction=0.2):
    """Train the network of one search trial; returns (net, trainer). See :func:`mnist_trial`."""
    _check_trial_params(params)
    (x_train, t_train), (x_val, t_val) = search_data(n_samples, val_fraction)
    init = params.get("weight_init_std", weight_init_std)
    dropout = float(params.get("dropout_ratio", dropout_ratio))
    net = MultiLayerNet(784, list(hidden_size_list), 10, weight_init_std=init,
                        weight_decay_lambda=float(params.get("weight_decay_lambda", 0.0)),
                        use_dropout=dropout > 0, dropout_ratio=dropout, seed=seed)
    # The real test set stays untouched: it is measured once, at the end (final_test_accuracy).
    trainer = Trainer(net, x_train, t_train, x_val=x_val, t_val=t_val, epochs=epochs, mini_batch_size=mini_batch_size,
                      optimizer="sgd", optimizer_param={"lr": float(params["lr"])}, seed=seed,
                      verbose=False, progress=False, blas_threads=1)
    trainer.train()
    return net, trainer


def mnist_trial(params, seed, n_samples=500, epochs=10, hidden_size_list=(100,) * 6,
                mini_batch_size=100, weight_init_std="he", dropout_ratio=0.0, val_fraction=0.2):
    """One short training run scored by validation accuracy (the trial function of notebook 06).

    Follows the trial-function contract of :mod:`dlhelpers.search`, including the epoch budget:
    successive halving calls it with ``epochs=<budget>``.

    params : dict with 'lr' (and optionally 'weight_decay_lambda', 'weight_init_std',
        'dropout_ratio'; these override the keyword defaults).
    seed : int, the trial's own seed (weights, batch order, dropout masks).
    The first ``n_samples`` training images are split (shuffled, ``val_fraction`` held out) into
    training and validation data; SGD with mini-batches of ``mini_batch_size`` for ``epochs`` epochs.

    Returns a dict: 'score' (final validation accuracy), 'val_acc' and 'train_acc' per epoch
    (epoch 0 = before training), 'train_loss' per iteration, 'diverged' (bool).
    """
    net, trainer = train_trial_net(params, seed, n_samples, epochs, hidden_size_list, mini_batch_size,
                                   weight_init_std, dropout_ratio, val_fraction)
    history = trainer.history
    val_acc = [float(a) for a in history["val_acc"]]
    return {"score": val_acc[-1], "val_acc": val_acc,
            "train_acc": [float(a) for a in history["train_acc"]],
            "train_loss": [float(v) for v in history["train_loss"]],
            "diverged": bool(trainer.diverged)}


def final_test_accuracy(trial, trial_fn):
    """Retrain the configuration of ``trial`` (same seed, so the same net) and measure it on the
    TEST set: what to do once, at the very end. ``trial_fn`` is the partial the search used.

    Returns (validation accuracy, which reproduces trial.score; test accuracy on all 1000 images).
    """
    net, trainer = train_trial_net(trial.params, trial.seed, **trial_fn.keywords)
    _, (x_test, t_test) = load_mnist_cached()
    return float(trainer.history["val_acc"][-1]), float(net.accuracy(x_test, t_test))


#: The book's search ranges: lr = 10^U(-6, -2), weight decay = 10^U(-8, -4).
BOOK_RANGES = {"lr": (1e-6, 1e-2), "weight_decay_lambda": (1e-8, 1e-4)}


def make_trial(epochs=20, hidden_size_list=(50, 50), weight_init_std="he", dropout_ratio=0.0,
               n_samples=500):
    """:func:`mnist_trial` with fixed settings, as a picklable ``functools.partial``."""
    return functools.partial(mnist_trial, epochs=epochs, hidden_size_list=tuple(hidden_size_list),
                             weight_init_std=weight_init_std, dropout_ratio=dropout_ratio,
                             n_samples=n_samples)


def _plt():
    import matplotlib.pyplot as plt
    return plt


# ----------------------------------------------------------------------------- figures
def draw_search_scatter(rounds, ax=None, top_k=5, pick=None, title=None):
    """Validation accuracy (colour) over lr (x) and weight decay (y), log axes.

    rounds : list of SearchResult (e.g. coarse and fine); each round gets its own marker and
    its searched range drawn as a rectangle; the ``top_k`` best of all rounds are ringed.
    pick : optional Trial drawn as a star (the playground's hand-picked run).
    """
    from matplotlib.patches import Rectangle
    from ..plotting import PALETTE
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.6))
    markers = ["o", "s", "^", "D"]
    vmin, vmax = 0.0, 1.0
    scatter = None
    all_trials = []
    for r, result in enumerate(rounds):
        lr, wd, sc = result.values("lr"), result.values("weight_decay_lambda"), result.scores
        scatter = ax.scatter(lr, wd, c=np.nan_to_num(sc), cmap="viridis", vmin=vmin, vmax=vmax, s=28,
                             marker=markers[r % len(markers)], edgecolors="none",
                             label=f"round {r + 1} ({len(result)} trials)" if len(rounds) > 1 else
                             f"{len(result)} trials")
        if result.ranges:
            (l0, l1), (w0, w1) = result.ranges["lr"], result.ranges["weight_decay_lambda"]
            ax.add_patch(Rectangle((l0, w0), l1 - l0, w1 - w0, fill=False, linestyle="--",
                                   edgecolor=PALETTE[r % len(PALETTE)], linewidth=1.2))
        all_trials += result.trials
    best = sorted(all_trials, key=lambda t: -np.nan_to_num(t.score, nan=-1))[:top_k]
    ax.scatter([t.params["lr"] for t in best], [t.params["weight_decay_lambda"] for t in best], s=110,
               facecolors="none", edgecolors="black", linewidths=1.2, label=f"best {top_k}")
    if pick is not None:
        ax.scatter([pick.params["lr"]], [pick.params["weight_decay_lambda"]], marker="*", s=260,
                   c=[pick.score], cmap="viridis", vmin=vmin, vmax=vmax, edgecolors="#D55E00",
                   linewidths=1.5, label=f"your pick ({pick.score:.2f})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set(xlabel="learning rate", ylabel="weight decay λ")
    # the legend sits in a framed row above the axes, where it hides no trial; the title above it
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.02), ncol=3, fontsize=9, frameon=True,
              framealpha=1.0, borderaxespad=0.0, handletextpad=0.3, columnspacing=1.0)
    ax.set_title(title or "Validation accuracy of each trial", pad=30)
    if scatter is not None:
        ax.figure.colorbar(scatter, ax=ax, label="validation accuracy", pad=0.02)
    return ax


def draw_accuracy_vs_lr(rounds, ax=None):
    """Validation accuracy against learning rate for every trial (weight decay hardly matters here)."""
    from ..plotting import PALETTE
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.2))
    for r, result in enumerate(rounds):
        ax.scatter(result.values("lr"), result.scores, s=14, color=PALETTE[r % len(PALETTE)],
                   label=f"round {r + 1}" if len(rounds) > 1 else None)
    ax.set_xscale("log")
    ax.set(xlabel="learning rate", ylabel="validation accuracy", ylim=(0, 1), title="Accuracy vs lr")
    if len(rounds) > 1:
        ax.legend(fontsize=8)
    return ax


def draw_search_overview(rounds):
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [1.6, 1]})
    draw_search_scatter(rounds, ax=a)
    draw_accuracy_vs_lr(rounds, ax=b)
    fig.tight_layout()
    return fig


def draw_best_curves(result, k=20, columns=5):
    """The book's figure: validation (solid) and training (dashed) accuracy of the ``k`` best trials."""
    from ..plotting import PALETTE
    plt = _plt()
    best = result.best(k)
    rows = int(np.ceil(len(best) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(10, 1.45 * rows + 0.5), sharex=True, sharey=True)
    for i, ax in enumerate(np.atleast_1d(axes).flat):
        if i >= len(best):
            ax.axis("off")
            continue
        t = best[i]
        ax.plot(t.result["val_acc"], color=PALETTE[0], linewidth=1.4)
        ax.plot(t.result["train_acc"], color=PALETTE[1], linestyle="--", linewidth=1.0)
        ax.set_title(f"#{i + 1} val {t.score:.2f}\nlr {t.params['lr']:.1e} λ {t.params['weight_decay_lambda']:.0e}",
                     fontsize=7)
        ax.set_ylim(0, 1)
        ax.set_yticks([0, 0.5, 1])
        ax.grid(False)
        ax.tick_params(labelsize=6)
    fig.suptitle(f"The best {len(best)} of {len(result)} trials: validation (solid) and training "
                 "(dashed) accuracy per epoch", fontsize=10)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.06, top=0.86 if rows > 2 else 0.78,
                        hspace=0.75, wspace=0.12)
    return fig


# ----------------------------------------------------------------------------- grid vs random
def toy_objective(params, seed=None):
    """A made-up score over two hyperparameters on (1e-3, 1): 'important' has a narrow peak near
    0.05, 'unimportant' barely matters. Stands in for a validation accuracy (no training)."""
    x, y = math.log10(params["important"]), math.log10(params["unimportant"])
    return important_part(x) + 0.05 * math.cos(2.0 * y)


def important_part(log10_x):
    """The part of :func:`toy_objective` that depends on log10 of the important hyperparameter."""
    return 0.9 * np.exp(-((np.asarray(log10_x) + 1.3) ** 2) / (2 * 0.18 ** 2))


def grid_vs_random(n_per_axis=3, seed=0):
    """A 3 x 3 grid and 9 random trials over the same log ranges of :func:`toy_objective`.

    Returns (grid SearchResult, random SearchResult); both run in this process.
    """
    ranges = {"important": (1e-3, 1.0), "unimportant": (1e-3, 1.0)}
    grid = {name: [float(v) for v in np.logspace(-3, 0, n_per_axis + 2)[1:-1]] for name in ranges}
    g = search.grid_search(toy_objective, grid, seed=seed, executor="serial", progress=False)
    r = search.random_search(toy_objective, ranges, n_per_axis ** 2, seed=seed, executor="serial",
                             progress=False)
    return g, r


def grid_vs_random_odds(repeats=100, n_per_axis=3):
    """Fraction of ``repeats`` random searches (different seeds) whose best score beats the grid's."""
    g, _ = grid_vs_random(n_per_axis)
    grid_best = g.best_trial.score
    wins = 0
    for seed in range(repeats):
        _, r = grid_vs_random(n_per_axis, seed=seed + 1)
        wins += r.best_trial.score > grid_best
    return wins / repeats


def draw_grid_vs_random(grid_result, random_result):
    """Two panels (grid, random): trial positions, and above them the important part's curve
    with the distinct values each search actually tried."""
    from ..plotting import PALETTE
    plt = _plt()
    fig = plt.figure(figsize=(9.5, 4.2))
    outer = fig.add_gridspec(2, 2, height_ratios=[1, 2.2], hspace=0.08, wspace=0.25)
    xs = np.logspace(-3, 0, 300)
    for col, (result, name) in enumerate(((grid_result, "Grid search"), (random_result, "Random search"))):
        top = fig.add_subplot(outer[0, col])
        main = fig.add_subplot(outer[1, col], sharex=top)
        top.plot(xs, important_part(np.log10(xs)), color=PALETTE[2])
        xi = result.values("important")
        top.scatter(xi, important_part(np.log10(xi)), color=PALETTE[1], zorder=3, s=22)
        top.set_title(f"{name}: {len(np.unique(np.round(xi, 12)))} distinct values of the important one",
                      fontsize=10)
        top.set_ylabel("score", fontsize=8)
        top.tick_params(labelbottom=False, labelsize=7)
        main.scatter(xi, result.values("unimportant"), color=PALETTE[1], s=30)
        for v in np.unique(xi):
            main.axvline(v, color=PALETTE[1], alpha=0.15)
        main.set_xscale("log")
        main.set_yscale("log")
        main.set(xlabel="important hyperparameter", ylabel="unimportant hyperparameter")
        best = result.best_trial
        main.scatter([best.params["important"]], [best.params["unimportant"]], s=120, facecolors="none",
                     edgecolors="black", label=f"best: {best.score:.2f}")
        main.legend(fontsize=8, loc="lower left")
    fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.12)
    return fig


# ----------------------------------------------------------------------------- successive halving
#: Ranges where a 9-epoch run can succeed or fail: the halving demo needs good and bad trials.
HALVING_RANGES = {"lr": (1e-4, 1.0), "weight_decay_lambda": (1e-8, 1e-4)}


def halving_vs_random_demo(n_trials=27, max_epochs=9, eta=3, seed=0, executor=None, progress=False):
    """Successive halving against random search on notebook 06's trial, at equal total epochs.

    With the defaults halving screens 27 configurations (27 x 1, 9 x 3, 3 x 9 = 81 epochs) and
    random search trains the first 9 of the same configurations for 9 epochs each (81 epochs).
    Returns the dict of :func:`dlhelpers.search.halving_vs_random`.
    """
    fn = make_trial(epochs=max_epochs)
    return search.halving_vs_random(fn, HALVING_RANGES, n_trials, min_epochs=1, max_epochs=max_epochs,
                                    eta=eta, seed=seed, executor=executor, progress=progress)


def draw_halving_vs_random(out, ax=None):
    """Validation accuracy against epochs: each halving configuration as a line through the
    rungs it reached, random search's trials at the full budget, both bests marked."""
    from ..plotting import PALETTE
    plt = _plt()
    if ax is None:
        fig, ax = plt.subplots(figsize=(9.5, 3.6))
        fig.subplots_adjust(left=0.07, right=0.6, bottom=0.15, top=0.9)
    halving, rand = out["halving"], out["random"]
    path = {}
    for rung in halving.rungs:
        for t in rung:
            path.setdefault(t.index, []).append((t.budget, t.score))
    for i, points in path.items():
        b, sc = zip(*points)
        ax.plot(b, sc, color=PALETTE[0], alpha=0.45, linewidth=1.0, marker="o", markersize=3,
                label="halving: one configuration per line" if i == min(path) else None)
    top = halving.budgets[-1]
    ax.scatter([top * 1.12] * len(rand), rand.scores, marker="x", color=PALETTE[1], s=30,
               label=f"random search: {len(rand)} trials x {top} epochs")
    hb, rb = halving.best_trial, rand.best_trial
    ax.scatter([top], [hb.score], s=140, facecolors="none", edgecolors="black", linewidths=1.4,
               label=f"best of halving {hb.score:.2f} ({out['halving_epochs']} epochs in all)")
    ax.scatter([top * 1.12], [rb.score], s=140, facecolors="none", edgecolors=PALETTE[1], linewidths=1.4,
               label=f"best of random {rb.score:.2f} ({out['random_epochs']} epochs in all)")
    ax.set_xscale("log")
    ax.set_xticks(halving.budgets)
    ax.set_xticklabels([str(b) for b in halving.budgets])
    ax.set(xlabel="epochs per trial (log scale)", ylabel="validation accuracy", ylim=(0, 1),
           title="Successive halving vs random search at equal compute")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=9,
              frameon=True, framealpha=1.0)   # outside, right: no line hides behind it
    return ax


# ----------------------------------------------------------------------------- playground
class SearchRun(PlaygroundResult):
    """Playground result: the random search, the hand-picked trial and a summary line.

    ``diverged`` is True when the hand-picked run blew up; the message then says so.
    """

    def __init__(self, result, pick):
        self.result = result
        self.pick = pick
        self.diverged = bool(isinstance(pick.result, dict) and pick.result.get("diverged"))
        best = result.best_trial
        summary = (f"best of {len(result)}: val acc {best.score:.2f} at lr {best.params['lr']:.1e}, "
                   f"λ {best.params['weight_decay_lambda']:.0e}")
        if self.diverged:
            self.message = (f"{summary}; your pick diverged: at lr {pick.params['lr']:.1e} the loss blew "
                            "up (learning rate too large for this net and init); try a 3-10x smaller one")
        else:
            self.message = f"{summary}; your pick: {pick.score:.2f}"


def search_playground(lr_exponents=(-6.0, -2.0), wd_exponents=(-8.0, -4.0), n_trials=10, lr=0.01,
                      weight_init_std="he", dropout_ratio=0.0, epochs=6, seed=0, executor=None):
    """Search ranges, number of trials and the three course knobs -> scatter of validation accuracy.

    The learning-rate slider is "your pick": one extra run at that learning rate (weight decay at
    the middle of its range) shown as a star, to compare hand tuning with the search. Init and
    dropout apply to every trial. Trials run in parallel; the status line counts finished trials.
    """
    import ipywidgets as widgets
    from ..widgets import InitStdControl, Playground, dropout_slider, learning_rate_slider
    wide = widgets.Layout(width="420px")
    style = {"description_width": "130px"}
    controls = {
        "lr_exponents": widgets.FloatRangeSlider(value=lr_exponents, min=-7, max=0, step=0.5,
                                                 description="log10 lr range", continuous_update=False,
                                                 layout=wide, style=style),
        "wd_exponents": widgets.FloatRangeSlider(value=wd_exponents, min=-9, max=0, step=0.5,
                                                 description="log10 λ range", continuous_update=False,
                                                 layout=wide, style=style),
        "n_trials": widgets.IntSlider(value=n_trials, min=4, max=100, step=2, description="trials",
                                      continuous_update=False, layout=wide, style=style),
        "lr": learning_rate_slider(lr, min_exp=-6, max_exp=0, description="your pick: lr"),
        "weight_init_std": InitStdControl(weight_init_std, schemes=("he", "xavier")),
        "dropout_ratio": dropout_slider(dropout_ratio),
    }
    holder = {}

    def progress(done, total, best):
        pg = holder.get("pg")
        if pg is not None:
            pg.status.value = (f"<span style='color:#777'>trial {done} of {total} done, "
                               f"best val acc so far {best:.2f}…</span>")

    searched = {}  # the last search, reused while only "your pick" changes

    def compute(lr_exponents, wd_exponents, n_trials, lr, weight_init_std, dropout_ratio):
        ranges = {"lr": (10.0 ** lr_exponents[0], 10.0 ** lr_exponents[1]),
                  "weight_decay_lambda": (10.0 ** wd_exponents[0], 10.0 ** wd_exponents[1])}
        fn = make_trial(epochs=epochs, weight_init_std=weight_init_std, dropout_ratio=dropout_ratio)
        key = (tuple(lr_exponents), tuple(wd_exponents), n_trials, weight_init_std, dropout_ratio)
        if searched.get("key") != key:
            params = [search.sample_space(search.trial_rng(seed, i), ranges) for i in range(n_trials)]
            trials = search.run_trials(fn, params, seed=seed, executor=executor, progress=False,
                                       callback=progress)
            searched.update(key=key, result=search.SearchResult(trials, "random", ranges))
        middle_wd = float(10 ** np.mean(wd_exponents))
        # the pick is one short run in this process, run as trial n_trials (index and seed)
        (pick,) = search.run_trials(fn, [{"lr": float(lr), "weight_decay_lambda": middle_wd}],
                                    seed=seed, indices=[n_trials], executor="serial", progress=False)
        return SearchRun(searched["result"], pick)

    def draw(run, values):
        plt = _plt()
        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.9), gridspec_kw={"width_ratios": [1.6, 1]})
        draw_search_scatter([run.result], ax=a, pick=run.pick, title=f"{epochs} epochs per trial")
        draw_accuracy_vs_lr([run.result], ax=b)
        b.scatter([run.pick.params["lr"]], [run.pick.score], marker="*", s=160, color="#D55E00")
        # fixed margins: tight_layout would cost a third of an update
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.8, wspace=0.28)
        return fig

    holder["pg"] = None
    pg = Playground(controls, compute, draw,
                    title=f"Random search playground: 400 train / 100 validation images, 784-50-50-10, "
                          f"{epochs} epochs per trial")
    holder["pg"] = pg
    return pg
