"""Experiments of notebook 03 (weight initialization, activations and their histograms); nothing here draws.

* :func:`symmetric_init_experiment` - all-zero or all-equal weights keep every hidden unit identical;
* :func:`activation_histograms`, :func:`saturation_fraction`, :func:`layer_stats`,
  :func:`within_between_std` - the book's 5 x 100 histogram experiment (the notebook writes its
  loop out; this copy feeds the playground);
* :func:`forward_backward`, :func:`geometric_mean` - the same experiment through the layers'
  forward and backward: gradient std and predicted vs measured gain per layer;
* :data:`ACTIVATION_CURVES`, :func:`maxout` - activation functions and their derivatives;
* :func:`dead_relu_fraction`, :func:`dead_units_after_training`, :func:`mean_and_se` - dead ReLUs
  over paired seeds;
* :func:`linear_stack` - a stack of linear layers is one linear layer;
* :func:`preprocess_2d`, :func:`gradient_sign_agreement`, :func:`positive_input_paths`,
  :func:`same_sign_steps` - data preprocessing and the all-positive-input zig-zag;
* :func:`layer_std_profile`, :data:`MNIST_INIT_SETTINGS` - the init schemes in 10 layers and on MNIST;
* :data:`TANH_GAINS`, :func:`tanh_net`, :func:`layer_diagnostics`, :func:`watch_training`,
  :func:`tanh_fixed_point` - watching a tanh net while it trains (section 9).

The figures and playgrounds are in :mod:`dlhelpers.figures.init_activations`.
"""
from functools import partial

import numpy as np

from ..activations import ACTIVATIONS, get_activation
from ..data import load_mnist
from ..initializers import INIT_RULES, init_std, init_weights
from ..layers import Affine
from ..network import MultiLayerNet
from ..optimizers import SGD
from ..parallel import blas_thread_limit
from ..training import Trainer

__all__ = ["symmetric_init_experiment", "unit_spread", "activation_histograms", "saturation_fraction",
           "layer_stats", "within_between_std", "forward_backward", "geometric_mean", "ACTIVATION_CURVES",
           "maxout", "dead_relu_fraction", "dead_units_after_training", "mean_and_se", "linear_stack",
           "preprocess_2d", "gradient_sign_agreement", "positive_input_paths", "same_sign_steps", "init_weights",
           "INIT_RULES", "layer_std_profile", "MNIST_INIT_SETTINGS", "TANH_GAINS", "tanh_net",
           "layer_diagnostics", "watch_training", "tanh_fixed_point", "SHOWN"]

#: How notebook 03 shows each function it calls (see tests/test_teaching_code.py).
SHOWN = {
    "symmetric_init_experiment": "printed",
    "unit_spread": "printed",
    "activation_histograms": "tied",
    "saturation_fraction": "printed",
    "layer_stats": "plumbing",
    "within_between_std": "printed",
    "maxout": "printed",
    "dead_units_after_training": "printed",
    "dead_relu_fraction": "printed",
    "mean_and_se": "plumbing",
    "linear_stack": "printed",
    "gradient_sign_agreement": "printed",
    "positive_input_paths": "printed",
    "same_sign_steps": "plumbing",
    "preprocess_2d": "printed",
    "layer_std_profile": "tied",
    "geometric_mean": "plumbing",
    "tanh_net": "printed",
    "layer_diagnostics": "printed",
    "watch_training": "printed",
    "tanh_fixed_point": "printed",
}


# --------------------------------------------------------------------------- symmetry
def unit_spread(W):
    """Largest difference between any hidden unit's incoming weights and unit 0's.

    Shown in: notebook 03, section 1

    ``W`` has shape (fan_in, units); column j holds the weights into unit j. 0 means that every
    unit of the layer computes exactly the same function.
    """
    W = np.asarray(W)
    return float(np.max(np.abs(W - W[:, :1])))


