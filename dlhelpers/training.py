"""The Trainer: mini-batch training with history, progress bar, early stopping and a divergence stop.

One step is :meth:`Trainer.train_step` (a batch, its gradient, a divergence check, the update,
the record), as in the book's ``common/trainer.py``; :meth:`Trainer.train` is a loop over it with
per-epoch evaluation.
"""
import math

import numpy as np

from .checks import (CallOrderError, check_array, check_bool, check_callable, check_dict, check_int,
                     check_labels, check_positive, check_rng)
from .early_stopping import EarlyStopping
from .optimizers import make_optimizer
from .parallel import blas_thread_limit


class TrainingDiverged(RuntimeError):
    """Raised (with ``raise_on_divergence=True``) when the loss becomes NaN, infinite or explodes."""


def divergence_message(iteration, epoch, loss, lr):
    """The text shown when training is stopped because the loss blew up."""
    return (f"Training stopped at iteration {iteration} (epoch {epoch}): the loss became {loss:.4g}. "
            f"Likely cause: the learning rate ({lr:g}) is too large for this network, so each step "
            "overshoots and the weights blow up. Try a learning rate 3-10x smaller; a very large "
            "weight-init std or no weight decay on a deep net can do the same.")


#: A loss above max(DIVERGENCE_FACTOR * first loss, DIVERGENCE_FLOOR) counts as diverged.
DIVERGENCE_FACTOR = 100
DIVERGENCE_FLOOR = 50.0


