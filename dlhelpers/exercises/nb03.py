"""Checkers for notebook 03 (weight initialization and activations).

* :func:`check_he_init` - ``he_init(fan_in, fan_out, rng)`` drawing a (fan_in, fan_out) Gaussian
  weight matrix with std sqrt(2 / fan_in) from the generator ``rng``;
* :func:`check_dead_relu_fraction` - ``dead_relu_fraction(a)``: the fraction of units (columns of
  an (N, units) ReLU output) that are zero for every sample;
* :func:`check_leaky_he_std` - the open task: ``leaky_he_std(n_in, a)``, the He-style std for
  Leaky ReLU with slope ``a`` (derived by the reader; no message states it).

A random matrix cannot be compared entry by entry, so :func:`check_he_init` measures what
matters on a large draw: the shape, whether the draw comes from ``rng``, the std relative to
sqrt(2 / fan_in), the mean and the shape of the distribution (excess kurtosis, 0 for a Gaussian,
-1.2 for a uniform).
"""
import numpy as np

from . import references as ref
from .checker import (Raised, catching, check_function, is_library_object, is_stub, library_refused,
                      limited, not_attempted, report, require_callable, short_error, type_problem)

#: (fan_in, fan_out) pairs of the he_init check: 784 x 100 separates He from Glorot by 6 %.
HE_SIZES = ((784, 100), (100, 500), (300, 300), (64, 256))
#: Accepted relative error of the measured std (the std of 25 000+ draws is within 1 % of the truth).
STD_TOL = 0.025


def _stats(W, fan_in):
    """(std / sqrt(2/fan_in), mean / sqrt(2/fan_in), excess kurtosis) of a weight matrix."""
    target = np.sqrt(2.0 / fan_in)
    z = (W - W.mean()) / (W.std() + 1e-300)
    return W.std() / target, W.mean() / target, float(np.mean(z ** 4) - 3.0)


@limited("he_init")
def check_he_init(fn):
    """Check ``fn(fan_in, fan_out, rng) -> W`` against He initialization (statistically)."""
    name = getattr(fn, "__name__", "he_init")
    require_callable(fn, name)
    if is_stub(fn):
        return not_attempted(name, "he_init")
    if is_library_object(fn):
        return library_refused(fn, name, "he_init")
    user = catching(fn)

    def fail(*lines):
        return report(False, name, [f"✘ {name}: " + lines[0], *lines[1:]], "he_init")

    for trial, (fan_in, fan_out) in enumerate(HE_SIZES):
        seed = 100 + trial
        where = f"(test {trial + 1}: fan_in={fan_in}, fan_out={fan_out}, rng=np.random.default_rng({seed}))"
        W = user(fan_in, fan_out, np.random.default_rng(seed))
        if isinstance(W, Raised):
            return fail(f"raised {short_error(W.err)} {where}")
        if W is None:
            return fail(f"returned None {where}; is a `return` missing?")
        kind = type_problem(W, np.empty((1, 1)))
        if kind:
            return fail(f"{kind} {where}.")
        try:
            W = np.asarray(W, dtype=np.float64)
        except (TypeError, ValueError):
            return fail(f"returned a {type(W).__name__}, expected an array {where}")
        if W.shape == (fan_out, fan_in) and fan_in != fan_out:
            return fail(f"the shape is {W.shape} {where}.",
                        "Likely mistake: the shape is transposed: W has one row per input, (fan_in, fan_out), "
                        "so that x @ W works.")
        if W.shape != (fan_in, fan_out):
            return fail(f"the shape is {W.shape}, expected ({fan_in}, {fan_out}) {where}.",
                        "Likely mistake: the result is not a 2-D matrix: return an array of shape (fan_in, fan_out)."
                        if W.ndim != 2 else "Likely mistake: draw exactly (fan_in, fan_out) numbers.")
        same = user(fan_in, fan_out, np.random.default_rng(seed))
        other = user(fan_in, fan_out, np.random.default_rng(seed + 1000))
        if not (isinstance(same, np.ndarray) and np.array_equal(same, W)):
            return fail(f"two calls with generators in the same state gave different weights {where}.",
                        "Likely mistake: the function ignores its rng argument (np.random.* draws from a "
                        "global generator); draw with rng.standard_normal so that a seed reproduces the weights.")
        if isinstance(other, np.ndarray) and np.array_equal(other, W):
            return fail(f"generators with different seeds gave identical weights {where}.",
                        "Likely mistake: the draw does not come from rng (a fixed seed inside the function?); "
                        "use rng.standard_normal.")
        ratio, mean, kurtosis = _stats(W, fan_in)
        std_line = f"the std is {ratio:.3f} x sqrt(2 / fan_in) {where}."

        def near(value):
            return abs(ratio - value) < STD_TOL * value

        if not near(1.0):
            known = [
                (np.sqrt(fan_in / (fan_in + fan_out)),
                 "that is the Glorot/Xavier scale sqrt(2 / (fan_in + fan_out)); He uses fan_in only: sqrt(2 / fan_in)."),
                (np.sqrt(0.5), "the std is sqrt(1 / fan_in), the Xavier/LeCun value; He doubles the "
                               "variance for ReLU: sqrt(2 / fan_in)."),
                (np.sqrt(fan_in / fan_out), "the std uses fan_out; He scales with the number of inputs of "
                                            "each unit, fan_in."),
                (np.sqrt(2.0 / fan_in), "the std is 2 / fan_in: the square root is missing (2 / fan_in is "
                                        "the variance)."),
                (1.0 / np.sqrt(2.0 / fan_in), "the weights have std 1: scale the standard normal draw by the He std."),
            ]
            for value, text in known:
                if not near(1.0) and near(value):
                    return fail(std_line, f"Likely mistake: {text}")
            return fail(std_line + " It must be 1.000 (within 2.5 %).")
        if kurtosis < -0.8:
            return fail(f"the weights are not Gaussian (excess kurtosis {kurtosis:.2f}, a Gaussian has 0) {where}.",
                        "Likely mistake: the weights are uniformly distributed; this exercise asks for a "
                        "Gaussian (rng.standard_normal).")
        if abs(mean) > 0.05:
            return fail(f"the mean is {mean:.2f} x sqrt(2 / fan_in) {where}.",
                        "Likely mistake: the weights are not centred on 0: draw from a zero-mean Gaussian.")
        if abs(kurtosis) > 0.3:
            return fail(f"the excess kurtosis is {kurtosis:.2f}; a Gaussian has 0 {where}.")
    return report(True, name, [f"✔ {name}: right shape, drawn from rng, std sqrt(2 / fan_in), "
                               f"mean 0 and Gaussian on {len(HE_SIZES)} large draws."], "he_init")


