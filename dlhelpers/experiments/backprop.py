"""Experiments of notebook 01 (loss functions and backpropagation): computation only, nothing drawn.

The figures and the playground that show these results are in :mod:`dlhelpers.figures.backprop`;
``tests/test_claims_01.py`` asserts the notebook's claims with the same functions.

* :func:`score_gradients` - why cross-entropy, not MSE, goes with a saturating output;
* :func:`quickly_trained_net`, :func:`loss_along_direction` - the loss changes on every small move
  of the weights, the accuracy is a step function of them;
* :func:`gradient_descent_path` - plain gradient descent on a 2-D bowl;
* :func:`difference_errors` - forward vs central difference quotients;
* :func:`numerical_gradient_cost`, :func:`throughput_by_batch_size` - timings;
* :class:`AddNode`, :class:`MulNode`, :func:`fruit_example` - the computational graph of the
  shopping example; :func:`sigmoid_stages` - the sigmoid as a graph of four elementary nodes;
* :func:`layer_gradient_errors`, :func:`network_gradient_errors` - gradient checks, each a
  :class:`dlhelpers.gradcheck.GradientCheck` report (print it for one rounded line per parameter);
* :func:`two_layer_sgd` - section 11's hand-written training loop, the notebook's cell as a
  function of its seed, so that its lesson can be measured over several seeds.
"""
import time

import numpy as np

from ..checks import check_callable, check_int, check_positive, check_range
from ..functions import softmax
from ..gradcheck import check_layer_gradients, check_network_gradients, compare_gradients, numerical_gradient
from ..layers import Affine, ReLU, Sigmoid, SoftmaxWithLoss
from ..network import MultiLayerNet
from ..parallel import blas_thread_limit
from ..training import Trainer

__all__ = ["AddNode", "MulNode", "fruit_example", "sigmoid_stages", "score_gradients",
           "quickly_trained_net", "loss_along_direction", "difference_errors", "gradient_descent_path",
           "numerical_gradient_cost", "throughput_by_batch_size", "layer_gradient_errors",
           "network_gradient_errors", "two_layer_sgd", "SHOWN"]

#: How notebook 01 shows each function it calls (see ``tests/test_teaching_code.py``).
SHOWN = {
    "score_gradients": "printed",
    "quickly_trained_net": "plumbing",        # a few epochs of the Trainer, to have a trained net at hand
    "loss_along_direction": "printed",
    "gradient_descent_path": "printed",
    "difference_errors": "printed",
    "numerical_gradient_cost": "printed",
    "throughput_by_batch_size": "printed",
    "sigmoid_stages": "printed",
    "layer_gradient_errors": "printed",
    "network_gradient_errors": "printed",
    "two_layer_sgd": "tied",                  # section 11's loop; a cell asserts it equals the notebook's run
}


# --------------------------------------------------------------------------- computational graph
class AddNode:
    """z = x + y. Backward hands the upstream gradient to both inputs unchanged."""

    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        """Returns (dL/dx, dL/dy) = (dout, dout)."""
        return dout, dout


class MulNode:
    """z = x * y. Backward multiplies the upstream gradient by the *other* input (swapped)."""

    def __init__(self):
        self.x = self.y = None

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        """Returns (dL/dx, dL/dy) = (dout * y, dout * x): the inputs trade places."""
        return dout * self.y, dout * self.x


