"""Training recipes for the playgrounds: a small net trained on the bundled MNIST sample.

:func:`train_small_net` is the one training run every notebook's training playground repeats;
:func:`draw_training_run` its figure. The controls that call them live in :mod:`dlhelpers.widgets`.
"""
from dataclasses import dataclass, field

import numpy as np

from .checks import check_dict, check_fraction, check_int
from .data import load_mnist_cached
from .network import MultiLayerNet
from .playground_result import PlaygroundResult
from .plotting import DIVERGED_COLOR, draw_ghost, mark_diverged, plot_accuracy, plot_loss_curves  # noqa: F401
from .training import Trainer


def mnist_sample(n_train=1000, n_test=500):
    """Leading ``n_train`` training and ``n_test`` test images of the loaded MNIST data.

    Returns (x_train, t_train, x_test, t_test): (n, 784) float32 in [0, 1] and (n,) int labels,
    views into :func:`dlhelpers.data.load_mnist_cached` (do not modify them). The bundled
    sample's order is class-balanced, so any leading slice has about n/10 images per class.
    """
    n_train = check_int(n_train, "n_train", 1, hint="(a number of images)")
    n_test = check_int(n_test, "n_test", 1, hint="(a number of images)")
    (x, t), (xt, tt) = load_mnist_cached()
    if n_train > len(x) or n_test > len(xt):
        raise ValueError(f"asked for n_train={n_train} training / n_test={n_test} test images, but the loaded data "
                         f"has {len(x)} / {len(xt)}; ask for fewer")
    return x[:n_train], t[:n_train], xt[:n_test], tt[:n_test]


@dataclass
class TrainingRun(PlaygroundResult):
    """One playground training: the Trainer's history, final accuracies and a status line.

    Attributes (besides ``message`` and ``diverged``): ``history`` (the Trainer's),
    ``final_train_acc`` and ``final_test_acc`` (after the last epoch trained), ``trainer``.
    """

    history: dict = field(default_factory=dict)
    final_train_acc: float = float("nan")
    final_test_acc: float = float("nan")
    trainer: object = field(default=None, repr=False)

    @classmethod
    def from_trainer(cls, trainer):
        history = trainer.history
        train_acc, test_acc = history["train_acc"][-1], history["test_acc"][-1]
        message = trainer.stop_reason or f"final train acc {train_acc:.3f}, test acc {test_acc:.3f}"
        return cls(message=message, diverged=trainer.diverged, history=history,
                   final_train_acc=train_acc, final_test_acc=test_acc, trainer=trainer)


def train_small_net(lr=0.1, weight_init_std="he", dropout_ratio=0.0, hidden_size_list=(50, 50),
                    n_train=1000, n_test=500, epochs=8, mini_batch_size=100, optimizer="sgd",
                    activation="relu", use_batchnorm=False, weight_decay_lambda=0.0,
                    optimizer_param=None, seed=0):
    """Train a small MultiLayerNet on the bundled sample; returns a :class:`TrainingRun`.

    The test images are only reported (``history['test_acc']``), never used for a decision.
    Defaults train in well under a second on two cores.
    """
    dropout_ratio = check_fraction(dropout_ratio, "dropout_ratio", hint="(0 switches dropout off)")
    optimizer_param = check_dict(optimizer_param, "optimizer_param", "{'momentum': 0.9}", allow_none=True)
    x, t, xt, tt = mnist_sample(n_train, n_test)
    net = MultiLayerNet(784, hidden_size_list, 10, activation=activation,
                        weight_init_std=weight_init_std, weight_decay_lambda=weight_decay_lambda,
                        use_dropout=dropout_ratio > 0, dropout_ratio=dropout_ratio,
                        use_batchnorm=use_batchnorm, seed=seed)
    params = {"lr": lr, **optimizer_param}
    trainer = Trainer(net, x, t, x_test=xt, t_test=tt, epochs=epochs, mini_batch_size=mini_batch_size,
                      optimizer=optimizer, optimizer_param=params, seed=seed, verbose=False,
                      progress=False)
    trainer.train()
    return TrainingRun.from_trainer(trainer)


def draw_training_run(run, values=None, previous=None, title=None):
    """Loss per iteration (left) and train/test accuracy per epoch (right).

    ``previous`` (the last run, or None) is drawn first as a faint grey ghost, so a change of a
    control shows what it did. A diverged run is marked in red.
    """
    import matplotlib.pyplot as plt
    for name, value in (("run", run), ("previous", previous)):
        if not (value is None and name == "previous") and not isinstance(getattr(value, "history", None), dict):
            raise TypeError(f"{name} must be a TrainingRun (from train_small_net), got {type(value).__name__}")
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(8.4, 3.0))
    if previous is not None and getattr(previous, "history", None):
        _draw_ghost(previous.history, ax_loss, ax_acc)
    losses = np.asarray(run.history["train_loss"], dtype=float)
    plot_loss_curves({"train loss": losses}, ax=ax_loss, smooth=5)
    if len(losses) and np.isfinite(losses).all() and losses.max() > 20 * max(losses.min(), 1e-3):
        ax_loss.set_yscale("log")
    plot_accuracy(run.history, ax=ax_acc)
    if run.diverged:
        for ax in (ax_loss, ax_acc):
            mark_diverged(ax)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _draw_ghost(history, ax_loss, ax_acc):
    """The previous run's curves in the shared ghost style, labelled 'previous' once per axes."""
    losses = np.asarray(history["train_loss"], dtype=float)
    if len(losses):
        draw_ghost(ax_loss, np.arange(len(losses)), losses)
    for key in ("train_acc", "test_acc"):
        if history.get(key):
            draw_ghost(ax_acc, np.arange(len(history[key])), history[key],
                       label="previous" if key == "train_acc" else None)
