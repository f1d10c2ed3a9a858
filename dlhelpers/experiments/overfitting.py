"""Notebook 05's experiments: overfitting 300 images, weight decay, dropout, early stopping.

The book's setting (:data:`BOOK_SETTINGS`): 300 MNIST training images, 6 hidden layers of 100 ReLU
units (7 Affine layers), He init, SGD lr 0.01, batch 100, 200 epochs (600 updates). The notebook
runs the same data and network at lr 0.1 for 100 epochs (:data:`SETTINGS`, 300 updates, the
budget of the exercise checker ``nb05.check_regularizer``): it overfits just as clearly in half the
updates. Validation data are the last 1000 images of the training pool (never among the training
images, never test images); test data are only reported.

Training at these settings is chaotic (a last-bit change of the initial weights, such as another
CPU's BLAS kernel makes, ends as another run), so every lesson is measured over :data:`SEEDS`:
each setting runs with the same seeds as the baseline and is compared with the baseline of the
same seed (:func:`paired_gains`, :func:`gain_summary`). Runs are independent, so they go through
:func:`dlhelpers.search.run_trials` in parallel. Figures and the playground are in
:mod:`dlhelpers.figures.overfitting`.
"""
import numpy as np

from .. import search
from ..parallel import blas_thread_limit
from ..data import load_mnist_cached as _mnist
from ..functions import cross_entropy_error, softmax
from ..early_stopping import EarlyStopping, early_stop_epoch
from ..layers import Affine, Dropout
from ..network import MultiLayerNet

#: The book's overfitting setup (its chapter 6 scripts).
BOOK_SETTINGS = {"n_train": 300, "hidden_size_list": (100,) * 6, "lr": 0.01, "mini_batch_size": 100,
                 "epochs": 200, "weight_init_std": "he", "weight_decay_lambda": 0.0, "dropout_ratio": 0.0,
                 "use_batchnorm": False, "seed": 0, "patience": None, "n_val": 1000, "curves": True, "return_params": False}

#: What notebook 05 runs: the book's data and network at lr 0.1 for 100 epochs (300 updates).
SETTINGS = {**BOOK_SETTINGS, "lr": 0.1, "epochs": 100}

#: The paired seeds: every compared setting runs with each of them (weights, batch order, masks).
SEEDS = tuple(range(8))

#: The sweeps of Sections 2 and 3 (the notebook runs the first, its FULL_FIDELITY switch the second).
WEIGHT_DECAY_LAMBDAS = (0.001, 0.01, 0.1)
DROPOUT_RATIOS = (0.1, 0.3, 0.5)
WEIGHT_DECAY_LAMBDAS_FULL = (0.001, 0.003, 0.01, 0.03, 0.1)
DROPOUT_RATIOS_FULL = (0.1, 0.15, 0.2, 0.3, 0.5)

