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


def resumed_halving(configs, train, evaluate, min_epochs, max_epochs, eta):
    """Successive halving, survivors resumed from their state: (best index, rungs)."""
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
    "resumed_halving": nb06.check_resumed_halving,
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


# --------------------------------------------------------------------------- one rule for every exercise
import json  # noqa: E402
import pathlib  # noqa: E402

import numpy as np  # noqa: E402

from dlhelpers.exercises import checker  # noqa: E402

#: Exercises whose inputs are plain arrays passed to one function (FixedSigmoid, the optimizers,
#: he_init's generator and the regularizer's settings are covered by their own rows below).
FUNCTIONS = ["mean_squared_error", "cross_entropy_error", "affine_backward", "dead_relu_fraction",
             "batchnorm_forward_train", "update_running_stats", "batchnorm_backward",
             "batchnorm_backward_staged", "weight_decay_terms", "inverted_dropout_train", "narrow_range",
             "update_ratio"]
OPTIMIZERS = ["MyMomentum", "MyAdam", "Lion"]


def _spoil_first_array(value):
    """Change the first float array found in ``value`` (an array, or a dict of them) in place."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        value.flat[0] += 1.0
        return True
    if isinstance(value, dict):
        return any(_spoil_first_array(v) for v in value.values())
    return False


@pytest.mark.parametrize("name", FUNCTIONS)
def test_an_input_changed_in_place_fails_every_function_exercise(name, capsys):
    reference = getattr(references, name)

    def in_place(*args):
        out = reference(*args)  # the right answer, but the caller's input is spoiled afterwards
        assert any(_spoil_first_array(a) for a in args)
        return out
    result = CHECKERS[name](in_place)
    assert not result.passed and "in place" in result.message, result.message


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_gradients_changed_in_place_fail_every_optimizer(name):
    class Spoils(getattr(references, name)):
        def update(self, params, grads):
            super().update(params, grads)
            for g in grads.values():
                g *= 2.0
    result = CHECKERS[name](Spoils)
    assert not result.passed and "in place" in result.message, result.message


def test_fixed_sigmoid_may_not_change_its_inputs():
    class Spoils(references.FixedSigmoid):
        def forward(self, x, train_flg=False):
            out = super().forward(x, train_flg)
            x *= 2.0
            return out
    assert "changed its input x in place" in nb01.check_fixed_sigmoid(Spoils).message


@pytest.mark.parametrize("name", ["log_uniform_draws", "affine_backward", "batchnorm_forward_train",
                                  "inverted_dropout_train"])
def test_a_list_instead_of_an_array_is_refused_by_one_rule(name):
    reference = getattr(references, name)

    def listed(*args):
        out = reference(*args)
        return tuple(o.tolist() for o in out) if isinstance(out, tuple) else out.tolist()
    result = CHECKERS[name](listed)
    assert not result.passed and "return a NumPy array" in result.message, result.message


@pytest.mark.parametrize("name", FUNCTIONS + ["log_uniform_draws", "halving_schedule", "leaky_he_std", "early_stop"])
def test_code_that_still_reaches_raise_not_implemented_is_told_so(name):
    reference = getattr(references, name)

    def attempt(*args):
        reference(*args)  # the reader's code, written above the stub's last line
        raise NotImplementedError

    if name == "halving_schedule":  # the library's form: (n_trials, min_epochs, max_epochs, eta)
        def attempt(n_trials, min_epochs, max_epochs, eta):
            reference(n_trials, min_epochs, max_epochs, eta)
            raise NotImplementedError
    result = CHECKERS[name](attempt)
    assert not result.passed and result.attempted and "still reaches `raise NotImplementedError`" in result.message


@pytest.mark.parametrize("name", sorted(set(CHECKERS) - {"regularizer_settings"}))
def test_an_endless_loop_is_stopped_and_named(name, monkeypatch):
    """One rule: every check stops the reader's code after checker.TIME_LIMIT seconds."""
    monkeypatch.setattr(checker, "TIME_LIMIT", 0.3)

    def endless(*args, **kwargs):
        while True:
            pass
    if name in ("FixedSigmoid", "MyMomentum", "MyAdam", "Lion"):
        class Endless(getattr(references, name)):
            def forward(self, x, train_flg=False):
                return endless()

            def update(self, params, grads):
                endless()
        endless_obj = Endless
    else:
        endless_obj = endless
    result = CHECKERS[name](endless_obj)
    assert not result.passed and "still running after 0.3 s" in result.message and "endless loop" in result.message


def test_an_endless_regularizer_function_is_stopped(monkeypatch):
    monkeypatch.setattr(checker, "TIME_LIMIT", 0.3)

    def regularizer_settings():
        while True:
            pass
    assert "still running after 0.3 s" in nb05.check_regularizer(regularizer_settings).message


