"""Train several networks side by side on the same mini-batches (the book's comparison experiments).

Used by notebook 02 (optimizers: same net, different update rules) and notebook 03 (same
optimizer, different weight initializations). Every network sees exactly the same sequence of
mini-batches, so the curves differ only by what the comparison varies.
"""
import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm

from ..data import load_mnist
from ..network import MultiLayerNet
from ..optimizers import make_optimizer
from ..plotting import PALETTE
from ..parallel import blas_thread_limit
from ..utils import smooth_curve

__all__ = ["ComparisonResult", "compare_on_mnist", "plot_comparison"]


class ComparisonResult:
    """Outcome of :func:`compare_on_mnist`.

    Attributes
    ----------
    losses : dict name -> ndarray, shape (iterations,)
        Mini-batch training loss at every iteration (measured in the forward pass of that step).
    train_acc, test_acc : dict name -> float
        Accuracy after the last iteration on the training and test sets.
    networks : dict name -> MultiLayerNet
        The trained networks.
    """

    def __init__(self, losses, train_acc, test_acc, networks, iterations):
        self.losses = losses
        self.train_acc = train_acc
        self.test_acc = test_acc
        self.networks = networks
        self.iterations = iterations

    def final_loss(self, name, window=100):
        """Mean of the last ``window`` mini-batch losses (less noisy than the very last one)."""
        return float(np.mean(self.losses[name][-window:]))

    def summary(self):
        """One line per network: smoothed final loss and train/test accuracy, rounded."""
        width = max(len(n) for n in self.losses)
        lines = [f"{'':{width}}  final loss  train acc  test acc"]
        for name in self.losses:
            lines.append(f"{name:{width}}  {self.final_loss(name):10.3f}  {self.train_acc[name]:9.2f}"
                         f"  {self.test_acc[name]:8.2f}")
        return "\n".join(lines)


def compare_on_mnist(configs, iterations=2000, mini_batch_size=128, hidden_size_list=(100, 100, 100, 100),
                     seed=0, progress=False, data=None, blas_threads=1):
    """Train one MultiLayerNet per config on the same mini-batches and record the losses.

    Parameters
    ----------
    configs : dict name -> dict
        Each dict may hold ``optimizer`` (name or instance, default 'sgd'), ``optimizer_param``
        (e.g. ``{'lr': 0.01}``) and any keyword of :class:`MultiLayerNet` (``weight_init_std``,
        ``activation``, ...). Unset network keywords use the book's setting: ReLU and He init.
    iterations : int
        Number of updates per network (the book uses 2000).
    mini_batch_size : int
        Mini-batch size (the book uses 128); batches are drawn without replacement within a batch.
    hidden_size_list : sequence of int
        Hidden layers (the book: four layers of 100 units).
    seed : int
        Seeds both the batch order and every network's initial weights, so networks with the same
        init start from identical weights.
    data : tuple or None
        ``((x_train, t_train), (x_test, t_test))``; None loads the bundled MNIST sample.

    Returns
    -------
    ComparisonResult
    """
    (x_train, t_train), (x_test, t_test) = data if data is not None else load_mnist()
    networks, optimizers, losses = {}, {}, {}
    for name, cfg in configs.items():
        cfg = dict(cfg)
        opt = cfg.pop("optimizer", "sgd")
        opt_param = cfg.pop("optimizer_param", {})
        net_kwargs = {"activation": "relu", "weight_init_std": "he", **cfg}
        networks[name] = MultiLayerNet(784, list(hidden_size_list), 10, seed=seed, **net_kwargs)
        optimizers[name] = make_optimizer(opt, **opt_param)
        losses[name] = np.empty(iterations)
    rng = np.random.default_rng(seed)
    bar = None
    if progress:
        bar = tqdm(total=iterations, desc="training", unit="it", leave=False)
    n = len(x_train)
    with blas_thread_limit(blas_threads):
        for i in range(iterations):
            idx = rng.choice(n, mini_batch_size, replace=False)
            x_batch = np.take(x_train, idx, axis=0)
            t_batch = np.take(t_train, idx, axis=0)
            for name, net in networks.items():
                grads = net.gradient(x_batch, t_batch, copy=False)
                losses[name][i] = net.last_loss
                optimizers[name].update(net.params, grads)
            if bar is not None:
                bar.update(1)
        train_acc = {name: net.accuracy(x_train, t_train) for name, net in networks.items()}
        test_acc = {name: net.accuracy(x_test, t_test) for name, net in networks.items()}
    if bar is not None:
        bar.close()
    return ComparisonResult(losses, train_acc, test_acc, networks, iterations)


def plot_comparison(result, ax=None, window=51, title="Training loss (smoothed)", ylim=(0, 2.5),
                    markers="osD^vx<>"):
    """Smoothed mini-batch loss per iteration, one line per network (raw curves faint behind)."""
    ax = ax or plt.gca()
    for i, (name, values) in enumerate(result.losses.items()):
        color = PALETTE[i % len(PALETTE)]
        x = np.arange(1, len(values) + 1)
        ax.plot(x, values, color=color, alpha=0.12, linewidth=0.6)
        ax.plot(x, smooth_curve(values, window), color=color, linewidth=1.6, label=name,
                marker=markers[i % len(markers)], markevery=max(len(values) // 10, 1), markersize=4)
    ax.set(title=title, xlabel="iteration", ylabel="loss", ylim=ylim)
    ax.legend(ncol=2)
    return ax
