"""The Trainer: mini-batch training with history, progress bar, early stopping and a divergence stop."""
import math

import numpy as np

from .functions import check_labels
from .optimizers import make_optimizer
from .parallel import blas_thread_limit  # noqa: F401  (the one BLAS limiter; kept importable here)


class TrainingDiverged(RuntimeError):
    """Raised (with ``raise_on_divergence=True``) when the loss becomes NaN, infinite or explodes."""


def divergence_message(iteration, epoch, loss, lr):
    """The text shown when training is stopped because the loss blew up."""
    return (f"Training stopped at iteration {iteration} (epoch {epoch}): the loss became {loss:.4g}. "
            f"Likely cause: the learning rate ({lr:g}) is too large for this network, so each step "
            "overshoots and the weights blow up. Try a learning rate 3-10x smaller; a very large "
            "weight-init std or no weight decay on a deep net can do the same.")


class Trainer:
    """Train a network with mini-batch gradient descent and keep a history.

    Parameters
    ----------
    network : MultiLayerNet (or anything with params, gradient, loss, accuracy)
    x_train, t_train, x_test, t_test : arrays, (N, D) inputs and (N,) or (N, C) labels
    epochs : int
        Passes over the training set. Each epoch visits a fresh random permutation without
        replacement in ``max(N // mini_batch_size, 1)`` iterations.
    mini_batch_size : int
    optimizer : str or Optimizer
        A name ('sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam') or an instance.
    optimizer_param : dict
        Keyword arguments for the named optimizer, e.g. ``{'lr': 0.01}``.
    evaluate_sample_num_per_epoch : int or None
        Accuracy at each epoch end is measured on this many leading samples (None: all).
    seed : int, np.random.Generator or None
        Source of the batch order.
    verbose : bool
        Print one line per epoch and the stop reason, if any.
    x_val, t_val : arrays or None
        Validation data: enables ``val_acc`` in the history and early stopping.
    patience : int or None
        Stop when validation accuracy has not improved for this many epochs; the best weights
        are restored.
    lr_schedule : callable or None
        ``lr_schedule(epoch) -> lr``, applied at the start of each epoch.
    max_iterations : int or None
        Stop after exactly this many iterations (the book's "2000 iterations" experiments).
    progress : bool
        Show a tqdm progress bar (a widget in notebooks, text in a terminal).
    record_update_ratios : bool
        Record, per weight matrix and iteration, ||lr-scaled update|| / ||W|| in
        ``history['update_ratio']`` (about 1e-3 is healthy).
    blas_threads : int or None
        BLAS threads while training (1 is fastest for small matrices); None leaves BLAS alone.
    raise_on_divergence : bool
        Raise :class:`TrainingDiverged` instead of stopping quietly with ``stop_reason`` set.

    After :meth:`train`, ``history`` holds 'train_loss' (per iteration), 'train_acc', 'test_acc'
    (and 'val_acc') measured before training and after every epoch, 'lr' per epoch and
    'update_ratio'; ``stop_reason`` says why training ended early (None if it ran to the end).
    """

    def __init__(self, network, x_train, t_train, x_test, t_test, epochs=20, mini_batch_size=100,
                 optimizer="sgd", optimizer_param=None, evaluate_sample_num_per_epoch=None, seed=None,
                 verbose=True, x_val=None, t_val=None, patience=None, lr_schedule=None,
                 max_iterations=None, progress=True, record_update_ratios=False, blas_threads=1,
                 raise_on_divergence=False):
        self.network = network
        dtype = getattr(network, "dtype", np.float32)
        self.x_train, self.t_train = self._checked(network, x_train, t_train, "training", dtype)
        self.x_test, self.t_test = self._checked(network, x_test, t_test, "test", dtype)
        self.x_val = self.t_val = None
        if x_val is not None:
            self.x_val, self.t_val = self._checked(network, x_val, t_val, "validation", dtype)
        if not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
        if not isinstance(mini_batch_size, (int, np.integer)) or mini_batch_size < 1:
            raise ValueError(f"mini_batch_size must be a positive integer, got {mini_batch_size!r}")
        if patience is not None and x_val is None:
            raise ValueError("early stopping needs validation data: pass x_val and t_val "
                             "(never stop on the test set)")
        self.epochs = int(epochs)
        self.batch_size = int(mini_batch_size)
        self.optimizer = make_optimizer(optimizer, **(optimizer_param or {}))
        self.evaluate_sample_num = evaluate_sample_num_per_epoch
        self.rng = np.random.default_rng(seed)
        self.verbose = verbose
        self.patience = patience
        self.lr_schedule = lr_schedule
        self.max_iterations = max_iterations
        self.progress = progress
        self.record_update_ratios = record_update_ratios
        self.blas_threads = blas_threads
        self.raise_on_divergence = raise_on_divergence
        self.iter_per_epoch = max(len(self.x_train) // self.batch_size, 1)
        self.history = {"train_loss": [], "train_acc": [], "test_acc": [], "val_acc": [], "lr": [],
                        "update_ratio": {}}
        self.stop_reason = None
        self.diverged = False
        self.iteration = 0
        self.best_epoch = None

    @staticmethod
    def _checked(network, x, t, what, dtype):
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(f"{what} inputs must be (N, features), got shape {x.shape}")
        if x.dtype != dtype:
            x = x.astype(dtype)
        if not np.isfinite(x).all():
            raise ValueError(f"{what} inputs contain NaN or infinite values; clean them before training")
        t = check_labels(t, len(x), getattr(network, "output_size", None) or np.asarray(t).max() + 1,
                         name=f"{what} labels")
        return x, t

    # history shortcuts with the book's names
    @property
    def train_loss_list(self):
        return self.history["train_loss"]

    @property
    def train_acc_list(self):
        return self.history["train_acc"]

    @property
    def test_acc_list(self):
        return self.history["test_acc"]

    def _evaluate(self, epoch):
        n = self.evaluate_sample_num
        net = self.network
        train_acc = net.accuracy(self.x_train[:n], self.t_train[:n])
        test_acc = net.accuracy(self.x_test[:n], self.t_test[:n])
        self.history["train_acc"].append(train_acc)
        self.history["test_acc"].append(test_acc)
        line = f"epoch {epoch:3d}: train acc {train_acc:.3f}, test acc {test_acc:.3f}"
        if self.x_val is not None:
            val_acc = net.accuracy(self.x_val, self.t_val)
            self.history["val_acc"].append(val_acc)
            line += f", val acc {val_acc:.3f}"
        if self.verbose:
            print(line)

    def _record_update_ratios(self, before):
        for key, old in before.items():
            new = self.network.params[key]
            ratio = float(np.linalg.norm(new - old) / (np.linalg.norm(old) + 1e-12))
            self.history["update_ratio"].setdefault(key, []).append(ratio)

    def _stop_diverged(self, loss, epoch):
        self.diverged = True
        self.stop_reason = divergence_message(self.iteration, epoch, loss, self.optimizer.lr)
        if self.raise_on_divergence:
            raise TrainingDiverged(self.stop_reason)
        if self.verbose:
            print(self.stop_reason)

    def train(self):
        """Run the training loop; returns ``history``."""
        total = self.epochs * self.iter_per_epoch
        if self.max_iterations is not None:
            total = int(self.max_iterations)
            self.epochs = math.ceil(total / self.iter_per_epoch)
        bar = None
        if self.progress and total > 0:
            from tqdm.auto import tqdm
            bar = tqdm(total=total, desc="training", unit="it", leave=False)
        best_val, waited, best_params = -1.0, 0, None
        net = self.network
        with blas_thread_limit(self.blas_threads):
            self._evaluate(0)
            first_loss = None
            for epoch in range(1, self.epochs + 1):
                if self.lr_schedule is not None:
                    self.optimizer.lr = self.lr_schedule(epoch - 1)
                self.history["lr"].append(self.optimizer.lr)
                order = self.rng.permutation(len(self.x_train))
                for i in range(self.iter_per_epoch):
                    if self.iteration >= total:
                        break
                    idx = order[i * self.batch_size:(i + 1) * self.batch_size]
                    x_batch = np.take(self.x_train, idx, axis=0)
                    t_batch = np.take(self.t_train, idx, axis=0)
                    grads = net.gradient(x_batch, t_batch, copy=False)
                    loss = net.last_loss
                    self.iteration += 1
                    self.history["train_loss"].append(loss)
                    first_loss = loss if first_loss is None else first_loss
                    if not np.isfinite(loss) or loss > max(100 * first_loss, 50):
                        self._stop_diverged(loss, epoch)
                        break
                    before = ({k: v.copy() for k, v in net.params.items() if k.startswith("W")}
                              if self.record_update_ratios else None)
                    self.optimizer.update(net.params, grads)
                    if before is not None:
                        self._record_update_ratios(before)
                    if bar is not None:
                        bar.update(1)
                        if self.iteration % 20 == 0:
                            bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
                if self.diverged:
                    break
                self._evaluate(epoch)
                if self.x_val is not None and self.patience is not None:
                    val_acc = self.history["val_acc"][-1]
                    if val_acc > best_val:
                        best_val, waited, best_params = val_acc, 0, net.copy_params()
                        self.best_epoch = epoch
                    else:
                        waited += 1
                        if waited >= self.patience:
                            self.stop_reason = (f"early stop after epoch {epoch}: validation accuracy has not "
                                                f"improved for {self.patience} epochs; restored the weights "
                                                f"of epoch {self.best_epoch} (val acc {best_val:.3f})")
                            net.set_params(best_params)
                            if self.verbose:
                                print(self.stop_reason)
                            break
                if self.iteration >= total:
                    break
        if bar is not None:
            bar.close()
        return self.history
