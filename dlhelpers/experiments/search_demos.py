"""Notebook 06's experiments: the trial that trains one short run, and what the search measures.

Everything a trial needs is importable from here, so the search can send it to worker
processes (see :mod:`dlhelpers.search`). Nothing here draws: the figures and the playground are
:mod:`dlhelpers.figures.search_demos`.
"""
import functools
import math

import numpy as np

from ..checks import check_int
from ..data import load_mnist_cached
from ..network import MultiLayerNet
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
    # The test set stays untouched here: it is measured once, after the search (the test cell).
    trainer = Trainer(net, x_train, t_train, x_val=x_val, t_val=t_val, epochs=epochs, mini_batch_size=mini_batch_size,
                      optimizer="sgd", optimizer_param={"lr": float(params["lr"])}, seed=seed,
                      verbose=False, progress=False, blas_threads=1)
    trainer.train()
    return net, trainer


def mnist_trial(params, seed, n_samples=500, epochs=10, hidden_size_list=(100,) * 6,
                mini_batch_size=100, weight_init_std="he", dropout_ratio=0.0, val_fraction=0.2,
                keep_state=False):
    """One short training run scored by validation accuracy (the trial function of notebook 06).

    Follows the trial-function contract of :mod:`dlhelpers.search`, including the epoch budget:
    successive halving calls it with ``epochs=<budget>``.

    params : dict with 'lr' (and optionally 'weight_decay_lambda', 'weight_init_std',
        'dropout_ratio'; these override the keyword defaults).
    seed : int, the trial's own seed (weights, batch order, dropout masks).
    The first ``n_samples`` training images are split (shuffled, ``val_fraction`` held out) into
    training and validation data; SGD with mini-batches of ``mini_batch_size`` for ``epochs`` epochs.

    Returns a dict: 'score' (final validation accuracy), 'val_acc' and 'train_acc' per epoch
    (epoch 0 = before training), 'train_loss' per iteration, 'diverged' (bool), and with
    ``keep_state=True`` 'state' (the trained net's ``get_state()``, about 170 kB for 784-50-50-10),
    so that the test cell can measure every trial once without retraining it.
    """
    net, trainer = train_trial_net(params, seed, n_samples, epochs, hidden_size_list, mini_batch_size,
                                   weight_init_std, dropout_ratio, val_fraction)
    history = trainer.history
    val_acc = [float(a) for a in history["val_acc"]]
    out = {"score": val_acc[-1], "val_acc": val_acc,
           "train_acc": [float(a) for a in history["train_acc"]],
           "train_loss": [float(v) for v in history["train_loss"]],
           "diverged": bool(trainer.diverged)}
    if keep_state:
        out["state"] = net.get_state()
    return out


def final_test_accuracy(trial, trial_fn):
    """Retrain the configuration of ``trial`` (same seed, so the same net) and measure it on the
    TEST set: what to do once, at the very end. ``trial_fn`` is the partial the search used.

    Returns (validation accuracy, which reproduces trial.score; test accuracy on all 1000 images).
    """
    kwargs = {k: v for k, v in trial_fn.keywords.items() if k != "keep_state"}
    net, trainer = train_trial_net(trial.params, trial.seed, **kwargs)
    _, (x_test, t_test) = load_mnist_cached()
    return float(trainer.history["val_acc"][-1]), float(net.accuracy(x_test, t_test))


#: The book's search ranges: lr = 10^U(-6, -2), weight decay = 10^U(-8, -4).
BOOK_RANGES = {"lr": (1e-6, 1e-2), "weight_decay_lambda": (1e-8, 1e-4)}


def make_trial(epochs=20, hidden_size_list=(50, 50), weight_init_std="he", dropout_ratio=0.0,
               n_samples=500, keep_state=False):
    """:func:`mnist_trial` with fixed settings, as a picklable ``functools.partial``."""
    kwargs = {"keep_state": True} if keep_state else {}
    return functools.partial(mnist_trial, epochs=epochs, hidden_size_list=tuple(hidden_size_list),
                             weight_init_std=weight_init_std, dropout_ratio=dropout_ratio,
                             n_samples=n_samples, **kwargs)


