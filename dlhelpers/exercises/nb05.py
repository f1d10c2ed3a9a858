"""Checkers for notebook 05 (overfitting and regularization): weight decay, inverted dropout,
early stopping, and the open task "make a regularizer beat the baseline on validation"
(:func:`check_regularizer`, measured over paired seeds with the notebook's own trial,
:func:`dlhelpers.experiments.overfitting.overfit_trial`). Each ``check_*`` takes the reader's
function and prints a verdict."""
import numpy as np

from . import references as ref
from . import checker
from .checker import (TimeLimitExceeded, check_function, close, is_stub, not_attempted, report, short_error,
                      still_raises, time_limit, timed_out)




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
        (lambda got, exp, a: _as_pair(got) == (exp[0] + 1, exp[1]),
         "the stop epoch is one too high: return the epoch in which the patience ran out (epochs count from "
         "0, the measurement before training), not that epoch + 1."),
        (reads(skip_first=False, best_is_stop=True),
         "the best epoch is the one with the highest validation accuracy, not the epoch where training stopped."),
    ]
    return check_function(fn, ref.early_stop, _curve_inputs, name="early_stop", diagnoses=diagnoses, n_trials=8)


# ----------------------------------------------------------------------------- open task: regularizer
#: The checker's runs: notebook 05's own trial (:func:`dlhelpers.experiments.overfitting.overfit_trial`
#: at its SETTINGS: 300 training images, 6 hidden layers of 100 ReLU units, He init, SGD lr 0.1,
#: batch 100, 100 epochs, validation on the last 1000 images of the training pool), once per seed of
#: ``seeds`` without and with the reader's settings (paired: the same seeds for both). ``seed`` is the
#: notebook's own run (the first of the seeds).
REG_BUDGET = {"n_train": 300, "hidden_size_list": (100,) * 6, "lr": 0.1, "mini_batch_size": 100,
              "epochs": 100, "n_val": 1000, "seed": 0, "seeds": tuple(range(12))}
REG_KEYS = ("weight_decay_lambda", "dropout_ratio")
#: A setting wins if its mean paired gain in validation accuracy exceeds REG_MARGIN (0.5 points)
#: and REG_Z standard errors of that mean (one 1000-image score has a standard error of about 0.012).
REG_MARGIN = 0.005
REG_Z = 3.0
#: The best single regularizer over these seeds (of notebook 05's sweeps: dropout 0.1, +1.5 ± 0.3
#: points; dropout 0.15 +1.0 ± 0.3; weight decay 0.003 / 0.01 alone +0.3 / +0.4 ± 0.3, within the
#: noise), which "combine two" must beat.
REG_BEST_SINGLE = {"dropout_ratio": 0.1}
#: The single settings notebook 05 measures and prints (its sweeps): the open task asks for one of
#: the reader's own, so these alone are answered on screen and do not count.
REG_SHOWN = {"dropout_ratio": (0.1, 0.3, 0.5), "weight_decay_lambda": (0.001, 0.01, 0.1)}

_RUNS = {}


def _runs(weight_decay_lambda=0.0, dropout_ratio=0.0):
    """(train accuracies, validation accuracies), arrays over REG_BUDGET['seeds'] (cached per setting)."""
    from ..experiments.overfitting import overfit_trial
    from ..parallel import blas_thread_limit

    key = (float(weight_decay_lambda), float(dropout_ratio))
    if key not in _RUNS:
        train, val = [], []
        with blas_thread_limit(1):  # one thread: as fast on these sizes, and steadier
            for seed in REG_BUDGET["seeds"]:
                r = overfit_trial({"weight_decay_lambda": key[0], "dropout_ratio": key[1], "seed": seed,
                                   "curves": False}, seed)
                train.append(r["final_train_acc"])
                val.append(r["final_val_acc"])
        _RUNS[key] = (np.array(train), np.array(val))
    return _RUNS[key]


def _baseline():
    """(train accuracy, validation accuracy) of the unregularized run of seed REG_BUDGET['seed'],
    the notebook's own baseline."""
    train, val = _runs()
    i = REG_BUDGET["seeds"].index(REG_BUDGET["seed"])
    return float(train[i]), float(val[i])


def paired_gain(settings, against=None):
    """(mean, standard error, seeds better) of the paired validation gain of ``settings`` over
    ``against`` (default: no regularization) across REG_BUDGET['seeds']."""
    against = against or {}
    _, val = _runs(settings.get("weight_decay_lambda", 0.0), settings.get("dropout_ratio", 0.0))
    _, base = _runs(against.get("weight_decay_lambda", 0.0), against.get("dropout_ratio", 0.0))
    d = val - base
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d))), int(np.sum(d > 0))


