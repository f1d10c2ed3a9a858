"""Every exercise: the reference passes its checker, a stub is "not attempted yet" (printed
identically run to run), hints escalate, and neither hints nor failure messages print the reference."""
import ast
import inspect

import pytest

import dlhelpers.exercises as ex
from dlhelpers.exercises import hints, nb01, nb02, nb03, nb04, nb05, nb06, references
from dlhelpers.exercises.checker import is_stub


# --------------------------------------------------------------------------- stubs as a notebook holds them
def mean_squared_error(y, t):
    """Mean over the batch of 1/2 * sum_k (y_k - t_k)^2."""
    # your code here
    raise NotImplementedError


def cross_entropy_error(y, t):
    """Mean cross-entropy; t as indices (N,) or one-hot (N, C)."""
    # your code here
    raise NotImplementedError


def affine_backward(dout, x, W):
    """Return (dx, dW, db)."""
    # your code here
    raise NotImplementedError


class FixedSigmoid:
    """BuggySigmoid with its backward fixed."""

    def forward(self, x, train_flg=False):
        # your code here
        raise NotImplementedError

    def backward(self, dout):
        # your code here
        raise NotImplementedError


class MyMomentum:
    """Momentum SGD."""

    def __init__(self, lr=0.01, momentum=0.9):
        # your code here
        raise NotImplementedError

    def update(self, params, grads):
        # your code here
        raise NotImplementedError


class MyAdam:
    """Adam."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2 = lr, beta1, beta2

    def update(self, params, grads):
        # your code here
        raise NotImplementedError


class Lion:
    """Lion."""

    def __init__(self, lr=1e-4, beta1=0.9, beta2=0.99):
        pass

    def update(self, params, grads):
        ...


def he_init(fan_in, fan_out, rng):
    """He init."""
    # your code here
    raise NotImplementedError


def dead_relu_fraction(a):
    """Fraction of dead units."""
    pass


def leaky_he_std(n_in, a):
    """He-style std for Leaky ReLU."""
    # your code here
    raise NotImplementedError


def batchnorm_forward_train(x, gamma, beta, eps=1e-5):
    """BN forward, training mode."""
    # your code here
    raise NotImplementedError


def update_running_stats(running_mean, running_var, x, momentum=0.9):
    """Running statistics."""
    # your code here
    raise NotImplementedError


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    """BN backward."""
    # your code here
    raise NotImplementedError


def batchnorm_backward_staged(dout, cache):
    """BN backward through the staged graph."""
    # your code here
    raise NotImplementedError


def weight_decay_terms(W, dW, lam):
    """(penalty, total gradient)."""
    # your code here
    raise NotImplementedError


def inverted_dropout_train(x, keep, ratio):
    """Inverted dropout."""
    # your code here
    return None


def early_stop(val_acc, patience):
    """(stop_epoch, best_epoch)."""
    # your code here
    raise NotImplementedError


def regularizer_settings():
    """Settings dict."""
    # your code here
    raise NotImplementedError


def log_uniform_draws(rng, low_exp, high_exp, n):
    """n log-uniform values."""
    # your code here
    raise NotImplementedError


def narrow_range(values, scores, top_k=5, margin=0.25):
    """(low, high)."""
    # your code here
    raise NotImplementedError


def update_ratio(W_before, W_after):
    """Update-to-weight ratio."""
    # your code here
    raise NotImplementedError


def halving_schedule(n_trials, reduction_factor, min_epochs, max_epochs):
    """Rungs of successive halving."""
    # your code here
    raise NotImplementedError


CHECKERS = {
    "mean_squared_error": nb01.check_mean_squared_error,
    "cross_entropy_error": nb01.check_cross_entropy_error,
    "affine_backward": nb01.check_affine_backward,
    "FixedSigmoid": nb01.check_fixed_sigmoid,
    "MyMomentum": nb02.check_momentum,
    "MyAdam": nb02.check_adam,
    "Lion": nb02.check_lion,
    "he_init": nb03.check_he_init,
    "dead_relu_fraction": nb03.check_dead_relu_fraction,
    "leaky_he_std": nb03.check_leaky_he_std,
    "batchnorm_forward_train": nb04.check_batchnorm_forward,
    "update_running_stats": nb04.check_update_running_stats,
    "batchnorm_backward": nb04.check_batchnorm_backward,
    "batchnorm_backward_staged": nb04.check_batchnorm_backward_staged,
    "weight_decay_terms": nb05.check_weight_decay_terms,
    "inverted_dropout_train": nb05.check_inverted_dropout_train,
    "early_stop": nb05.check_early_stop,
    "regularizer_settings": nb05.check_regularizer,
    "log_uniform_draws": nb06.check_log_uniform_draws,
    "narrow_range": nb06.check_narrow_range,
    "update_ratio": nb06.check_update_ratio,
    "halving_schedule": nb06.check_halving_schedule,
}
STUBS = {name: globals()[name] for name in CHECKERS}


def assert_no_reference(message):
    """Fail if ``message`` contains a statement of any reference solution."""
    leaked = hints.leaked_reference_lines(message)
    assert not leaked, f"the message prints reference code {leaked}:\n{message}"


def test_every_exercise_has_a_checker_hints_and_a_reference():
    assert set(CHECKERS) == set(hints.HINTS)
    for name in CHECKERS:
        assert hasattr(references, name), name
        assert all(hints.hint_text(name, level) for level in (1, 2, 3)), name


@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_the_reference_passes_its_checker(name, capsys):
    result = CHECKERS[name](getattr(references, name))
    out = capsys.readouterr().out
    assert result.passed, result.message
    assert out.startswith("✔"), out
    assert_no_reference(out)


@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_a_stub_is_not_attempted_and_printed_identically(name, capsys):
    assert is_stub(STUBS[name]), name
    first = CHECKERS[name](STUBS[name])
    out1 = capsys.readouterr().out
    second = CHECKERS[name](STUBS[name])
    out2 = capsys.readouterr().out
    assert not first.passed and not first.attempted
    assert out1 == out2 == first.message + "\n" == second.message + "\n"
    assert "not attempted yet" in out1 and "Hint 1: " + hints.first_hint(name) in out1
    assert f"hint({name!r}, 2)" in out1 and f"solution({name!r})" in out1
    assert_no_reference(out1)


def test_a_stub_raising_at_run_time_is_not_attempted(capsys):
    """A stub whose source cannot be read (built on the fly) is caught by its NotImplementedError."""
    def make():
        def fn(y, t):
            raise NotImplementedError
        return fn
    stub = make()
    result = nb01.check_mean_squared_error(lambda y, t: stub(y, t))
    assert not result.attempted and "not attempted yet" in capsys.readouterr().out


def test_working_code_is_not_a_stub():
    assert not is_stub(references.mean_squared_error)
    assert not is_stub(references.MyAdam)
    assert not is_stub(lambda y, t: None)  # inline lambda: judged by running it


@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_hints_escalate_and_never_print_the_reference(name, capsys):
    texts = [hints.hint_text(name, level) for level in (1, 2, 3)]
    assert len(set(texts)) == 3
    for level, text in enumerate(texts, start=1):
        assert_no_reference(text)
        ex.hint(name, level)
        out = capsys.readouterr().out
        assert out.startswith(f"Hint {level} for {name}: {text}")


def test_the_leak_guard_catches_a_printed_reference():
    """The guard itself works: the reference's own source is flagged."""
    for name in CHECKERS:
        assert hints.leaked_reference_lines(hints.solution_source(name), [name]), name


