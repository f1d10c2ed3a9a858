"""Checkers for notebook 05 (overfitting and regularization): weight decay, inverted dropout,
early stopping, and the open task "make a regularizer beat the baseline on validation"
(:func:`check_regularizer`). Each ``check_*`` takes the reader's function and prints a verdict."""
from functools import lru_cache

import numpy as np

from . import references as ref
from .checker import check_function, close, is_stub, not_attempted, report, short_error




# ----------------------------------------------------------------------------- inputs
def _wd_inputs(rng, trial):
    shape = (4, 3) if trial == 0 else (int(rng.integers(2, 9)), int(rng.integers(2, 9)))
    return rng.standard_normal(shape), rng.standard_normal(shape), float(rng.choice([0.1, 0.01, 0.5]))


def _dropout_inputs(rng, trial):
    shape = (3, 5) if trial == 0 else (int(rng.integers(2, 7)), int(rng.integers(3, 9)))
    ratio = float(rng.choice([0.15, 0.3, 0.5]))
    return rng.uniform(0.1, 2.0, shape), rng.random(shape) >= ratio, ratio


def _curve_inputs(rng, trial):
    """A validation curve with exact ties. Even trials start at chance (0.1); odd trials start
    from a good initial accuracy (a pretrained net) that the first epochs do not beat, which tells
    "epoch 0 counts" from "epoch 0 is ignored"."""
    n = int(rng.integers(15, 40))
    rise = np.minimum(0.8, np.cumsum(rng.uniform(0.0, 0.12, n)))
    curve = np.round(rise + rng.normal(0, 0.01, n), 2)  # rounded: plateaus with exact ties
    curve[0] = 0.1 if trial % 2 == 0 else float(np.round(rng.uniform(0.3, 0.6), 2))
    return [float(v) for v in curve], int(rng.integers(2, 6))



def _variant(val_acc, patience, ties_improve=False, late=False, best_is_stop=False, skip_first=True):
    """Early stopping read differently: ``skip_first`` ignores val_acc[0] (the best starts at -inf)."""
    best, best_epoch, waited = (-np.inf, 0, 0) if skip_first else (val_acc[0], 0, 0)
    for epoch in range(1, len(val_acc)):
        better = val_acc[epoch] >= best if ties_improve else val_acc[epoch] > best
        if better:
            best, best_epoch, waited = val_acc[epoch], epoch, 0
        else:
            waited += 1
            if (waited > patience) if late else (waited >= patience):
                return epoch, (epoch if best_is_stop else best_epoch)
    last = len(val_acc) - 1
    return last, (last if best_is_stop else best_epoch)


# ----------------------------------------------------------------------------- checkers
def check_weight_decay_terms(fn):
    """Check ``fn(W, dW, lam)`` -> (penalty, dW + lam * W)."""
    diagnoses = [
        (lambda got, exp, a: close(got[0], 2 * exp[0]),
         "the penalty is missing the 1/2: it is lambda/2 * sum(W**2), so that its gradient is lambda * W."),
        (lambda got, exp, a: close(got[0], 0.5 * a[2] * np.sqrt(np.sum(a[0] ** 2))),
         "the penalty uses the norm sqrt(sum W^2); weight decay uses the squared norm sum(W**2)."),
        (lambda got, exp, a: close(got[1], a[1] + 0.5 * a[2] * a[0]),
         "the gradient term is lambda/2 * W; the derivative of lambda/2 * W^2 is lambda * W."),
        (lambda got, exp, a: close(got[1], a[2] * a[0]),
         "the data gradient dW is missing: the total gradient is dW + lambda * W."),
        (lambda got, exp, a: close(got[1], a[1] - a[2] * a[0]),
         "the sign of the decay term is flipped: add lambda * W to the gradient (the update then subtracts it)."),
        (lambda got, exp, a: close(got[1], a[1] + 2 * a[2] * a[0]),
         "the gradient term is 2 * lambda * W; with the 1/2 in the penalty it is lambda * W."),
    ]
    return check_function(fn, ref.weight_decay_terms, _wd_inputs, name="weight_decay_terms",
                          diagnoses=diagnoses)