#: Which functions notebook 05 calls, and how it shows them (see tests/test_teaching_code.py).
SHOWN = {"train_sgd": "printed", "gain_summary": "printed", "early_stopping_gains": "printed",
         "ensemble_reading": "printed", "ensemble_accuracy": "printed", "gap": "printed",
         "dropout_forms_demo": "printed",
         "validation_data": "plumbing", "make_net": "plumbing", "overfit_trial": "plumbing",
         "rebuild_net": "plumbing", "run_settings": "plumbing", "sweep_settings": "plumbing",
         "paired_settings": "plumbing", "seeds_of": "plumbing", "notebook_runs": "plumbing", "gain_text": "plumbing", "seed_label": "plumbing", "paired_gains": "plumbing",
         "paired_accuracies": "plumbing", "best_by_mean_validation": "plumbing",
         "sweep_table": "plumbing", "full_settings": "plumbing"}

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

    Shown in: notebook 05, section 1.

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
                         dropout_ratio=dropout if dropout > 0 else 0.5,
                         use_batchnorm=bool(p["use_batchnorm"]), seed=int(p["seed"]))


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
    'use_batchnorm': True puts batch normalization after every hidden Affine layer.
    """
    p = full_settings(params)
    (x, t), (xt, tt) = _mnist()
    x_val, t_val = validation_data(int(p["n_val"]))
    n = int(p["n_train"])
    net = make_net(p)
    curves = bool(p["curves"]) or p["patience"] is not None
    with blas_thread_limit(1):  # one BLAS thread: the same numbers in a worker, in the notebook and in the Trainer
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
        if p["use_batchnorm"]:
            result["state"] = net.get_state()  # the running statistics belong to the trained net too
    return result


def rebuild_net(result):
    """The trained network of an :func:`overfit_trial` run with 'return_params': True."""
    if "params" not in result:
        raise ValueError("this run kept no weights: run it with 'return_params': True")
    net = make_net(result["settings"])
    if "state" in result:
        net.set_state(result["state"])
    else:
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
    """Labels -> params of the weight-decay and dropout sweeps (Sections 2 and 3), seed 0."""
    settings = {f"weight decay {lam:g}": {"weight_decay_lambda": lam, "curves": curves} for lam in lambdas}
    settings.update({f"dropout {r:g}": {"dropout_ratio": r, "curves": curves} for r in ratios})
    return settings


def notebook_runs(full_fidelity=False, seeds=SEEDS):
    """Every run notebook 05 trains (label -> params), the claims tests' too.

    With each of ``seeds``: the baseline (full curves and final weights: the figures, early
    stopping and the real ensemble) and the regularizers whose gain is a point or two (final
    accuracies; the dropout-0.1 nets keep their weights for the ensemble reading). With the first
    four seeds only: the settings that are far too strong (weight decay 0.1, dropout 0.3 and 0.5)
    and the net with batch normalization; with the first three the baseline on 1000 images: those
    effects are many standard errors wide. ``full_fidelity`` sweeps five values of each regularizer,
    all with every seed.
    """
    lambdas = WEIGHT_DECAY_LAMBDAS_FULL if full_fidelity else WEIGHT_DECAY_LAMBDAS
    ratios = DROPOUT_RATIOS_FULL if full_fidelity else DROPOUT_RATIOS
    seeds = _check_seeds(seeds)
    runs = {"no regularization": {"curves": True, "return_params": True}, **sweep_settings(lambdas, ratios)}
    runs["dropout 0.1"] = {**runs.get("dropout 0.1", {"dropout_ratio": 0.1, "curves": False}), "return_params": True}
    strong = set() if full_fidelity else {"weight decay 0.1", "dropout 0.3", "dropout 0.5"}
    return {**paired_settings({k: v for k, v in runs.items() if k not in strong}, seeds),
            **paired_settings({k: v for k, v in runs.items() if k in strong}, seeds[:4]),
            **paired_settings({"batch norm": {"use_batchnorm": True, "curves": False}}, seeds[:4]),
            **paired_settings({"1000 images": {"n_train": 1000, "curves": False}}, seeds[:3])}


def seeds_of(results, label):
    """The seeds ``label`` ran with in ``results`` (a tuple, in increasing order)."""
    seeds = tuple(s for s in range(1000) if seed_label(label, s) in results)
    if not seeds:
        raise KeyError(f"no run labelled {label!r} in results; the labels are {sorted(results)[:8]} ...")
    return seeds


def seed_label(label, seed):
    """The label of ``label``'s run with seed ``seed`` (seed 0 keeps the plain label)."""
    return label if seed == 0 else f"{label} (seed {seed})"


def paired_settings(runs, seeds=SEEDS):
    """Every run of ``runs`` (label -> params) once per seed: label (seed s) -> params with 'seed': s.

    The same seeds for every setting: the baseline and a regularized run of one seed start from
    the same weights and see the same batches, so their difference is the regularizer's doing.
    """
    seeds = _check_seeds(seeds)
    return {seed_label(k, s): {**params, "seed": s} for s in seeds for k, params in runs.items()}


def _check_seeds(seeds):
    seeds = tuple(seeds)
    if not seeds or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty sequence of integers >= 0, got {seeds!r}")
    return seeds


def paired_accuracies(results, label, seeds=None, key="final_val_acc"):
    """``label``'s value ``key`` for each seed (default: every seed it ran with), shape (len(seeds),)."""
    seeds = seeds_of(results, label) if seeds is None else _check_seeds(seeds)
    return np.array([results[seed_label(label, s)][key] for s in seeds])


