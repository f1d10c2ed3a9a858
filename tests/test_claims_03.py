"""Notebook 03's claims, asserted with the functions and settings the notebook uses.

Where the notebook writes an experiment out (the histogram loop, the deep tanh net's forward and
backward, the Leaky ReLU confirmation), the test runs that very cell, read from the notebook by
its cell id, so the prose and the test cannot drift apart.
"""
import contextlib
import io
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat
import numpy as np
import pytest

from dlhelpers import load_mnist
from dlhelpers.exercises import references as ref
from dlhelpers.experiments import init_activations as ia
from dlhelpers.figures import init_activations as figs

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_init_and_activations.ipynb"


def notebook_cells(*cell_ids, namespace=None):
    """Run the notebook's code cells with these ids, in order, in ``namespace``; return it and the
    text they printed."""
    cells = {cell.get("id"): cell for cell in nbformat.read(NOTEBOOK, as_version=4).cells}
    namespace = {"np": np, "ia": ia} if namespace is None else namespace
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for cell_id in cell_ids:
            assert cell_id in cells, f"cell {cell_id!r} is missing from notebook 03"
            exec(compile(cells[cell_id].source, f"notebook-03:{cell_id}", "exec"), namespace)
    return namespace, printed.getvalue()


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


@pytest.fixture(scope="module")
def loop():
    """The notebook's layer_activations (section 2)."""
    return notebook_cells("forward-loop")[0]["layer_activations"]


@pytest.fixture(scope="module")
def deep():
    """The notebook's deep tanh statistics (section 3): dict name -> statistics."""
    return notebook_cells("deep-tanh-loop")[0]["deep"]





def test_equal_or_zero_init_leaves_every_hidden_unit_identical():
    for init, activation in (("zero", "sigmoid"), ("equal", "relu")):
        run = ia.symmetric_init_experiment(init, activation, iterations=200)
        assert all(v < 1e-6 for v in run["spread"].values()), (init, run["spread"])
        W1 = run["network"].params["W1"]
        if init == "equal":     # the weights did change, all in the same way
            assert np.abs(W1 - 0.01).max() > 1e-3
    random = ia.symmetric_init_experiment("he", "relu", iterations=200)
    assert all(v > 0.1 for v in random["spread"].values())
    assert random["train_acc"] > 0.8


def test_section1_numbers_and_why_the_figure_shows_the_change():
    runs = {init: ia.symmetric_init_experiment(init, act, iterations=200)
            for init, act in (("zero", "sigmoid"), ("equal", "relu"), ("he", "relu"))}
    assert [round(runs[k]["train_acc"], 2) for k in ("zero", "equal", "he")] == [0.10, 0.25, 0.92]
    he = runs["he"]
    start, change = he["W1_init"], he["network"].params["W1"] - he["W1_init"]
    assert round(float(start.std()), 2) == 0.05 and round(float(change.std()), 3) == 0.017
    assert 2.5 < start.std() / change.std() < 3.5                       # "three times larger"
    equal_change = runs["equal"]["network"].params["W1"] - runs["equal"]["W1_init"]
    assert np.abs(equal_change[:, :6] - equal_change[:, :1]).max() < 1e-6   # six identical pictures
    assert np.abs(equal_change).max() > 1e-3                               # ...that did change


def test_the_notebook_loop_is_the_package_experiment(loop):
    for act, std in (("sigmoid", "xavier"), ("relu", 0.01), ("tanh", 1.0)):
        for mine, theirs in zip(loop(act, std), ia.activation_histograms(act, std)):
            # equal up to the perturbation switch's one-ulp move of the package's weights
            assert np.allclose(mine, theirs, rtol=1e-3, atol=1e-3 * np.abs(theirs).max())
    _, printed = notebook_cells("forward-loop", "forward-loop-same")
    assert printed.strip().endswith("True")