def wins(mean, se):
    """The checker's rule: a gain counts if it exceeds REG_MARGIN and REG_Z standard errors."""
    return mean > REG_MARGIN and mean > REG_Z * se


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
    if lam == 0 and ratio == 0:
        return "both settings are 0: that is the baseline; set weight_decay_lambda and/or dropout_ratio above 0"
    return None


def _gain_line(label, mean, se, better, n):
    return f"{label}: {100 * mean:+.1f} ± {100 * se:.1f} points (mean ± standard error), better on {better} of {n} seeds"


def check_regularizer(settings):
    """Train notebook 05's net over 12 paired seeds (see :data:`REG_BUDGET`), without regularization and
    with ``settings``, and pass if the mean validation gain exceeds 0.5 points and 3 standard errors.
    A single setting the notebook already printed (:data:`REG_SHOWN`) is refused before any training.
    With both knobs set, also say whether the pair beats the best single regularizer
    (:data:`REG_BEST_SINGLE`) by the same rule.

    ``settings`` is a dict with any of the keys ``weight_decay_lambda`` (>= 0) and ``dropout_ratio``
    (in [0, 1)), or a function taking no arguments that returns one. About 6 s per new setting (the
    baseline's 12 runs once more on the first call).
    """
    name = getattr(settings, "__name__", "regularizer_settings") if callable(settings) else "your settings"
    exercise = "regularizer_settings"
    if callable(settings):
        if is_stub(settings):
            return not_attempted(name, exercise)
        fn = settings
        try:
            with time_limit(checker.TIME_LIMIT):
                settings = fn()
        except TimeLimitExceeded:
            return timed_out(name, checker.TIME_LIMIT, exercise)
        except NotImplementedError:
            return still_raises(fn, name, exercise)
        except Exception as err:
            return report(False, name, [f"✘ {name} raised {short_error(err)}"], exercise)
    problem = _settings_problem(settings)
    if problem:
        return report(False, name, [f"✘ {name}: {problem}."], exercise)
    lam = float(settings.get("weight_decay_lambda", 0.0))
    ratio = float(settings.get("dropout_ratio", 0.0))
    mine = {"weight_decay_lambda": lam, "dropout_ratio": ratio}
    for key, value in (("dropout_ratio", ratio), ("weight_decay_lambda", lam)):
        if value in REG_SHOWN[key] and (lam == 0 or ratio == 0):
            return report(False, name, [
                f"✘ {name}: {key}={value:g} alone is one of the settings notebook 05 already measured "
                f"(its gain is printed in Section 3).",
                "The task is a setting of your own: another value of one knob, or both knobs together."],
                exercise)
    b, n = REG_BUDGET, len(REG_BUDGET["seeds"])
    base_train, _ = _runs()
    train, _ = _runs(lam, ratio)
    mean, se, better = paired_gain(mine)
    lines = [f"{b['n_train']} training images, {len(b['hidden_size_list'])} x 100 ReLU, SGD lr {b['lr']}, "
             f"{b['epochs']} epochs, validation on {b['n_val']} held-out images, seeds 0-{n - 1} (paired):",
             f"  baseline train accuracy {base_train.mean():.3f}, yours {train.mean():.3f} (means over the seeds)",
             "  " + _gain_line(f"weight_decay_lambda={lam:g}, dropout_ratio={ratio:g} vs baseline", mean, se, better, n),
             f"  a win needs more than {100 * REG_MARGIN:.1f} points and more than {REG_Z:g} standard errors"]
    if not wins(mean, se):
        if train.mean() < base_train.mean() - 0.2:
            why = "the regularization is so strong that the net underfits (training accuracy dropped a lot): weaken it."
        elif abs(mean) <= REG_Z * se or abs(mean) <= REG_MARGIN:
            why = ("the effect is not larger than the seed-to-seed noise: this setting changes almost nothing; "
                   "regularize more, or try the other knob.")
        else:
            why = "validation accuracy went down: the setting is too strong (or too weak to narrow the gap)."
        return report(False, name, [f"✘ {name} did not beat the baseline on validation."] + lines
                      + [f"Likely mistake: {why}"], exercise)
    head = [f"✔ {name} beat the baseline on validation by {100 * mean:+.1f} ± {100 * se:.1f} points."]
    if lam > 0 and ratio > 0:
        best = REG_BEST_SINGLE
        m2, se2, better2 = paired_gain(mine, against=best)
        label = ", ".join(f"{k}={v:g}" for k, v in best.items())
        lines.append("  " + _gain_line(f"vs the best single regularizer ({label})", m2, se2, better2, n))
        lines.append("  combining two " + ("beats the best single one by the same rule." if wins(m2, se2) else
                                           "does not beat the best single one by more than the noise."))
    return report(True, name, head + lines, exercise)