def paired_gains(results, label, seeds=None, key="final_val_acc", baseline="no regularization"):
    """Per seed: ``label``'s accuracy minus the baseline's with the same seed, shape (len(seeds),).

    seeds : default every seed ``label`` ran with (the baseline ran with all of them).
    """
    seeds = seeds_of(results, label) if seeds is None else _check_seeds(seeds)
    return paired_accuracies(results, label, seeds, key) - paired_accuracies(results, baseline, seeds, key)


def gain_summary(gains):
    """Mean, standard error and sign count of paired gains (one per seed).

    Shown in: notebook 05, section 1b.

    gains : 1-D array of accuracy differences, one per seed (setting minus baseline, same seed).
    Returns a dict: 'mean' and 'se' (standard error of the mean, in accuracy units), 'n_up' (seeds
    with a gain > 0), 'n', and 'verdict': 'gain' if the mean is more than two standard errors above
    0, 'loss' if more than two below, else 'within the noise'.
    """
    gains = np.asarray(gains, dtype=np.float64)
    if gains.ndim != 1 or len(gains) < 2:
        raise ValueError(f"gains must be a 1-D array with one gain per seed (at least 2), got shape {gains.shape}")
    mean = gains.mean()
    se = gains.std(ddof=1) / np.sqrt(len(gains))  # spread of the mean over seeds
    verdict = "gain" if mean > 2 * se else "loss" if mean < -2 * se else "within the noise"
    return {"mean": float(mean), "se": float(se), "n_up": int(np.sum(gains > 0)), "n": len(gains),
            "verdict": verdict}


def gain_text(summary):
    """'+1.7 ± 0.4 points (up on 8 of 8 seeds)': a :func:`gain_summary` in points of accuracy."""
    return (f"{100 * summary['mean']:+.1f} ± {100 * summary['se']:.1f} points "
            f"(up on {summary['n_up']} of {summary['n']} seeds)")


def best_by_mean_validation(results, labels, baseline="no regularization"):
    """The label among ``labels`` with the largest mean paired validation gain (the first on a tie)."""
    labels = list(labels)
    if not labels:
        raise ValueError("labels is empty: name at least one run to choose from")
    return max(labels, key=lambda k: (paired_gains(results, k, baseline=baseline).mean(), -labels.index(k)))


def sweep_table(results, labels, baseline="no regularization"):
    """One line per setting: mean train / validation / test accuracy over its seeds and the paired
    validation and test gains over the baseline (mean ± standard error, seeds with a gain)."""
    lines = [f"{'mean over its seeds':<24} seeds  train   val    test    validation gain        test gain"]
    for k in [baseline] + list(labels):
        seeds = seeds_of(results, k)
        acc = [paired_accuracies(results, k, seeds, key).mean()
               for key in ("final_train_acc", "final_val_acc", "final_test_acc")]
        row = f"{k:<24} {len(seeds):>5}  {acc[0]:.3f}  {acc[1]:.3f}  {acc[2]:.3f}"
        if k != baseline:
            for key in ("final_val_acc", "final_test_acc"):
                s = gain_summary(paired_gains(results, k, seeds, key, baseline))
                row += f"   {100 * s['mean']:+5.1f} ± {100 * s['se']:.1f} ({s['n_up']} of {s['n']})"
        lines.append(row)
    return "\n".join(lines)


def gap(result, last=10):
    """Train minus validation accuracy, averaged over the last ``last`` epochs: the course's one gap.

    Shown in: notebook 05, section 1.

    result : a run with per-epoch 'train_acc' and 'val_acc' lists (an :func:`overfit_trial` result
    with curves, or a Trainer's history). Returns a float in [-1, 1].
    """
    if not result.get("val_acc"):
        raise ValueError("this run has no validation curve: run it with 'curves': True")
    return float(np.mean(result["train_acc"][-last:]) - np.mean(result["val_acc"][-last:]))