def check_inverted_dropout_train(fn):
    """Check ``fn(x, keep, ratio)`` -> x * keep / (1 - ratio)."""
    diagnoses = [
        (lambda got, exp, a: close(got, a[0] * a[1]),
         "no scaling: that is the book's form, which must then multiply by (1 - ratio) at test time. "
         "Inverted dropout divides the kept units by (1 - ratio) during training instead."),
        (lambda got, exp, a: close(got, a[0] * a[1] / a[2]),
         "divided by the dropout ratio; divide by the KEEP probability, 1 - ratio."),
        (lambda got, exp, a: close(got, a[0] * a[1] * (1 - a[2])),
         "multiplied by (1 - ratio): that shrinks the training output. Divide by it, so the expected "
         "output equals the test-time output x."),
        (lambda got, exp, a: close(got, a[0] * ~a[1] / (1 - a[2])),
         "the mask is inverted: keep is True for the units that survive."),
    ]
    return check_function(fn, ref.inverted_dropout_train, _dropout_inputs, name="inverted_dropout_train",
                          diagnoses=diagnoses)


def _as_pair(got):
    return tuple(got) if isinstance(got, (tuple, list)) and len(got) == 2 else None


def check_early_stop(fn):
    """Check ``fn(val_acc, patience)`` -> (stop epoch, best epoch), with epoch 0 counting as a
    candidate best (the prose: "strictly better than all earlier ones")."""
    def reads(**kwargs):
        return lambda got, exp, a: _as_pair(got) == _variant(*a, **kwargs)

    diagnoses = [
        (lambda got, exp, a: isinstance(got, list) and len(got) == 2,
         "return a tuple (stop_epoch, best_epoch), not a list."),
        (reads(skip_first=True),
         "val_acc[0] was ignored: epoch 0 (before training) counts too, so a later epoch improves only if "
         "it is strictly better than val_acc[0] as well; start the best at val_acc[0], not at -1."),
        (reads(skip_first=False, ties_improve=True),
         "a tie counts as an improvement (>=); only a strictly better validation accuracy (>) resets the wait."),
        (reads(skip_first=False, late=True),
         "training stops one epoch late: stop as soon as `patience` epochs in a row did not improve."),
        (reads(skip_first=False, best_is_stop=True),
         "the best epoch is the one with the highest validation accuracy, not the epoch where training stopped."),
    ]
    return check_function(fn, ref.early_stop, _curve_inputs, name="early_stop", diagnoses=diagnoses, n_trials=8)


# ----------------------------------------------------------------------------- open task: regularizer
#: The checker's training budget: notebook 05's net (300 training images, 6 hidden layers of 100
#: ReLU units, He init, SGD, batch 100) trained with lr 0.1 for 100 epochs (300 updates), about
#: 1 s per run on one core. Validation: the last 1000 images of the training pool (never among
#: the 300, never test images). Baseline and your run use the same seed.
REG_BUDGET = {"n_train": 300, "hidden_size_list": (100,) * 6, "lr": 0.1, "mini_batch_size": 100,
              "epochs": 100, "n_val": 1000, "seed": 0}
REG_KEYS = ("weight_decay_lambda", "dropout_ratio")


def _train_val_accuracy(weight_decay_lambda=0.0, dropout_ratio=0.0):
    """(train accuracy, validation accuracy) of one run of :data:`REG_BUDGET`."""
    from threadpoolctl import threadpool_limits

    from ..data import load_mnist
    from ..network import MultiLayerNet
    from ..optimizers import SGD

    b = REG_BUDGET
    (x, t), _ = load_mnist()
    x_train, t_train = x[:b["n_train"]], t[:b["n_train"]]
    x_val, t_val = x[-b["n_val"]:], t[-b["n_val"]:]
    with threadpool_limits(limits=1, user_api="blas"):  # one thread: steadier and as fast on these sizes
        net = MultiLayerNet(784, list(b["hidden_size_list"]), 10, weight_init_std="he",
                            weight_decay_lambda=weight_decay_lambda, use_dropout=dropout_ratio > 0,
                            dropout_ratio=dropout_ratio if dropout_ratio > 0 else 0.5, seed=b["seed"])
        optimizer = SGD(lr=b["lr"])
        rng = np.random.default_rng(b["seed"])
        n, size = len(x_train), b["mini_batch_size"]
        for _ in range(b["epochs"]):
            order = rng.permutation(n)
            for start in range(0, n, size):
                batch = order[start:start + size]
                optimizer.update(net.params, net.gradient(x_train[batch], t_train[batch]))
        return float(net.accuracy(x_train, t_train)), float(net.accuracy(x_val, t_val))