def symmetric_init_experiment(weight_init_std="zero", activation="sigmoid", hidden_size_list=(50, 50),
                              iterations=300, lr=0.1, mini_batch_size=100, seed=0, dtype=np.float32):
    """Train a net whose weights all start at the same value, and measure how its units differ.

    Shown in: notebook 03, section 1

    Parameters
    ----------
    weight_init_std : 'zero', 'equal' (every weight 0.01) or anything :class:`MultiLayerNet`
        accepts ('he', 0.01, ...) for a random start to compare with.
    activation : str
    hidden_size_list : sequence of int
    iterations, lr, mini_batch_size, seed : training settings (SGD on the bundled MNIST sample).
    dtype : precision of the network.

    Returns
    -------
    dict with 'network' (trained), 'spread' (dict 'W1', 'W2', ... -> :func:`unit_spread` of each
    hidden layer's incoming weights after training), 'losses' (per iteration), 'train_acc',
    'W1_init' (the first layer's weights before training, shape (784, units)).
    """
    (x, t), _ = load_mnist()
    x = x.astype(dtype)
    random_init = weight_init_std not in ("zero", "equal")
    net = MultiLayerNet(784, list(hidden_size_list), 10, activation=activation,
                        weight_init_std=weight_init_std if random_init else "he", seed=seed, dtype=dtype)
    if not random_init:
        value = 0.0 if weight_init_std == "zero" else 0.01
        for key, p in net.params.items():
            if key.startswith("W"):
                p[...] = value
    W1_init = net.params["W1"].copy()
    rng = np.random.default_rng(seed)
    opt = SGD(lr)
    losses = []
    with blas_thread_limit(1):   # faster for these small matrices, and reproducible
        for _ in range(iterations):
            idx = rng.choice(len(x), mini_batch_size, replace=False)
            grads = net.gradient(x[idx], t[idx], copy=False)
            losses.append(net.last_loss)
            opt.update(net.params, grads)
    n_hidden = len(hidden_size_list)
    spread = {f"W{i}": unit_spread(net.params[f"W{i}"]) for i in range(1, n_hidden + 1)}
    return {"network": net, "spread": spread, "losses": np.array(losses),
            "train_acc": net.accuracy(x, t), "W1_init": W1_init}


# --------------------------------------------------------------------------- histograms
def activation_histograms(activation="sigmoid", weight_init_std=1.0, n_layers=5, n_units=100, n_samples=1000,
                          seed=0, dtype=np.float64):
    """The book's experiment: Gaussian input through ``n_layers`` layers of ``n_units`` units.

    x (n_samples, n_units) ~ N(0, 1); each layer computes z = x @ W (no bias) with W drawn from
    N(0, std^2), then x = activation(z).

    Parameters
    ----------
    activation : str
        A name of :data:`dlhelpers.activations.ACTIVATIONS`.
    weight_init_std : float or str
        A number, or a scheme of :mod:`dlhelpers.initializers` ('xavier': sqrt(1/n),
        'he': sqrt(2/n)), where n is the fan-in (``n_units``).

    Returns
    -------
    list of ``n_layers`` arrays, each (n_samples, n_units): every layer's activations.
    """
    rng = np.random.default_rng(seed)
    fn = get_activation(activation).function
    x = rng.standard_normal((n_samples, n_units)).astype(dtype)
    acts = []
    with blas_thread_limit(1):
        for _ in range(n_layers):
            W = init_weights(weight_init_std, n_units, n_units, rng, dtype)
            x = fn(x @ W)
            acts.append(x)
    return acts


def saturation_fraction(acts, tol=0.05):
    """Fraction of activations within ``tol`` of 0 or 1 (sigmoid saturation), per layer.

    Shown in: notebook 03, section 2
    """
    return np.array([float(np.mean((a < tol) | (a > 1 - tol))) for a in acts])


def layer_stats(acts):
    """(means, stds): two arrays with one entry per layer."""
    return (np.array([float(np.mean(a)) for a in acts]), np.array([float(np.std(a)) for a in acts]))