def check_dead_relu_fraction(fn):
    """Check ``fn(a) -> float``: the fraction of columns of ``a`` (N, units) that are all zero."""
    def make_inputs(rng, trial):
        n, units = [(64, 20), (100, 50), (30, 8), (200, 100)][trial % 4]
        a = np.maximum(rng.standard_normal((n, units)), 0)
        dead = rng.random(units) < 0.3
        a[:, dead] = 0.0
        a[rng.random(n) < 0.2] = 0.0            # some samples activate nothing at all
        faint = np.flatnonzero(~dead)[:2]       # barely alive units: tiny positive outputs, never exactly 0
        a[:, faint] = np.where(rng.random((n, len(faint))) < 0.5, 0.0, 10.0 ** rng.uniform(-6, -4, (n, len(faint))))
        a[0, faint] = 1e-5
        return (a,)

    def equals(value):
        return lambda got, exp, args: np.shape(got) == () and np.isclose(float(got), value(args[0]))

    diagnoses = [
        (lambda got, exp, args: np.shape(got) == (args[0].shape[1],),
         "the result has one entry per unit; average it into one number: np.mean(...)."),
        (equals(lambda a: np.mean(a == 0)),
         "you counted zero entries; a unit is dead only if its whole column is zero (np.all over the samples)."),
        (equals(lambda a: np.mean(np.all(a <= 0, axis=1))),
         "you took np.all along axis 1 (per sample); units are columns, so reduce over axis 0."),
        (equals(lambda a: np.mean(np.any(a <= 0, axis=0))),
         "np.any marks a unit dead if it is zero for one sample; it must be zero for every sample (np.all)."),
        (equals(lambda a: np.sum(np.all(a <= 0, axis=0))),
         "that is the number of dead units; divide by the number of units to get a fraction."),
        (lambda got, exp, args: np.shape(got) == () and any(
            np.isclose(float(got), np.mean(np.all(args[0] < thr, axis=0))) for thr in (1e-6, 1e-5, 1e-4, 1e-3, 1e-2)),
         "a threshold counts units with tiny positive outputs as dead; a dead unit outputs exactly 0 for "
         "every sample: test a <= 0 (or a == 0), not a < some small number."),
    ]
    return check_function(fn, ref.dead_relu_fraction, make_inputs,
                          name=getattr(fn, "__name__", "dead_relu_fraction"), diagnoses=diagnoses,
                          exercise="dead_relu_fraction", stub_of=fn)


