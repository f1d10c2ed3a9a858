"""Notebook 04's experiments: what batch normalization does, how it trains and tests, why it helps.

Each function computes what one figure or printed check of the notebook shows; the figures and
the playground that show the results live in :mod:`dlhelpers.figures.batchnorm`, so this module
imports neither pyplot nor ipywidgets. ``tests/test_claims_04.py`` asserts the notebook's claims
with the same functions and settings.
"""
import numpy as np

from .. import search
from ..data import load_mnist_cached
from ..gradcheck import check_layer_gradients, check_network_gradients
from ..layers import Affine, BatchNormalization
from ..network import MultiLayerNet
from ..training import Trainer

#: How notebook 04 shows each experiment it calls (see tests/test_teaching_code.py).
SHOWN = {
    "preactivation_spread": "printed",
    "fraction_positive": "tied",
    "undo_check": "printed",
    "running_stats_demo": "printed",
    "single_sample_outputs": "tied",
    "train_bn_net": "printed",
    "layer_gradient_check": "printed",
    "network_gradient_check": "printed",
    "weight_scale_invariance": "printed",
    "init_scale_trial": "printed",
    "run_init_scale_grid": "plumbing",      # init_scale_trial over the grid, in parallel
    "count_learned": "plumbing",            # reading the grid's results
    "learned_scales": "plumbing",
    "format_settings_comparison": "plumbing",
    "learning_rate_comparison": "plumbing",  # init_scale_trial over learning rates
    "epochs_to_reach": "plumbing",
    "batch_companion_noise": "printed",
    "paired_difference": "printed",
    "eps_comparison": "plumbing",           # init_scale_trial over eps and seeds
    "norm_batch_size_comparison": "plumbing",  # init_scale_trial over norms, batch sizes and seeds
}

#: The book's grid of weight-init scales: 16 values from 1 down to 1e-4, evenly spaced in log10.
BOOK_STDS = np.logspace(0, -4, 16)