def early_stopping_gains(results, seeds=SEEDS, patience=10, baseline="no regularization"):
    """Early stopping applied to each seed's recorded baseline run, against training to the end.

    Shown in: notebook 05, section 4.

    The rule (:func:`dlhelpers.early_stopping.early_stop_epoch`, the Trainer's) watches the
    validation curve; the restored weights are those of the best epoch, so their accuracies are the
    curves' values there (the same run, stopped). Returns a dict of arrays over seeds: 'stop',
    'best' (epochs), 'val_gain' and 'test_gain' (best epoch minus last epoch).
    """
    out = {"stop": [], "best": [], "val_gain": [], "test_gain": []}
    for s in _check_seeds(seeds):
        run = results[seed_label(baseline, s)]
        stop, best = early_stop_epoch(run["val_acc"], patience)
        out["stop"].append(stop if stop is not None else len(run["val_acc"]) - 1)
        out["best"].append(best)
        out["val_gain"].append(run["val_acc"][best] - run["val_acc"][-1])  # chosen on these images: optimistic
        out["test_gain"].append(run["test_acc"][best] - run["test_acc"][-1])  # the honest measure
    return {k: np.array(v) for k, v in out.items()}


# ----------------------------------------------------------------------------- dropout mechanics
def dropout_forms_demo(ratio=0.5, n_units=16, n_passes=4, n_masks=20000, n_wide=10000, seed=0):
    """The two dropout forms of :class:`dlhelpers.layers.Dropout` on the same input.

    Shown in: notebook 05, section 3.

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


def ensemble_reading(net, n_members=(1, 2, 5, 10, 20, 30), n_images=1000, seed=0):
    """Dropout as an ensemble: average the softmax of many random thinned nets (training-mode masks).

    Shown in: notebook 05, section 3c.

    Measured on the first ``n_images`` validation images. Returns a dict: 'n_members',
    'ensemble_acc' (accuracy of the average of the first k masked passes, for each k),
    'single_masked_acc' (mean accuracy of one masked pass), 'test_mode_acc' (the deterministic
    test-mode net), and 'agreement' (fraction of images where the largest ensemble and test mode
    predict the same class).
    """
    xv, tv = validation_data(n_images)
    dropouts = [layer for layer in net.layers.values() if isinstance(layer, Dropout)]
    if not dropouts:
        raise ValueError("the network has no Dropout layers: build it with use_dropout=True")
    saved_rngs = [layer.rng for layer in dropouts]
    rng = np.random.default_rng(seed)
    for layer in dropouts:
        layer.rng = rng  # one seeded stream of masks, whatever the net drew before
    try:
        probs = np.array([softmax(net.predict(xv, train_flg=True)) for _ in range(max(n_members))])
    finally:
        for layer, r in zip(dropouts, saved_rngs):
            layer.rng = r
    cumulative = np.cumsum(probs, axis=0)  # cumulative[k - 1] / k = average of the first k thinned nets
    test_scores = net.predict(xv)
    return {"n_members": list(n_members),
            "ensemble_acc": [float(np.mean(cumulative[k - 1].argmax(1) == tv)) for k in n_members],
            "single_masked_acc": float(np.mean(probs.argmax(2) == tv)),
            "test_mode_acc": float(np.mean(test_scores.argmax(1) == tv)),
            "agreement": float(np.mean(cumulative[-1].argmax(1) == test_scores.argmax(1)))}


def ensemble_accuracy(nets, n_images=1000):
    """A real ensemble: average the softmax outputs of independently trained nets.

    Shown in: notebook 05, section 3c.

    nets : list of trained networks (e.g. the same setting with different seeds).
    Returns a dict on the first ``n_images`` validation images: 'n_members' (1 .. len(nets)),
    'ensemble_acc' (accuracy of the average of the first k nets, for each k) and 'single_acc'
    (each net alone, in order).
    """
    if len(nets) < 1:
        raise ValueError("nets is empty: pass at least one trained network")
    xv, tv = validation_data(n_images)
    probs = np.array([softmax(net.predict(xv)) for net in nets])  # (n_nets, n_images, 10)
    cumulative = np.cumsum(probs, axis=0)
    return {"n_members": list(range(1, len(nets) + 1)),
            "ensemble_acc": [float(np.mean(c.argmax(1) == tv)) for c in cumulative],
            "single_acc": [float(np.mean(p.argmax(1) == tv)) for p in probs]}