def accuracies_on_test_set(trials, trial_fn):
    """Accuracy on all 1000 TEST images of every trial's trained net (trials run with keep_state).

    What the notebook does once, after the search is finished: nothing here feeds back into it.
    ``trial_fn`` is the partial the search used (its architecture). Returns an array, trials' order.
    """
    kw = trial_fn.keywords
    _, (x_test, t_test) = load_mnist_cached()
    accs = []
    for t in trials:
        if not isinstance(t.result, dict) or "state" not in t.result:
            raise ValueError(f"trial {t.index} has no stored weights: run the search with "
                             "make_trial(..., keep_state=True)")
        net = MultiLayerNet(784, list(kw.get("hidden_size_list", (100,) * 6)), 10, seed=0)
        net.set_state(t.result["state"])
        accs.append(float(net.accuracy(x_test, t_test)))
    return np.array(accs)


def score_standard_error(accuracy, n_images):
    """Standard error of an accuracy measured on ``n_images`` independent images: sqrt(p(1-p)/n)."""
    return math.sqrt(accuracy * (1.0 - accuracy) / n_images)


def lr_and_lambda_effects(result):
    """Least-squares fit score ~ a * log10(lr) + b * log10(lambda) + c over a round's trials.

    Returns (a, b): accuracy gained per decade of learning rate and per decade of weight decay.
    """
    x = np.c_[np.log10(result.values("lr")), np.log10(result.values("weight_decay_lambda")),
              np.ones(len(result))]
    a, b, _ = np.linalg.lstsq(x, np.asarray(result.scores, dtype=float), rcond=None)[0]
    return float(a), float(b)


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




# ----------------------------------------------------------------------------- over paired seeds
def optimism_over_seeds(trial_fn, lr_range, weight_decay_lambda, seeds=range(1, 9), n_trials=25,
                        executor=None):
    """Repeat the last search round with other search seeds; measure each round's pick on the test set.

    For every seed: ``n_trials`` random trials with lr log-uniform in ``lr_range`` and the given
    fixed ``weight_decay_lambda`` (the notebook's last round), the best by validation chosen (a tie
    goes to the lower index), then its stored net measured on the 1000 test images. ``trial_fn``
    must keep its state (``make_trial(..., keep_state=True)``). The test set feeds back into nothing.

    Returns a dict of arrays, one entry per seed: 'val' and 'test' (the pick's accuracies),
    'top10_val' and 'top10_test' (means over the round's 10 best by validation), and 'seeds'.
    Shown in: notebook 06, section 4
    """
    seeds = [int(s) for s in seeds]
    if len(seeds) < 2:
        raise ValueError(f"seeds must hold at least 2 seeds (a spread needs two), got {seeds!r}")
    out = {k: [] for k in ("val", "test", "top10_val", "top10_test")}
    for seed in seeds:
        result = search.random_search(trial_fn, {"lr": tuple(lr_range)}, n_trials, seed=seed,
                                      fixed={"weight_decay_lambda": weight_decay_lambda},
                                      executor=executor, progress=False)
        top = result.best(min(10, len(result)))
        test = accuracies_on_test_set(top, trial_fn)
        out["val"].append(top[0].score)
        out["test"].append(test[0])
        out["top10_val"].append(np.mean([t.score for t in top]))
        out["top10_test"].append(np.mean(test))
    out = {k: np.array(v) for k, v in out.items()}
    out["seeds"] = np.array(seeds)
    return out


