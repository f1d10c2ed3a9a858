"""Checkers for notebook 05 (overfitting and regularization): weight decay, inverted dropout,
early stopping. Each ``check_*`` takes the reader's function and prints a verdict."""
import numpy as np

from .checker import check_function
from ..experiments.overfitting import early_stop_epoch


# ----------------------------------------------------------------------------- reference solutions
def weight_decay_terms(W, dW, lam):
    """Reference: (penalty, total gradient) of L2 weight decay for one weight matrix.

    penalty = lam / 2 * sum(W ** 2) (a float); total gradient = dW + lam * W (W's shape).
    """
    return 0.5 * lam * float(np.sum(W ** 2)), dW + lam * W


def inverted_dropout_train(x, keep, ratio):
    """Reference: training-time inverted dropout with a given boolean mask ``keep`` (True = kept)."""
    return x * keep / (1.0 - ratio)


def early_stop(val_acc, patience):
    """Reference: (epoch at which training ends, best epoch) under early stopping.

    val_acc[0] is measured before training, val_acc[e] after epoch e. An epoch improves only if it
    is strictly better than every earlier one; training stops after ``patience`` epochs in a row
    without improvement, otherwise it ends at the last epoch, len(val_acc) - 1.
    """
    stop, best_epoch = early_stop_epoch(val_acc, patience)
    return (len(val_acc) - 1 if stop is None else stop), (best_epoch or 0)


# ----------------------------------------------------------------------------- inputs
def _wd_inputs(rng, trial):
    shape = (4, 3) if trial == 0 else (int(rng.integers(2, 9)), int(rng.integers(2, 9)))
    return rng.standard_normal(shape), rng.standard_normal(shape), float(rng.choice([0.1, 0.01, 0.5]))


def _dropout_inputs(rng, trial):
    shape = (3, 5) if trial == 0 else (int(rng.integers(2, 7)), int(rng.integers(3, 9)))
    ratio = float(rng.choice([0.15, 0.3, 0.5]))
    return rng.uniform(0.1, 2.0, shape), rng.random(shape) >= ratio, ratio


def _curve_inputs(rng, trial):
    n = int(rng.integers(15, 40))
    rise = np.minimum(0.8, np.cumsum(rng.uniform(0.0, 0.12, n)))
    curve = np.round(rise + rng.normal(0, 0.01, n), 2)  # rounded: plateaus with exact ties
    curve[0] = 0.1
    return [float(v) for v in curve], int(rng.integers(2, 6))


def _close(a, b):
    try:
        return np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-5, atol=1e-8)
    except (TypeError, ValueError):
        return False


def _variant(val_acc, patience, ties_improve=False, late=False, best_is_stop=False):
    best, best_epoch, waited = -np.inf, 0, 0
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
        (lambda got, exp, a: _close(got[0], 2 * exp[0]),
         "the penalty is missing the 1/2: it is lambda/2 * sum(W**2), so that its gradient is lambda * W."),
        (lambda got, exp, a: _close(got[0], 0.5 * a[2] * np.sqrt(np.sum(a[0] ** 2))),
         "the penalty uses the norm sqrt(sum W^2); weight decay uses the squared norm sum(W**2)."),
        (lambda got, exp, a: _close(got[1], a[1] + 0.5 * a[2] * a[0]),
         "the gradient term is lambda/2 * W; the derivative of lambda/2 * W^2 is lambda * W."),
        (lambda got, exp, a: _close(got[1], a[2] * a[0]),
         "the data gradient dW is missing: the total gradient is dW + lambda * W."),
        (lambda got, exp, a: _close(got[1], a[1] - a[2] * a[0]),
         "the sign of the decay term is flipped: add lambda * W to the gradient (the update then subtracts it)."),
        (lambda got, exp, a: _close(got[1], a[1] + 2 * a[2] * a[0]),
         "the gradient term is 2 * lambda * W; with the 1/2 in the penalty it is lambda * W."),
    ]
    return check_function(fn, weight_decay_terms, _wd_inputs, name="weight_decay_terms",
                          diagnoses=diagnoses,
                          hint="return 0.5 * lam * np.sum(W ** 2), dW + lam * W")


def check_inverted_dropout_train(fn):
    """Check ``fn(x, keep, ratio)`` -> x * keep / (1 - ratio)."""
    diagnoses = [
        (lambda got, exp, a: _close(got, a[0] * a[1]),
         "no scaling: that is the book's form, which must then multiply by (1 - ratio) at test time. "
         "Inverted dropout divides the kept units by (1 - ratio) during training instead."),
        (lambda got, exp, a: _close(got, a[0] * a[1] / a[2]),
         "divided by the dropout ratio; divide by the KEEP probability, 1 - ratio."),
        (lambda got, exp, a: _close(got, a[0] * a[1] * (1 - a[2])),
         "multiplied by (1 - ratio): that shrinks the training output. Divide by it, so the expected "
         "output equals the test-time output x."),
        (lambda got, exp, a: _close(got, a[0] * ~a[1] / (1 - a[2])),
         "the mask is inverted: keep is True for the units that survive."),
    ]
    return check_function(fn, inverted_dropout_train, _dropout_inputs, name="inverted_dropout_train",
                          diagnoses=diagnoses, hint="return x * keep / (1 - ratio)")


def check_early_stop(fn):
    """Check ``fn(val_acc, patience)`` -> (stop epoch, best epoch)."""
    diagnoses = [
        (lambda got, exp, a: tuple(got) == _variant(*a, ties_improve=True),
         "a tie counts as an improvement (>=); only a strictly better validation accuracy (>) resets the wait."),
        (lambda got, exp, a: tuple(got) == _variant(*a, late=True),
         "training stops one epoch late: stop as soon as `patience` epochs in a row did not improve."),
        (lambda got, exp, a: tuple(got) == _variant(*a, best_is_stop=True),
         "the best epoch is the one with the highest validation accuracy, not the epoch where training stopped."),
    ]
    return check_function(fn, early_stop, _curve_inputs, name="early_stop", diagnoses=diagnoses, n_trials=8,
                          hint="track best, best_epoch and a counter; reset the counter on a strict "
                               "improvement, stop when it reaches patience")
