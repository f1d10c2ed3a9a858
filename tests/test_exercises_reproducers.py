"""The learner review's reproducers (wrong answers a student actually wrote), one test row each:
every one is refused (0 accepted) with its real diagnosis (0 misdiagnosed), and the answer is never told.

Row ids follow the review: A = accepted wrongly before, M = misdiagnosed, S = "not attempted" for
written code, U = unreadable inputs; the rest are the review's other findings."""
import numpy as np
import pytest

import dlhelpers
from dlhelpers import search
from dlhelpers.exercises import checker, hints, nb01, nb02, nb03, nb04, nb05, nb06


def likely(result):
    return result.message


# --------------------------------------------------------------------------- the students' code
def mse_in_place(y, t):
    y -= t
    y **= 2
    return 0.5 * y.sum() / y.shape[0]


def mse_per_sample(y, t):
    return 0.5 * np.sum((y - t) ** 2, axis=1)


def ce_mean_over_all_entries(y, t):
    if t.ndim == 1:
        t = np.eye(y.shape[1])[t]
    return -np.mean(t * np.log(y + 1e-7))


def ce_every_row_every_label(y, t):
    if t.ndim == 2:
        t = t.argmax(axis=1)
    return -np.mean(np.log(y[:, t] + 1e-7))


class SigmoidForgetsOut:
    def __init__(self):
        self.params, self.grads, self.out = {}, {}, None

    def forward(self, x, train_flg=False):
        return 1 / (1 + np.exp(-x))

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out


class MomentumSwappedArguments:
    def __init__(self, momentum=0.9, lr=0.01):
        self.lr, self.momentum, self.v = lr, momentum, {}

    def update(self, params, grads):
        for k in params:
            if k not in self.v:
                self.v[k] = np.zeros_like(params[k])
            self.v[k] = self.momentum * self.v[k] - self.lr * grads[k]
            params[k] += self.v[k]


def adam(eps_inside=False, eps=1e-8, t0=False):
    class MyAdam:
        def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
            self.lr, self.b1, self.b2, self.m, self.v, self.t = lr, beta1, beta2, {}, {}, 0

        def update(self, params, grads):
            if not t0:
                self.t += 1
            for k in params:
                g = grads[k]
                self.m[k] = self.b1 * self.m.get(k, 0) + (1 - self.b1) * g
                self.v[k] = self.b2 * self.v.get(k, 0) + (1 - self.b2) * g * g
                mh, vh = self.m[k] / (1 - self.b1 ** self.t), self.v[k] / (1 - self.b2 ** self.t)
                params[k] -= self.lr * mh / (np.sqrt(vh + eps) if eps_inside else np.sqrt(vh) + eps)
            if t0:
                self.t += 1
    return MyAdam


def bn_forward_in_place(x, gamma, beta, eps=1e-5):
    x -= x.mean(axis=0)
    x /= np.sqrt((x ** 2).mean(axis=0) + eps)
    return gamma * x + beta


def bn_backward_compact(dout, cache):
    g = dout * cache['gamma']
    xh = cache['x_hat']
    return cache['inv_std'] * (g - g.mean(0) - xh * (g * xh).mean(0)), (dout * xh).sum(0), dout.sum(0)


def dropout_in_place(x, keep, ratio):
    x[~keep] = 0
    x /= (1 - ratio)
    return x


def halving_without_at_least_one(n_trials, reduction_factor, min_epochs, max_epochs):
    n, e, rungs = n_trials, min_epochs, [(n_trials, min_epochs)]
    while e * reduction_factor <= max_epochs:
        n, e = n // reduction_factor, e * reduction_factor
        rungs.append((n, e))
    return rungs[:-1] + [(rungs[-1][0], max_epochs)]


def halving_list_of_lists(n_trials, reduction_factor, min_epochs, max_epochs):
    sizes, budgets = search.halving_schedule(n_trials, min_epochs, max_epochs, reduction_factor)
    return [[s, b] for s, b in zip(sizes, budgets)]


