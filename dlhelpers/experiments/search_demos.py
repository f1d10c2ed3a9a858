"""Notebook 06's experiments: the trial that trains one short run, and the search figures.

Everything a trial needs is importable from here, so the search can send it to worker
processes (see :mod:`dlhelpers.search`).
"""
import numpy as np

from ..data import load_mnist
from ..network import MultiLayerNet
from ..training import Trainer
from ..utils import train_val_split

_DATA = {}


def search_data(n_samples=500, val_fraction=0.2, split_seed=0):
    """The first ``n_samples`` training images, shuffled and split into train / validation.

    Returns (x_train, t_train), (x_val, t_val): with the defaults 400 and 100 samples. The test
    set is never touched by a search. Cached per process.
    """
    key = (n_samples, val_fraction, split_seed)
    if key not in _DATA:
        (x, t), _ = load_mnist()
        _DATA[key] = train_val_split(x[:n_samples], t[:n_samples], val_fraction, rng=split_seed)
    return _DATA[key]


def mnist_trial(params, seed, n_samples=500, epochs=10, hidden_size_list=(100,) * 6,
                batch_size=100, weight_init_std="he", dropout_ratio=0.0, val_fraction=0.2):
    """One short training run scored by validation accuracy (the trial function of notebook 06).

    params : dict with 'lr' and 'weight_decay' (and optionally 'weight_init_std', 'dropout_ratio').
    seed : int, the trial's own seed (weights, batch order, dropout masks).

    Returns a dict: 'score' (final validation accuracy), 'val_acc' and 'train_acc' per epoch
    (epoch 0 = before training), 'train_loss' per iteration, 'diverged' (bool).
    """
    (x_train, t_train), (x_val, t_val) = search_data(n_samples, val_fraction)
    init = params.get("weight_init_std", weight_init_std)
    dropout = float(params.get("dropout_ratio", dropout_ratio))
    net = MultiLayerNet(784, list(hidden_size_list), 10, weight_init_std=init,
                        weight_decay_lambda=float(params.get("weight_decay", 0.0)),
                        use_dropout=dropout > 0, dropout_ratio=dropout, seed=seed)
    # The validation split plays the Trainer's "test" role: the real test set stays untouched.
    trainer = Trainer(net, x_train, t_train, x_val, t_val, epochs=epochs, mini_batch_size=batch_size,
                      optimizer="sgd", optimizer_param={"lr": float(params["lr"])}, seed=seed,
                      verbose=False, progress=False, blas_threads=1)
    history = trainer.train()
    val_acc = [float(a) for a in history["test_acc"]]
    return {"score": val_acc[-1], "val_acc": val_acc,
            "train_acc": [float(a) for a in history["train_acc"]],
            "train_loss": [float(v) for v in history["train_loss"]],
            "diverged": bool(trainer.diverged)}