def within_between_std(acts):
    """How each layer's spread divides into spread within a unit and spread between units.

    Shown in: notebook 03, section 2

    Returns
    -------
    (within, between) : two arrays with one entry per layer. ``within`` is the std over samples
    of each unit's activations, averaged over units; ``between`` is the std over units of each
    unit's mean activation. A histogram whose spread is mostly ``between`` is a comb of narrow
    per-unit peaks: every unit outputs almost the same value for every sample.
    """
    within = np.array([float(np.mean(np.std(a, axis=0))) for a in acts])
    between = np.array([float(np.std(np.mean(a, axis=0))) for a in acts])
    return within, between


# --------------------------------------------------------------------------- activation functions
#: Display name -> (function, derivative) for the notebook's figure, from the registry of
#: :mod:`dlhelpers.activations`. PReLU is a leaky ReLU whose slope a is a learned parameter; it is
#: shown with a = 0.25 (its usual starting value).
ACTIVATION_CURVES = {
    "sigmoid": (ACTIVATIONS["sigmoid"].function, ACTIVATIONS["sigmoid"].derivative),
    "tanh": (ACTIVATIONS["tanh"].function, ACTIVATIONS["tanh"].derivative),
    "ReLU": (ACTIVATIONS["relu"].function, ACTIVATIONS["relu"].derivative),
    "Leaky ReLU (0.01)": (partial(ACTIVATIONS["leaky_relu"].function, alpha=0.01),
                          partial(ACTIVATIONS["leaky_relu"].derivative, alpha=0.01)),
    "PReLU (a = 0.25)": (partial(ACTIVATIONS["leaky_relu"].function, alpha=0.25),
                         partial(ACTIVATIONS["leaky_relu"].derivative, alpha=0.25)),
    "ELU (1.0)": (partial(ACTIVATIONS["elu"].function, alpha=1.0), partial(ACTIVATIONS["elu"].derivative, alpha=1.0)),
}


def maxout(x, W1, b1, W2, b2):
    """Maxout unit with two pieces: max(x @ W1 + b1, x @ W2 + b2), element-wise over the outputs.

    Shown in: notebook 03, section 4
    """
    return np.maximum(x @ W1 + b1, x @ W2 + b2)


# --------------------------------------------------------------------------- dead ReLUs
def dead_relu_fraction(activations):
    """Fraction of units that output 0 for every sample of the batch.

    ``activations`` is one (N, units) array of ReLU outputs, or a list of them (one per layer);
    the result is a float, or an array with one fraction per layer.
    """
    if isinstance(activations, (list, tuple)):
        return np.array([dead_relu_fraction(a) for a in activations])
    a = np.asarray(activations)
    return float(np.mean(np.all(a <= 0, axis=0)))


def dead_units_after_training(lrs=(0.1, 0.5, 1.0), iterations=200, hidden_size_list=(100, 100, 100, 100),
                              activation="relu", mini_batch_size=128, n_eval=1000, seeds=(0, 1, 2, 3)):
    """Train a (Leaky) ReLU net at several learning rates on paired seeds; count the dead units per layer.

    Shown in: notebook 03, section 4

    Every learning rate is trained from the same seeds (the same initial weights and batches), so
    the settings are compared run against run. A unit is dead when it is not positive for any of
    the first ``n_eval`` training images (:func:`dead_relu_fraction`; for Leaky ReLU: a unit left
    on its slope-``a`` side for every image).

    Returns
    -------
    dict lr -> dict with 'dead' (n_seeds, n_layers) fractions of dead units per hidden layer after
    training, 'dead_at_init' (n_seeds, n_layers), 'test_acc' (n_seeds,), 'diverged' (n_seeds,) bool:
    the Trainer stopped the run because its loss blew up, and 'stopped_at' (n_seeds,): the
    iteration it stopped at (``iterations`` for a run that finished). A diverged run's 'dead' and
    'test_acc' are those of the weights it had when it was stopped.
    """
    if not lrs or any(not np.isfinite(lr) or lr <= 0 for lr in lrs):
        raise ValueError(f"lrs must be a non-empty sequence of positive learning rates, got {lrs!r}")
    if not seeds:
        raise ValueError(f"seeds must be a non-empty sequence of ints (paired seeds), got {seeds!r}")
    (x, t), (xt, tt) = load_mnist()
    out = {}
    for lr in lrs:
        dead, at_init, acc, diverged, stopped_at = [], [], [], [], []
        for seed in seeds:
            net = MultiLayerNet(784, list(hidden_size_list), 10, activation=activation, weight_init_std="he",
                                seed=seed)
            at_init.append(dead_relu_fraction(net.hidden_activations(x[:n_eval])))
            trainer = Trainer(net, x, t, mini_batch_size=mini_batch_size, max_iterations=iterations,
                              optimizer="sgd", optimizer_param={"lr": lr}, seed=seed, verbose=False,
                              progress=False, evaluate_sample_num_per_epoch=n_eval)
            trainer.train()
            diverged.append(trainer.diverged)
            stopped_at.append(trainer.iteration)
            dead.append(dead_relu_fraction(net.hidden_activations(x[:n_eval])))
            acc.append(net.accuracy(xt, tt))
        out[lr] = {"dead": np.array(dead), "dead_at_init": np.array(at_init), "test_acc": np.array(acc),
                   "diverged": np.array(diverged), "stopped_at": np.array(stopped_at)}
    return out