def mean_and_se(values):
    """Mean and standard error (sample std / sqrt(n)) of a 1-D array of per-seed values."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or len(values) < 2:
        raise ValueError(f"values must be a 1-D array of at least 2 numbers, got shape {values.shape}")
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))


def best_so_far(trials, cost):
    """Anytime curve: (epochs spent, best validation score so far) after each trial, in order.

    trials : list of Trial in the order they are paid for; cost : epochs each one cost (int or list).
    """
    costs = [cost] * len(trials) if isinstance(cost, int) else list(cost)
    spent = np.cumsum(costs)
    best = np.maximum.accumulate([t.score for t in trials])
    return spent, best


def anytime_over_seeds(seeds=range(6), n_trials=27, max_epochs=9, eta=3, executor=None):
    """Best validation score so far against epochs spent, halving and random search, paired seeds.

    For each seed, :func:`halving_vs_random_demo` (random search trains the first configurations
    of the same sample, so both methods see the same draws). Halving pays its rungs in order.
    Returns a dict: 'epochs' (grid of epochs spent, 1 .. total), 'halving' and 'random' (arrays
    of shape (n_seeds, len(epochs)): best score reached by that many epochs, NaN before the
    first finished trial), 'final_halving', 'final_random' (per seed) and 'seeds'.
    Shown in: notebook 06, section 5
    """
    seeds = [int(s) for s in seeds]
    if len(seeds) < 2:
        raise ValueError(f"seeds must hold at least 2 seeds (a spread needs two), got {seeds!r}")
    curves = {"halving": [], "random": []}
    total = None
    for seed in seeds:
        out = halving_vs_random_demo(n_trials, max_epochs, eta, seed=seed, executor=executor)
        h = out["halving"]
        trials = [t for rung in h.rungs for t in sorted(rung.trials, key=lambda t: t.index)]
        costs = [b for rung, b in zip(h.rungs, h.budgets) for _ in rung.trials]
        runs = {"halving": best_so_far(trials, costs),
                "random": best_so_far(sorted(out["random"].trials, key=lambda t: t.index), max_epochs)}
        total = out["halving_epochs"]
        grid = np.arange(1, total + 1)
        for name, (spent, best) in runs.items():
            k = np.searchsorted(spent, grid, side="right")  # trials finished by each epoch count
            curves[name].append(np.where(k > 0, best[np.maximum(k - 1, 0)], np.nan))
    return {"epochs": np.arange(1, total + 1), "halving": np.array(curves["halving"]),
            "random": np.array(curves["random"]), "final_halving": np.array(curves["halving"])[:, -1],
            "final_random": np.array(curves["random"])[:, -1], "seeds": np.array(seeds)}


# ----------------------------------------------------------------------------- the open task's trial
def train_more(params, seed, epochs, state=None, n_samples=500, hidden_size_list=(50, 50)):
    """Train notebook 06's trial net ``epochs`` more epochs, from ``state`` (a ``get_state()``) or fresh.

    The building block of successive halving with resumed training: a promoted configuration
    continues from its stored weights instead of starting again. Same data, net and SGD as
    :func:`mnist_trial` (weight decay from ``params``); the batch order is drawn from ``seed``.
    Returns a dict: 'score' (validation accuracy after training), 'state' (the net's new state)
    and 'epochs' (the epochs trained in this call).
    """
    _check_trial_params(params)
    epochs = check_int(epochs, "epochs", 1)
    (x_train, t_train), (x_val, t_val) = search_data(n_samples)
    net = MultiLayerNet(784, list(hidden_size_list), 10, weight_init_std=params.get("weight_init_std", "he"),
                        weight_decay_lambda=float(params.get("weight_decay_lambda", 0.0)), seed=seed)
    if state is not None:
        net.set_state(state)
    trainer = Trainer(net, x_train, t_train, x_val=x_val, t_val=t_val, epochs=epochs,
                      optimizer="sgd", optimizer_param={"lr": float(params["lr"])}, seed=seed,
                      verbose=False, progress=False, blas_threads=1)
    trainer.train()
    return {"score": float(trainer.history["val_acc"][-1]), "state": net.get_state(), "epochs": epochs}


#: What notebook 06 does with each function it calls (tests/test_teaching_code.py).
SHOWN = {
    "search_data": "plumbing",
    "make_trial": "plumbing",
    "train_trial_net": "printed",
    "mnist_trial": "printed",
    "accuracies_on_test_set": "printed",
    "score_standard_error": "tied",
    "lr_and_lambda_effects": "printed",
    "optimism_over_seeds": "printed",
    "mean_and_se": "tied",
    "grid_vs_random": "printed",
    "grid_vs_random_odds": "printed",
    "halving_vs_random_demo": "plumbing",
    "train_more": "plumbing",  # the exercise's building block: mnist_trial's net, resumable
    "anytime_over_seeds": "printed",
    "best_so_far": "printed",
}
