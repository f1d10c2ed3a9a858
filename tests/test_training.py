"""The Trainer: data roles, history bookkeeping, divergence stop, early stopping, resuming,
schedules, update ratios, progress bar and argument checks."""
import numpy as np
import pytest

from dlhelpers.early_stopping import EarlyStopping, early_stop_epoch
from dlhelpers.network import MultiLayerNet
from dlhelpers import training
from dlhelpers.optimizers import StepDecay
from dlhelpers.parallel import blas_thread_limit
from dlhelpers.training import Trainer, TrainingDiverged


def make_trainer(data, n_train=300, hidden=(30,), use_batchnorm=False, **kwargs):
    (x_train, t_train), (x_test, t_test) = data
    net = MultiLayerNet(784, list(hidden), 10, use_batchnorm=use_batchnorm, seed=kwargs.pop("net_seed", 0))
    options = dict(epochs=3, mini_batch_size=50, optimizer="sgd", optimizer_param={"lr": 0.1},
                   seed=0, verbose=False, progress=False, x_test=x_test[:200], t_test=t_test[:200])
    options.update(kwargs)
    return Trainer(net, x_train[:n_train], t_train[:n_train], **options)


class ScriptedNet:
    """Follows the Trainer's network API; its loss follows a script and it records each batch.

    The inputs are sample ids (one feature), so the batches show which samples were visited.
    """

    output_size = 3

    def __init__(self, losses=None):
        self.params = {"W": np.zeros((1, 3), np.float32)}
        self.losses = list(losses) if losses is not None else None
        self.batches = []
        self.last_loss = None

    def gradient(self, x, t, copy=False):
        self.batches.append(x[:, 0].astype(int))
        step = len(self.batches) - 1
        self.last_loss = self.losses[step] if self.losses and step < len(self.losses) else 1.0
        return {"W": np.zeros((1, 3), np.float32)}

    def accuracy(self, x, t):
        return 0.5


def scripted_trainer(n=12, losses=None, **kwargs):
    ids = np.arange(n, dtype=np.float32).reshape(n, 1)
    options = dict(epochs=3, mini_batch_size=4, seed=0, verbose=False, progress=False)
    options.update(kwargs)
    return Trainer(ScriptedNet(losses), ids, np.arange(n) % 3, **options)


def test_history_lengths_and_learning(mnist_sample):
    trainer = make_trainer(mnist_sample, epochs=3)
    history = trainer.train()
    assert trainer.iter_per_epoch == 6
    assert len(history["train_loss"]) == 3 * 6
    assert len(history["train_acc"]) == len(history["test_acc"]) == 3 + 1  # before training + per epoch
    assert history["lr"] == [0.1, 0.1, 0.1]
    assert history["val_acc"] == [] and history["update_ratio"] == {}
    assert trainer.stop_reason is None and not trainer.diverged
    assert all(0 <= a <= 1 for a in history["train_acc"])
    assert np.mean(history["train_loss"][-6:]) < np.mean(history["train_loss"][:3])
    assert history["train_acc"][-1] > history["train_acc"][0] + 0.2


def test_max_iterations_gives_exactly_that_many_losses(mnist_sample):
    trainer = make_trainer(mnist_sample, epochs=100, max_iterations=14)
    history = trainer.train()
    assert len(history["train_loss"]) == 14 and trainer.iteration == 14
    assert trainer.epoch == 2  # 6 iterations per epoch: two whole epochs and 2 steps of the third
    assert len(history["train_acc"]) == 2 + 1  # a partial epoch is not evaluated
    assert len(history["lr"]) == 3  # ... but it was started


def test_every_epoch_visits_every_sample_exactly_once():
    trainer = scripted_trainer(n=12, epochs=4, mini_batch_size=4)
    trainer.train()
    batches = trainer.network.batches
    assert len(batches) == 4 * 3 and all(len(b) == 4 for b in batches)
    epochs = [np.concatenate(batches[3 * e:3 * e + 3]) for e in range(4)]
    for order in epochs:
        assert sorted(order) == list(range(12))  # no repeats, none missed, in EVERY epoch
    assert len({tuple(order) for order in epochs}) == 4  # a fresh permutation per epoch