@pytest.mark.parametrize("name", ["mean_squared_error", "cross_entropy_error"])
def test_the_librarys_own_function_is_refused(name):
    import dlhelpers
    result = CHECKERS[name](getattr(dlhelpers, name))
    assert not result.passed and "library's own" in result.message


def test_no_exercise_module_binds_a_reference_under_an_exercise_name():
    for module in (nb01, nb02, nb03, nb04, nb05, nb06):
        exposed = [name for name in hints.HINTS if hasattr(module, name)]
        assert not exposed, f"{module.__name__} exposes {exposed}: a skipped stub cell would find the answer"


# --------------------------------------------------------------------------- before the reveal
NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[1] / "notebooks").glob("0[1-6]_*.ipynb"))
#: Names kept when statements are normalized: modules and builtins that carry the meaning of a line.
KEPT_NAMES = {"np", "math", "self", "float", "int", "len", "range", "sum", "max", "min", "abs", "True",
              "False", "None"}


class _Normalize(ast.NodeTransformer):
    """Local names and integer constants become ``_`` (attributes, dict keys and float constants stay),
    so a renamed copy, or one on other sizes, still matches."""

    def visit_Constant(self, node):
        if isinstance(node.value, int) and not isinstance(node.value, bool):
            return ast.copy_location(ast.Name(id="_", ctx=ast.Load()), node)
        return node

    def visit_UnaryOp(self, node):
        node = self.generic_visit(node)
        if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Name) and node.operand.id == "_":
            return node.operand
        return node

    def visit_Name(self, node):
        return ast.copy_location(ast.Name(id=node.id if node.id in KEPT_NAMES else "_", ctx=node.ctx), node)

    def visit_arg(self, node):
        node.arg = "_"
        return node


def _computes(node):
    """True if a statement computes something: arithmetic, a comparison or a NumPy call, and is
    not argument checking (raise, assert, calls of check_* / _check_* helpers)."""
    if isinstance(node, (ast.Raise, ast.Assert)):
        return False
    calls = [n.func for n in ast.walk(node) if isinstance(n, ast.Call)]
    names = [f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else "" for f in calls]
    if any("check" in n or n.startswith("require") for n in names):
        return False
    numpy_call = any(isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "np"
                     for f in calls)
    arithmetic = any(isinstance(n, (ast.BinOp, ast.AugAssign, ast.Compare)) for n in ast.walk(node))
    return numpy_call or arithmetic


def normalized_statements(source, min_chars=12):
    """Normalized forms of the computing statements (and of their right-hand sides) of ``source``:
    local names become ``_``, whitespace is dropped; at least ``min_chars`` characters."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.If, ast.For,
                                                                 ast.While, ast.With, ast.Try, ast.Import,
                                                                 ast.ImportFrom)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) or not _computes(node):
            continue  # a docstring, or no computation
        parts = [node]
        value = getattr(node, "value", None)
        if isinstance(node, (ast.Return, ast.Assign)) and value is not None and _computes(ast.Expr(value)):
            parts.append(value)
        # larger sub-expressions too (a line printed inside an f-string or a bigger formula)
        parts += [n for n in ast.walk(node) if isinstance(n, (ast.BinOp, ast.Call, ast.Subscript))
                  and n is not value and _computes(ast.Expr(n)) and len(ast.unparse(n)) >= 2 * min_chars]
        for part in parts:
            text = "".join(ast.unparse(_Normalize().visit(ast.parse(ast.unparse(part)))).split())
            if len(text) >= min_chars and text.count("_") < len(text) / 3:
                found.add(text)
    return found


#: The library's own code that answers each exercise (what a notebook prints with code_of): its lines
#: count as the answer too, as do the reference's.
COUNTERPARTS = {
    "mean_squared_error": ["dlhelpers.functions:mean_squared_error"],
    "cross_entropy_error": ["dlhelpers.functions:cross_entropy_error"],
    "affine_backward": ["dlhelpers.layers:Affine.backward"],
    "FixedSigmoid": ["dlhelpers.layers:Sigmoid"],
    "MyMomentum": ["dlhelpers.optimizers:Momentum"],
    "MyAdam": ["dlhelpers.optimizers:Adam"],
    "he_init": ["dlhelpers.initializers:init_weights"],
    "dead_relu_fraction": ["dlhelpers.experiments.init_activations:dead_relu_fraction"],
    "leaky_he_std": ["dlhelpers.initializers:he_std"],
    "batchnorm_forward_train": ["dlhelpers.layers:BatchNormalization._forward_2d"],
    "update_running_stats": ["dlhelpers.layers:BatchNormalization._forward_2d"],
    "batchnorm_backward": ["dlhelpers.layers:BatchNormalization.backward"],
    "weight_decay_terms": ["dlhelpers.network:MultiLayerNet.weight_decay_penalty"],
    "inverted_dropout_train": ["dlhelpers.layers:Dropout.forward"],
    "early_stop": ["dlhelpers.early_stopping:early_stop_epoch"],
    "log_uniform_draws": ["dlhelpers.spaces:sample_log_uniform"],
    "narrow_range": ["dlhelpers.search:narrow_ranges"],
}
#: Key lines written the common way, where the reference writes them otherwise.
KEY_EXTRA = {
    "log_uniform_draws": ["values = 10 ** rng.uniform(low_exp, high_exp, n)"],
    "leaky_he_std": ["std = np.sqrt(2 / ((1 + a ** 2) * n_in))", "std = np.sqrt(2 / (1 + a ** 2) / n_in)"],
    "dead_relu_fraction": ["dead = np.mean(np.all(a == 0, axis=0))"],
    "update_ratio": ["ratio = np.linalg.norm(W_after - W_before) / np.linalg.norm(W_before)"],
}
#: What an exercise hands the reader on purpose (01's bug hunt starts from the buggy class).
GIVEN = {"FixedSigmoid": ["dlhelpers.exercises.nb01:BuggySigmoid"]}
#: Lines every reader has seen before any exercise (the plain SGD step): not an answer.
COMMON = ["dlhelpers.optimizers:SGD"]
#: Idioms a reference shares with ordinary code before it (normalized): converting to an array, a
#: column sum of a product, a stable sort, scaling a standard normal draw. None of them gives the
#: answer away (he_init's answer is the scale, not the draw; narrow_range's is which trials to keep).
IDIOMS = {"np.asarray(_)", "_=np.asarray(_)", "np.sum(_*_,axis=_)", "np.argsort(_,kind='stable')",
          "_=np.argsort(_,kind='stable')", "_*_.standard_normal((_,_))"}


def _source_of(spec):
    import importlib
    import textwrap
    module, _, attr = spec.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return textwrap.dedent(inspect.getsource(obj))


def _key_lines(name, stub_source=""):
    """Normalized statements of the reference and of the library's counterparts, minus what the stub
    cell and the exercise's given material show anyway."""
    lines = normalized_statements(_source_of(f"dlhelpers.exercises.references:{name}"))
    for spec in COUNTERPARTS.get(name, []):
        lines |= normalized_statements(_source_of(spec))
    for line in KEY_EXTRA.get(name, []):
        lines |= normalized_statements(line)
    for spec in GIVEN.get(name, []) + COMMON:
        lines -= normalized_statements(_source_of(spec))
    return lines - normalized_statements(stub_source) - IDIOMS