def halving_old_rule(n_trials, reduction_factor, min_epochs, max_epochs):
    """The exercise's former rule (capped epochs, stop at one trial): not the library's."""
    rungs, trials, epochs = [], n_trials, min_epochs
    while True:
        rungs.append((trials, epochs))
        if trials == 1 or epochs >= max_epochs:
            return rungs
        trials, epochs = max(1, trials // reduction_factor), min(max_epochs, epochs * reduction_factor)


def halving_endless(n_trials, reduction_factor, min_epochs, max_epochs):
    rungs, n = [], n_trials
    while n >= 1:          # n // 3 of 1 is 0, but a bug keeps n at 1
        rungs.append((n, min_epochs))
        n = max(1, n // reduction_factor)
    return rungs


def narrow_range_above_the_raise(values, scores, top_k=5, margin=0.25):
    idx = np.argsort(-np.asarray(scores))[:top_k]
    logs = np.log10(np.asarray(values)[idx])
    lo, hi = 10 ** (logs.min() - margin), 10 ** (logs.max() + margin)
    raise NotImplementedError


def log_uniform_one_branch_unfinished(rng, low_exp, high_exp, n):
    if n > 10:
        raise NotImplementedError
    return 10.0 ** rng.uniform(low_exp, high_exp, n)


def early_stop_one_late(val_acc, patience):
    best, be, w = val_acc[0], 0, 0
    for e in range(1, len(val_acc)):
        if val_acc[e] > best:
            best, be, w = val_acc[e], e, 0
        else:
            w += 1
            if w >= patience:
                return e + 1, be
    return len(val_acc) - 1, be


# --------------------------------------------------------------------------- rows
#: (id, checker, the student's code, text the verdict must contain, text it must NOT contain)
ROWS = [
    ("A1 mse mutates y", nb01.check_mean_squared_error, mse_in_place, "changed its input `y` in place", None),
    ("A2 the library's own mse", nb01.check_mean_squared_error, dlhelpers.mean_squared_error, "library's own", None),
    ("A2 the library's own cross-entropy", nb01.check_cross_entropy_error, dlhelpers.cross_entropy_error,
     "library's own", None),
    ("M1 ce averaged over N*C", nb01.check_cross_entropy_error, ce_mean_over_all_entries,
     "averaged over all N * C entries", "delta is too large"),
    ("M2 ce indexed y[:, t]", nb01.check_cross_entropy_error, ce_every_row_every_label,
     "y[np.arange(N), t]", "delta is too large"),
    ("mse per sample", nb01.check_mean_squared_error, mse_per_sample, "average over the N samples", None),
    ("M3 sigmoid forgets self.out", nb01.check_fixed_sigmoid, SigmoidForgetsOut,
     "forward does not store its output", "must work without arguments"),
    ("A3 momentum swapped arguments", nb02.check_momentum, MomentumSwappedArguments,
     "arguments are in the wrong order", None),
    ("A4 adam eps inside the sqrt", nb02.check_adam, adam(eps_inside=True), "eps is inside the square root", None),
    ("A5 adam eps 1e-7", nb02.check_adam, adam(eps=1e-7), "eps has another value", None),
    ("M4 adam step counter from 0", nb02.check_adam, adam(t0=True), "step counter is 0 at the first update",
     "v must average"),
    ("A6 dead if a < 1e-3", nb03.check_dead_relu_fraction,
     lambda a: float(np.mean(np.all(a < 1e-3, axis=0))), "tiny positive outputs", None),
    ("M5 leaky factor multiplied", nb03.check_leaky_he_std, lambda n_in, a: np.sqrt(2 * (1 + a ** 2) / n_in),
     "gain is inverted", "sign is wrong"),
    ("A7 bn forward in place", nb04.check_batchnorm_forward, bn_forward_in_place, "changed its input `x` in place",
     None),
    ("A8 the compact formula", nb04.check_batchnorm_backward_staged, bn_backward_compact,
     "compact formula", None),
    ("A9 dropout in place", nb05.check_inverted_dropout_train, dropout_in_place, "changed its input `x` in place",
     None),
    ("A11 log-uniform as a list", nb06.check_log_uniform_draws,
     lambda rng, lo, hi, n: [10 ** u for u in rng.uniform(lo, hi, n)], "return a NumPy array", None),
    ("A12 halving with a rung of 0 trials", nb06.check_halving_schedule, halving_without_at_least_one,
     "a rung with 0 trials", None),
    ("A12 halving as a list of lists", nb06.check_halving_schedule, halving_list_of_lists,
     "make each item a tuple", None),
    ("U2 the former exercise rule", nb06.check_halving_schedule, halving_old_rule,
     "the last rung trains for max_epochs", None),
    ("halving loops forever", nb06.check_halving_schedule, halving_endless, "endless loop", None),
    ("S1 code above the raise", nb06.check_narrow_range, narrow_range_above_the_raise,
     "still reaches `raise NotImplementedError`", "not attempted"),
    ("S1 one branch unfinished", nb06.check_log_uniform_draws, log_uniform_one_branch_unfinished,
     "still reaches `raise NotImplementedError`", "not attempted"),
    ("U1 early stop shows the curve", nb05.check_early_stop, early_stop_one_late, "val_acc = [0.1, ", None),
    ("early stop one epoch late", nb05.check_early_stop, early_stop_one_late, "stop epoch is one too high", None),
    ("the rng is shown as a generator", nb06.check_log_uniform_draws,
     lambda rng, lo, hi, n: 10.0 ** rng.uniform(lo, hi, n + 1), "rng = np.random.default_rng(", "int "),
]


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_the_reviews_wrong_answer_is_refused_with_its_real_diagnosis(row, monkeypatch):
    _, check, code, says, never = row
    if "forever" in row[0]:
        monkeypatch.setattr(checker, "TIME_LIMIT", 0.5)
    result = check(code)
    assert not result.passed, result.message
    assert says in result.message, result.message
    if never:
        assert never not in result.message, result.message
    assert not hints.leaked_reference_lines(result.message), result.message


def test_optimizer_failures_name_the_parameter_and_its_index():
    class Uphill(MomentumSwappedArguments):
        def __init__(self, lr=0.01, momentum=0.9):
            super().__init__(momentum, lr)

        def update(self, params, grads):
            for k in params:
                params[k] += self.lr * grads[k]
    message = nb02.check_momentum(Uphill).message
    assert "after update 1, params['W'][0, 0]" in message and "params {W (3, 2), b (2,)}" in message


def test_no_failure_message_tells_the_leaky_std():
    attempts = [lambda n_in, a: np.sqrt(2 * (1 + a ** 2) / n_in), lambda n_in, a: np.sqrt(2 / ((1 - a ** 2) * n_in)),
                lambda n_in, a: np.sqrt(2 / ((1 + a) * n_in)), lambda n_in, a: np.sqrt(2 / n_in)]
    for fn in attempts:
        message = nb03.check_leaky_he_std(fn).message
        assert "1 + a^2" not in message and "(1 + a**2)" not in message and "1+a^2" not in message, message
    assert "a^2" not in hints.hint_text("leaky_he_std", 2) and "a**2" not in hints.hint_text("leaky_he_std", 2)


def test_the_halving_rule_is_the_librarys():
    from dlhelpers.exercises import references
    assert references.halving_schedule is search.halving_schedule
    assert nb06.check_halving_schedule(search.halving_schedule).passed       # the library's form
    assert nb06.check_halving_schedule(                                      # the rung-list form
        lambda n_trials, reduction_factor, min_epochs, max_epochs: list(zip(*search.halving_schedule(
            n_trials, min_epochs, max_epochs, reduction_factor)))).passed


def test_a_dropout_that_does_nothing_does_not_win():
    """A10: dropout 1e-6 changes nothing; over 12 paired seeds its gain is within the noise."""
    result = nb05.check_regularizer({"dropout_ratio": 1e-6})
    assert not result.passed and "not larger than the seed-to-seed noise" in result.message, result.message


def test_combining_two_is_checked_against_the_best_single_one():
    result = nb05.check_regularizer({"dropout_ratio": 0.1, "weight_decay_lambda": 0.01})
    assert "vs the best single regularizer (dropout_ratio=0.1)" in result.message, result.message
    assert "combining two" in result.message