def test_a_remainder_is_skipped_without_repeats():
    trainer = scripted_trainer(n=14, epochs=3, mini_batch_size=4)  # 3 batches of 4; 2 left over
    trainer.train()
    batches = trainer.network.batches
    for e in range(3):
        order = np.concatenate(batches[3 * e:3 * e + 3])
        assert len(set(order)) == 12 and set(order) <= set(range(14))


def test_data_roles_are_kept_apart(mnist_sample):
    (x_train, t_train), (x_test, t_test) = mnist_sample
    x_val, t_val = x_train[1000:1100], t_train[1000:1100]
    trainer = make_trainer(mnist_sample, epochs=2, x_val=x_val, t_val=t_val)
    history = trainer.train()
    net = trainer.network
    assert len(history["train_acc"]) == len(history["val_acc"]) == len(history["test_acc"]) == 3
    assert history["val_acc"][-1] == net.accuracy(x_val, t_val)
    assert history["test_acc"][-1] == net.accuracy(x_test[:200], t_test[:200])
    only_val = make_trainer(mnist_sample, epochs=1, x_test=None, t_test=None, x_val=x_val, t_val=t_val)
    only_val.train()
    assert len(only_val.history["val_acc"]) == 2 and only_val.history["test_acc"] == []


def test_a_positional_fourth_argument_is_refused(mnist_sample):
    (x, t), _ = mnist_sample
    net = MultiLayerNet(784, [10], 10, seed=0)
    with pytest.raises(TypeError, match="by keyword.*x_val=x_val"):
        Trainer(net, x[:100], t[:100], x[100:200], t[100:200], progress=False)


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


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_nan_or_infinite_loss_stops_at_once(bad):
    # the loss never passes the "too large" threshold first: only the finiteness check catches it
    trainer = scripted_trainer(losses=[2.3, 2.2, bad, 2.0, 1.9], epochs=3)
    trainer.train()
    assert trainer.diverged and trainer.iteration == 3
    assert f"iteration 3 (epoch 1): the loss became {bad:.4g}" in trainer.stop_reason
    assert np.isnan(trainer.history["train_loss"][-1]) == np.isnan(bad)


def test_a_nan_first_loss_stops_at_once():
    trainer = scripted_trainer(losses=[float("nan"), 2.3, 2.2], epochs=3)
    trainer.train()
    assert trainer.diverged and trainer.iteration == 1


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
    assert best == int(np.argmax(val))  # the first epoch reaching the maximum, epoch 0 included
    assert stopped_at - best == 3  # no improvement for exactly `patience` epochs
    assert val[-1] < val[best]  # the last weights were worse ...
    assert trainer.network.accuracy(x_val, t_val) == val[best]  # ... and the best ones are back
    assert f"epoch {best}" in trainer.stop_reason
    with pytest.raises(RuntimeError, match="after training ended"):
        trainer.train()


def test_early_stopping_restores_batchnorm_running_statistics(mnist_sample):
    (x_train, t_train), _ = mnist_sample
    x_val = x_train[1000:1200]
    t_val = np.random.default_rng(0).integers(0, 10, 200)  # random labels: patience runs out
    options = dict(hidden=(20,), use_batchnorm=True, epochs=40, optimizer_param={"lr": 0.5},
                   x_val=x_val, t_val=t_val)
    stopped = make_trainer(mnist_sample, patience=3, **options)
    stopped.train()
    best = stopped.best_epoch
    assert stopped.stop_reason.startswith("early stop") and best is not None
    # the same run without early stopping, up to the best epoch: the state to be restored
    replay = make_trainer(mnist_sample, **{**options, "epochs": best})
    replay.train()
    want, got = replay.network.get_state(), stopped.network.get_state()
    for key in want["params"]:
        np.testing.assert_array_equal(got["params"][key], want["params"][key])
    for name, (mean, var) in want["running_stats"].items():
        if best > 0:
            assert mean is not None
        np.testing.assert_array_equal(got["running_stats"][name][0], mean)
        np.testing.assert_array_equal(got["running_stats"][name][1], var)


