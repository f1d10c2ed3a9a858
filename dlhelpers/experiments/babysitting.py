"""Babysitting a training run (notebook 06): sanity checks before a search, and what curves say.

Checks: the initial loss against ln(C), and that the net can overfit a tiny subset to 100 %.
Symptoms: a learning rate too small (loss barely moves), too large (loss explodes; the Trainer
stops with its divergence message), a bad init (plateau, then a drop), and the update-to-weight
ratio per layer (about 1e-3 per step is the rule of thumb).

All runs use the notebook-06 data: 400 training / 100 validation images (see
:func:`dlhelpers.experiments.search_demos.search_data`), seeded, in this process. The validation
images go to the Trainer as validation data (``history['val_acc']``); no test data is used.
"""
import math

import numpy as np

from ..network import MultiLayerNet
from ..training import Trainer
from ..utils import smooth_curve
from .search_demos import search_data

HEALTHY_UPDATE_RATIO = 1e-3


# ----------------------------------------------------------------------------- checks
def expected_initial_loss(n_classes=10):
    """Cross-entropy of a uniform guess over ``n_classes``: ln(n_classes) (2.303 for 10)."""
    return math.log(n_classes)


def initial_loss_check(net, x, t, tol=0.1, n_classes=10):
    """Compare an untrained net's loss with ln(n_classes).

    With small random weights every class gets about the same probability 1/C, so the
    cross-entropy starts near ln(C). Much higher means overconfident random scores (init too
    large) or a large regularization term; much lower means something leaks (labels?).

    Returns a dict: 'loss', 'expected', 'difference', 'ok' (|difference| <= tol), 'message'.
    Shown in: notebook 06, section 6.1
    """
    loss = float(net.loss(x, t))
    expected = expected_initial_loss(n_classes)
    diff = loss - expected
    ok = abs(diff) <= tol
    verdict = "ok" if ok else ("too high: the init scale is too large (or a penalty is included: "
                               "check with regularization off)" if diff > 0 else "too low: is label information leaking into the input?")
    return {"loss": loss, "expected": expected, "difference": diff, "ok": ok,
            "message": f"initial loss {loss:.4g} vs ln({n_classes}) = {expected:.3f}: {verdict}"}


def initial_loss_table(cases=None, hidden_size_list=(50, 50), seed=0):
    """:func:`initial_loss_check` for a few nets, regularization off: (label, check dict) pairs.

    Default cases: He init; a weight std of 1.
    """
    (x, t), _ = search_data()
    cases = cases or [("He init", {"weight_init_std": "he"}),
                      ("weight std 1", {"weight_init_std": 1.0})]
    rows = []
    for label, kwargs in cases:
        net = MultiLayerNet(784, list(hidden_size_list), 10, seed=seed, **kwargs)
        rows.append((label, initial_loss_check(net, x, t)))
    return rows


def penalty_check(weight_decay_lambda=0.01, hidden_size_list=(50, 50), seed=0):
    """CS231n's second initial-loss check: switching weight decay on must RAISE the loss by the penalty.

    Two nets with the same seed (so the same weights), one without and one with weight decay.
    Returns a dict: 'loss_off', 'loss_on', 'penalty' (lambda/2 * sum of every W squared) and
    'rise' (loss_on - loss_off, which must equal the penalty).
    Shown in: notebook 06, section 6.1
    """
    (x, t), _ = search_data()
    off = MultiLayerNet(784, list(hidden_size_list), 10, weight_init_std="he", seed=seed)
    on = MultiLayerNet(784, list(hidden_size_list), 10, weight_init_std="he", seed=seed,
                       weight_decay_lambda=weight_decay_lambda)
    loss_off, loss_on = float(off.loss(x, t)), float(on.loss(x, t))
    squares = sum(float(np.sum(on.params[k].astype(np.float64) ** 2)) for k in on.params if k.startswith("W"))
    return {"loss_off": loss_off, "loss_on": loss_on, "penalty": 0.5 * weight_decay_lambda * squares,
            "rise": loss_on - loss_off}


def _train(lr, hidden_size_list=(50, 50), weight_init_std="he", epochs=20, n=None, mini_batch_size=100,
           seed=0, record_update_ratios=False, weight_decay_lambda=0.0):
    (x, t), (xv, tv) = search_data()
    if n is not None:
        x, t = x[:n], t[:n]
    net = MultiLayerNet(784, list(hidden_size_list), 10, weight_init_std=weight_init_std,
                        weight_decay_lambda=weight_decay_lambda, seed=seed)
    trainer = Trainer(net, x, t, x_val=xv, t_val=tv, epochs=epochs, mini_batch_size=mini_batch_size, optimizer="sgd",
                      optimizer_param={"lr": lr}, seed=seed, verbose=False, progress=False,
                      record_update_ratios=record_update_ratios)
    trainer.train()
    return trainer


def overfit_tiny_subset(n=20, epochs=100, lr=0.1, hidden_size_list=(50, 50), seed=0):
    """Train on only ``n`` images (one batch per epoch) without regularization.

    A correct model and training loop memorize them: training accuracy 100 %, loss near 0. If
    not, fix the code before searching hyperparameters. Returns the Trainer (history inside).
    Shown in: notebook 06, section 6.2
    """
    return _train(lr, hidden_size_list=hidden_size_list, epochs=epochs, n=n, mini_batch_size=n, seed=seed)


def learning_rate_runs(lrs=(1e-3, 0.1, 10.0), epochs=20, hidden_size_list=(50, 50), seed=0):
    """The same net at a too-small, a good and a too-large learning rate: dict lr -> Trainer.

    Shown in: notebook 06, section 6.3
    """
    return {lr: _train(lr, hidden_size_list=hidden_size_list, epochs=epochs, seed=seed) for lr in lrs}


def init_plateau_runs(inits=(0.03, 0.04, "he"), lr=0.2, epochs=40, hidden_size_list=(100, 100, 100), seed=0):
    """Training from too-small inits (plateau, then a drop) and from He init: dict init -> Trainer.

    Shown in: notebook 06, section 6.4
    """
    return {init: _train(lr, hidden_size_list=hidden_size_list, weight_init_std=init, epochs=epochs, seed=seed)
            for init in inits}


def update_ratio_runs(lrs=(1e-4, 1e-2, 1.0), epochs=10, hidden_size_list=(50, 50), seed=0):
    """Runs recording ||lr * update|| / ||W|| per weight matrix and iteration: dict lr -> Trainer.

    Shown in: notebook 06, section 6.6
    """
    return {lr: _train(lr, hidden_size_list=hidden_size_list, epochs=epochs, seed=seed, record_update_ratios=True)
            for lr in lrs}


def median_update_ratios(trainer):
    """Median update-to-weight ratio per weight matrix over the run: dict 'W1' -> float."""
    return {k: float(np.median(v)) for k, v in trainer.history["update_ratio"].items()}


def plateau_length(losses, drop=0.05, window=5):
    """Iterations before the smoothed loss first falls ``drop`` below its starting value."""
    smooth = smooth_curve(np.asarray(losses, dtype=float), window)
    below = np.flatnonzero(smooth < smooth[0] - drop)
    return int(below[0]) if len(below) else len(smooth)


#: What notebook 06 does with each function it calls (tests/test_teaching_code.py).
SHOWN = {
    "initial_loss_check": "printed",
    "penalty_check": "printed",
    "overfit_tiny_subset": "printed",
    "learning_rate_runs": "printed",
    "init_plateau_runs": "printed",
    "plateau_length": "printed",
    "update_ratio_runs": "printed",
    "median_update_ratios": "printed",
}
