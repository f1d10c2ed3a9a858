"""Notebook 04's claims, asserted on seeded runs with the functions and settings it uses.

Deterministic numbers (forward passes, gradient checks, float64 symmetries) are asserted to the
digits they are printed with. Lessons that rest on training are chaotic (another CPU's rounding is
another run), so they are asserted over the paired seeds the prose names, with margins, and must
hold with DLHELPERS_PERTURB=1 (every initial weight one float32 step off) as well as without.
"""
import numpy as np
import pytest

from dlhelpers.experiments import batchnorm as bn_exp

printed = lambda value: pytest.approx(value, abs=5e-4)  # a number printed with 3 decimals


SEEDS = (0, 1, 2)  # the paired seeds the notebook's prose speaks of


@pytest.fixture(scope="module")
def init_grids():
    """Section 5 of notebook 04: lr 0.1, 10 epochs, 16 scales, 1000 images, on each paired seed."""
    return [bn_exp.run_init_scale_grid(bn_exp.BOOK_STDS, lr=0.1, epochs=10, seed=s, progress=False) for s in SEEDS]


@pytest.fixture(scope="module")
def book_grids():
    """Section 5's table: the book's settings (lr 0.01, 20 epochs) on a subset of the scales."""
    return [bn_exp.run_init_scale_grid(bn_exp.BOOK_STDS[list(bn_exp.BOOK_SUBSET)], lr=0.01, epochs=20, seed=s,
                                       progress=False) for s in SEEDS]


@pytest.fixture(scope="module")
def lr_comparisons():
    return [bn_exp.learning_rate_comparison(lrs=(0.01, 0.1, 1.0), seed=s, progress=False) for s in SEEDS]


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
    assert 0.8 < net.accuracy(x_test, t_test) < 0.9  # "about 0.85"
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
def test_on_every_seed_bn_learns_across_the_grid_and_the_plain_net_at_two_scales(init_grids):
    for grid in init_grids:
        assert np.allclose(grid["stds"], np.logspace(0, -4, 16))
        assert bn_exp.learned_scales(grid, "plain") == pytest.approx([0.158, 0.0858], rel=0.01)  # neighbours
        assert list(grid["stds"][grid["plain_diverged"]]) == pytest.approx([1.0, 0.541, 0.293], rel=0.01)
        assert not grid["bn_diverged"].any()
        assert np.all(grid["bn"][grid["stds"] >= 0.002, -1] > 0.75)  # "above 75 % from 1 down to 0.002"
        assert np.all(grid["bn"][:, -1] > 0.2)                        # above chance at all 16
        stuck = ~grid["plain_diverged"] & (grid["plain"][:, -1] <= 0.5)  # the rest of the plain runs: chance
        assert stuck.sum() == 11 and np.all(np.abs(grid["plain"][stuck, -1] - 0.11) < 0.02)
    smallest = np.array([grid["bn"][-3:, -1] for grid in init_grids])
    assert np.all((smallest > 0.25) & (smallest < 0.97))  # "from about 0.3 to 0.9"
    assert np.ptp(smallest, axis=0).max() > 0.1            # ... and it varies from seed to seed
    assert grid["stds"][3] / grid["stds"][4] == pytest.approx(1.85, abs=0.01)  # "a factor of 1.85 apart"


def test_the_book_settings_table_matches_the_prose(init_grids, book_grids):
    for fast, book in zip(init_grids, book_grids):
        assert list(book["stds"]) == pytest.approx(list(bn_exp.BOOK_STDS[list(bn_exp.BOOK_SUBSET)]))
        # without BN the window moves with the learning rate
        assert fast["plain_diverged"][_at(fast, 0.293)] and book["plain"][_at(book, 0.293), -1] > 0.9
        assert fast["plain"][_at(fast, 0.0858), -1] > 0.5 and book["plain"][_at(book, 0.0858), -1] < 0.5
        assert book["plain_diverged"][_at(book, 1.0)]
        for std in (0.0136, 0.00117, 1e-4):  # below the window: chance at both settings
            assert abs(fast["plain"][_at(fast, std), -1] - 0.11) < 0.02
            assert abs(book["plain"][_at(book, std), -1] - 0.11) < 0.02
        # with BN: the middle scales learn well at both settings, the two ends are slow at the book's
        for std in (0.0858, 0.0136):
            assert fast["bn"][_at(fast, std), -1] > 0.75 and book["bn"][_at(book, std), -1] > 0.75  # "above 75 %"
        assert fast["bn"][_at(fast, 0.00117), -1] > 0.6 and book["bn"][_at(book, 0.00117), -1] > 0.6  # "above 60 %"
        assert book["bn"][_at(book, 1.0), -1] < 0.7 and book["bn"][_at(book, 1e-4), -1] < 0.4
        assert book["bn"][_at(book, 1e-4), -1] > 0.11  # above chance, far from done
        assert bn_exp.format_settings_comparison(fast, book).count("diverged") == 3


