"""Notebook 05's claims, asserted on seeded runs with the functions and settings it uses."""
import numpy as np
import pytest

from dlhelpers.experiments import overfitting as overfit



NB05_SETTINGS = {  # notebook 05, Section 1 (book setting: 300 images, 6 x 100, SGD 0.01, 200 epochs)
    "no regularization": {},
    "weight decay 0.1": {"weight_decay_lambda": 0.1},
    "dropout 0.15": {"dropout_ratio": 0.15, "return_params": True},
    "dropout 0.3": {"dropout_ratio": 0.3},
    "early stopping": {"patience": 20},
}


@pytest.fixture(scope="module")
def nb05_runs():
    return overfit.run_settings(NB05_SETTINGS, progress=False)


def test_300_images_overfit_with_a_large_gap(nb05_runs):
    base = nb05_runs["no regularization"]
    assert base["settings"]["n_train"] == 300 and base["settings"]["hidden_size_list"] == (100,) * 6
    assert base["settings"]["lr"] == 0.01 and base["settings"]["epochs"] == 200
    assert min(base["train_acc"][-10:]) == 1.0
    assert overfit.gap(base) > 0.15 and base["final_test_acc"] < 0.85


def test_weight_decay_and_dropout_shrink_the_gap(nb05_runs):
    base_gap = overfit.gap(nb05_runs["no regularization"])
    assert overfit.gap(nb05_runs["weight decay 0.1"]) < base_gap - 0.03
    assert overfit.gap(nb05_runs["dropout 0.15"]) < base_gap - 0.03
    assert overfit.gap(nb05_runs["dropout 0.3"]) < overfit.gap(nb05_runs["dropout 0.15"])
    # weight decay keeps the weights small; training no longer reaches 100 %
    assert nb05_runs["weight decay 0.1"]["weight_sq"] < nb05_runs["no regularization"]["weight_sq"] / 2.5
    assert nb05_runs["weight decay 0.1"]["train_acc"][-1] < 0.97
    # the notebook's honest caveat: at lr 0.01, dropout 0.3 has not fitted its training set in 200 epochs
    assert nb05_runs["dropout 0.3"]["train_acc"][-1] < 0.8


def test_early_stopping_stops_where_the_rule_says_and_restores_the_best_weights(nb05_runs):
    base, stopped = nb05_runs["no regularization"], nb05_runs["early stopping"]
    stop, best = overfit.early_stop_epoch(base["val_acc"], patience=20)  # same run, watched
    assert stop is not None and stop < 150
    assert len(stopped["val_acc"]) - 1 == stop and stopped["best_epoch"] == best
    assert stopped["val_acc"] == base["val_acc"][:stop + 1]
    assert f"restored the weights of epoch {best}" in stopped["stop_reason"]
    # the training-validation gap opens: validation flattens while training goes on to 100 %
    assert base["train_acc"][-1] - base["val_acc"][-1] > 0.15


def test_weight_decay_formulas_in_the_network(mnist_sample):
    (x, t), _ = mnist_sample
    lam = 0.1
    plain = dlhelpers_net(0.0)
    decayed = dlhelpers_net(lam)
    penalty = lam / 2 * sum(np.sum(decayed.params[k] ** 2) for k in ("W1", "W2"))
    assert np.isclose(decayed.loss(x[:20], t[:20]) - plain.loss(x[:20], t[:20]), penalty)
    g0, g1 = plain.gradient(x[:20], t[:20]), decayed.gradient(x[:20], t[:20])
    for k in ("W1", "W2"):
        assert np.allclose(g1[k] - g0[k], lam * decayed.params[k])
    assert np.allclose(g1["b1"], g0["b1"])


def dlhelpers_net(lam):
    from dlhelpers import MultiLayerNet
    return MultiLayerNet(784, [50], 10, seed=1, weight_decay_lambda=lam, dtype=np.float64)


def test_both_dropout_forms_match_their_test_output_on_average():
    forms = overfit.dropout_forms_demo(ratio=0.5)
    for name in ("book", "inverted"):
        assert np.allclose(forms[f"mean_{name}"], forms[f"test_{name}"], rtol=0.03)
        kept = forms[f"train_{name}"] != 0
        assert 0 < kept.sum() < kept.size
    assert np.allclose(forms["test_inverted"], forms["x"])
    assert np.allclose(forms["test_book"], 0.5 * forms["x"])
    assert np.allclose(forms["train_inverted"], 2 * forms["train_book"])  # same mask, scaled by 1/(1-p)


def test_dropout_behaves_like_an_ensemble_of_thinned_networks(nb05_runs):
    net = overfit.rebuild_net(nb05_runs["dropout 0.15"])
    reading = overfit.ensemble_reading(net)
    assert reading["ensemble_acc"][-1] > reading["single_masked_acc"] + 0.1
    assert abs(reading["ensemble_acc"][-1] - reading["test_mode_acc"]) < 0.03
    assert reading["agreement"] > 0.85
    assert reading["ensemble_acc"][0] < reading["ensemble_acc"][-1]