def test_sigmoid_histograms_saturate_at_std_1_and_collapse_to_half_at_std_001(loop):
    big = loop("sigmoid", 1.0, n_layers=5, n_units=100, n_samples=1000)
    assert len(big) == 5 and big[0].shape == (1000, 100)
    assert np.all(ia.saturation_fraction(big, tol=0.05) > 0.5)
    small = loop("sigmoid", 0.01)
    for a in small:
        assert np.mean(np.abs(a - 0.5) < 0.05) > 0.95
    assert np.all(ia.layer_stats(small)[1] < 0.03)
    xavier = loop("sigmoid", "xavier")
    assert np.all(ia.saturation_fraction(xavier) < 0.05)
    assert np.all(ia.layer_stats(xavier)[1] > 3 * ia.layer_stats(small)[1])


def test_deep_xavier_sigmoid_histograms_are_combs_of_per_unit_peaks(loop):
    within, between = ia.within_between_std(loop("sigmoid", "xavier"))
    assert round(within[-1], 3) == 0.001 and round(between[-1], 2) == 0.12      # the numbers cited
    assert np.all(within[2:] < 0.2 * between[2:])          # from layer 3 on: spread between units
    assert within[0] > 10 * between[0]                     # layer 1 (Gaussian input) is smooth
    within_tanh, between_tanh = ia.within_between_std(loop("tanh", "xavier"))
    assert round(within_tanh[-1], 1) == 0.3 and np.all(within_tanh > 10 * between_tanh)


def test_he_keeps_relu_spread_where_xavier_shrinks_and_std_001_collapses(loop):
    he = ia.layer_stats(loop("relu", "he"))[1]
    xavier = ia.layer_stats(loop("relu", "xavier"))[1]
    assert he[-1] / he[0] > 0.8
    assert np.all(np.diff(xavier) < 0) and xavier[-1] / xavier[0] < 0.5
    tiny = ia.layer_stats(loop("relu", 0.01))[1]
    factors = tiny[:-1] / tiny[1:]
    assert np.all((factors > 10) & (factors < 17))           # "a factor of about 13 per layer"
    assert round(ia.geometric_mean(factors)) == 13
    zeros = [float(np.mean(a == 0)) for a in loop("relu", "he")]
    assert all(0.4 < z < 0.6 for z in zeros)                 # "about half of all values"


def test_ten_layer_profiles_xavier_relu_shrinks_by_one_over_sqrt2():
    profiles = {"tanh, 'xavier'": ("tanh", "xavier"), "ReLU, 'xavier'": ("relu", "xavier"), "ReLU, He": ("relu", "he")}
    stds = {name: ia.layer_std_profile(act, std) for name, (act, std) in profiles.items()}
    factor = {name: (s[-1] / s[0]) ** (1 / 9) for name, s in stds.items()}
    assert abs(factor["ReLU, 'xavier'"] - 1 / np.sqrt(2)) < 0.02
    assert factor["ReLU, He"] > 0.97
    assert stds["ReLU, He"][-1] > 0.5 and stds["ReLU, 'xavier'"][-1] < 0.05


def test_cs231n_deep_tanh_net_forward(deep):
    small, large, xavier = deep["small (0.01)"], deep["large (1.0)"], deep["'xavier'"]
    assert small["std"][-1] < 1e-4 and np.all(np.diff(small["std"]) < 0)
    assert 4 < ia.geometric_mean(small["std"][:-1] / small["std"][1:]) < 6      # "about 5 per layer"
    assert np.all(large["std"] > 0.95) and round(large["std"].mean(), 2) == 0.98
    assert np.all((xavier["std"] > 0.1) & (xavier["std"] < 0.7))
    for d in (small, large, xavier):
        assert np.all(np.abs(d["mean"]) < 0.05)


