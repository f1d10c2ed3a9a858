"""One fully connected network class for the whole course.

Per hidden layer: Affine -> [BatchNormalization] -> activation -> [Dropout]; then a last Affine
and SoftmaxWithLoss. Parameters are named W1, b1, gamma1, beta1, W2, ... and live in
``net.params``; the same arrays are held by the layers, so an in-place optimizer update trains
the network.
"""
from collections import OrderedDict
from math import prod

import numpy as np

from .activations import ACTIVATIONS, make_activation
from .checks import (CallOrderError, check_array, check_bool, check_dict, check_fraction,
                     check_float_dtype, check_int, check_labels, check_positive, check_range, check_rng)
from .gradcheck import default_step, numerical_gradient as _numerical_gradient
from .initializers import init_std, init_weights
from .layers import Affine, BatchNormalization, Dropout, LayerNormalization, SoftmaxWithLoss

#: The activation layer classes (what :meth:`MultiLayerNet.hidden_activations` collects).
ACTIVATION_LAYERS = tuple(a.layer for a in ACTIVATIONS.values())


class MultiLayerNet:
    """Multi-layer perceptron with optional batch norm, dropout and L2 weight decay.

    Parameters
    ----------
    input_size : int
        Features per sample (784 for flattened MNIST).
    hidden_size_list : list of int
        Units per hidden layer, e.g. [100, 100, 100].
    output_size : int
        Number of classes.
    activation : str
        'relu', 'sigmoid', 'tanh', 'leaky_relu' or 'elu'.
    weight_init_std : float or str
        A standard deviation, or a scheme name of :mod:`dlhelpers.initializers` ('xavier',
        'glorot', 'glorot_uniform', 'he', 'leaky_relu'; scaled by each layer's fan-in/fan-out).
    weight_decay_lambda : float
        L2 strength: the loss gains lambda/2 * sum(W^2) over all weight matrices, and each dW gains lambda * W.
    use_dropout : bool
    dropout_ratio : float in [0, 1)
        Probability of dropping a hidden unit in training.
    use_batchnorm : bool
    use_layernorm : bool
        Layer normalization (per sample, over the units) in BN's place; exclusive with use_batchnorm.
    seed : int, np.random.Generator or None
        Source of the initial weights and of the dropout masks.
    dtype : np.float32 (default) or np.float64
        Precision of parameters and activations; use float64 for gradient checks.

    Shapes: x (N, input_size) or (N, ...) whose trailing dims multiply to input_size; t (N,) class
    indices or (N, output_size) one-hot.

    Attributes
    ----------
    params : dict name -> ndarray
        W1, b1, [gamma1, beta1,] W2, ... The layers hold the same arrays.
    layers : OrderedDict name -> Layer
        Affine1, [BatchNorm1,] Activation1, [Dropout1,] Affine2, ... Code that needs a layer's
        kind tests its class (``isinstance(layer, BatchNormalization)``), never its name.
    last_loss : float or None
        The loss of the last training-mode forward pass (set by :meth:`gradient` and by
        ``loss(..., train_flg=True)``); None before the first one.
    """

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu",
                 weight_init_std="relu", weight_decay_lambda=0.0, use_dropout=False,
                 dropout_ratio=0.5, use_batchnorm=False, seed=None, dtype=np.float32, use_layernorm=False):
        input_size = check_int(input_size, "input_size", 1)
        output_size = check_int(output_size, "output_size", 2, hint="(the number of classes)")
        hidden_size_list = self._check_hidden_sizes(hidden_size_list)
        weight_decay_lambda = check_range(weight_decay_lambda, "weight_decay_lambda", low=0)
        make_activation(activation)  # fails early on an unknown name
        init_std(weight_init_std, input_size)  # fails early on an unknown scheme or a bad std
        use_dropout = check_bool(use_dropout, "use_dropout")
        dropout_ratio = check_fraction(dropout_ratio, "dropout_ratio", hint="(0 keeps every unit)")
        use_batchnorm = check_bool(use_batchnorm, "use_batchnorm")
        self.use_layernorm = check_bool(use_layernorm, "use_layernorm")
        if use_batchnorm and self.use_layernorm:
            raise ValueError("use_batchnorm and use_layernorm are both True; a hidden layer gets one "
                             "normalization: choose one of them")
        self.dtype = check_float_dtype(dtype, "dtype")
        self.input_size = int(input_size)
        self.hidden_size_list = hidden_size_list
        self.output_size = int(output_size)
        self.activation = activation
        self.weight_init_std = weight_init_std
        self.weight_decay_lambda = float(weight_decay_lambda)
        self.use_dropout = use_dropout
        self.dropout_ratio = dropout_ratio
        self.use_batchnorm = use_batchnorm
        self.rng = check_rng(seed, "seed")

        self.params = {}
        self.layers = OrderedDict()
        sizes = [self.input_size] + hidden_size_list + [self.output_size]
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            self._add_affine(i, fan_in, fan_out)
            if i < len(sizes) - 1:
                self._add_hidden_block(i, fan_out)
        self.last_layer = SoftmaxWithLoss()
        self.last_loss = None
        # params key -> (layer, the layer's own name for it): where backward leaves each gradient
        self._param_owner = {key: next((layer, pname) for layer in self.layers.values()
                                       for pname, held in layer.params.items() if held is param)
                             for key, param in self.params.items()}

    def _add_affine(self, i, fan_in, fan_out):
        W = init_weights(self.weight_init_std, fan_in, fan_out, self.rng, self.dtype)
        b = np.zeros(fan_out, dtype=self.dtype)
        self.params[f"W{i}"], self.params[f"b{i}"] = W, b
        self.layers[f"Affine{i}"] = Affine(W, b, compute_input_grad=(i > 1))

    def _add_hidden_block(self, i, units):
        """[BatchNorm i] -> Activation i -> [Dropout i] after Affine i."""
        if self.use_batchnorm:
            gamma, beta = np.ones(units, dtype=self.dtype), np.zeros(units, dtype=self.dtype)
            self.params[f"gamma{i}"], self.params[f"beta{i}"] = gamma, beta
            self.layers[f"BatchNorm{i}"] = BatchNormalization(gamma, beta)
        elif self.use_layernorm:  # the same place and parameter names, normalized per sample
            gamma, beta = np.ones(units, dtype=self.dtype), np.zeros(units, dtype=self.dtype)
            self.params[f"gamma{i}"], self.params[f"beta{i}"] = gamma, beta
            self.layers[f"LayerNorm{i}"] = LayerNormalization(gamma, beta)
        self.layers[f"Activation{i}"] = make_activation(self.activation)
        if self.use_dropout:
            self.layers[f"Dropout{i}"] = Dropout(self.dropout_ratio, rng=self.rng)

    # ------------------------------------------------------------------ checks
    @staticmethod
    def _check_hidden_sizes(hidden_size_list):
        if isinstance(hidden_size_list, (str, bytes, dict)) or not hasattr(hidden_size_list, "__iter__"):
            raise TypeError(f"hidden_size_list must be a list of layer widths such as [100, 100], "
                            f"got {hidden_size_list!r}")
        sizes = list(hidden_size_list)
        for i, h in enumerate(sizes):
            check_int(h, f"hidden_size_list[{i}]", 1, hint="(units of a hidden layer)")
        return [int(h) for h in sizes]

    def _check_x(self, x):
        x = check_array(x, "x", allow_nan=True)  # kind and dtype; shape and values below
        if x.ndim < 2 or prod(x.shape[1:]) != self.input_size:
            raise ValueError(f"x has shape {x.shape}; this network takes (N, {self.input_size}) "
                             f"(one row of {self.input_size} features per sample)")
        if x.shape[0] == 0:
            raise ValueError(f"x is empty (shape {x.shape}); pass at least one sample, "
                             f"an (N, {self.input_size}) array with N >= 1")
        if x.dtype != self.dtype:
            x = x.astype(self.dtype)
        if not np.isfinite(x).all():
            bad = int(np.size(x) - np.isfinite(x).sum())
            raise ValueError(f"x contains {bad} NaN or infinite values; clean or impute the input first")
        return x

    def _check_batch(self, x, t):
        x = self._check_x(x)
        return x, check_labels(t, x.shape[0], self.output_size)

    # ------------------------------------------------------------------ forward
    def predict(self, x, train_flg=False):
        """Class scores (logits), shape (N, output_size)."""
        x = self._check_x(x)
        return self._predict(x, check_bool(train_flg, "train_flg"))

    def _predict(self, x, train_flg):
        for layer in self.layers.values():
            x = layer.forward(x, train_flg)
        return x

    def weight_decay_penalty(self):
        """lambda/2 * sum of W^2 over every weight matrix (biases and BN parameters excluded)."""
        if self.weight_decay_lambda == 0:
            return 0.0
        total = sum(float(np.sum(np.square(self.params[f"W{i}"], dtype=np.float64)))
                    for i in range(1, len(self.hidden_size_list) + 2))
        return 0.5 * self.weight_decay_lambda * total

    def loss(self, x, t, train_flg=False):
        """Mean cross-entropy over the batch plus the weight-decay penalty (a float)."""
        x, t = self._check_batch(x, t)
        return self._loss(x, t, check_bool(train_flg, "train_flg"))

    def _loss(self, x, t, train_flg):
        scores = self._predict(x, train_flg)
        loss = self.last_layer.forward(scores, t) + self.weight_decay_penalty()
        if train_flg:
            self.last_loss = loss
        return loss

    def accuracy(self, x, t, batch_size=1000):
        """Fraction of samples whose highest score is the true class, in [0, 1]."""
        x, t = self._check_batch(x, t)
        batch_size = check_int(batch_size, "batch_size", 1)
        if t.ndim == 2:
            t = t.argmax(axis=1)
        correct = 0
        for start in range(0, x.shape[0], batch_size):
            scores = self._predict(x[start:start + batch_size], False)
            correct += int(np.sum(scores.argmax(axis=1) == t[start:start + batch_size]))
        return correct / x.shape[0]

    # ------------------------------------------------------------------ gradients
    def gradient(self, x, t, copy=True):
        """Backprop gradients of :meth:`loss` (training mode) for every parameter.

        Returns
        -------
        dict
            Same keys and shapes as ``params``. With ``copy=False`` the arrays are the layers'
            own buffers, overwritten by the next call (what the Trainer uses, to save copies).
        """
        x, t = self._check_batch(x, t)
        copy = check_bool(copy, "copy")
        self._loss(x, t, True)
        return self._backward(copy)

    def backward(self, copy=True):
        """Gradients of the last training-mode loss, ``loss(x, t, train_flg=True)``.

        :meth:`gradient` is forward plus this backward in one call. Raises RuntimeError when no
        training-mode forward pass has run yet (there is nothing to differentiate).
        """
        if self.last_loss is None:
            raise CallOrderError("backward() needs a forward pass first: call "
                               "net.loss(x, t, train_flg=True) before net.backward(), or use "
                               "net.gradient(x, t), which does both")
        return self._backward(check_bool(copy, "copy"))

    def _backward(self, copy=False):
        dout = self.last_layer.backward(1.0)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)
        grads = {}
        lam = self.weight_decay_lambda
        for key, (layer, pname) in self._param_owner.items():
            g = layer.grads[pname]
            if lam and pname == "W":
                g += lam * layer.params["W"]
            grads[key] = g.copy() if copy else g
        return grads

    def numerical_gradient(self, x, t, h=None):
        """Central-difference gradient of :meth:`loss` (training mode) for every parameter.

        Slow (two forward passes per parameter element): for checking backprop on small nets,
        ideally in float64. Dropout masks are frozen for the duration so the loss is deterministic.
        """
        x, t = self._check_batch(x, t)
        if h is None:
            h = default_step(self.dtype)
        h = check_positive(h, "h", hint="(the finite-difference step, 1e-5 in float64)")
        dropouts = [layer for layer in self.layers.values() if isinstance(layer, Dropout)]
        for layer in dropouts:
            layer.freeze_mask = True
        saved = self.get_state()
        try:
            self._loss(x, t, True)  # draws the masks that stay frozen below
            grads = {key: _numerical_gradient(lambda _: self._loss(x, t, True), param, h)
                     for key, param in self.params.items()}
        finally:
            for layer in dropouts:
                layer.freeze_mask = False
            self._set_running_stats(saved["running_stats"])
        return grads

    # ------------------------------------------------------------------ state
    def get_state(self):
        """A deep copy of everything training changes: parameters and batch-norm running statistics.

        Returns
        -------
        dict
            ``{'params': {name: array}, 'running_stats': {layer name: (mean, var)}}``; mean and
            var are (units,) arrays, or None before the layer's first training-mode pass.
            Give it back to :meth:`set_state` to restore the network exactly (what early stopping
            does with the best epoch's state).
        """
        stats = {name: (None if layer.running_mean is None else layer.running_mean.copy(),
                        None if layer.running_var is None else layer.running_var.copy())
                 for name, layer in self.layers.items() if isinstance(layer, BatchNormalization)}
        return {"params": self.copy_params(), "running_stats": stats}

    def set_state(self, state):
        """Restore a :meth:`get_state` snapshot (values are copied; the snapshot stays usable)."""
        if not isinstance(state, dict) or set(state) != {"params", "running_stats"}:
            raise ValueError("state must be the dict returned by get_state(), with keys "
                             f"'params' and 'running_stats'; got {type(state).__name__}"
                             f"{' with keys ' + str(sorted(state)) if isinstance(state, dict) else ''}")
        params = check_dict(state["params"], "state['params']")
        missing = set(self.params) - set(params)
        if missing:
            raise ValueError(f"state['params'] lacks parameters {sorted(missing)}; was it taken from a "
                             "network of another architecture?")
        stats = self._checked_running_stats(check_dict(state["running_stats"], "state['running_stats']"))
        self.set_params(params)
        self._set_running_stats(stats)

    def _checked_running_stats(self, stats):
        bn_layers = {n for n, layer in self.layers.items() if isinstance(layer, BatchNormalization)}
        if set(stats) != bn_layers:
            raise ValueError(f"state['running_stats'] has entries {sorted(stats)} but this network's "
                             f"batch-norm layers are {sorted(bn_layers)}; pass a state of this network")
        checked = {}
        for name, pair in stats.items():
            where = f"state['running_stats'][{name!r}]"
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"{where} must be a (mean, var) pair, got {pair!r}")
            if (pair[0] is None) != (pair[1] is None):
                raise ValueError(f"{where} has one of mean and var None; give both or neither")
            if pair[0] is not None:
                units = (self.layers[name].params["gamma"].shape[0],)
                pair = tuple(check_array(v, f"{where}[{i}]", ndim=1, allow_inf=False) for i, v in enumerate(pair))
                for i, v in enumerate(pair):
                    if v.shape != units:
                        raise ValueError(f"{where}[{i}] has shape {v.shape}, expected {units}")
                if np.any(pair[1] < 0):
                    raise ValueError(f"{where}[1] (the running variance) holds negative values")
            checked[name] = pair
        return checked

    def _set_running_stats(self, stats):
        for name, (mean, var) in stats.items():
            layer = self.layers[name]
            layer.running_mean = None if mean is None else mean.copy()
            layer.running_var = None if var is None else var.copy()

    # ------------------------------------------------------------------ helpers
    def freeze_dropout_masks(self, frozen=True):
        """Reuse each dropout layer's last mask (True) or draw fresh ones (False)."""
        frozen = check_bool(frozen, "frozen")
        for layer in self.layers.values():
            if isinstance(layer, Dropout):
                layer.freeze_mask = frozen

    def hidden_activations(self, x):
        """Outputs of every activation layer in test mode: a list of (N, units) arrays."""
        x = self._check_x(x)
        outs = []
        for layer in self.layers.values():
            x = layer.forward(x, False)
            if isinstance(layer, ACTIVATION_LAYERS):
                outs.append(x)
        return outs

    def copy_params(self):
        """A deep copy of ``params`` (e.g. to restore the best weights later)."""
        return {k: v.copy() for k, v in self.params.items()}

    def set_params(self, params):
        """Copy values into the existing parameter arrays (keeps the layers' references valid)."""
        params = check_dict(params, "params", "net.copy_params()")
        unknown = set(params) - set(self.params)
        if unknown:
            raise ValueError(f"params has unknown parameter names {sorted(unknown)}; this network has "
                             f"{list(self.params)}")
        checked = {}
        for key, value in params.items():
            value = check_array(value, f"params[{key!r}]", allow_nan=False, allow_inf=False)
            if value.shape != self.params[key].shape:
                raise ValueError(f"params[{key!r}] has shape {value.shape}, expected "
                                 f"{self.params[key].shape} (no broadcasting)")
            checked[key] = value
        for key, value in checked.items():
            self.params[key][...] = value

    def __repr__(self):
        sizes = [self.input_size] + self.hidden_size_list + [self.output_size]
        extras = [f"activation={self.activation!r}", f"init={self.weight_init_std!r}"]
        if self.use_batchnorm:
            extras.append("batchnorm")
        if self.use_dropout:
            extras.append(f"dropout={self.dropout_ratio}")
        if self.weight_decay_lambda:
            extras.append(f"weight_decay={self.weight_decay_lambda}")
        return f"MultiLayerNet({'-'.join(map(str, sizes))}, {', '.join(extras)})"