class Trainer:
    """Train a network with mini-batch gradient descent and keep a history.

    A Trainer works on a network object that must conform to the following API:

    - ``network.params``: dict name -> ndarray. The optimizer updates these arrays in place, so
      they must be the arrays the network computes with.
    - ``network.gradient(x, t, copy=False)``: runs a training-mode forward and backward pass on
      the batch and returns a dict with the same keys and shapes as ``params``. The arrays may be
      reused by the next call (``copy=False``).
    - ``network.last_loss``: float, the loss of the forward pass of the last ``gradient`` call
      (read right after it, so the step costs one forward pass, not two).
    - ``network.accuracy(x, t)``: float in [0, 1], in test mode.
    - optional ``network.output_size`` (int, the number of classes, used to check the labels;
      otherwise max label + 1) and ``network.dtype`` (the inputs are converted to it; float32 if
      absent).
    - with ``patience`` only: ``network.get_state()`` returning a snapshot of everything training
      changes (weights and batch-norm running statistics) and ``network.set_state(snapshot)``.

    :class:`dlhelpers.network.MultiLayerNet` conforms.

    Parameters
    ----------
    network : object following the API above
    x_train, t_train : arrays, (N, D) inputs and (N,) class indices or (N, C) one-hot labels
        The data the steps are taken on.
    x_val, t_val : arrays or None, keyword only
        Validation data: recorded as ``history['val_acc']`` after every epoch and the only data
        early stopping looks at. Always measured on all of it.
    x_test, t_test : arrays or None, keyword only
        Test data, for reporting only: ``history['test_acc']`` per epoch is there to be plotted
        and is never used for a decision (early stopping watches validation data).
    epochs : int >= 0
        Epochs per :meth:`train` call. Each epoch visits a fresh random permutation without
        replacement in ``max(N // mini_batch_size, 1)`` iterations: every sample exactly once when
        ``mini_batch_size`` divides N, otherwise the ``N % mini_batch_size`` left over are skipped
        in that epoch (a different few each epoch).
    mini_batch_size : int >= 1
    optimizer : str or Optimizer
        A name ('sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam') or an instance.
    optimizer_param : dict
        Keyword arguments for the named optimizer, e.g. ``{'lr': 0.01}``.
    evaluate_sample_num_per_epoch : int >= 1 or None
        Train and test accuracy are measured on this many leading samples (None: all).
    seed : int, np.random.Generator or None
        Source of the batch order.
    verbose : bool
        Print one line per epoch and the stop reason, if any.
    patience : int >= 1 or None
        Early stopping (needs validation data) by :class:`dlhelpers.early_stopping.EarlyStopping`:
        an epoch improves if its validation accuracy is strictly greater than that of every
        earlier epoch, epoch 0 (before training) included; after ``patience`` epochs in a row
        without improvement training stops and the network's state (weights and batch-norm
        running statistics) of the best epoch is restored.
    lr_schedule : callable or None
        ``lr_schedule(epoch) -> lr``, applied at the start of each epoch (epoch counts from 0).
    max_iterations : int >= 1 or None
        Each :meth:`train` call stops after exactly this many iterations (the book's "2000
        iterations" experiments); ``epochs`` is then ignored.
    progress : bool
        Show a tqdm progress bar (a widget in notebooks, text in a terminal).
    record_update_ratios : bool
        Record, per weight matrix (2-D parameter) and iteration, ||update|| / ||W|| in
        ``history['update_ratio']`` (about 1e-3 is healthy).
    blas_threads : int or None
        BLAS threads while training (1 is fastest for small matrices); None leaves BLAS alone.
    raise_on_divergence : bool
        Raise :class:`TrainingDiverged` instead of stopping quietly with ``stop_reason`` set.

    Attributes
    ----------
    history : dict
        'train_loss' (one float per iteration); 'train_acc', 'val_acc', 'test_acc' (index e =
        after epoch e, index 0 = before training; empty lists for data not given); 'lr' (per
        epoch started); 'update_ratio' (dict weight name -> list per iteration).
    epoch, iteration : int
        Epochs completed and steps taken so far.
    stop_reason : str or None
        Why training ended early (divergence or early stop), None otherwise.
    diverged : bool
    best_epoch : int or None
        With ``patience``: the epoch whose state the network has after an early stop.

    Calling :meth:`train` again continues where the last call stopped: the epoch and iteration
    counters, the optimizer's state (momenta, ...), the batch order of a half-finished epoch, the
    early-stopping record and the history all carry on, so two calls of 5 epochs give the same
    network and history as one call of 10. After a divergence or an early stop training is over:
    a further call raises RuntimeError.
    """

    def __init__(self, network, x_train, t_train, *positional, x_val=None, t_val=None, x_test=None,
                 t_test=None, epochs=20, mini_batch_size=100, optimizer="sgd", optimizer_param=None,
                 evaluate_sample_num_per_epoch=None, seed=None, verbose=True, patience=None,
                 lr_schedule=None, max_iterations=None, progress=True, record_update_ratios=False,
                 blas_threads=1, raise_on_divergence=False):
        if positional:
            raise TypeError("Trainer takes validation and test data by keyword, e.g. "
                            "Trainer(net, x_train, t_train, x_val=x_val, t_val=t_val) or "
                            "x_test=..., t_test=...: a 4th positional argument is ambiguous "
                            "(validation data drives early stopping, test data only reports)")
        self._check_network(network, needs_state=patience is not None)
        self.network = network
        self._dtype = getattr(network, "dtype", np.float32)  # the inputs are converted to it once
        self.x_train, self.t_train = self._checked(network, x_train, t_train, "train", self._dtype)
        self.x_val, self.t_val = self._checked(network, x_val, t_val, "val", self._dtype)
        self.x_test, self.t_test = self._checked(network, x_test, t_test, "test", self._dtype)
        self.epochs = check_int(epochs, "epochs", 0)
        self.mini_batch_size = check_int(mini_batch_size, "mini_batch_size", 1)
        self.evaluate_sample_num = check_int(evaluate_sample_num_per_epoch, "evaluate_sample_num_per_epoch",
                                             1, allow_none=True)
        self.max_iterations = check_int(max_iterations, "max_iterations", 1, allow_none=True,
                                        hint="(None trains for `epochs` epochs)")
        self.patience = check_int(patience, "patience", 1, allow_none=True,
                                  hint="(None switches early stopping off)")
        if patience is not None and x_val is None:
            raise ValueError("early stopping needs validation data: pass x_val and t_val "
                             "(never stop on the test set)")
        self.lr_schedule = check_callable(lr_schedule, "lr_schedule", "epoch -> lr", allow_none=True)
        self.blas_threads = check_int(blas_threads, "blas_threads", 1, allow_none=True)
        optimizer_param = check_dict(optimizer_param, "optimizer_param", "{'lr': 0.01}", allow_none=True)
        self.optimizer = make_optimizer(optimizer, **optimizer_param)
        self.rng = check_rng(seed, "seed")
        self.verbose = check_bool(verbose, "verbose")
        self.progress = check_bool(progress, "progress")
        self.record_update_ratios = check_bool(record_update_ratios, "record_update_ratios")
        self.raise_on_divergence = check_bool(raise_on_divergence, "raise_on_divergence")
        self.iter_per_epoch = max(len(self.x_train) // self.mini_batch_size, 1)
        self._start_record()

    def _start_record(self):
        """Empty history, counters at zero, no stop: the state before the first step."""
        self.history = {"train_loss": [], "train_acc": [], "val_acc": [], "test_acc": [], "lr": [],
                        "update_ratio": {}}
        self.early_stopping = EarlyStopping(self.patience) if self.patience is not None else None
        self.stop_reason = None
        self.diverged = False
        self.epoch = 0
        self.iteration = 0
        self.best_epoch = None
        self._best_state = None
        self._first_loss = None
        self._order = None  # the current epoch's permutation; None between epochs
        self._batch_in_epoch = 0

    # ------------------------------------------------------------------ checks
    @staticmethod
    def _check_network(network, needs_state):
        needed = ["params", "gradient", "accuracy"] + (["get_state", "set_state"] if needs_state else [])
        missing = [name for name in needed if not hasattr(network, name)]
        if missing:
            raise TypeError(f"the network lacks {missing}; the Trainer needs params, "
                            "gradient(x, t, copy=False) setting last_loss, accuracy(x, t) and, for "
                            "early stopping, get_state()/set_state() (see the Trainer docstring)")

    @staticmethod
    def _checked(network, x, t, suffix, dtype):
        """Check one data set; messages name the argument (x_train, t_val, ...)."""
        x_name, t_name = f"x_{suffix}", f"t_{suffix}"
        if x is None and t is None:
            return None, None
        if x is None or t is None:
            given, other = (x_name, t_name) if t is None else (t_name, x_name)
            raise ValueError(f"{given} was given without {other}: pass both or neither")
        x = check_array(x, x_name, min_ndim=2, allow_inf=False, allow_empty=False)
        n_features = getattr(network, "input_size", None)
        if n_features is not None and int(np.prod(x.shape[1:])) != n_features:
            raise ValueError(f"{x_name} has shape {x.shape}, but the network takes {n_features} "
                             "features per sample; pass (N, input_size) rows")
        if x.dtype != dtype:
            x = x.astype(dtype)
        n_classes = getattr(network, "output_size", None)
        if n_classes is None:
            labels = check_array(t, t_name, allow_empty=False, allow_nan=False, allow_inf=False)
            n_classes = int(np.max(labels)) + 1
        t = check_labels(t, len(x), n_classes, name=t_name)
        return x, t

    # ------------------------------------------------------------------ one step
    def train_step(self, x_batch=None, t_batch=None):
        """One step: a batch, its gradient, a divergence check, the update, the record; returns the loss.

        Without arguments the batch is the next one of this epoch's shuffled training data (the
        step :meth:`train` repeats); a batch passed in is checked first (shapes, labels, finite
        values). If the loss is NaN, infinite or explodes (above max(100 x the first loss, 50))
        the update is skipped and ``diverged`` and ``stop_reason`` are set (or
        :class:`TrainingDiverged` is raised).
        """
        self._check_not_over("train_step")
        if x_batch is None and t_batch is None:
            x_batch, t_batch = self._next_batch()
        else:
            x_batch, t_batch = self._checked(self.network, x_batch, t_batch, "batch", self._dtype)
        grads = self.network.gradient(x_batch, t_batch, copy=False)   # forward, loss, backward
        loss = float(self.network.last_loss)
        self.iteration += 1
        self.history["train_loss"].append(loss)
        if self._first_loss is None:
            self._first_loss = loss
        if self._loss_diverged(loss):
            self._stop_diverged(loss)
            return loss
        before = self._weights_before_update() if self.record_update_ratios else None
        self.optimizer.update(self.network.params, grads)
        if before is not None:
            self._record_update_ratios(before)
        return loss

    def _check_not_over(self, method):
        if self.stop_reason is not None:
            raise CallOrderError(f"{method}() was called after training ended ({self.stop_reason}); "
                                 "build a new Trainer (and network) to train again")

    def _loss_diverged(self, loss):
        limit = max(DIVERGENCE_FACTOR * self._first_loss, DIVERGENCE_FLOOR)
        return not math.isfinite(loss) or not math.isfinite(limit) or loss > limit

    def _next_batch(self):
        """The next batch of the current epoch's permutation (a new permutation once it is used up)."""
        if self._order is None or self._batch_in_epoch == self.iter_per_epoch:
            self._start_epoch()
        i, b = self._batch_in_epoch, self.mini_batch_size
        idx = self._order[i * b:(i + 1) * b]
        self._batch_in_epoch += 1
        return np.take(self.x_train, idx, axis=0), np.take(self.t_train, idx, axis=0)

    def _start_epoch(self):
        if self.lr_schedule is not None:
            self.optimizer.lr = check_positive(self.lr_schedule(self.epoch), f"lr_schedule({self.epoch})",
                                               hint="The schedule must return a learning rate > 0.")
        self.history["lr"].append(self.optimizer.lr)
        self._order = self.rng.permutation(len(self.x_train))
        self._batch_in_epoch = 0

    # ------------------------------------------------------------------ the loop
    def train(self, epochs=None):
        """Train for ``epochs`` more epochs (default: the constructor's) and return ``history``.

        With ``max_iterations`` set, train exactly that many more iterations instead. A second
        call continues where the first stopped (see the class docstring).
        """
        self._check_not_over("train")
        epochs = self.epochs if epochs is None else check_int(epochs, "epochs", 0)
        done, total = self._plan(epochs)
        with blas_thread_limit(self.blas_threads), _progress_bar(self.progress, total) as bar:
            if not self.history["train_acc"]:  # epoch 0: before any training
                self._evaluate()
                self._watch_validation()
            while self.stop_reason is None and not done():
                loss = self.train_step()
                bar.update(1)
                if self.diverged:
                    break
                if self._batch_in_epoch == self.iter_per_epoch:
                    self._end_epoch(bar, loss)
        return self.history

    def _plan(self, epochs):
        """(done, total): a test "has this call trained enough?" and the iterations it will take."""
        if self.max_iterations is not None:
            end = self.iteration + self.max_iterations
            return (lambda: self.iteration >= end), self.max_iterations
        end = self.epoch + epochs
        done_in_epoch = self._batch_in_epoch if self._order is not None else 0
        return (lambda: self.epoch >= end), max(epochs * self.iter_per_epoch - done_in_epoch, 0)

    def _end_epoch(self, bar, loss):
        self._order = None
        self.epoch += 1
        self._evaluate()
        bar.set_postfix(epoch=self.epoch, loss=f"{loss:.3f}")
        self._watch_validation()

    def _evaluate(self):
        """Accuracy on each data set given, appended to the history (and printed if verbose)."""
        n = self.evaluate_sample_num
        net = self.network
        parts = []
        for role, x, t, limit in (("train", self.x_train, self.t_train, n),
                                  ("val", self.x_val, self.t_val, None),
                                  ("test", self.x_test, self.t_test, n)):
            if x is None:
                continue
            acc = net.accuracy(x[:limit], t[:limit])
            self.history[f"{role}_acc"].append(acc)
            parts.append(f"{role} acc {acc:.3f}")
        if self.verbose:
            print(f"epoch {self.epoch:3d}: " + ", ".join(parts))

    def _watch_validation(self):
        """Early stopping: save the state of a new best epoch; stop and restore it when told to."""
        rule = self.early_stopping
        if rule is None:
            return
        stop = rule.update(self.epoch, self.history["val_acc"][-1])
        if rule.improved:
            self.best_epoch = self.epoch
            self._best_state = self.network.get_state()
        if stop:
            self.network.set_state(self._best_state)
            self.stop_reason = (f"early stop after epoch {self.epoch}: validation accuracy has not "
                                f"improved for {rule.patience} epochs; restored the weights of epoch "
                                f"{rule.best_epoch} (val acc {rule.best_score:.3f})")
            if self.verbose:
                print(self.stop_reason)

    # ------------------------------------------------------------------ step helpers
    def _weights_before_update(self):
        return {k: v.copy() for k, v in self.network.params.items() if np.ndim(v) == 2}

    def _record_update_ratios(self, before):
        for key, old in before.items():
            new = self.network.params[key]
            ratio = float(np.linalg.norm(new - old) / (np.linalg.norm(old) + 1e-12))
            self.history["update_ratio"].setdefault(key, []).append(ratio)

    def _stop_diverged(self, loss):
        self.diverged = True
        self.stop_reason = divergence_message(self.iteration, self.epoch + 1, loss, self.optimizer.lr)
        if self.raise_on_divergence:
            raise TrainingDiverged(self.stop_reason)
        if self.verbose:
            print(self.stop_reason)


class _NoBar:
    """Stands in for a progress bar when none is shown."""

    def update(self, n=1):
        pass

    def set_postfix(self, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _progress_bar(show, total):
    """A tqdm bar over ``total`` iterations (closed on exit), or a do-nothing stand-in."""
    if not show or total <= 0:
        return _NoBar()
    from tqdm.auto import tqdm
    return tqdm(total=total, desc="training", unit="it", leave=False)