def test_eps_above_the_batch_variance_keeps_bn_from_restoring_the_spread():
    """The cause of the slow bottom end: at std 1e-4 the Affine outputs' variance is below eps = 1e-5."""
    spreads = {eps: [a.std() for a in bn_exp.preactivation_spread(weight_init_std=1e-4, eps=eps)["normalized"]]
               for eps in (1e-5, 1e-6, 1e-9)}
    plain = bn_exp.preactivation_spread(weight_init_std=1e-4)["plain"]
    assert f"{plain[0].var():.1g}" == "1e-06"  # below eps
    assert [f"{v:.2g}" for v in spreads[1e-5]] == ["0.23", "0.042", "0.0077", "0.0014", "0.00027"]
    assert [f"{v:.2g}" for v in spreads[1e-6]] == ["0.59", "0.33", "0.18", "0.11", "0.064"]
    assert all(later < earlier / 4 for earlier, later in zip(spreads[1e-5], spreads[1e-5][1:]))  # "about five"
    assert all(later > earlier / 3 for earlier, later in zip(spreads[1e-6], spreads[1e-6][1:]))  # "far more slowly"
    assert np.allclose(spreads[1e-9], 1.0, atol=0.02)  # an eps far below the variance: BN restores the spread


def test_a_smaller_eps_learns_faster_at_std_1e4_on_every_paired_seed():
    runs = bn_exp.eps_comparison(eps_values=(1e-5, 1e-6), weight_init_std=1e-4, seeds=SEEDS)
    d = bn_exp.paired_difference(*runs["scores"])
    assert d["wins"] == d["n"] == 3                 # "on every seed"
    assert d["diff"] > 3 * d["se"] and d["diff"] > 0.1
    assert 0.1 < d["mean_a"] < 0.35 and 0.33 < d["mean_b"] < 0.6  # "about 0.25 becomes about 0.4"


def test_paired_difference_and_its_argument_checks():
    d = bn_exp.paired_difference([0.1, 0.2, 0.3], [0.2, 0.4, 0.3])
    assert d["diff"] == pytest.approx(0.1) and d["wins"] == 2 and d["n"] == 3
    assert d["se"] == pytest.approx(np.std([0.1, 0.2, 0.0], ddof=1) / np.sqrt(3))
    with pytest.raises(ValueError, match="one score per seed"):
        bn_exp.paired_difference([0.1, 0.2], [0.1])


# ----------------------------------------------------------------------------- section 6
def test_bn_reaches_90_percent_no_later_and_tolerates_lr_1_on_every_seed(lr_comparisons):
    for comparison in lr_comparisons:
        bn, plain = comparison["bn"][1], comparison["plain"][1]  # He init, lr 0.1
        bn_epoch, plain_epoch = (bn_exp.epochs_to_reach(r["train_acc"], 0.9) for r in (bn, plain))
        assert bn_epoch is not None and bn_epoch <= 3 and (plain_epoch is None or bn_epoch <= plain_epoch)
        for bn, plain in zip(comparison["bn"], comparison["plain"]):  # faster at every rate
            assert bn["train_acc"][-1] > plain["train_acc"][-1]
        assert all(bn_exp.epochs_to_reach(r["train_acc"], 0.9) is None for r in (comparison["bn"][0], comparison["plain"][0]))
        bn, plain = comparison["bn"][2], comparison["plain"][2]  # lr 1
        # the plain net fails: its loss explodes (the Trainer stops it) or jumps and leaves it at chance
        assert plain["failure"] in ("diverged", "collapsed") and plain["train_acc"][-1] < 0.2
        if plain["diverged"]:
            assert "learning rate" in plain["stop_reason"] and "(epoch 1)" in plain["stop_reason"]
        assert not bn["diverged"] and bn["train_acc"][-1] >= 0.99  # "at or near 100 %"


# ----------------------------------------------------------------------------- section 8
def test_bn_collapses_at_mini_batch_2_and_layernorm_does_not_on_every_seed():
    norms = bn_exp.norm_batch_size_comparison(batch_sizes=(2, 4, 16, 64), seeds=SEEDS)
    bn, ln = norms["bn"], norms["ln"]
    assert np.all(ln[0] - bn[0] > 0.3)                   # batch 2, every seed
    assert np.all(bn[0] < 0.35) and np.all(ln[0] > 0.55)  # "about 0.2" against "near 0.7"
    for j in (2, 3):                                      # from batch 16 on: no ranking
        d = bn_exp.paired_difference(bn[j], ln[j])
        assert abs(d["diff"]) < 0.1 and np.all(bn[j] > 0.6)


def test_the_failure_rule_tells_a_collapse_from_a_run_that_did_not_learn():
    flat = {"train_loss": [2.30, 2.31, 2.30], "train_acc": [0.1, 0.11]}
    spiked = {"train_loss": [2.30, 6.0, 2.30], "train_acc": [0.1, 0.11]}
    learned = {"train_loss": [2.30, 6.0, 0.5], "train_acc": [0.1, 0.8]}
    assert bn_exp.run_failure(flat, False) is None
    assert bn_exp.run_failure(spiked, False) == "collapsed"
    assert bn_exp.run_failure(learned, False) is None
    assert bn_exp.run_failure(flat, True) == "diverged"


def test_the_experiments_module_imports_no_pyplot_or_widgets():
    """A worker process that runs init_scale_trial loads neither (the figures live in dlhelpers.figures)."""
    import subprocess
    import sys
    code = ("import sys, dlhelpers.experiments.batchnorm; "
            "print([m for m in ('matplotlib.pyplot', 'ipywidgets', 'dlhelpers.widgets') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
