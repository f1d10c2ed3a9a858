"""Escalating hints for every exercise, and the reference solution on request.

``hint(name, level)``: level 1 gives the idea, level 2 the shape of the answer, level 3 the key
line (with a blank or two left for the reader). ``solution(name)`` prints the reference source.
Hints never contain a line of the reference solution (a test enforces it).
"""
import inspect

HINTS = {
    # ----------------------------------------------------------------- notebook 01
    "mean_squared_error": (
        "the loss is one number per batch: half the squared distance between y and t for each sample, "
        "averaged over the N samples.",
        "one expression: 0.5 times a sum over ALL entries, divided by the batch size N = y.shape[0].",
        "the core is np.sum((y - t) ** 2); scale it by 0.5 / N.",
    ),
    "cross_entropy_error": (
        "only the probability of the true class counts: the loss of a sample is -log(y_true + delta); "
        "average over the batch.",
        "turn one-hot rows into class indices first (t.argmax(axis=1) when t.ndim == 2), pick one "
        "probability per row, then take -log(... + 1e-7) and the mean over N.",
        "picking the true-class probabilities: y[np.arange(N), t], an array of shape (N,).",
    ),
    "affine_backward": (
        "let the shapes guide you: each gradient has the shape of the thing it is a gradient of.",
        "dx (N, D) is dout (N, M) times W transposed; dW (D, M) is x transposed times dout; db (M,) "
        "adds up dout over the samples.",
        "dW = x.T @ dout; build dx the same way from dout and W, and db with np.sum over axis 0.",
    ),
    "FixedSigmoid": (
        "the net's check named the parameters whose gradients are wrong; now check the suspect layer "
        "alone (check_layer_gradients from dlhelpers.gradcheck) to see whether its forward or its "
        "backward is to blame.",
        "the derivative of y = sigmoid(x) is y (1 - y); the backward multiplies dout by it, with y "
        "stored by forward. Copy the buggy class, keep forward, change one line of backward.",
        "compare BuggySigmoid's backward factor by factor with dout * y * (1 - y): one factor has the wrong sign.",
    ),
    # ----------------------------------------------------------------- notebook 02
    "MyMomentum": (
        "keep one velocity array per parameter key, remembered between calls of update.",
        "in __init__: store lr, momentum and an empty dict v. In update, for each key: create v[key] "
        "as zeros the first time, decay it, subtract lr * grad, then add it to params[key] in place.",
        "the velocity step is v[key] = momentum * v[key] - lr * grads[key]; then params[key] += v[key].",
    ),
    "MyAdam": (
        "Adam keeps two running averages per key: m of the gradient and v of its square, both "
        "started at 0 and corrected for that start.",
        "count t once per update; for each key: update m and v, divide them by (1 - beta1**t) and "
        "(1 - beta2**t), and step params[key] -= lr * m_hat / (sqrt(v_hat) + 1e-8) in place.",
        "the second moment is v = beta2 * v + (1 - beta2) * g * g (g squared element by element).",
    ),
    "Lion": (
        "Lion moves every weight by exactly lr per step, in the direction given by the SIGN of a blend "
        "of the momentum m and the current gradient.",
        "per key: c = beta1 * m + (1 - beta1) * g;  params[key] -= lr * sign(c);  only then "
        "m = beta2 * m + (1 - beta2) * g. Keep m in a dict, created with np.zeros_like.",
        "the step is params[key] -= self.lr * np.sign(c), and m is updated AFTER the step with beta2.",
    ),
    # ----------------------------------------------------------------- notebook 03
    "he_init": (
        "draw standard normal numbers with the generator rng and scale them to the He standard deviation.",
        "std = sqrt(2 / fan_in); the result has shape (fan_in, fan_out) and comes from "
        "rng.standard_normal (never np.random, which ignores rng).",
        "rng.standard_normal((fan_in, fan_out)) gives std 1; multiply by the He std.",
    ),
    "dead_relu_fraction": (
        "a unit is a column of a; it is dead if it is zero for every sample (row).",
        "a boolean per unit from np.all over the samples (axis 0), then the mean of those booleans.",
        "np.all(..., axis=0) over the samples gives one boolean per unit; the mean of booleans is a fraction.",
    ),
    "leaky_he_std": (
        "He's argument: choose the std so that each layer keeps the variance of its input. For "
        "Leaky ReLU, the negative half of z is not zeroed but scaled by a.",
        "split a symmetric z into its positive and negative halves (each carries half of E[z^2]); write "
        "E[leaky(z)^2] as a multiple of Var(z), require n_in * std^2 * (that multiple) = 1 and solve for "
        "std. Check: a = 0 must give He's sqrt(2 / n_in), a = 1 Xavier's sqrt(1 / n_in).",
        "std = sqrt(2 / ((1 + a**2) * n_in)): note a squared, not a.",
    ),
    # ----------------------------------------------------------------- notebook 04
    "batchnorm_forward_train": (
        "normalize every feature (column) with the mean and variance of the batch, then scale by "
        "gamma and shift by beta.",
        "mu and var over axis 0; x_hat is x - mu divided by the square root of var + eps, with eps = 1e-5 "
        "(the eps argument); the output scales x_hat by gamma and adds beta.",
        "the variance is x.var(axis=0) (divide by N, not N - 1), and eps goes INSIDE the square root.",
    ),
    "update_running_stats": (
        "an exponential moving average: the old running value keeps weight momentum, the batch "
        "statistic gets 1 - momentum.",
        "two lines of the same form, one for the mean and one for the variance (x.var(axis=0)); "
        "return them as a tuple (new_mean, new_var).",
        "new = momentum * old + (1 - momentum) * batch_value.",
    ),
    "batchnorm_backward": (
        "dbeta and dgamma are sums over the batch; dx must account for the mean and variance "
        "depending on every sample.",
        "recompute inv_std and x_hat from x; g = dout * gamma; dx = inv_std times (g minus its batch "
        "mean minus x_hat times the batch mean of g * x_hat).",
        "dgamma = sum over the batch of dout * x_hat; dx needs g.mean(axis=0) and (g * x_hat).mean(axis=0).",
    ),
    "batchnorm_backward_staged": (
        "walk the stages of batchnorm_forward_staged backwards, one local derivative per stage, "
        "adding up the gradients where a value feeds two stages (x_mu feeds x_hat and sq; x feeds x_mu and mu).",
        "order: out -> (dgamma, dbeta, dx_hat) -> (dinv_std, dx_mu) -> dstd -> dvar -> dsq -> "
        "dx_mu += ... -> dmu -> dx = dx_mu + dmu / N. A mean over N spreads its gradient as 1/N to every row.",
        "the variance branch: dvar = -dinv_std / std**2 * 0.5 / std, then dx_mu gets an extra 2 * x_mu * dvar / N.",
    ),
    # ----------------------------------------------------------------- notebook 05
    "weight_decay_terms": (
        "the penalty is lambda/2 times the squared norm of W; its gradient is added to the data gradient.",
        "return a pair: (a float lam/2 * sum of W squared, an array dW plus the penalty's derivative).",
        "the derivative of lam / 2 * W**2 is lam * W.",
    ),
    "inverted_dropout_train": (
        "keep the surviving units and scale them up so that the expected output equals x.",
        "zero the dropped units with the mask, then divide by the keep probability 1 - ratio.",
        "x * keep zeroes the dropped units; then scale by 1 / (1 - ratio).",
    ),
    "early_stop": (
        "walk through the epochs keeping the best accuracy so far (epoch 0 included) and a count of "
        "epochs without improvement.",
        "start with best_epoch = 0; for epoch 1, 2, ...: strictly better than the best so far -> new "
        "best, counter to 0; else counter + 1, and when it reaches patience return (epoch, best_epoch). "
        "Without a stop, return (last epoch, best_epoch).",
        "the improvement test is a strict comparison: val_acc[epoch] > (the best so far, which starts at val_acc[0]).",
    ),
    "regularizer_settings": (
        "the baseline learns its 300 images by heart (train 1.000); a regularizer that narrows the "
        "train-validation gap without making the net underfit raises validation accuracy.",
        "return a dict with the keys weight_decay_lambda and/or dropout_ratio; the checker trains the "
        "net on 12 seeds without and with your settings (the same seeds) and needs a mean gain in "
        "validation accuracy above 0.5 points and above 3 standard errors.",
        "mild dropout wins clearly here (Section 3's 0.1 is printed, so it does not count: try a neighbour, or "
        "add a little weight decay to it); weight decay alone stays within the seed-to-seed noise at 100 "
        "epochs, and 0.1 or more of either underfits.",
    ),
    # ----------------------------------------------------------------- notebook 06
    "log_uniform_draws": (
        "draw the EXPONENT uniformly, then raise 10 to it: every decade gets the same share of samples.",
        "one call of rng.uniform with the two exponent bounds and n gives n exponents; turn them into values.",
        "values = 10.0 ** exponents.",
    ),
    "narrow_range": (
        "take the top_k values by score and span their range on a log scale, a little wider.",
        "sort by DESCENDING score (np.argsort(-scores)), take log10 of the top_k values, subtract "
        "margin from the smallest log, add it to the largest, and go back with 10 ** ... .",
        "low = 10 ** (log10 of the smallest top value - margin); high likewise with + margin.",
    ),
    "update_ratio": (
        "how big is one update compared with the weights it changes?",
        "the Frobenius norm (np.linalg.norm) of the update W_after - W_before, divided by the norm "
        "of W_before; return one float.",
        "the numerator is np.linalg.norm of the difference of the two matrices (after minus before).",
    ),
    "halving_schedule": (
        "each rung trains the surviving trials eta times longer and keeps only the best 1 / eta of them "
        "for the next rung; the winner trains for the full max_epochs.",
        "start with n_trials at min_epochs; add a rung (n // eta trials, eta times the epochs) while eta times "
        "the epochs still fits within max_epochs and n // eta is at least 1; then raise the last rung's "
        "epochs to max_epochs.",
        "add rungs while budgets[-1] * eta <= max_epochs and the next rung keeps at least one trial; "
        "then raise the last budget to max_epochs.",
    ),
    "resumed_halving": (
        "successive halving trains many configs briefly, keeps the best and trains those longer; resuming "
        "means a survivor continues from the state it reached instead of starting again.",
        "get (sizes, budgets) from search.halving_schedule; keep a dict index -> state (None at first); at rung "
        "k train every alive config for the epochs its budget adds, evaluate it, then keep the best sizes[k + 1].",
        "states[i] = train(configs[i], budgets[k] - budgets[k - 1], states[i]) (budgets[0] at rung 0).",
    ),
}


