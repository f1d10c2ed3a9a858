"""Notebook 04's claims, asserted on seeded runs with the functions and settings it uses.

Every number the prose cites is asserted here to the digits it is printed with, so a change in the
engine that moves a number fails a test instead of leaving a sentence untrue.
"""
import numpy as np
import pytest

from dlhelpers.experiments import batchnorm as bn_exp

printed = lambda value: pytest.approx(value, abs=5e-4)  # a number printed with 3 decimals


@pytest.fixture(scope="module")
def init_grid():
    """Section 5 of notebook 04: lr 0.1, 10 epochs, 16 scales, 1000 images."""
    return bn_exp.run_init_scale_grid(bn_exp.BOOK_STDS, lr=0.1, epochs=10, progress=False)


@pytest.fixture(scope="module")
def book_grid():
    """Section 5's table: the book's settings (lr 0.01, 20 epochs) on a subset of the scales."""
    return bn_exp.run_init_scale_grid(bn_exp.BOOK_STDS[list(bn_exp.BOOK_SUBSET)], lr=0.01, epochs=20,
                                      progress=False)


@pytest.fixture(scope="module")
def lr_comparison():
    return bn_exp.learning_rate_comparison(lrs=(0.01, 0.1, 1.0), progress=False)


def _at(grid, std):
    return int(np.argmin(np.abs(grid["stds"] - std)))


# ----------------------------------------------------------------------------- sections 1-2
def test_without_bn_the_spread_shrinks_per_layer_and_with_bn_it_stays_one():
    spread = bn_exp.preactivation_spread(weight_init_std=0.01)
    plain = [a.std() for a in spread["plain"]]
    assert all(later < earlier / 10 for earlier, later in zip(plain, plain[1:]))  # "more than ten per layer"
    assert np.allclose([a.std() for a in spread["normalized"]], 1.0, atol=0.01)


def test_a_relu_after_bn_fires_for_about_half_not_exactly_half():
    shares = bn_exp.fraction_positive(bn_exp.preactivation_spread(weight_init_std=0.01))
    assert [round(s, 3) for s in shares] == [0.495, 0.501, 0.504, 0.498, 0.499]
    assert all(abs(s - 0.5) < 0.01 for s in shares) and any(round(s, 3) != 0.5 for s in shares)


def test_gamma_and_beta_can_undo_the_normalization():
    assert bn_exp.undo_check() < 1e-12


# ----------------------------------------------------------------------------- section 3
def test_running_statistics_settle_on_the_true_values_within_30_batches():
    demo = bn_exp.running_stats_demo()
    assert np.allclose(demo["running_mean"][30], demo["means"], atol=0.1 * np.sqrt(demo["vars"]) + 0.05)
    assert np.allclose(demo["running_mean"][-20:].mean(0), demo["means"], atol=0.05 * np.sqrt(demo["vars"]))
    assert np.allclose(demo["running_var"][-20:].mean(0), demo["vars"], rtol=0.1)
    assert 0.9 ** 6.6 == pytest.approx(0.5, abs=0.01)  # "halves every 6.6 batches"


def test_test_mode_on_a_single_sample_matches_the_running_statistics_and_training_mode_refuses():
    demo = bn_exp.running_stats_demo()
    layer = demo["layer"]
    x_one = np.array([[4.0, -0.5, 2.0]])
    out = bn_exp.single_sample_outputs(layer, x_one)
    by_hand = (x_one - layer.running_mean) / np.sqrt(layer.running_var + layer.eps)
    assert np.allclose(out["test"], by_hand) and np.allclose(out["formula"], by_hand)
    assert "needs at least 2 values per feature" in out["train"]  # training mode refuses a batch of one
    assert "output would be beta" in out["train"]
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


# ----------------------------------------------------------------------------- section 4
def test_backward_passes_the_numerical_check_and_the_bias_before_bn_has_zero_gradient():
    layer_report = bn_exp.layer_gradient_check()
    assert layer_report.passed and set(layer_report) == {"x", "gamma", "beta"}
    report = bn_exp.network_gradient_check()
    assert report.passed, str(report)
    for name in report:
        if name in ("b1", "b2"):
            assert report.zero[name] and report.max_analytic[name] < 1e-12 and report.max_numeric[name] < 1e-9
        else:
            assert not report.zero[name] and report[name] < 1e-7 and report.max_analytic[name] > 1e-3


def test_the_staged_backward_derived_in_the_notebook_is_the_compact_formula(rng):
    """Section 4's table, stage by stage, gives the layer's compact dx (and the reference passes the checker)."""
    from dlhelpers.exercises import nb04, references
    x = rng.normal(1.0, 2.0, size=(7, 3))
    gamma, beta, dout = rng.uniform(0.5, 2, 3), rng.normal(size=3), rng.standard_normal((7, 3))
    _, c = nb04.batchnorm_forward_staged(x, gamma, beta)
    m = x.shape[0]
    dbeta, dgamma, dx_hat = dout.sum(0), (dout * c["x_hat"]).sum(0), gamma * dout      # stage 8
    d_inv, dx_mu = (dx_hat * c["x_mu"]).sum(0), dx_hat * c["inv_std"]                   # stage 7
    d_std = -d_inv / c["std"] ** 2                                                     # stage 6
    d_var = d_std / (2 * c["std"])                                                     # stage 5
    d_sq = np.full_like(x, 1.0) * d_var / m                                            # stage 4
    dx_mu = dx_mu + 2 * c["x_mu"] * d_sq                                               # stage 3
    dx, d_mu = dx_mu.copy(), -dx_mu.sum(0)                                             # stage 2
    dx = dx + d_mu / m                                                                 # stage 1
    compact_dx, compact_dgamma, compact_dbeta = references.batchnorm_backward(dout, x, gamma)
    assert np.allclose(dx, compact_dx, atol=1e-12)
    assert np.allclose(dgamma, compact_dgamma) and np.allclose(dbeta, compact_dbeta)