def mean_and_se(values, axis=0):
    """Mean and standard error of the mean over ``axis`` (the seeds): two arrays (or floats)."""
    values = np.asarray(values, dtype=float)
    n = values.shape[axis]
    if n < 2:
        raise ValueError(f"values needs at least 2 entries along axis {axis} (seeds) for a standard error, got {n}")
    return values.mean(axis=axis), values.std(axis=axis, ddof=1) / np.sqrt(n)


# --------------------------------------------------------------------------- why non-linearity
def linear_stack(n_layers=3, sizes=(4, 6, 5, 3), n_samples=8, seed=0):
    """Outputs of a stack of linear layers and of the single equivalent layer.

    Shown in: notebook 03, section 5

    Returns
    -------
    dict with 'stacked' (N, out) and 'single' (N, out) outputs, 'W' and 'b' of the one layer that
    replaces them all (W = W1 W2 ... Wk; b collects the biases).
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, sizes[0]))
    Ws = [rng.standard_normal((sizes[i], sizes[i + 1])) for i in range(len(sizes) - 1)]
    bs = [rng.standard_normal(sizes[i + 1]) for i in range(len(sizes) - 1)]
    h = x
    for W, b in zip(Ws, bs):
        h = h @ W + b
    W_all, b_all = np.eye(sizes[0]), np.zeros(sizes[0])
    for W, b in zip(Ws, bs):
        W_all, b_all = W_all @ W, b_all @ W + b
    return {"x": x, "stacked": h, "single": x @ W_all + b_all, "W": W_all, "b": b_all}


# --------------------------------------------------------------------------- preprocessing
def preprocess_2d(n=400, seed=0):
    """CS231n's picture of preprocessing on correlated 2-D data.

    Shown in: notebook 03, section 6

    Returns
    -------
    dict name -> (n, 2) array: 'original' (off-centre, correlated, different scales),
    'zero-centred', 'normalized' (each feature unit variance), 'decorrelated' (rotated onto the
    PCA axes) and 'whitened' (PCA axes scaled to unit variance).
    """
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 2)) * np.array([3.0, 0.8])
    angle = np.deg2rad(30)
    rot = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    x = z @ rot + np.array([6.0, 4.0])
    centred = x - x.mean(axis=0)
    normalized = centred / centred.std(axis=0)
    cov = centred.T @ centred / n
    eigval, eigvec = np.linalg.eigh(cov)
    eigval, eigvec = eigval[::-1], eigvec[:, ::-1]   # widest axis first (horizontal in a plot)
    decorrelated = centred @ eigvec
    whitened = decorrelated / np.sqrt(eigval + 1e-8)
    return {"original": x, "zero-centred": centred, "normalized": normalized,
            "decorrelated": decorrelated, "whitened": whitened}


def gradient_sign_agreement(x, seed=0):
    """For one unit z = x @ w, the fraction of samples whose gradient dL/dw has all-equal signs.

    Shown in: notebook 03, section 6

    dL/dw = dL/dz * x for a single sample: if every entry of x is positive, every entry of the
    gradient has the sign of dL/dz. ``x`` is (N, D); dL/dz is drawn at random per sample.
    """
    rng = np.random.default_rng(seed)
    dz = rng.standard_normal(len(x))
    grads = dz[:, None] * np.asarray(x)
    same = np.all(grads > 0, axis=1) | np.all(grads < 0, axis=1)
    return float(np.mean(same))


def positive_input_paths(target=(1.0, -1.0), steps=100, lr=0.3, seed=0):
    """Per-sample SGD of a 2-weight linear unit towards ``target``, with positive vs centred inputs.

    Shown in: notebook 03, section 6

    The unit predicts y = w . x and the loss is (w . x - target . x)^2 / 2, so each step is
    w <- w - lr * ((w - target) . x) * x: a multiple of the input x. With all-positive inputs both
    weights always move in the same direction, and reaching (1, -1) takes a zig-zag. Both input
    sets are scaled to the same mean squared length, so the step sizes are comparable.

    Returns
    -------
    dict 'positive' / 'centred' -> (steps + 1, 2) path of w from (0, 0).
    """
    rng = np.random.default_rng(seed)
    xs = rng.uniform(0.2, 1.0, size=(steps, 2))
    target = np.asarray(target)
    out = {}
    for name, inputs in (("positive", xs), ("centred", xs - xs.mean(axis=0))):
        inputs = inputs / np.sqrt(np.mean(np.sum(inputs ** 2, axis=1)))
        w = np.zeros(2)
        path = [w.copy()]
        for x in inputs:
            w = w - lr * ((w - target) @ x) * x
            path.append(w.copy())
        out[name] = np.array(path)
    return out


def same_sign_steps(path):
    """Fraction of the steps of a 2-D path whose two components have the same sign."""
    d = np.diff(np.asarray(path), axis=0)
    d = d[np.all(d != 0, axis=1)]
    return float(np.mean(np.sign(d[:, 0]) == np.sign(d[:, 1])))


# --------------------------------------------------------------------------- init schemes
def layer_std_profile(activation, weight_init_std, n_layers=10, n_units=500, n_samples=500, seed=0):
    """Std of the activations at every layer (a short form of :func:`activation_histograms`)."""
    acts = activation_histograms(activation, weight_init_std, n_layers, n_units, n_samples, seed, dtype=np.float32)
    return layer_stats(acts)[1]


#: The MNIST comparison of notebook 03: 4 x 100 ReLU, SGD lr 0.01, three inits.
MNIST_INIT_SETTINGS = {
    "std = 0.01": {"weight_init_std": 0.01, "optimizer": "sgd", "optimizer_param": {"lr": 0.01}},
    "Xavier": {"weight_init_std": "xavier", "optimizer": "sgd", "optimizer_param": {"lr": 0.01}},
    "He": {"weight_init_std": "he", "optimizer": "sgd", "optimizer_param": {"lr": 0.01}},
}


# --------------------------------------------------------------------------- playgrounds
def forward_backward(activation="sigmoid", weight_init_std=1.0, n_layers=5, n_units=100, n_samples=1000, seed=0,
                     dtype=np.float32):
    """The histogram experiment forward, then a random gradient sent back down: per-layer statistics.

    The forward pass draws the same numbers as :func:`activation_histograms` (same generator
    order), but runs through :class:`~dlhelpers.layers.Affine` layers (zero bias) and the
    activation's layer class, so that their ``backward`` can send dL/d(last activations) ~ N(0, 1)
    back to the input.

    The backward gain of layer k (std of the gradient leaving it through its input over the std
    arriving at its output) is predicted as sqrt(n_units) * sigma * rms(f'(z_k)): the gradient is
    multiplied element-wise by f'(z_k), then summed over n_units outputs with weights of std sigma.

    Parameters
    ----------
    activation : str
        A name of :data:`dlhelpers.activations.ACTIVATIONS`.
    weight_init_std : float or str
        A std, or a scheme of :mod:`dlhelpers.initializers`.
    n_layers, n_units, n_samples, seed, dtype : the experiment's size, generator seed and precision.

    Returns
    -------
    dict with 'acts' (list of (n_samples, n_units) arrays), 'act_std' and 'grad_std' (arrays of
    n_layers: std of each layer's activations; std of the gradient reaching each layer's input),
    'gain_predicted' and 'gain_measured' (arrays of n_layers, layer 1 first) and 'sigma' (the
    weights' std).
    """
    entry = get_activation(activation)
    sigma = init_std(weight_init_std, n_units, n_units)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, n_units)).astype(dtype)
    layers = [(Affine(init_weights(weight_init_std, n_units, n_units, rng, dtype), np.zeros(n_units, dtype)),
               entry.layer()) for _ in range(n_layers)]
    acts, rms_slope = [], []
    with blas_thread_limit(1), np.errstate(over="ignore", invalid="ignore"):
        h = x
        for affine, act in layers:
            z = affine.forward(h)
            h = act.forward(z)
            acts.append(h)
            rms_slope.append(float(np.sqrt(np.mean(np.square(entry.derivative(z.astype(np.float64)))))))
        d = rng.standard_normal(h.shape).astype(dtype)
        grad_std = []
        arriving = float(np.std(d))
        gains = []
        for affine, act in reversed(layers):
            d = affine.backward(act.backward(d))
            leaving = float(np.std(d))
            gains.append(leaving / arriving if arriving > 0 else float("nan"))
            grad_std.append(leaving)
            arriving = leaving
    return {"acts": acts, "act_std": layer_stats(acts)[1], "grad_std": np.array(grad_std[::-1]),
            "gain_predicted": np.sqrt(n_units) * sigma * np.array(rms_slope),
            "gain_measured": np.array(gains[::-1]), "sigma": sigma}


def geometric_mean(values):
    """Geometric mean of positive numbers (the typical per-layer factor of a product)."""
    values = np.asarray(values, dtype=float)
    return float(np.exp(np.mean(np.log(values))))


# --------------------------------------------------------------------------- watching the net train
#: The tanh nets of section 9: a gain times 'xavier' sqrt(1/n_in) in every hidden layer.
TANH_GAINS = {"'xavier' (gain 1)": 1.0, "gain 5/3": 5 / 3, "He (gain sqrt 2)": float(np.sqrt(2)), "gain 3": 3.0}


def tanh_net(gain, hidden_size_list=(100,) * 5, seed=0):
    """A 784-...-10 tanh net whose hidden layers' weights are ``gain`` * sqrt(1/n_in) * N(0, 1).

    Shown in: notebook 03, section 9

    The output layer keeps 'xavier' sqrt(1/n_in). Gain 1 is 'xavier', sqrt(2) is He's std, 5/3 is
    the gain PyTorch's ``calculate_gain('tanh')`` recommends.
    """
    if not np.isfinite(gain) or gain <= 0:
        raise ValueError(f"gain must be a positive number such as 5/3, got {gain!r}")
    net = MultiLayerNet(784, list(hidden_size_list), 10, activation="tanh", weight_init_std="xavier", seed=seed)
    for i in range(1, len(hidden_size_list) + 1):
        net.params[f"W{i}"] *= net.dtype.type(gain)   # in place: the layers hold these arrays
    return net


def layer_diagnostics(net, x, t):
    """One forward and backward pass on a batch, keeping what each hidden layer sees.

    Shown in: notebook 03, section 9

    Returns
    -------
    dict with lists of one entry per hidden layer: 'acts' (N, units) activations, 'grads'
    (N, units) dL/d(activations), 'dW' the layer's weight gradient (fan_in, units), and arrays
    'grad_data' (std(dW) / std(W) per layer) and 'saturated' (share of |activation| > 0.97).
    """
    h, acts = x, []
    for name, layer in net.layers.items():
        h = layer.forward(h, True)
        if name.startswith("Activation"):
            acts.append(h)
    net.last_layer.forward(h, t)
    d, grads = net.last_layer.backward(1.0), []
    for name, layer in reversed(net.layers.items()):
        if name.startswith("Activation"):
            grads.insert(0, d)            # the gradient arriving at this layer's activations
        d = layer.backward(d)
    n = len(acts)
    dW = [net.layers[f"Affine{i}"].dW.copy() for i in range(1, n + 1)]
    grad_data = np.array([np.std(g) / np.std(net.params[f"W{i}"]) for i, g in enumerate(dW, start=1)])
    saturated = np.array([float(np.mean(np.abs(a) > 0.97)) for a in acts])
    return {"acts": acts, "grads": grads, "dW": dW, "grad_data": grad_data, "saturated": saturated}


def watch_training(net, lr=0.1, iterations=600, mini_batch_size=100, record_every=50, n_probe=1000, seed=0):
    """Train ``net`` with SGD on MNIST and watch every hidden layer while it learns.

    Shown in: notebook 03, section 9

    Every ``record_every`` steps the activations of the first ``n_probe`` training images are
    measured: the saturated share (|tanh| > 0.97) for tanh, the dead share for (Leaky) ReLU. At
    every step the update:data ratio of each hidden layer, log10(std(lr * dW) / std(W)), is kept
    (CS231n: about 1e-3, i.e. -3, is healthy; far below, the layer hardly learns).

    Returns
    -------
    dict with 'steps' (n_records,), 'share' (n_records, n_layers), 'update_ratio' (iterations,
    n_layers), 'loss' (iterations,), 'test_acc' (float).
    """
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive learning rate, got {lr!r}")
    if iterations < 1 or record_every < 1:
        raise ValueError(f"iterations and record_every must be >= 1, got {iterations!r} and {record_every!r}")
    (x, t), (xt, tt) = load_mnist()
    probe = x[:n_probe]
    n = len(net.hidden_size_list)
    keys = [f"W{i}" for i in range(1, n + 1)]

    def share():
        acts = net.hidden_activations(probe)
        if net.activation == "tanh":
            return [float(np.mean(np.abs(a) > 0.97)) for a in acts]
        return list(dead_relu_fraction(acts))

    rng = np.random.default_rng(seed)
    opt = SGD(lr)
    steps, shares, ratios, losses = [], [], [], []
    with blas_thread_limit(1):
        for step in range(iterations):
            if step % record_every == 0:
                steps.append(step)
                shares.append(share())
            idx = rng.choice(len(x), mini_batch_size, replace=False)
            grads = net.gradient(x[idx], t[idx], copy=False)
            losses.append(net.last_loss)
            ratios.append([np.log10(lr * np.std(grads[k]) / np.std(net.params[k])) for k in keys])
            opt.update(net.params, grads)
        steps.append(iterations)
        shares.append(share())
        test_acc = net.accuracy(xt, tt)
    return {"steps": np.array(steps), "share": np.array(shares), "update_ratio": np.array(ratios),
            "loss": np.array(losses), "test_acc": test_acc}


def tanh_fixed_point(gain, n_layers=50, n_samples=200_000, seed=0):
    """The spread a very deep tanh net settles at: iterate v <- E[tanh(gain * sqrt(v) * z)^2], z ~ N(0, 1).

    Shown in: notebook 03, section 9

    With fan-in scaling, the pre-activations of a layer have variance gain^2 times the previous
    layer's activation variance v. Returns (std of the activations, rms of tanh's slope, backward
    gain gain * rms(1 - y^2)) after ``n_layers`` layers, each a float.
    """
    z = np.random.default_rng(seed).standard_normal(n_samples)
    v = 1.0
    for _ in range(n_layers):
        y = np.tanh(gain * np.sqrt(v) * z)
        v = float(np.mean(y ** 2))
    rms_slope = float(np.sqrt(np.mean((1 - y ** 2) ** 2)))
    return float(np.sqrt(v)), rms_slope, gain * rms_slope
