"""The Trainer: history bookkeeping, divergence stop, early stopping, schedules, update ratios."""
import numpy as np
import pytest

from dlhelpers.network import MultiLayerNet
from dlhelpers.optimizers import StepDecay
from dlhelpers.training import Trainer, TrainingDiverged


def make_trainer(data, n_train=300, hidden=(30,), **kwargs):
    (x_train, t_train), (x_test, t_test) = data
    net = MultiLayerNet(784, list(hidden), 10, seed=kwargs.pop("net_seed", 0))
    options = dict(epochs=3, mini_batch_size=50, optimizer="sgd", optimizer_param={"lr": 0.1},
                   seed=0, verbose=False, progress=False)
    options.update(kwargs)
    return Trainer(net, x_train[:n_train], t_train[:n_train], x_test[:200], t_test[:200], **options)


def test_history_lengths_and_learning(mnist_sample):
    trainer = make_trainer(mnist_sample, epochs=3)
    history = trainer.train()
    assert trainer.iter_per_epoch == 6
    assert len(history["train_loss"]) == 3 * 6
    assert len(history["train_acc"]) == len(history["test_acc"]) == 3 + 1  # before training + per epoch
    assert history["lr"] == [0.1, 0.1, 0.1]
    assert history["val_acc"] == [] and history["update_ratio"] == {}
    assert trainer.stop_reason is None and not trainer.diverged
    assert trainer.train_loss_list is history["train_loss"]  # the book's names
    assert trainer.train_acc_list is history["train_acc"] and trainer.test_acc_list is history["test_acc"]
    assert all(0 <= a <= 1 for a in history["train_acc"])
    assert np.mean(history["train_loss"][-6:]) < np.mean(history["train_loss"][:3])
    assert history["train_acc"][-1] > history["train_acc"][0] + 0.2


def test_max_iterations_gives_exactly_that_many_losses(mnist_sample):
    trainer = make_trainer(mnist_sample, epochs=100, max_iterations=14)
    history = trainer.train()
    assert len(history["train_loss"]) == 14 and trainer.iteration == 14
    assert trainer.epochs == 3  # ceil(14 / 6)
    assert len(history["train_acc"]) == 3 + 1  # the partial last epoch is evaluated too


def test_each_epoch_visits_every_sample_once(mnist_sample):
    (x_train, t_train), _ = mnist_sample
    trainer = make_trainer(mnist_sample, n_train=120, epochs=2, mini_batch_size=40)
    seen = []
    original = trainer.network.gradient

    def spy(x, t, copy=True):
        seen.append(x.copy())
        return original(x, t, copy=copy)
    trainer.network.gradient = spy
    trainer.train()
    assert len(seen) == 6 and all(b.shape == (40, 784) for b in seen)
    first_epoch = np.concatenate(seen[:3])
    rows = {r.tobytes() for r in first_epoch}
    assert rows == {r.tobytes() for r in x_train[:120]}  # a permutation: no repeats, none missed


def test_divergence_stops_cleanly_with_a_message(mnist_sample, capsys):
    trainer = make_trainer(mnist_sample, hidden=(100, 100), epochs=5, mini_batch_size=10,
                           optimizer_param={"lr": 20.0}, verbose=True)
    history = trainer.train()  # no exception
    assert trainer.diverged
    n = trainer.iteration
    assert n < 5 * trainer.iter_per_epoch
    assert len(history["train_loss"]) == n
    last = history["train_loss"][-1]
    assert not np.isfinite(last) or last > 50
    assert f"iteration {n}" in trainer.stop_reason
    assert "learning rate (20)" in trainer.stop_reason and "too large" in trainer.stop_reason
    assert trainer.stop_reason in capsys.readouterr().out
    assert len(history["train_acc"]) == 1  # stopped inside epoch 1: only the initial evaluation


def test_divergence_can_raise(mnist_sample):
    trainer = make_trainer(mnist_sample, hidden=(100, 100), epochs=5, mini_batch_size=10,
                           optimizer_param={"lr": 20.0}, raise_on_divergence=True)
    with pytest.raises(TrainingDiverged, match=r"iteration \d+ .*learning rate \(20\)"):
        trainer.train()