def test_scaling_the_weights_that_feed_bn_keeps_the_loss_and_divides_the_gradient():
    inv = bn_exp.weight_scale_invariance(scale=10.0)
    assert round(inv["loss_before"], 4) == round(inv["loss_after"], 4) == 2.6154
    for name in ("W1", "W2", "W3"):
        assert round(inv["grad_ratio"][name], 3) == 0.100 and round(inv["step_ratio"][name], 3) == 0.010
    assert round(inv["grad_ratio"]["W4"], 3) == 1.000  # the output layer has no BN after it


# ----------------------------------------------------------------------------- section 5
def test_bn_learns_at_every_one_of_the_16_scales_at_lr_01_and_the_plain_net_at_two(init_grid):
    grid = init_grid
    assert np.allclose(grid["stds"], np.logspace(0, -4, 16))
    assert bn_exp.count_learned(grid, threshold=0.5) == (16, 2)
    assert bn_exp.learned_scales(grid, "plain") == pytest.approx([0.158, 0.0858], rel=0.01)  # neighbours
    assert grid["stds"][_at(grid, 0.158)] / grid["stds"][_at(grid, 0.0858)] == pytest.approx(1.85, abs=0.01)
    assert list(grid["stds"][grid["plain_diverged"]]) == pytest.approx([1.0, 0.541, 0.293], rel=0.01)
    assert not grid["bn_diverged"].any()
    assert grid["plain_stop"][0].split(": the loss")[0] == "Training stopped at iteration 2 (epoch 1)"
    assert grid["bn"][:, -1].min() == printed(0.663)
    # where the plain net neither learned nor diverged, it stays at chance (about 11 %)
    stuck = ~grid["plain_diverged"] & (grid["plain"][:, -1] <= 0.5)
    assert stuck.sum() == 11 and np.all(np.abs(grid["plain"][stuck, -1] - 0.11) < 0.02)


def test_the_book_settings_table_matches_the_prose(init_grid, book_grid):
    fast, book = init_grid, book_grid
    assert list(book["stds"]) == pytest.approx(list(bn_exp.BOOK_STDS[list(bn_exp.BOOK_SUBSET)]))
    # without BN the window moves with the learning rate
    assert fast["plain_diverged"][_at(fast, 0.293)] and book["plain"][_at(book, 0.293), -1] == printed(0.984)
    assert fast["plain"][_at(fast, 0.0858), -1] == printed(0.777)
    assert book["plain"][_at(book, 0.0858), -1] == printed(0.252)
    assert book["plain_diverged"][_at(book, 1.0)]
    for std in (0.0136, 0.00117, 1e-4):  # below the window: chance at both settings
        assert abs(fast["plain"][_at(fast, std), -1] - 0.11) < 0.02
        assert abs(book["plain"][_at(book, std), -1] - 0.11) < 0.02
    # with BN: the middle scales learn well at both settings, the ends are slow at the book's
    for std in (0.0858, 0.0136, 0.00117):
        assert fast["bn"][_at(fast, std), -1] > 0.85 and book["bn"][_at(book, std), -1] > 0.85
    assert book["bn"][_at(book, 1.0), -1] == printed(0.457)
    assert book["bn"][_at(book, 1e-4), -1] == printed(0.217)
    assert fast["bn"][_at(fast, 1.0), -1] == printed(0.819)
    assert fast["bn"][_at(fast, 1e-4), -1] == printed(0.690)
    assert book["bn"][_at(book, 1e-4), -1] > 0.15  # above chance, far from done
    table = bn_exp.format_settings_comparison(fast, book)
    assert table.count("diverged") == 3 and "0.217" in table


# ----------------------------------------------------------------------------- section 6
def test_bn_reaches_90_percent_in_fewer_epochs_at_the_default_scale(lr_comparison):
    bn, plain = lr_comparison["bn"][1], lr_comparison["plain"][1]  # He init, lr 0.1
    assert bn_exp.epochs_to_reach(bn["train_acc"], 0.9) == 2
    assert bn_exp.epochs_to_reach(plain["train_acc"], 0.9) == 4
    for bn, plain in zip(lr_comparison["bn"], lr_comparison["plain"]):  # faster at every rate
        assert bn["train_acc"][-1] > plain["train_acc"][-1]


def test_bn_tolerates_a_learning_rate_at_which_the_plain_net_diverges(lr_comparison):
    bn, plain = lr_comparison["bn"][2], lr_comparison["plain"][2]  # lr 1
    assert plain["diverged"] and "learning rate" in plain["stop_reason"]
    assert plain["stop_reason"].startswith("Training stopped at iteration 9 (epoch 1)")
    assert not bn["diverged"] and bn_exp.epochs_to_reach(bn["train_acc"], 1.0) == 6  # "100 % by epoch 6"