def test_cs231n_deep_tanh_net_backward_gain_explains_vanishing_and_exploding(deep):
    small, large, xavier = deep["small (0.01)"], deep["large (1.0)"], deep["'xavier'"]
    for d in (small, large, xavier):        # the one-line prediction matches every layer
        assert np.allclose(d["gain_predicted"], d["gain_measured"], rtol=0.05)
    assert round(ia.geometric_mean(small["gain_measured"]), 2) == 0.22
    assert small["grad_std"][0] < 1e-4 * small["grad_std"][-1]                  # vanishes
    assert round(large["rms_slope"].mean(), 2) == 0.16 and round(large["saturated"].mean(), 1) == 0.9
    assert round(ia.geometric_mean(large["gain_measured"]), 1) == 3.5
    ratio = large["grad_std"][0] / large["grad_std"][-1]
    assert f"{ratio:.2g}" == "7.5e+04"                                          # explodes
    assert round(xavier["gain_measured"][0], 2) == 0.68 and round(xavier["gain_measured"][-1], 2) == 0.95
    assert 0.1 < xavier["grad_std"][0] / xavier["grad_std"][-1] < 1
    assert xavier["dW_norm"].max() / xavier["dW_norm"].min() < 1.5                # similar in every layer
    assert large["dW_norm"][0] / large["dW_norm"][-1] > 1e4           # 2e3 at layer 10 ... 2e8 at layer 1
    assert f"{large['dW_norm'][-1]:.1g}" == "2e+03" and f"{large['dW_norm'][0]:.1g}" == "2e+08"
    assert round(small["dW_norm"].mean(), 2) == 0.02 and f"{xavier['dW_norm'].mean():.2g}" == "3.8e+03"


@pytest.fixture(scope="module")
def dead():
    """The notebook's call: 4 x 100 ReLU, 200 steps, three learning rates on four paired seeds."""
    return ia.dead_units_after_training(lrs=(0.1, 0.5, 1.0), iterations=200, seeds=(0, 1, 2, 3))


def test_dead_relus_after_a_too_large_learning_rate_over_paired_seeds(dead):
    assert dead[0.1]["dead"].shape == (4, 4) and dead[0.1]["test_acc"].shape == (4,)
    assert np.all(dead[0.1]["dead"] < 0.08)                            # "at most about 5 % of any layer"
    assert 0.87 < dead[0.1]["test_acc"].mean() < 0.95                   # "about 91 %"
    first = dead[0.5]["dead"][:, 0]
    assert np.all((first > 0.15) & (first < 0.6))                       # "a quarter to half of the first layer"
    assert np.all(dead[0.5]["dead"][:, 1:].mean(axis=0) < 0.1)          # "the deeper layers stay alive"
    for lr in (0.1, 0.5):
        assert not dead[lr]["diverged"].any() and np.all(dead[lr]["stopped_at"] == 200), lr
    big = dead[1.0]
    assert 1 <= big["diverged"].sum() <= 3, big["diverged"]             # "some seeds" diverge, some finish
    assert np.all(big["stopped_at"][big["diverged"]] <= 10)              # "within the first ten steps"
    assert np.all(big["stopped_at"][~big["diverged"]] == 200)
    finished = big["dead"][~big["diverged"]]
    assert np.all(finished > 0.1) and np.all(finished > dead[0.1]["dead"][~big["diverged"]])  # "at least a tenth", "much larger"
    assert np.mean(finished > 0.5) >= 0.4                                # "often more than half"
    assert np.all(big["test_acc"][~big["diverged"]] < 0.3)               # "at or near chance"
    assert max(d["dead_at_init"].max() for d in dead.values()) < 0.06          # "a few percent at most"
    a = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    assert ia.dead_relu_fraction(a) == pytest.approx(1 / 3)


def test_leaky_relu_does_not_beat_relu_beyond_the_noise():
    """The notebook's cell: lr 0.5 on six paired seeds; the difference is within its noise."""
    ns, printed = notebook_cells("leaky-vs-relu")
    diff, se = ia.mean_and_se(ns["pair"]["leaky_relu"]["test_acc"] - ns["pair"]["relu"]["test_acc"])
    assert abs(diff) < max(2.5 * se, 0.02), (diff, se)                  # undecidable at these settings
    assert se > 0.005                                                    # the seeds do disagree
    relu_first, leaky_first = (ns["pair"][a]["dead"][:, 0].mean() for a in ("relu", "leaky_relu"))
    assert leaky_first > 0.5 * relu_first and relu_first > 0.15          # "dead" almost as often
    assert "mean" in printed and "±" in printed
    with pytest.raises(ValueError, match="at least 2"):
        ia.mean_and_se([1.0])
    with pytest.raises(ValueError, match="lrs"):
        ia.dead_units_after_training(lrs=(0.0,), seeds=(0,))