def first_hint(name):
    """Level-1 hint text of exercise ``name`` (empty string for an unknown name)."""
    levels = HINTS.get(name)
    return levels[0] if levels else ""


def hint_text(name, level=1):
    """Hint text of exercise ``name`` at ``level`` 1 (the idea), 2 (the shape) or 3 (the key line)."""
    if name not in HINTS:
        raise ValueError(f"no exercise named {name!r}; known exercises: {', '.join(sorted(HINTS))}")
    if level not in (1, 2, 3):
        raise ValueError(f"level must be 1 (the idea), 2 (the shape of the answer) or 3 (the key line), "
                         f"got {level!r}")
    return HINTS[name][level - 1]


def hint(name, level=1):
    """Print hint ``level`` (1, 2 or 3) for exercise ``name``, e.g. ``hint('cross_entropy_error', 2)``."""
    text = hint_text(name, level)
    more = f"  (next: hint({name!r}, {level + 1}))" if level < 3 else f"  (the answer: solution({name!r}))"
    print(f"Hint {level} for {name}: {text}{more}")


def solution_source(name):
    """Source code of the reference solution of exercise ``name``."""
    from . import references
    if name not in HINTS or not hasattr(references, name):
        raise ValueError(f"no exercise named {name!r}; known exercises: {', '.join(sorted(HINTS))}")
    return inspect.getsource(getattr(references, name))