def fruit_example(apple=100.0, n_apple=2, orange=150.0, n_orange=3, tax=1.1):
    """Total price = (apple * n_apple + orange * n_orange) * tax, forward and backward.

    Returns
    -------
    dict with the forward values ('apple_total', 'orange_total', 'subtotal', 'price') and the
    derivative of the price with respect to every input ('d_apple', 'd_n_apple', 'd_orange',
    'd_n_orange', 'd_tax').
    """
    mul_apple, mul_orange, add, mul_tax = MulNode(), MulNode(), AddNode(), MulNode()
    apple_total = mul_apple.forward(apple, n_apple)
    orange_total = mul_orange.forward(orange, n_orange)
    subtotal = add.forward(apple_total, orange_total)
    price = mul_tax.forward(subtotal, tax)

    d_subtotal, d_tax = mul_tax.backward(1.0)
    d_apple_total, d_orange_total = add.backward(d_subtotal)
    d_apple, d_n_apple = mul_apple.backward(d_apple_total)
    d_orange, d_n_orange = mul_orange.backward(d_orange_total)
    return {"apple": apple, "n_apple": n_apple, "orange": orange, "n_orange": n_orange, "tax": tax,
            "apple_total": apple_total, "orange_total": orange_total, "subtotal": subtotal,
            "price": price, "d_apple_total": d_apple_total, "d_orange_total": d_orange_total,
            "d_subtotal": d_subtotal, "d_tax": d_tax, "d_apple": d_apple, "d_n_apple": d_n_apple,
            "d_orange": d_orange, "d_n_orange": d_n_orange}


def sigmoid_stages(x, dout=1.0):
    """The sigmoid y = 1 / (1 + exp(-x)) as four elementary nodes, forward then backward.

    Forward: a = -x, b = exp(a), c = 1 + b, y = 1 / c. Backward, last node first, each node
    multiplies the upstream gradient by its local derivative: d(1/c)/dc = -1/c**2 = -y**2,
    d(1 + b)/db = 1, d exp(a)/da = exp(a) = b, d(-x)/dx = -1.

    Shown in: notebook 01, section 9.

    Returns
    -------
    dict with the forward values 'x', 'a', 'b', 'c', 'y' and the gradients of the final output
    (times ``dout``) with respect to each: 'dy', 'dc', 'db', 'da', 'dx'. ``dx`` equals
    ``dout * y * (1 - y)``.
    """
    a = -x                  # multiply by -1
    b = np.exp(a)           # exp
    c = 1.0 + b             # add 1
    y = 1.0 / c             # divide
    dy = dout
    dc = dy * (-1.0 / c ** 2)   # = -dy * y**2
    db = dc * 1.0
    da = db * b
    dx = da * -1.0
    return {"x": x, "a": a, "b": b, "c": c, "y": y, "dy": dy, "dc": dc, "db": db, "da": da, "dx": dx}


# --------------------------------------------------------------------------- loss vs accuracy
def score_gradients(scores, t=1.0):
    """Gradients of the two losses with respect to the score s of a sigmoid output y = sigmoid(s).

    Cross-entropy E = -[t log y + (1 - t) log(1 - y)] gives dE/ds = y - t.
    Squared error E = 1/2 (y - t)^2 gives dE/ds = (y - t) * y (1 - y): the sigmoid's derivative
    y (1 - y) multiplies in, and it vanishes when the output saturates, however wrong it is.

    Shown in: notebook 01, section 2.

    Returns
    -------
    dict with 'score', 'y', 'cross_entropy' and 'squared_error' (dE/ds), arrays of the shape of
    ``scores``.
    """
    t = check_range(t, "t", low=0, high=1, hint="(the true answer: 1 for the true class, 0 otherwise)")
    s = np.asarray(scores, dtype=np.float64)
    y = 1.0 / (1.0 + np.exp(-s))
    return {"score": s, "y": y, "cross_entropy": y - t, "squared_error": (y - t) * y * (1.0 - y)}