def test_sigmoid_backward_gain_std1_passes_std001_vanishes():
    ns, printed = notebook_cells("forward-loop", "1b640b90", "725ec5c5",
                                 namespace={"np": np, "ia": ia, "figs": figs, "plt": plt,
                                            "PALETTE": ["C0", "C1", "C2"], "init_std": ia.init_std})
    gains = {}
    for line in printed.splitlines():
        if "backward gain" in line:
            name, rest = line.split(" backward gain per layer: ")
            values, ratio = rest.split(";  gradient at layer 1 / at layer 5: ")
            gains[name.strip()] = ([float(v) for v in values.split(",")], float(ratio))
    std1, tiny, xav = gains["std 1"], gains["std 0.01"], gains["'xavier' sqrt(1/n)"]
    assert 0.9 < ia.geometric_mean(std1[0]) < 1 and all(0.75 < g < 1.1 for g in std1[0])   # "about 0.95"
    assert 0.7 < std1[1] < 0.9                                                  # "about 0.8"
    assert all(0.02 < g < 0.03 for g in tiny[0]) and tiny[1] < 1e-6             # vanishes
    assert 0.2 < ia.geometric_mean(xav[0]) < 0.26                               # "about 0.23"
    # the playground's measured gains agree with the notebook's prediction
    for std, expected in ((1.0, 0.95), (0.01, 0.025)):
        fb = ia.forward_backward("sigmoid", std)
        assert ia.geometric_mean(fb["gain_measured"]) == pytest.approx(expected, rel=0.1)
    plt.close("all")


def test_activation_functions_and_maxout():
    x = np.linspace(-3, 3, 61)
    for name, (fn, dfn) in ia.ACTIVATION_CURVES.items():
        h = 1e-6
        numeric = (fn(x + h) - fn(x - h)) / (2 * h)
        smooth = np.abs(x) > 1e-3
        assert np.allclose(dfn(x)[smooth], numeric[smooth], atol=1e-5), name
    rng = np.random.default_rng(0)
    xs, W, b = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    assert np.allclose(ia.maxout(xs, W, b, np.zeros((4, 3)), np.zeros(3)), np.maximum(xs @ W + b, 0))


def test_a_stack_of_linear_layers_is_one_linear_layer():
    s = ia.linear_stack(sizes=(4, 6, 5, 3))
    assert s["W"].shape == (4, 3)
    assert np.max(np.abs(s["stacked"] - s["single"])) < 1e-12


def test_preprocessing_and_the_positive_input_sign_argument():
    rng = np.random.default_rng(0)
    positive = rng.uniform(0, 1, size=(1000, 10))
    assert ia.gradient_sign_agreement(positive) == 1.0
    assert ia.gradient_sign_agreement(positive - positive.mean(axis=0)) < 0.05
    assert f"{ia.gradient_sign_agreement(positive - positive.mean(axis=0)):.1%}" == "0.1%"
    paths = ia.positive_input_paths(target=(1.0, -1.0), steps=100, lr=0.3)
    assert ia.same_sign_steps(paths["positive"]) == 1.0
    assert ia.same_sign_steps(paths["centred"]) < 0.6
    assert round(ia.same_sign_steps(paths["centred"]), 2) == 0.44
    assert np.round(paths["positive"][-1], 2).tolist() == [0.90, -0.88]      # still short of the target
    assert np.round(paths["centred"][-1], 2).tolist() == [1.00, -1.00]
    target = np.array([1.0, -1.0])
    assert np.linalg.norm(paths["centred"][-1] - target) < 0.5 * np.linalg.norm(paths["positive"][-1] - target)
    steps = ia.preprocess_2d()
    assert np.allclose(steps["zero-centred"].mean(axis=0), 0, atol=1e-12)
    assert np.allclose(steps["normalized"].std(axis=0), 1)
    white = steps["whitened"]
    assert np.allclose(white.T @ white / len(white), np.eye(2), atol=1e-6)
    dec = steps["decorrelated"]
    assert abs(dec[:, 0] @ dec[:, 1]) / len(dec) < 1e-10 and dec[:, 0].var() > dec[:, 1].var()