# --------------------------------------------------------------------------- open task: Leaky ReLU std
LEAKY_CASES = ((100, 0.0), (50, 0.5), (784, 0.2), (100, 0.01), (300, 1.0), (64, 0.3))


def _activation_stds(std, a, layers=10, n=1000, units=100, seed=0):
    """Std of the Leaky ReLU activations after each of ``layers`` layers of ``units`` units with
    Gaussian weights of standard deviation ``std`` (input: an (n, units) standard normal batch)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, units))
    stds = []
    for _ in range(layers):
        z = x @ (std * rng.standard_normal((units, units)))
        x = np.where(z > 0, z, a * z)
        stds.append(float(x.std()))
    return stds


def check_leaky_he_std(fn):
    """Check ``fn(n_in, a) -> float`` (the std that keeps the activations' second moment constant per
    layer), then show what it does to the activations of a 10-layer Leaky ReLU net, next to plain He.
    A failure reports the per-layer gain the reader's std gives, never the expected std."""
    def compare(got, exp, args):
        try:
            value = float(got)
        except (TypeError, ValueError):
            return f"expected one number, got {type(got).__name__}"
        if np.isclose(value, exp, rtol=1e-6):
            return None
        n_in, a = args
        gain = n_in * value ** 2 * (1 + a * a) / 2
        return (f"with your std {value:.6g} (n_in={n_in}, a={a}) each layer multiplies the mean square of the "
                f"activations by {gain:.6f}; the std you are after makes that exactly 1")

    def make_inputs(rng, trial):
        return LEAKY_CASES[trial]

    def gives(formula):
        """True if the reader's value is ``formula(n_in, a)`` where that differs from the answer."""
        def matched(got, exp, args):
            value = formula(*args)
            return not np.isclose(value, exp, rtol=1e-9) and np.isclose(float(got), value, rtol=1e-9)
        return matched

    # No message may state the answer (the task is to derive it): each names the mistake only.
    diagnoses = [
        (gives(lambda n, a: np.sqrt(2.0 / ((1 + a) * n))),
         "the slope a enters linearly: the negative half of z is multiplied by a; what does that do to its "
         "share of E[leaky(z)^2]?"),
        (gives(lambda n, a: np.sqrt(2.0 / n)),
         "that is plain He, sqrt(2 / n_in): it ignores the slope a; for a > 0 the negative half of z is not "
         "zeroed, so the layer keeps more of the variance than ReLU does."),
        (gives(lambda n, a: 2.0 / ((1 + a ** 2) * n)),
         "that is the variance of the weights; the std is its square root."),
        (gives(lambda n, a: np.sqrt(2.0 / ((1 - a ** 2) * n))),
         "the slope's term has the wrong sign: the negative half ADDS variance to what ReLU keeps, it takes none away."),
        (gives(lambda n, a: np.sqrt(1.0 / n)),
         "that is Xavier/LeCun, sqrt(1 / n_in); it is right only for a = 1 (a linear unit)."),
        (lambda got, exp, args: any(gives(f)(got, exp, args) for f in (
            lambda n, a: np.sqrt((1 + a ** 2) / (2.0 * n)), lambda n, a: np.sqrt(2 * (1 + a ** 2) / n),
            lambda n, a: np.sqrt((1 + a ** 2) * n / 2.0))),
         "the gain is inverted: the more variance a layer keeps, the SMALLER the weights must be (your value "
         "grows with a). Check: a = 1 must give Xavier's sqrt(1 / n_in)."),
    ]
    name = getattr(fn, "__name__", "leaky_he_std")
    result = check_function(fn, ref.leaky_he_std, make_inputs, name=name, diagnoses=diagnoses,
                            n_trials=len(LEAKY_CASES), exercise="leaky_he_std", stub_of=fn,
                            compare=compare)
    if result.passed:
        a = 0.5
        mine = _activation_stds(ref.leaky_he_std(100, a), a)
        he = _activation_stds(np.sqrt(2.0 / 100), a)
        lines = [
            f"How to confirm it with activation histograms (Section 2's experiment, Leaky ReLU with a = {a}):",
            "push a 1000 x 100 Gaussian batch through 10 layers of 100 units and compare the spread per layer.",
            "  layer:        " + " ".join(f"{i + 1:>5d}" for i in range(10)),
            "  your std:     " + " ".join(f"{s:5.2f}" for s in mine),
            "  plain He:     " + " ".join(f"{s:5.2f}" for s in he),
            f"With your std the spread stays level; plain He multiplies the variance by 1 + a^2 = {1 + a * a:g} "
            "per layer, so it grows. In per-layer histograms (as in Section 2) your std keeps every histogram equally wide.",
        ]
        print("\n".join(lines))
    return result