def solution(name):
    """Print the reference solution of exercise ``name`` (only when you ask for it)."""
    print(solution_source(name))


def _squeeze(text):
    return "".join(text.split())


def reference_statements(name, min_chars=20):
    """Statements of the reference of ``name`` (whitespace removed) that no hint or message may contain.

    Simple statements of the reference's body (docstrings excluded), plus the expression of each
    ``return`` and assignment, keeping those of at least ``min_chars`` non-space characters.
    """
    import ast
    import textwrap

    source = textwrap.dedent(solution_source(name))
    tree = ast.parse(source)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.If, ast.For, ast.While, ast.With,
                             ast.Try, ast.Module)) or not isinstance(node, ast.stmt):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        found.add(_squeeze(ast.get_source_segment(source, node)))
        value = getattr(node, "value", None)
        if isinstance(node, (ast.Return, ast.Assign, ast.AugAssign)) and value is not None:
            found.add(_squeeze(ast.get_source_segment(source, value)))
    return sorted(s for s in found if len(s) >= min_chars)


def leaked_reference_lines(text, names=None):
    """The reference statements (of exercises ``names``, default all) that occur in ``text``."""
    squeezed = _squeeze(text)
    return [(name, s) for name in (names or HINTS) for s in reference_statements(name) if s in squeezed]