def test_early_stopping_restores_the_best_weights(mnist_sample):
    (_, _), (x_test, _) = mnist_sample
    x_val = x_test[300:500]
    # random validation labels: validation accuracy wanders around 10 %, so patience must run out
    t_val = np.random.default_rng(0).integers(0, 10, 200)
    trainer = make_trainer(mnist_sample, epochs=60, mini_batch_size=30, optimizer_param={"lr": 0.5},
                           x_val=x_val, t_val=t_val, patience=3)
    history = trainer.train()
    assert trainer.stop_reason.startswith("early stop")
    val = history["val_acc"]
    stopped_at = len(val) - 1  # val[0] is measured before training
    assert stopped_at < 60
    best = trainer.best_epoch
    assert val[best] == max(val[1:])
    assert stopped_at - best == 3  # no improvement for exactly `patience` epochs
    assert val[-1] < val[best]  # the last weights were worse ...
    assert trainer.network.accuracy(x_val, t_val) == val[best]  # ... and the best ones are back
    assert f"epoch {best}" in trainer.stop_reason


def test_learning_rate_schedule_is_applied_per_epoch(mnist_sample):
    trainer = make_trainer(mnist_sample, epochs=4, lr_schedule=StepDecay(0.2, step_size=1, gamma=0.5))
    history = trainer.train()
    assert history["lr"] == pytest.approx([0.2, 0.1, 0.05, 0.025])
    assert trainer.optimizer.lr == pytest.approx(0.025)


def test_update_ratios_are_recorded_per_weight_matrix(mnist_sample):
    ratios = {}
    for lr in (0.01, 0.1):
        trainer = make_trainer(mnist_sample, hidden=(30, 20), epochs=1, record_update_ratios=True,
                               optimizer_param={"lr": lr})
        history = trainer.train()
        ratios[lr] = history["update_ratio"]
        assert sorted(ratios[lr]) == ["W1", "W2", "W3"]
        assert all(len(v) == trainer.iteration == 6 for v in ratios[lr].values())
        assert all(r > 0 for v in ratios[lr].values() for r in v)
    # same start, same first batch: the first SGD step is exactly 10x longer with a 10x learning rate
    for key in ("W1", "W2", "W3"):
        assert ratios[0.1][key][0] == pytest.approx(10 * ratios[0.01][key][0], rel=1e-3)


def test_evaluation_on_a_leading_subset(mnist_sample):
    trainer = make_trainer(mnist_sample, epochs=1, evaluate_sample_num_per_epoch=50)
    trainer.train()
    net = trainer.network
    assert trainer.history["train_acc"][-1] == net.accuracy(trainer.x_train[:50], trainer.t_train[:50])
    assert trainer.history["test_acc"][-1] == net.accuracy(trainer.x_test[:50], trainer.t_test[:50])


def test_same_seeds_reproduce_the_same_run(mnist_sample):
    a = make_trainer(mnist_sample, epochs=2).train()
    b = make_trainer(mnist_sample, epochs=2).train()
    c = make_trainer(mnist_sample, epochs=2, seed=1).train()
    assert a["train_loss"] == b["train_loss"]
    assert a["train_loss"] != c["train_loss"]


def test_blas_threads_are_limited_while_training_and_restored(mnist_sample):
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    before = blas_threads()
    if not before:
        pytest.skip("NumPy reports no BLAS library to limit")
    trainer = make_trainer(mnist_sample, epochs=1, blas_threads=1)
    during = []
    original = trainer.network.gradient

    def spy(x, t, copy=True):
        during.append(blas_threads())
        return original(x, t, copy=copy)
    trainer.network.gradient = spy
    trainer.train()
    assert during and all(threads == [1] * len(before) for threads in during)
    assert blas_threads() == before


def test_progress_bar_runs(mnist_sample):
    trainer = make_trainer(mnist_sample, epochs=1, progress=True)
    trainer.train()
    assert len(trainer.history["train_loss"]) == 6