@pytest.mark.parametrize("curve, patience, expected", [
    ([0.5, 0.4, 0.45, 0.3], 3, (3, 0)),          # epoch 0 counts: nothing beats it
    ([0.1, 0.5, 0.5, 0.5], 2, (3, 1)),           # a tie is no improvement
    ([0.1, 0.5, 0.4, 0.6, 0.5, 0.5], 3, (None, 3)),
    ([0.1, 0.2, 0.3], 1, (None, 2)),
])
def test_early_stopping_rule(curve, patience, expected):
    assert early_stop_epoch(curve, patience) == expected
    rule = EarlyStopping(patience)
    fired = [rule.update(epoch, score) for epoch, score in enumerate(curve)]
    assert rule.best_epoch == expected[1]
    assert (fired.index(True) if True in fired else None) == expected[0]


@pytest.mark.parametrize("patience", [0, -1, 2.5, True, None])
def test_early_stopping_patience_is_checked(patience):
    with pytest.raises((ValueError, TypeError), match="patience must be a positive integer"):
        EarlyStopping(patience)


def test_training_again_continues_where_it_stopped(mnist_sample):
    options = dict(hidden=(20,), optimizer="momentum", optimizer_param={"lr": 0.05})
    once = make_trainer(mnist_sample, epochs=5, **options)
    once.train()
    twice = make_trainer(mnist_sample, epochs=2, **options)
    twice.train()
    twice.train(epochs=3)
    assert twice.epoch == once.epoch == 5 and twice.iteration == once.iteration == 30
    for key in ("train_loss", "train_acc", "test_acc", "lr"):
        assert twice.history[key] == once.history[key], key
    for key, value in once.network.params.items():
        np.testing.assert_array_equal(twice.network.params[key], value)


def test_training_again_continues_a_half_finished_epoch(mnist_sample):
    whole = make_trainer(mnist_sample, epochs=100, max_iterations=15)
    whole.train()
    pieces = make_trainer(mnist_sample, epochs=100, max_iterations=5)
    for _ in range(3):
        pieces.train()
    assert pieces.iteration == 15 and pieces.epoch == whole.epoch == 2
    assert pieces.history["train_loss"] == whole.history["train_loss"]
    assert pieces.history["train_acc"] == whole.history["train_acc"]


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


def test_progress_bar_shows_iterations_epoch_and_loss(mnist_sample, capsys):
    trainer = make_trainer(mnist_sample, epochs=2, progress=True)
    trainer.train()
    err = capsys.readouterr().err
    assert "training" in err and "12/12" in err  # 2 epochs x 6 iterations, counted to the end
    last_loss = trainer.history["train_loss"][-1]
    assert "epoch=2" in err and f"loss={last_loss:.3f}" in err


def test_no_progress_bar_when_switched_off(mnist_sample, capsys):
    make_trainer(mnist_sample, epochs=1, progress=False).train()
    assert capsys.readouterr().err == ""


def test_train_step_is_the_book_step(mnist_sample):
    (x, t), _ = mnist_sample
    trainer = make_trainer(mnist_sample)
    before = trainer.network.copy_params()
    loss = trainer.train_step(x[:50], t[:50])
    assert trainer.iteration == 1 and trainer.history["train_loss"] == [loss]
    assert not np.array_equal(before["W1"], trainer.network.params["W1"])


def test_train_step_without_a_batch_is_the_step_train_repeats(mnist_sample):
    by_train, by_steps = make_trainer(mnist_sample, epochs=1), make_trainer(mnist_sample, epochs=1)
    by_train.train()
    with blas_thread_limit(1):   # as train() does: the same arithmetic
        losses = [by_steps.train_step() for _ in range(by_steps.iter_per_epoch + 2)]  # past the epoch's end
    assert losses[:by_steps.iter_per_epoch] == by_train.history["train_loss"]
    assert by_steps.history["lr"] == [0.1, 0.1]   # a used-up permutation is followed by a fresh one
    with blas_thread_limit(1):
        by_train.train_step(), by_train.train_step()
    assert by_steps.history["train_loss"] == by_train.history["train_loss"]
    for key, value in by_train.network.params.items():
        np.testing.assert_array_equal(by_steps.network.params[key], value)


