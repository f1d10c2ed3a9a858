"""Notebook 04's claims, asserted on seeded runs with the functions and settings it uses."""
import numpy as np
import pytest

from dlhelpers.experiments import batchnorm as bn_exp



@pytest.fixture(scope="module")
def init_grid():
    """Section 5 of notebook 04 at its default settings (lr 0.1, 10 epochs, 16 scales, 1000 images)."""
    return bn_exp.run_init_scale_grid(bn_exp.BOOK_STDS, lr=0.1, epochs=10, progress=False)


@pytest.fixture(scope="module")
def lr_comparison():
    return bn_exp.learning_rate_comparison(lrs=(0.01, 0.1, 1.0), progress=False)


def test_bn_learns_at_most_of_the_16_init_scales_and_the_plain_net_at_few(init_grid):
    assert np.allclose(init_grid["stds"], np.logspace(0, -4, 16))
    with_bn, without_bn = bn_exp.count_learned(init_grid, threshold=0.5)
    assert with_bn >= 14
    assert without_bn <= 4
    # where the plain net fails it stays at chance (about 11 %)
    failed = init_grid["plain"][:, -1] <= 0.5
    assert np.all(init_grid["plain"][failed, -1] < 0.2)


def test_bn_reaches_90_percent_in_fewer_epochs_at_the_default_scale(lr_comparison):
    bn, plain = lr_comparison["bn"][1], lr_comparison["plain"][1]  # He init, lr 0.1
    bn_epochs = bn_exp.epochs_to_reach(bn["train_acc"], 0.9)
    plain_epochs = bn_exp.epochs_to_reach(plain["train_acc"], 0.9)
    assert bn_epochs is not None and plain_epochs is not None and bn_epochs < plain_epochs
    for bn, plain in zip(lr_comparison["bn"], lr_comparison["plain"]):  # faster at every rate
        assert bn["train_acc"][-1] > plain["train_acc"][-1]


def test_bn_tolerates_a_learning_rate_at_which_the_plain_net_diverges(lr_comparison):
    bn, plain = lr_comparison["bn"][2], lr_comparison["plain"][2]  # lr 1
    assert plain["diverged"] and "learning rate" in plain["stop_reason"]
    assert plain["stop_reason"].startswith("Training stopped at iteration")
    assert not bn["diverged"] and bn["train_acc"][-1] > 0.98


def test_without_bn_the_spread_shrinks_per_layer_and_with_bn_it_stays_one():
    spread = bn_exp.preactivation_spread(weight_init_std=0.01)
    plain = [a.std() for a in spread["plain"]]
    assert all(later < earlier / 5 for earlier, later in zip(plain, plain[1:]))
    assert np.allclose([a.std() for a in spread["normalized"]], 1.0, atol=0.01)


def test_gamma_and_beta_can_undo_the_normalization():
    assert bn_exp.undo_check() < 1e-12


def test_running_statistics_settle_on_the_true_values_within_30_batches():
    demo = bn_exp.running_stats_demo()
    assert np.allclose(demo["running_mean"][30], demo["means"], atol=0.1 * np.sqrt(demo["vars"]) + 0.05)
    assert np.allclose(demo["running_mean"][-20:].mean(0), demo["means"], atol=0.05 * np.sqrt(demo["vars"]))
    assert np.allclose(demo["running_var"][-20:].mean(0), demo["vars"], rtol=0.1)


def test_test_mode_on_a_single_sample_matches_the_running_statistics():
    demo = bn_exp.running_stats_demo()
    layer = demo["layer"]
    x_one = np.array([[4.0, -0.5, 2.0]])
    out = bn_exp.single_sample_outputs(layer, x_one)
    by_hand = (x_one - layer.running_mean) / np.sqrt(layer.running_var + layer.eps)
    assert np.allclose(out["test"], by_hand) and np.allclose(out["formula"], by_hand)
    assert "needs at least 2 values per feature" in out["train"]  # training mode refuses a batch of one
    assert np.array_equal(layer.running_mean, demo["running_mean"][-1])  # the demo left them alone


def test_a_trained_bn_net_answers_the_same_alone_and_in_a_batch(mnist_sample):
    net = bn_exp.train_bn_net()
    _, (x_test, t_test) = mnist_sample
    alone = net.predict(x_test[:1])
    in_batch = net.predict(x_test[:500])[:1]
    assert alone.argmax() == in_batch.argmax() and np.allclose(alone, in_batch, atol=1e-4)
    assert net.accuracy(x_test, t_test) > 0.8
    scores = bn_exp.batch_companion_noise(net, n_batches=10)
    assert 0.05 < scores.std(axis=0).max() < 3  # batch companions move the scores, mildly


def test_backward_passes_the_numerical_check_and_the_bias_before_bn_has_zero_gradient():
    assert all(err < 1e-7 for err in bn_exp.layer_gradient_check().values())
    report = bn_exp.network_gradient_check()
    assert report.passed, str(report)
    for name in report:
        if name in ("b1", "b2"):
            assert report.zero[name] and report.max_analytic[name] < 1e-12 and report.max_numeric[name] < 1e-9
        else:
            assert not report.zero[name] and report[name] < 1e-7 and report.max_analytic[name] > 1e-3