def quickly_trained_net(x, t, epochs=5, lr=0.1, hidden_size_list=(50,), seed=1):
    """A MultiLayerNet (ReLU, He init) trained with plain SGD for a few epochs on ``x, t``.

    Returns
    -------
    (network, history): the trained :class:`~dlhelpers.network.MultiLayerNet` and the Trainer's
    history (``train_acc[-1]`` is its accuracy on ``x``).
    """
    epochs = check_int(epochs, "epochs", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    net = MultiLayerNet(x.shape[1], list(hidden_size_list), 10, weight_init_std="he", seed=seed)
    trainer = Trainer(net, x, t, epochs=epochs, mini_batch_size=100, optimizer="sgd",
                      optimizer_param={"lr": lr}, seed=seed, verbose=False, progress=False)
    return net, trainer.train()


def loss_along_direction(network, x, t, alphas, key="W1", seed=0):
    """Move one weight matrix along a random direction and record loss and accuracy.

    ``network.params[key]`` becomes ``W0 + alpha * D`` for each alpha, where ``D`` is a random
    Gaussian direction scaled to the norm of ``W0``; the weights are restored afterwards.

    Shown in: notebook 01, section 5.

    Returns
    -------
    dict with 'alpha', 'loss' and 'accuracy', each an array of shape (len(alphas),).
    """
    if key not in network.params:
        raise ValueError(f"key={key!r} is not a parameter of the network; use one of {list(network.params)}")
    param = network.params[key]
    original = param.copy()
    rng = np.random.default_rng(seed)
    direction = rng.standard_normal(param.shape)
    direction *= np.linalg.norm(original) / np.linalg.norm(direction)
    losses, accs = [], []
    try:
        with blas_thread_limit(1):      # small matrices: one BLAS thread is fastest, and reproducible
            for a in alphas:
                param[...] = original + a * direction
                losses.append(network.loss(x, t))
                accs.append(network.accuracy(x, t))
    finally:
        param[...] = original
    return {"alpha": np.asarray(alphas, dtype=float), "loss": np.array(losses), "accuracy": np.array(accs)}


# --------------------------------------------------------------------------- numerical differentiation
def difference_errors(f, dfdx, x0, hs):
    """Absolute error of the forward and central difference quotients of ``f`` at ``x0``.

    Forward: (f(x+h) - f(x)) / h, error O(h). Central: (f(x+h) - f(x-h)) / (2h), error O(h^2).
    Both lose accuracy again for tiny h, where rounding in f(x+h) - f(x) dominates.

    Shown in: notebook 01, section 7.

    Returns
    -------
    dict with 'h', 'forward' and 'central', arrays of shape (len(hs),), in float64.
    """
    check_callable(f, "f", "f(x) -> array")
    check_callable(dfdx, "dfdx", "dfdx(x) -> the exact derivative")
    hs = np.asarray(hs, dtype=np.float64)
    exact = dfdx(x0)
    forward = np.abs((f(x0 + hs) - f(x0)) / hs - exact)
    central = np.abs((f(x0 + hs) - f(x0 - hs)) / (2 * hs) - exact)
    return {"h": hs, "forward": forward, "central": central}


def gradient_descent_path(grad_fn, start, lr, steps):
    """Plain gradient descent x <- x - lr * grad_fn(x) from ``start``; returns the (steps+1, D) path.

    Shown in: notebook 01, section 6.
    """
    check_callable(grad_fn, "grad_fn", "grad_fn(x) -> gradient at x")
    steps = check_int(steps, "steps", minimum=0)
    x = np.array(start, dtype=np.float64)
    path = [x.copy()]
    for _ in range(steps):
        x = x - lr * grad_fn(x)
        path.append(x.copy())
    return np.array(path)


def numerical_gradient_cost(network, x, t, n_probe=100, key="W1"):
    """Time the central difference per parameter and one backprop pass, on the same batch.

    The central difference is run on the first ``n_probe`` entries of ``network.params[key]``
    (each costs two forward passes); the full cost is extrapolated to every parameter.

    Shown in: notebook 01, section 7.

    Returns
    -------
    dict with 'seconds_per_param', 'n_params', 'numerical_seconds' (estimate for all parameters),
    'backprop_seconds' (one full gradient) and 'ratio' (numerical / backprop).
    """
    n_probe = check_int(n_probe, "n_probe", minimum=1)
    if key not in network.params:
        raise ValueError(f"key={key!r} is not a parameter of the network; use one of {list(network.params)}")
    param = network.params[key].reshape(-1)[:n_probe]
    start = time.perf_counter()
    numerical_gradient(lambda _: network.loss(x, t), param, 1e-2)
    per_param = (time.perf_counter() - start) / n_probe
    n_params = sum(p.size for p in network.params.values())
    runs = 20
    start = time.perf_counter()
    for _ in range(runs):
        network.gradient(x, t, copy=False)
    backprop = (time.perf_counter() - start) / runs
    total = per_param * n_params
    return {"seconds_per_param": per_param, "n_params": n_params, "numerical_seconds": total,
            "backprop_seconds": backprop, "ratio": total / backprop}


def throughput_by_batch_size(network, x, t, batch_sizes=(1, 10, 100, 1000), n_samples=1000):
    """Training samples per second (forward + backward) when ``n_samples`` go in batches of each size.

    Shown in: notebook 01, section 4.

    Returns
    -------
    dict batch_size -> samples per second.
    """
    for size in batch_sizes:
        check_int(size, "each of batch_sizes", minimum=1)
    if check_int(n_samples, "n_samples", minimum=1) > len(x):
        raise ValueError(f"n_samples={n_samples} is more than the {len(x)} samples in x; pass fewer")
    result = {}
    for size in batch_sizes:
        start = time.perf_counter()
        for i in range(0, n_samples, size):
            network.gradient(x[i:i + size], t[i:i + size], copy=False)
        result[size] = n_samples / (time.perf_counter() - start)
    return result


# --------------------------------------------------------------------------- gradient checks
def layer_gradient_errors(seed=0):
    """Backward of Affine, ReLU, Sigmoid and SoftmaxWithLoss vs central differences (float64).

    Shown in: notebook 01, section 9.

    Returns
    -------
    dict layer name -> :class:`~dlhelpers.gradcheck.GradientCheck` (input/parameter name ->
    relative error). SoftmaxWithLoss also compares the closed form (y - t) / N, written out.
    """
    seed = check_int(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    n, d, m = 4, 5, 3
    x = rng.standard_normal((n, d))
    reports = {
        "Affine": check_layer_gradients(Affine(rng.standard_normal((d, m)), rng.standard_normal(m)),
                                        x, rng.standard_normal((n, m))),
        # keep ReLU inputs away from the kink at 0, where the derivative jumps
        "ReLU": check_layer_gradients(ReLU(), x + 0.1 * np.sign(x), rng.standard_normal((n, d))),
        "Sigmoid": check_layer_gradients(Sigmoid(), x, rng.standard_normal((n, d))),
    }
    t = rng.integers(0, d, size=n)
    layer = SoftmaxWithLoss()
    numeric = numerical_gradient(lambda z: layer.forward(z, t), x.copy())
    layer.forward(x, t)
    y = softmax(x)
    y[np.arange(n), t] -= 1
    reports["SoftmaxWithLoss"] = compare_gradients({"x": layer.backward(1.0), "(y - t) / N": y / n},
                                                   {"x": numeric, "(y - t) / N": numeric})
    return reports


def network_gradient_errors(x, t, hidden_size_list=(10,), activation="relu", seed=0):
    """Backprop vs numerical gradients of a small net on the batch ``x, t``, per parameter.

    Builds ``MultiLayerNet(D, hidden_size_list, C)`` in float64 (so the central difference is
    accurate), He-initialized, with small random biases so that their gradients are tested at a
    general point too.

    Shown in: notebook 01, section 10.

    Returns
    -------
    :class:`~dlhelpers.gradcheck.GradientCheck`: parameter name -> relative error (a correct
    backward pass gives < 1e-7); ``print`` it for one rounded line per parameter.
    """
    seed = check_int(seed, "seed", minimum=0)
    x = np.asarray(x, dtype=np.float64)
    n_classes = 10 if np.ndim(t) == 1 else np.shape(t)[1]
    net = MultiLayerNet(x.shape[1], list(hidden_size_list), n_classes, activation=activation,
                        weight_init_std="he", seed=seed, dtype=np.float64)
    rng = np.random.default_rng(seed + 1)
    for key, p in net.params.items():
        if key.startswith("b"):
            p[...] = 0.1 * rng.standard_normal(p.shape)
    with blas_thread_limit(1):
        return check_network_gradients(net, x, t)


# --------------------------------------------------------------------------- the training loop
def two_layer_sgd(x_train, t_train, x_test, t_test, seed=42, learning_rate=0.1, batch_size=100,
                  epochs=20, hidden_size=50, weight_init_std=0.01):
    """Section 11's hand-written loop (784-H-10: Affine, ReLU, Affine, softmax-with-loss; plain SGD).

    The notebook writes this loop out line by line; this copy makes it a function of its seed so
    that the lesson can be measured over several seeds, and a notebook cell checks that seed 42
    gives the notebook's own run bit for bit. Shown in: notebook 01, section 11.

    Parameters
    ----------
    x_train, x_test : float32 arrays, shape (N, 784) and (M, 784)
    t_train, t_test : int arrays of class indices, shape (N,) and (M,)
    seed : int, the seed of the one generator that draws the weights and the batch order

    Returns
    -------
    dict with 'loss' (one mini-batch loss per iteration, epochs * N // batch_size values) and
    'train_acc', 'test_acc' (accuracy before training and after each epoch, epochs + 1 values).
    """
    seed = check_int(seed, "seed", minimum=0)
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    hidden_size = check_int(hidden_size, "hidden_size", minimum=1)
    learning_rate = check_positive(learning_rate, "learning_rate")
    weight_init_std = check_positive(weight_init_std, "weight_init_std")
    if len(x_train) != len(t_train) or len(x_test) != len(t_test):
        raise ValueError(f"x_train/t_train ({len(x_train)}, {len(t_train)}) and x_test/t_test "
                         f"({len(x_test)}, {len(t_test)}) must have one label per image")
    if len(x_train) < batch_size:
        raise ValueError(f"batch_size={batch_size} is larger than the {len(x_train)} training images")
    rng = np.random.default_rng(seed)
    d = x_train.shape[1]
    W1 = (weight_init_std * rng.standard_normal((d, hidden_size))).astype(np.float32)
    b1 = np.zeros(hidden_size, dtype=np.float32)
    W2 = (weight_init_std * rng.standard_normal((hidden_size, 10))).astype(np.float32)
    b2 = np.zeros(10, dtype=np.float32)
    layers = [Affine(W1, b1), ReLU(), Affine(W2, b2)]
    loss_layer = SoftmaxWithLoss()

    def predict(x):
        for layer in layers:
            x = layer.forward(x)
        return x

    def accuracy(x, t):
        return np.mean(predict(x).argmax(axis=1) == t)

    iters_per_epoch = len(x_train) // batch_size
    losses, train_acc, test_acc = [], [accuracy(x_train, t_train)], [accuracy(x_test, t_test)]
    with blas_thread_limit(1):
        for _ in range(epochs):
            order = rng.permutation(len(x_train))
            for i in range(iters_per_epoch):
                idx = order[i * batch_size:(i + 1) * batch_size]
                loss = loss_layer.forward(predict(x_train[idx]), t_train[idx])
                dout = loss_layer.backward(1.0)
                for layer in reversed(layers):
                    dout = layer.backward(dout)
                for layer in layers:
                    for name in layer.params:
                        layer.params[name] -= learning_rate * layer.grads[name]
                losses.append(loss)
            train_acc.append(accuracy(x_train, t_train))
            test_acc.append(accuracy(x_test, t_test))
    return {"loss": np.array(losses), "train_acc": np.array(train_acc), "test_acc": np.array(test_acc)}
