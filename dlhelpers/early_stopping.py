"""Early stopping: one rule, used by the Trainer and by notebook 05's experiments.

The rule, exactly: scores arrive once per epoch, starting with epoch 0 (measured before any
training). An epoch *improves* if its score is strictly greater than the score of every earlier
epoch, epoch 0 included; a tie is not an improvement. Training stops at the first epoch that ends
``patience`` epochs in a row without improvement; the best epoch is the last one that improved.
"""

from .checks import check_array, check_int, check_number


class EarlyStopping:
    """Watch one score per epoch (higher is better) and say when to stop.

    Parameters
    ----------
    patience : int >= 1
        Epochs in a row without improvement after which :meth:`update` returns True.

    Attributes
    ----------
    best_score : float or None
        The best score so far (None before the first :meth:`update`).
    best_epoch : int or None
        The epoch of ``best_score``.
    waited : int
        Epochs since the last improvement.
    stopped_epoch : int or None
        The epoch at which the rule fired, or None.

    Example
    -------
    >>> rule = EarlyStopping(patience=2)
    >>> [rule.update(e, s) for e, s in enumerate([0.1, 0.5, 0.5, 0.4])]
    [False, False, False, True]
    >>> rule.best_epoch, rule.stopped_epoch
    (1, 3)
    """

    def __init__(self, patience):
        self.patience = check_int(patience, "patience", 1, hint="(a number of epochs)")
        self.best_score = None
        self.best_epoch = None
        self.waited = 0
        self.stopped_epoch = None
        self.improved = False
        self.last_epoch = None

    def update(self, epoch, score):
        """Record ``score`` of ``epoch``; returns True when training should stop now.

        After the call, ``improved`` says whether this epoch is the new best (the moment to save
        the network's state).
        """
        epoch = check_int(epoch, "epoch", 0)
        if self.last_epoch is not None and epoch <= self.last_epoch:
            raise ValueError(f"epoch {epoch} comes after epoch {self.last_epoch}; pass one score per "
                             "epoch in increasing epoch order")
        score = check_number(score, "score", hint=f"(epoch {epoch}; early stopping needs finite scores)")
        self.last_epoch = epoch
        self.improved = self.best_score is None or score > self.best_score
        if self.improved:
            self.best_score, self.best_epoch, self.waited = score, epoch, 0
            return False
        self.waited += 1
        if self.waited >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def __repr__(self):
        return (f"EarlyStopping(patience={self.patience}, best_epoch={self.best_epoch}, "
                f"best_score={self.best_score}, waited={self.waited})")


def early_stop_epoch(scores, patience):
    """Apply :class:`EarlyStopping` to a whole curve: (stop epoch or None, best epoch).

    ``scores[e]`` is the score after epoch e, ``scores[0]`` before training. The stop epoch is
    None when the rule never fires; the best epoch is then the best of the whole curve.
    """
    rule = EarlyStopping(patience)
    scores = check_array(scores, "scores", ndim=1, allow_empty=False, allow_nan=False, allow_inf=False)
    for epoch, score in enumerate(scores):
        if rule.update(epoch, score):
            return epoch, rule.best_epoch
    return None, rule.best_epoch