def test_train_step_shows_the_whole_step():
    """What notebook 01 prints is the step itself: no private step, no special network class."""
    import inspect
    source = inspect.getsource(Trainer.train_step)
    for part in ("self.network.gradient(", "self._loss_diverged(loss)", "self.optimizer.update(",
                 'self.history["train_loss"].append(loss)'):
        assert part in source
    assert "_step(" not in source.replace("train_step(", "") and "MultiLayerNet" not in source
    assert "network import" not in inspect.getsource(training)   # the Trainer knows only the API


@pytest.mark.parametrize("kwargs, message", [
    (dict(epochs=-1), "epochs must be a non-negative integer, got -1"),
    (dict(epochs=2.5), "epochs must be a non-negative integer"),
    (dict(mini_batch_size=0), "mini_batch_size must be a positive integer, got 0"),
    (dict(mini_batch_size=True), "mini_batch_size must be a positive integer"),
    (dict(evaluate_sample_num_per_epoch=0), "evaluate_sample_num_per_epoch must be a positive integer or None"),
    (dict(max_iterations=-5), "max_iterations must be a positive integer or None"),
    (dict(patience=0), "patience must be a positive integer or None"),
    (dict(patience=3), "early stopping needs validation data: pass x_val and t_val"),
    (dict(x_val=np.zeros((5, 784))), "x_val was given without t_val"),
    (dict(t_test=None), "x_test was given without t_test"),
    (dict(lr_schedule=0.1), "lr_schedule must be a callable"),
    (dict(optimizer_param=0.1), "optimizer_param must be a dict"),
])
def test_arguments_are_checked_at_the_boundary(mnist_sample, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make_trainer(mnist_sample, **kwargs)


def test_data_is_checked(mnist_sample):
    (x, t), _ = mnist_sample
    net = MultiLayerNet(784, [10], 10, seed=0)
    with pytest.raises(ValueError, match=r"x_train is empty \(shape \(0, 784\)\)"):
        Trainer(net, x[:0], t[:0], progress=False)
    with pytest.raises(ValueError, match="t_train has 9 labels but there are 10 samples"):
        Trainer(net, x[:10], t[:9], progress=False)
    bad = x[:10].copy()
    bad[3, 5] = np.nan
    with pytest.raises(ValueError, match=r"x_val contains 1 NaN values"):
        Trainer(net, x[:10], t[:10], x_val=bad, t_val=t[:10], progress=False)
    with pytest.raises(TypeError, match="the network lacks"):
        Trainer(object(), x[:10], t[:10], progress=False)
    trainer = Trainer(net, x[:10], t[:10], progress=False, verbose=False)
    with pytest.raises(ValueError, match="epochs must be"):
        trainer.train(epochs=-1)


# ---------------------------------------------------------------- what mutation testing found unguarded
def test_a_fresh_early_stopping_rule_has_seen_nothing():
    rule = EarlyStopping(3)
    assert (rule.patience, rule.best_score, rule.best_epoch, rule.waited, rule.stopped_epoch,
            rule.improved) == (3, None, None, 0, None, False)
    assert rule.update(0, 0.5) is False and rule.stopped_epoch is None


def test_early_stopping_records_the_epoch_it_fired_at():
    rule = EarlyStopping(2)
    fired = [rule.update(e, s) for e, s in zip([0, 1, 2, 5], [0.3, 0.6, 0.2, 0.1])]
    assert fired == [False, False, False, True]
    assert rule.stopped_epoch == 5 and rule.best_epoch == 1 and rule.waited == 2


@pytest.mark.parametrize("call, message", [
    (lambda: EarlyStopping(0), "patience must be a positive integer, got 0. (a number of epochs)"),
    (lambda: EarlyStopping(2).update(0, float("nan")),
     "score must be a finite number, got nan. (epoch 0; early stopping needs finite scores)"),
    (lambda: (lambda r: (r.update(3, 0.1), r.update(3, 0.2)))(EarlyStopping(2)),
     "epoch 3 comes after epoch 3; pass one score per epoch in increasing epoch order"),
    (lambda: early_stop_epoch(np.ones((2, 2)), 2), r"scores must have 1 dimension(s), got shape (2, 2)"),
    (lambda: early_stop_epoch([0.1, float("nan")], 2), "scores contains 1 NaN values; clean or impute them first"),
    (lambda: early_stop_epoch([0.1, float("inf")], 2), "scores contains infinite values; clean them first"),
])
def test_early_stopping_messages_in_full(call, message):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert str(info.value) == message


def test_the_divergence_message_in_full():
    from dlhelpers.training import divergence_message
    assert divergence_message(12, 2, float("inf"), 5.0) == (
        "Training stopped at iteration 12 (epoch 2): the loss became inf. Likely cause: the learning "
        "rate (5) is too large for this network, so each step overshoots and the weights blow up. "
        "Try a learning rate 3-10x smaller; a very large weight-init std or no weight decay on a deep "
        "net can do the same.")


def test_the_update_ratio_is_the_step_over_the_weights(mnist_sample):
    trainer = make_trainer(mnist_sample, hidden=(20,), record_update_ratios=True)
    (x, t), _ = mnist_sample
    before = trainer.network.copy_params()
    trainer.train_step(x[:50], t[:50])
    after = trainer.network.params
    for key in ("W1", "W2"):
        expected = np.linalg.norm(after[key] - before[key]) / np.linalg.norm(before[key])
        assert trainer.history["update_ratio"][key] == [pytest.approx(expected, rel=1e-6)]
    assert set(trainer.history["update_ratio"]) == {"W1", "W2"}  # weight matrices only


def test_data_and_batches_are_converted_to_the_networks_dtype(mnist_sample):
    (x, t), _ = mnist_sample
    net64 = MultiLayerNet(784, [10], 10, seed=0, dtype=np.float64)
    trainer = Trainer(net64, x[:20].astype(np.float32), t[:20], progress=False, verbose=False)
    assert trainer.x_train.dtype == np.float64
    trainer32 = make_trainer(mnist_sample)
    assert trainer32.x_train.dtype == np.float32 and trainer32.x_test.dtype == np.float32


def test_the_trainer_asks_for_gradients_without_copies(mnist_sample):
    trainer = make_trainer(mnist_sample, hidden=(10,))
    seen = []
    original = trainer.network.gradient
    trainer.network.gradient = lambda x, t, copy=True: seen.append(copy) or original(x, t, copy=copy)
    trainer.train(epochs=1)
    assert seen and set(seen) == {False}


def test_the_divergence_limit_is_100_times_the_first_loss_or_50(mnist_sample):
    trainer = make_trainer(mnist_sample)
    trainer._first_loss = 2.0
    assert not trainer._loss_diverged(100.0) and not trainer._loss_diverged(200.0)
    assert trainer._loss_diverged(200.001) and trainer._loss_diverged(float("nan"))
    trainer._first_loss = 0.1  # the floor of 50 applies
    assert not trainer._loss_diverged(50.0) and trainer._loss_diverged(50.001)


def test_one_hot_labels_train_exactly_like_class_indices(mnist_sample):
    (x, t), (xt, tt) = mnist_sample
    data_onehot = ((x, np.eye(10)[t]), (xt, np.eye(10)[tt]))
    plain = make_trainer(mnist_sample, epochs=2).train()
    onehot = make_trainer(data_onehot, epochs=2).train()
    np.testing.assert_allclose(onehot["train_loss"], plain["train_loss"], rtol=1e-5)
    assert onehot["test_acc"] == plain["test_acc"]


def test_a_schedule_returning_a_bad_rate_is_named(mnist_sample):
    trainer = make_trainer(mnist_sample, lr_schedule=lambda epoch: 0.0)
    with pytest.raises(ValueError) as info:
        trainer.train()
    assert str(info.value) == ("lr_schedule(0) must be in (0, inf), got 0.0. "
                               "The schedule must return a learning rate > 0.")


def test_the_progress_bar_counts_the_iterations_left(mnist_sample, monkeypatch):
    import dlhelpers.training as training
    totals = []
    real = training._progress_bar
    monkeypatch.setattr(training, "_progress_bar", lambda show, total: totals.append(total) or real(False, total))
    trainer = make_trainer(mnist_sample, mini_batch_size=50)   # 300 samples: 6 iterations per epoch
    trainer.train(epochs=1)
    trainer.train(epochs=2)
    trainer.train(epochs=0)
    assert totals == [6, 12, 0] and trainer.iteration == 18


def test_mid_epoch_the_bar_counts_only_the_rest_of_the_epoch(mnist_sample, monkeypatch):
    import dlhelpers.training as training
    totals = []
    real = training._progress_bar
    monkeypatch.setattr(training, "_progress_bar", lambda show, total: totals.append(total) or real(False, total))
    trainer = make_trainer(mnist_sample, mini_batch_size=50)
    original, calls = trainer.network.gradient, []

    def gradient(x, t, copy=True):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt   # the reader stops the cell during the 3rd batch
        return original(x, t, copy=copy)
    trainer.network.gradient = gradient
    with pytest.raises(KeyboardInterrupt):
        trainer.train(epochs=1)
    trainer.train(epochs=1)    # continues with batches 4..6 of epoch 1
    assert totals == [6, 3] and trainer.epoch == 1 and trainer.iteration == 2 + 3


def test_a_bar_is_shown_only_for_work_to_do():
    from dlhelpers.training import _NoBar, _progress_bar
    assert isinstance(_progress_bar(True, 0), _NoBar) and isinstance(_progress_bar(False, 5), _NoBar)
    bar = _progress_bar(True, 1)
    assert not isinstance(bar, _NoBar)
    bar.close()


def test_verbose_training_prints_one_line_per_epoch_and_the_stop(mnist_sample, capsys):
    (x, t), _ = mnist_sample
    trainer = make_trainer(mnist_sample, epochs=1, verbose=True, x_val=x[:100], t_val=t[:100], patience=1,
                           optimizer_param={"lr": 1e-9})
    trainer.train(epochs=3)
    lines = capsys.readouterr().out.splitlines()
    acc = r"\d\.\d{3}"
    import re
    assert re.fullmatch(rf"epoch   0: train acc {acc}, val acc {acc}, test acc {acc}", lines[0]), lines[0]
    assert re.fullmatch(rf"epoch   1: train acc {acc}, val acc {acc}, test acc {acc}", lines[1]), lines[1]
    assert lines[-1] == trainer.stop_reason and lines[-1].startswith("early stop after epoch")


TINY_X = np.random.default_rng(0).standard_normal((20, 4))
TINY_T = np.arange(20) % 3


def tiny_trainer(network=None, **kwargs):
    options = {"progress": False, "verbose": False, **kwargs}
    return Trainer(network or MultiLayerNet(4, [5], 3, seed=0), TINY_X, TINY_T, **options)


@pytest.mark.parametrize("kwargs, message", [
    (dict(epochs=-1), "epochs must be a non-negative integer, got -1."),
    (dict(mini_batch_size=0), "mini_batch_size must be a positive integer, got 0."),
    (dict(evaluate_sample_num_per_epoch=0), "evaluate_sample_num_per_epoch must be a positive integer or None, got 0."),
    (dict(max_iterations=0), "max_iterations must be a positive integer or None, got 0. (None trains for `epochs` epochs)"),
    (dict(patience=0, x_val=TINY_X, t_val=TINY_T),
     "patience must be a positive integer or None, got 0. (None switches early stopping off)"),
    (dict(blas_threads=0), "blas_threads must be a positive integer or None, got 0."),
    (dict(lr_schedule=3), "lr_schedule must be a callable epoch -> lr or None, got an int (3)"),
    (dict(optimizer_param=[1]), "optimizer_param must be a dict such as {'lr': 0.01} or None, got a list ([1])"),
    (dict(seed="s"), "seed must be a non-negative integer, got a str ('s'). Pass a seed such as 0, a "
                     "np.random.Generator or None."),
    (dict(verbose="y"), "verbose must be True or False, got a str ('y')"),
    (dict(progress="y"), "progress must be True or False, got a str ('y')"),
    (dict(record_update_ratios="y"), "record_update_ratios must be True or False, got a str ('y')"),
    (dict(raise_on_divergence="y"), "raise_on_divergence must be True or False, got a str ('y')"),
    (dict(x_val=TINY_X), "x_val was given without t_val: pass both or neither"),
    (dict(t_test=TINY_T), "t_test was given without x_test: pass both or neither"),
    (dict(x_val=np.ones((20, 5)), t_val=TINY_T),
     "x_val has shape (20, 5), but the network takes 4 features per sample; pass (N, input_size) rows"),
    (dict(patience=2), "early stopping needs validation data: pass x_val and t_val (never stop on the test set)"),
])
def test_trainer_argument_messages_in_full(kwargs, message):
    with pytest.raises((ValueError, TypeError)) as info:
        tiny_trainer(**kwargs)
    assert str(info.value) == message


def test_the_smallest_settings_are_accepted():
    trainer = tiny_trainer(epochs=0, mini_batch_size=1, evaluate_sample_num_per_epoch=1, max_iterations=1,
                           patience=1, x_val=TINY_X, t_val=TINY_T, blas_threads=None, seed=0)
    trainer.train()
    assert trainer.iteration == 1 and trainer.iter_per_epoch == 20 and trainer.optimizer.lr == 0.01


class DuckNet:
    """A network with only what the Trainer needs: no dtype, input_size or output_size."""

    def __init__(self):
        self.inner = MultiLayerNet(4, [5], 3, seed=0, dtype=np.float64)
        self.params = self.inner.params
        self.seen = []

    def gradient(self, x, t, copy=False):
        self.seen.append((x.dtype, t.dtype, t.max()))
        grads = self.inner.gradient(x, t, copy=copy)
        self.last_loss = self.inner.last_loss
        return grads

    def accuracy(self, x, t):
        return self.inner.accuracy(x, t)


def test_a_duck_typed_network_gets_float32_inputs_and_inferred_classes():
    duck = DuckNet()
    trainer = tiny_trainer(duck, epochs=1, mini_batch_size=10)
    assert trainer.x_train.dtype == np.float32 and trainer.t_train.dtype.kind == "i"
    trainer.train()
    assert duck.seen and all(dx == np.float32 for dx, _, _ in duck.seen)
    with pytest.raises(ValueError, match=r"t_train must hold integer class indices"):
        Trainer(DuckNet(), TINY_X, TINY_T + 0.5, progress=False)
    with pytest.raises(ValueError, match=r"t_train contains 1 NaN values"):
        Trainer(DuckNet(), TINY_X, np.r_[np.nan, TINY_T[1:]], progress=False)


@pytest.mark.parametrize("patience, missing", [(None, "['params', 'gradient', 'accuracy']"),
                                               (2, "['get_state', 'set_state']")])
def test_the_network_contract_is_named(patience, missing):
    network = object() if patience is None else DuckNet()
    with pytest.raises(TypeError) as info:
        tiny_trainer(network, patience=patience, **({} if patience is None else dict(x_val=TINY_X, t_val=TINY_T)))
    assert str(info.value) == (f"the network lacks {missing}; the Trainer needs params, gradient(x, t, copy=False) "
                               "setting last_loss, accuracy(x, t) and, for early stopping, get_state()/set_state() "
                               "(see the Trainer docstring)")


def test_training_after_the_end_names_the_call(mnist_sample):
    trainer = make_trainer(mnist_sample, optimizer_param={"lr": 1e4}, epochs=2)
    trainer.train()
    assert trainer.diverged
    for call, name in ((trainer.train, "train"), (lambda: trainer.train_step(TINY_X, TINY_T), "train_step")):
        with pytest.raises(RuntimeError) as info:
            call()
        assert str(info.value) == (f"{name}() was called after training ended ({trainer.stop_reason}); build a new "
                                   "Trainer (and network) to train again")