def test_init_rules_have_the_stated_scales():
    rng = np.random.default_rng(0)
    n_in, n_out = 784, 100
    expected = {"xavier": np.sqrt(1 / n_in), "glorot": np.sqrt(2 / (n_in + n_out)),
                "glorot_uniform": np.sqrt(2 / (n_in + n_out)), "he": np.sqrt(2 / n_in),
                "leaky_relu": np.sqrt(2 / (1.0001 * n_in))}
    assert set(ia.INIT_RULES) == set(expected)   # the table notebook 03 prints
    for scheme, std in expected.items():
        W = ia.init_weights(scheme, n_in, n_out, rng)
        assert W.shape == (n_in, n_out) and W.std() == pytest.approx(std, rel=0.02), scheme
    bound = np.sqrt(6 / (n_in + n_out))
    assert np.abs(ia.init_weights("glorot_uniform", n_in, n_out, rng)).max() <= bound


def test_mnist_he_and_xavier_learn_and_std_001_stays_at_chance(mnist):
    from dlhelpers.experiments.mnist_compare import compare_on_mnist
    race = compare_on_mnist(ia.MNIST_INIT_SETTINGS, iterations=2000, mini_batch_size=128, data=mnist)
    assert race.final_loss("std = 0.01") > 2.29 and race.test_acc["std = 0.01"] < 0.15
    assert race.test_acc["Xavier"] > 0.85 and race.test_acc["He"] > 0.85
    assert race.final_loss("He") < race.final_loss("Xavier") < 0.5
    early = {k: float(np.mean(v[:500])) for k, v in race.losses.items()}
    assert early["He"] < early["Xavier"] < early["std = 0.01"]     # He learns fastest


def test_leaky_relu_init_confirmed_by_the_notebook_cell():
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ns, _ = notebook_cells("forward-loop")
    ns.update(plt=plt, PALETTE=["C0", "C1"])

    def stub(n_in, a):
        raise NotImplementedError

    ns["leaky_he_std"] = stub
    _, printed = notebook_cells("leaky-confirm", namespace=ns)
    assert "not attempted yet" in printed
    ns["leaky_he_std"] = ref.leaky_he_std
    _, printed = notebook_cells("leaky-confirm", namespace=ns)
    plt.close("all")
    rows = [line.split(":")[1].split() for line in printed.strip().splitlines()]
    yours, plain = (np.array(r, dtype=float) for r in rows)
    assert yours[-1] / yours[0] == pytest.approx(1, abs=0.25)         # level with the derived std
    assert plain[-1] / plain[0] > 2                                   # plain He grows by (1 + a^2) per layer
    assert ref.leaky_he_std(100, 0.0) == pytest.approx(np.sqrt(2 / 100))
    assert ia.init_std("leaky_relu", 100) == pytest.approx(ref.leaky_he_std(100, 0.01))