@lru_cache(maxsize=1)
def _baseline():
    return _train_val_accuracy()


def _settings_problem(settings):
    """None if ``settings`` is a valid dict of regularizer settings, else what is wrong (one line)."""
    if not isinstance(settings, dict):
        return f"return a dict such as {{'dropout_ratio': ...}}, not a {type(settings).__name__}"
    unknown = sorted(set(settings) - set(REG_KEYS))
    if unknown:
        return f"unknown setting(s) {', '.join(map(repr, unknown))}; the keys are {', '.join(REG_KEYS)}"
    if not settings:
        return "the dict is empty: that is the baseline; set weight_decay_lambda and/or dropout_ratio"
    lam = settings.get("weight_decay_lambda", 0.0)
    ratio = settings.get("dropout_ratio", 0.0)
    for key, value in (("weight_decay_lambda", lam), ("dropout_ratio", ratio)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            return f"{key} must be a number, got {type(value).__name__}"
    if not (np.isfinite(lam) and lam >= 0):
        return f"weight_decay_lambda must be >= 0, got {lam!r}"
    if not (0 <= ratio < 1):
        return f"dropout_ratio must be in [0, 1), got {ratio!r} (it is the fraction of units dropped)"
    return None


def check_regularizer(settings):
    """Train notebook 05's small net twice (see :data:`REG_BUDGET`), without regularization and with
    ``settings``, and pass if your validation accuracy beats the baseline's.

    ``settings`` is a dict with any of the keys ``weight_decay_lambda`` (>= 0) and ``dropout_ratio``
    (in [0, 1)), or a function taking no arguments that returns one. Takes about 2 s.
    """
    name = getattr(settings, "__name__", "regularizer_settings") if callable(settings) else "your settings"
    exercise = "regularizer_settings"
    if callable(settings):
        if is_stub(settings):
            return not_attempted(name, exercise)
        try:
            settings = settings()
        except NotImplementedError:
            return not_attempted(name, exercise)
        except Exception as err:
            return report(False, name, [f"✘ {name} raised {short_error(err)}"], exercise)
    problem = _settings_problem(settings)
    if problem:
        return report(False, name, [f"✘ {name}: {problem}."], exercise)
    lam = float(settings.get("weight_decay_lambda", 0.0))
    ratio = float(settings.get("dropout_ratio", 0.0))
    base_train, base_val = _baseline()
    train, val = _train_val_accuracy(lam, ratio)
    b = REG_BUDGET
    lines = [f"{b['n_train']} training images, {len(b['hidden_size_list'])} x 100 ReLU, SGD lr {b['lr']}, "
             f"{b['epochs']} epochs, validation on {b['n_val']} held-out training images:",
             f"  baseline:                 train {base_train:.3f}, validation {base_val:.3f}",
             f"  weight_decay_lambda={lam:g}, dropout_ratio={ratio:g}: train {train:.3f}, validation {val:.3f}"]
    if val > base_val:
        return report(True, name, [f"✔ {name} beat the baseline on validation by {val - base_val:+.3f}."] + lines,
                      exercise)
    if train < base_train - 0.2:
        why = "the regularization is so strong that the net underfits (training accuracy dropped a lot): weaken it."
    else:
        why = "the gap to the training accuracy did not shrink enough: regularize a little more, or try the other knob."
    return report(False, name, [f"✘ {name} did not beat the baseline on validation."] + lines
                  + [f"Likely mistake: {why}"], exercise)