def _cell_texts(cell):
    """The code a cell shows: its source (code cells) and its printed outputs (e.g. code_of(...))."""
    texts = ["".join(cell["source"])] if cell["cell_type"] == "code" else []
    dedent = __import__("textwrap").dedent
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            texts.append(dedent("".join(out.get("text", ""))))
        elif "data" in out and "text/plain" in out["data"]:
            texts.append(dedent("".join(out["data"]["text/plain"])))
    if cell["cell_type"] == "markdown":
        source = "".join(cell["source"])
        texts += [block.split("\n", 1)[1] if "\n" in block else "" for block in source.split("```")[1::2]]
    return texts


def _stub_cells(cells):
    """{exercise name: index of the cell that defines its stub}."""
    stubs = {}
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        try:
            tree = ast.parse("".join(cell["source"]))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in hints.HINTS:
                stubs.setdefault(node.name, i)
    return stubs


def answers_before_their_stub(path):
    """[(exercise, cell index, normalized reference line)] for each reference line shown before its stub."""
    cells = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))["cells"]
    found = []
    for name, stub in sorted(_stub_cells(cells).items(), key=lambda kv: kv[1]):
        key = _key_lines(name, "".join(cells[stub]["source"]))
        for i in range(stub):
            shown = set().union(*(normalized_statements(t) for t in _cell_texts(cells[i])))
            found += [(name, i, line) for line in sorted(key & shown)]
    return found


def test_the_before_reveal_guard_sees_a_renamed_copy():
    lines = _key_lines("mean_squared_error")
    copy = "def mse(a, b):\n    m = a.shape[0]\n    return 0.5 * np.sum((a - b) ** 2) / m\n"
    assert lines & normalized_statements(copy)
    assert not lines & normalized_statements("loss = np.mean(np.abs(a - b))\n")
    # the library's version printed earlier counts too (02 printed Momentum's source above MyMomentum)
    printed = inspect.getsource(__import__("dlhelpers").optimizers.Momentum)
    assert _key_lines("MyMomentum") & normalized_statements(__import__("textwrap").dedent(printed))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name[:2] for p in NOTEBOOKS])
def test_no_answer_is_on_screen_before_its_stub(path):
    found = answers_before_their_stub(path)
    assert not found, "reference lines shown before their stub:\n" + "\n".join(
        f"  {name}: cell {i}: {line}" for name, i, line in found)