def test_tanh_gain_five_thirds_restores_the_variance_and_settles():
    z = np.random.default_rng(0).standard_normal(1_000_000)
    keep = np.mean(np.tanh(z) ** 2)
    assert round(keep, 2) == 0.39 and 1.55 < 1 / np.sqrt(keep) < 1.65       # "about 1.6", rounded to 5/3
    points = {name: ia.tanh_fixed_point(g) for name, g in ia.TANH_GAINS.items()}
    assert points["'xavier' (gain 1)"][0] < 0.15                               # drains
    assert round(points["gain 5/3"][0], 2) == 0.65 and round(points["gain 5/3"][2], 2) == 1.10
    assert points["'xavier' (gain 1)"][0] < points["He (gain sqrt 2)"][0] < points["gain 5/3"][0] < points["gain 3"][0]
    assert round(points["gain 3"][0], 2) == 0.84
    with pytest.raises(ValueError, match="gain"):
        ia.tanh_net(0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_init_histograms_saturation_and_grad_data_per_layer(mnist, seed):
    (x, t), _ = mnist
    d = {name: ia.layer_diagnostics(ia.tanh_net(g, seed=seed), x[:1000], t[:1000]) for name, g in ia.TANH_GAINS.items()}
    assert np.all(d["'xavier' (gain 1)"]["saturated"] < 0.01)
    assert np.all(np.diff([a.std() for a in d["'xavier' (gain 1)"]["acts"]]) < 0)      # narrows layer by layer
    assert 0.01 < d["gain 5/3"]["saturated"][-1] < 0.1                                  # a few percent at the end
    assert np.all(d["He (gain sqrt 2)"]["saturated"] < 0.01)                            # He: under 1 %
    assert np.all(d["gain 3"]["saturated"][2:] > 0.3)                                   # about 40 % of layers 3-5
    for name, r in d.items():
        assert np.all(r["grad_data"][0] > 2 * r["grad_data"][1:]), name                 # layer 1 about 3x the others
        assert len(r["grads"]) == 5 and r["grads"][0].shape == (1000, 100) and r["dW"][0].shape == (784, 100)
    assert d["gain 3"]["grad_data"][1:].max() < min(d[n]["grad_data"][1:].min() for n in d if n != "gain 3")


@pytest.fixture(scope="module")
def watches():
    """Section 9's training runs, on three paired seeds."""
    names = ("'xavier' (gain 1)", "gain 5/3", "gain 3")
    return {seed: {name: ia.watch_training(ia.tanh_net(ia.TANH_GAINS[name], seed=seed), lr=0.1, iterations=600,
                                           seed=seed) for name in names} for seed in (0, 1, 2)}


def test_watching_training_saturation_rises_and_update_ratios_fall(watches):
    for seed, runs in watches.items():
        for name, w in runs.items():
            assert w["share"].shape == (13, 5) and w["update_ratio"].shape == (600, 5)
            assert w["share"][-1].mean() >= w["share"][0].mean(), (seed, name)        # training raises saturation
            start, end = w["update_ratio"][:50].mean(axis=0), w["update_ratio"][-100:].mean(axis=0)
            assert np.all(end < start), (seed, name)                                    # ratios fall
            assert np.all((start > -3.2) & (start < -1.8)), (seed, name, start)         # "between -2.5 and -2" at the start
            assert end[-1] < end[0], (seed, name)                                       # lowest in the deepest layers
            assert w["test_acc"] > 0.85, (seed, name)                                   # "about 90 %"
        assert np.all(runs["gain 3"]["share"][-1, 2:] > 0.35), seed                     # "40 % or more of layers 3-5"
        assert runs["'xavier' (gain 1)"]["share"][-1].max() < 0.1, seed                 # gain 1 near 0
        for name, w in runs.items():                                                   # the printed first 10 steps
            start10, end = w["update_ratio"][:10].mean(axis=0), w["update_ratio"][-100:].mean(axis=0)
            assert np.all((start10 > -3.1) & (start10 < -1.7)), (seed, name, start10)  # "between -2.9 and -1.9"
            assert start10[0] == start10.max(), (seed, name)                            # "layer 1 highest"
            if name == "'xavier' (gain 1)":
                assert np.all(start10 - end < 0.6) and np.all(end > -3.1), (seed, end)  # "a few tenths", "at or above"
            else:
                assert np.all(start10 - end > 0.5), (seed, name, start10 - end)        # "most of a decade"
        g3 = runs["gain 3"]["update_ratio"][-100:].mean(axis=0)
        assert all(np.all(g3[1:] <= r["update_ratio"][-100:].mean(axis=0)[1:] + 0.05)
                   for n, r in runs.items() if n != "gain 3"), seed                     # lowest for gain 3
    with pytest.raises(ValueError, match="lr"):
        ia.watch_training(ia.tanh_net(1.0), lr=-1)