# ----------------------------------------------------------------------------- the idea
def preactivation_spread(weight_init_std=0.01, hidden_size_list=(100,) * 5, n_samples=500, seed=0, eps=1e-5):
    """Pre-activations of a deep ReLU net on real images, without and with batch norm.

    Both nets share their initial weights (same seed); ``eps`` is the BN layers' epsilon. Returns
    a dict with 'plain': list of (n_samples, units) Affine outputs per hidden layer of the net
    without BN, and 'normalized': list of the BN outputs (training mode, one batch of
    ``n_samples``) of the net with BN.

    Shown in: notebook 04, section 1.
    """
    (x, _), _ = load_mnist_cached()
    x = x[:n_samples]
    n_layers = len(hidden_size_list)
    out = {}
    for key, use_bn in (("plain", False), ("normalized", True)):
        net = MultiLayerNet(784, list(hidden_size_list), 10, weight_init_std=weight_init_std,
                            use_batchnorm=use_bn, seed=seed)
        captured, h = [], x
        for layer in net.layers.values():
            if isinstance(layer, BatchNormalization):
                layer.eps = eps
        for name, layer in net.layers.items():
            h = layer.forward(h, train_flg=True)
            if (use_bn and isinstance(layer, BatchNormalization)) or (not use_bn and isinstance(layer, Affine)
                                                                        and len(captured) < n_layers):
                captured.append(h.copy())
        out[key] = captured
    out["weight_init_std"] = weight_init_std
    return out


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
    
    Shown in: notebook 04, section 2.
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
    
    Shown in: notebook 04, section 3.
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
    
    Shown in: notebook 04, section 4.
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
    
    Shown in: notebook 04, section 4.
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
        default 200), 'eps' (BN's epsilon, default the layer's 1e-5), 'use_layernorm' (LayerNorm in
        BN's place, default False) and 'mini_batch_size' (default 100).

    Returns a dict: 'score' (final training accuracy), 'train_acc' and 'test_acc' per epoch
    (epoch 0 = before training; padded with the last value after a divergence stop), 'diverged',
    'epochs_done' (epochs completed before a divergence stop), 'stop_reason' (the Trainer's
    message, or None) and 'failure' (:func:`run_failure`: 'diverged', 'collapsed' or None).

    Shown in: notebook 04, section 5.
    """
    (x, t), (xt, tt) = load_mnist_cached()
    n, n_test = int(params["n_train"]), int(params.get("n_test", 200))
    std = params["weight_init_std"]
    net = MultiLayerNet(784, list(params["hidden_size_list"]), 10,
                        weight_init_std=std if isinstance(std, str) else float(std),
                        use_batchnorm=bool(params["use_batchnorm"]), seed=int(params["seed"]),
                        use_layernorm=bool(params.get("use_layernorm", False)))
    for layer in net.layers.values():
        if isinstance(layer, BatchNormalization) and "eps" in params:
            layer.eps = float(params["eps"])
    trainer = Trainer(net, x[:n], t[:n], x_test=xt[:n_test], t_test=tt[:n_test], epochs=int(params["epochs"]),
                      mini_batch_size=int(params.get("mini_batch_size", 100)), optimizer="sgd",
                      optimizer_param={"lr": float(params["lr"])},
                      seed=int(params["seed"]), verbose=False, progress=False, blas_threads=1)
    history = trainer.train()
    epochs_done = len(history["train_acc"]) - 1
    length = int(params["epochs"]) + 1
    pad = lambda values: [float(v) for v in values] + [float(values[-1])] * (length - len(values))
    return {"score": float(history["train_acc"][-1]), "train_acc": pad(history["train_acc"]),
            "test_acc": pad(history["test_acc"]), "diverged": bool(trainer.diverged),
            "epochs_done": epochs_done, "stop_reason": trainer.stop_reason,
            "failure": run_failure(history, trainer.diverged)}


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


def train_bn_net(lr=0.1, epochs=10, n_train=1000, hidden_size_list=(100,) * 5, seed=0):
    """A He-initialized BN net trained on the first ``n_train`` images (for the test-time demos).

    Shown in: notebook 04, section 3.
    """
    (x, t), (xt, tt) = load_mnist_cached()
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

    Shown in: notebook 04, section 6.
    """
    (x, _), _ = load_mnist_cached()
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
    (x, t), _ = load_mnist_cached()
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


# ----------------------------------------------------------------------------- failed runs
#: A run "collapsed" if its loss rose above this multiple of its first loss and it ended at chance.
COLLAPSE_FACTOR = 2.0
#: Training accuracy at or below this counts as chance for the collapse rule (10 classes: about 0.11).
CHANCE_ACCURACY = 0.2


def run_failure(history, diverged):
    """Why a training run failed, by one rule for every figure and status line of notebook 04.

    history : a Trainer history (needs 'train_loss' per iteration and 'train_acc' per epoch).
    diverged : bool, the Trainer's own divergence stop (loss NaN, infinite or exploded).

    Returns 'diverged' (the Trainer stopped it), 'collapsed' (the loss rose above
    ``COLLAPSE_FACTOR`` x its first value and the run ended at chance: steps large enough to wreck
    the weights, e.g. kill the ReLUs, without the loss exploding) or None (no failure; a run that
    stays at chance without its loss ever rising simply did not learn).
    """
    if diverged:
        return "diverged"
    loss = np.asarray(history["train_loss"], dtype=float)
    if len(loss) and np.nanmax(loss) > COLLAPSE_FACTOR * loss[0] and history["train_acc"][-1] <= CHANCE_ACCURACY:
        return "collapsed"
    return None


# ----------------------------------------------------------------------------- paired seeds
def paired_difference(a, b):
    """Paired comparison of two settings run on the same seeds.

    a, b : sequences of one score per seed (same seeds, same order).

    Returns a dict: 'mean_a', 'mean_b', 'diff' (mean of b - a), 'se' (standard error of that
    mean, ddof 1; 0 for a single seed), 'wins' (seeds on which b > a) and 'n'.
    
    Shown in: notebook 04, section 5.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError(f"a and b must be 1-D and of one length (one score per seed), got shapes {a.shape} "
                         f"and {b.shape}")
    d = b - a
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else 0.0
    return {"mean_a": float(a.mean()), "mean_b": float(b.mean()), "diff": float(d.mean()), "se": se,
            "wins": int(np.sum(d > 0)), "n": len(d)}


def _paired_runs(settings, seeds, desc, executor=None, progress=False):
    """Every setting on every seed through :func:`init_scale_trial`; results[setting][seed index]."""
    seeds = [int(s) for s in seeds]
    params = [{**p, "seed": s} for p in settings for s in seeds]
    trials = search.run_trials(init_scale_trial, params, seed=seeds[0], executor=executor, progress=progress,
                               desc=desc)
    results = [tr.result for tr in trials]
    return [results[i * len(seeds):(i + 1) * len(seeds)] for i in range(len(settings))]


# ----------------------------------------------------------------------------- epsilon
def eps_comparison(eps_values=(1e-5, 1e-6), weight_init_std=1e-4, seeds=(0, 1, 2), lr=0.01, epochs=20,
                   n_train=1000, hidden_size_list=(100,) * 5, executor=None, progress=False):
    """BN nets at a tiny weight scale with different epsilons, on paired seeds (the book's settings).

    Returns a dict: 'eps_values', 'seeds', 'scores' (len(eps_values), len(seeds)) final training
    accuracy, and the settings.
    """
    base = {"lr": lr, "epochs": epochs, "n_train": n_train, "hidden_size_list": tuple(hidden_size_list),
            "use_batchnorm": True, "weight_init_std": float(weight_init_std)}
    runs = _paired_runs([{**base, "eps": float(e)} for e in eps_values], seeds, "epsilon", executor, progress)
    return {"eps_values": [float(e) for e in eps_values], "seeds": list(seeds),
            "scores": np.array([[r["score"] for r in row] for row in runs]),
            "weight_init_std": float(weight_init_std), "lr": lr, "epochs": epochs}


# ----------------------------------------------------------------------------- BN against LayerNorm
def norm_batch_size_comparison(batch_sizes=(2, 4, 16, 64), seeds=(0, 1, 2), lr=0.1, epochs=3, n_train=600,
                               n_test=500, hidden_size_list=(50,) * 4, executor=None, progress=False):
    """He-initialized nets with BN and with LayerNorm at several mini-batch sizes, on paired seeds.

    Every size trains ``epochs`` passes over the same ``n_train`` images (smaller batches take
    more, noisier steps). Returns a dict: 'batch_sizes', 'seeds', 'bn' and 'ln' test accuracy
    (test mode) of shape (len(batch_sizes), len(seeds)).
    """
    base = {"lr": lr, "epochs": epochs, "n_train": n_train, "n_test": n_test,
            "hidden_size_list": tuple(hidden_size_list), "weight_init_std": "he"}
    settings = [{**base, "mini_batch_size": int(m), "use_batchnorm": norm == "bn", "use_layernorm": norm == "ln"}
                for norm in ("bn", "ln") for m in batch_sizes]
    runs = _paired_runs(settings, seeds, "BN and LayerNorm", executor, progress)
    acc = np.array([[r["test_acc"][-1] for r in row] for row in runs])
    k = len(batch_sizes)
    return {"batch_sizes": [int(m) for m in batch_sizes], "seeds": list(seeds), "bn": acc[:k], "ln": acc[k:],
            "epochs": epochs, "n_train": n_train, "lr": lr}