def test_solution_prints_the_reference_on_request(capsys):
    ex.solution("cross_entropy_error")
    out = capsys.readouterr().out
    assert out == inspect.getsource(references.cross_entropy_error) + "\n"


def test_unknown_names_and_levels_are_explained():
    with pytest.raises(ValueError, match="no exercise named 'cross_entropy'.*cross_entropy_error"):
        ex.hint("cross_entropy")
    with pytest.raises(ValueError, match="level must be 1"):
        ex.hint("early_stop", 4)
    with pytest.raises(ValueError, match="no exercise named"):
        ex.solution("nope")


def _imports(module):
    tree = ast.parse(inspect.getsource(module))
    imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    return imported + [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]


def test_references_do_not_import_experiments():
    # NumPy, and the library's halving schedule (the one rule the exercise is checked against)
    assert sorted(_imports(references)) == ["numpy", "search"], _imports(references)
    assert references.halving_schedule is __import__("dlhelpers").search.halving_schedule
    # only 05's open task runs an experiment: the notebook's own trial, not a private training loop
    for module in (nb01, nb02, nb03, nb04, nb06):
        assert not any("experiments" in m for m in _imports(module)), module.__name__
    assert [m for m in _imports(nb05) if "experiments" in m] == ["experiments.overfitting"]
    source = inspect.getsource(nb05)
    assert "overfit_trial" in source and "threadpoolctl" not in source and "MultiLayerNet" not in source


def test_shared_helpers_are_defined_once():
    for module in (nb01, nb02, nb03, nb04, nb05, nb06):
        source = inspect.getsource(module)
        assert "class Raised" not in source and "class raised" not in source, module.__name__
    assert not hasattr(nb03, "reference_he_init")
    assert not hasattr(nb06, "sample_log_uniform")  # the exercise no longer shadows dlhelpers.search's


def test_checkers_are_fast():
    import time
    for name, check in CHECKERS.items():
        if name == "regularizer_settings":
            continue
        start = time.perf_counter()
        check(getattr(references, name))
        assert time.perf_counter() - start < 1.0, name


def test_a_checker_given_something_else_than_code_says_so():
    with pytest.raises(TypeError, match="expects your he_init itself"):
        nb03.check_he_init(None)
    with pytest.raises(TypeError, match="expects your mean_squared_error itself"):
        nb01.check_mean_squared_error(0.5)
