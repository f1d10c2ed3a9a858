"""Bad input fails early with a ValueError that says what is wrong (and what to do instead)."""
import numpy as np
import pytest

from dlhelpers.functions import cross_entropy_error, mean_squared_error
from dlhelpers.initializers import init_std
from dlhelpers.activations import make_activation
from dlhelpers.layers import BatchNormalization, Dropout, SoftmaxWithLoss
from dlhelpers.network import MultiLayerNet
from dlhelpers.optimizers import (SGD, AdaGrad, Adam, ExponentialDecay, Momentum, Nesterov,
                                  RMSprop, StepDecay, make_optimizer)
from dlhelpers.training import Trainer
from dlhelpers.utils import shuffle_dataset, train_val_split


@pytest.fixture
def net():
    return MultiLayerNet(784, [10], 10, seed=0)


@pytest.fixture
def batch():
    rng = np.random.default_rng(0)
    return rng.random((4, 784), dtype=np.float32), np.array([0, 3, 9, 1])


# ---------------------------------------------------------------- inputs
@pytest.mark.parametrize("shape", [(4, 783), (784,), (4, 28, 29)])
def test_wrong_x_shape(net, shape):
    with pytest.raises(ValueError, match=r"x has shape .*this network takes \(N, 784\)"):
        net.predict(np.zeros(shape, np.float32))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_input(net, batch, bad):
    x, t = batch
    x = x.copy()
    x[1, 5] = bad
    for call in (lambda: net.predict(x), lambda: net.loss(x, t), lambda: net.gradient(x, t)):
        with pytest.raises(ValueError, match="1 NaN or infinite values"):
            call()


@pytest.mark.parametrize("labels,message", [
    (np.array([0, 3, 10, 1]), r"labels from 0 to 10, but there are only 10 classes \(valid labels are 0..9\)"),
    (np.array([0, -1, 2, 1]), r"labels from -1 to 2"),
    (np.array([0, 1, 2]), r"3 labels but there are 4 samples"),
    (np.array([0.0, 1.5, 2.0, 1.0]), r"integer class indices"),
    (np.zeros((4, 9)), r"one-hot t has shape \(4, 9\); expected \(4, 10\)"),
    (np.zeros((4, 10, 1)), r"labels must be \(N,\) indices or \(N, C\) one-hot"),
])
def test_bad_labels(net, batch, labels, message):
    x, _ = batch
    with pytest.raises(ValueError, match=message):
        net.loss(x, labels)
    with pytest.raises(ValueError, match=message):
        net.gradient(x, labels)


def test_bad_labels_in_losses():
    y = np.full((2, 3), 1 / 3)
    with pytest.raises(ValueError, match="only 3 classes"):
        cross_entropy_error(y, np.array([0, 3]))
    with pytest.raises(ValueError, match="only 3 classes"):
        mean_squared_error(y, np.array([5, 0]))
    with pytest.raises(ValueError, match="only 3 classes"):
        SoftmaxWithLoss().forward(y, np.array([3, 0]))
    with pytest.raises(ValueError, match="needs the labels t"):
        SoftmaxWithLoss().forward(y)


def test_float_labels_with_integer_values_are_accepted(net, batch):
    x, t = batch
    assert net.loss(x, t.astype(np.float32)) == pytest.approx(net.loss(x, t))
    y = np.array([[0.2, 0.8], [0.6, 0.4]])
    assert cross_entropy_error(y, np.array([1.0, 0.0])) == pytest.approx(cross_entropy_error(y, np.array([1, 0])))
    assert mean_squared_error(y, np.array([1.0, 0.0])) == pytest.approx(mean_squared_error(y, np.array([1, 0])))


# ---------------------------------------------------------------- learning rates and optimizers
@pytest.mark.parametrize("lr,error,message", [
    (0, ValueError, r"lr \(the learning rate\) must be a positive number, got 0"),
    (-0.1, ValueError, r"lr \(the learning rate\) must be a positive number, got -0.1"),
    (np.nan, ValueError, r"lr \(the learning rate\) must be a finite number"),
    (np.inf, ValueError, r"lr \(the learning rate\) must be a finite number"),
    ("0.1", TypeError, r"lr \(the learning rate\) must be a number, got a str"),
    (None, TypeError, r"lr \(the learning rate\) must be a number, got None"),
    (True, TypeError, r"lr \(the learning rate\) must be a number, got a bool"),
])
@pytest.mark.parametrize("cls", [SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam])
def test_learning_rate_must_be_positive(cls, lr, error, message):
    with pytest.raises(error, match=message):
        cls(lr=lr)


def test_learning_rate_checked_when_changed_and_in_schedules():
    opt = SGD(lr=0.1)
    with pytest.raises(ValueError, match=r"learning rate\) must be a positive number, got -1"):
        opt.lr = -1
    assert opt.lr == 0.1
    with pytest.raises(ValueError, match=r"initial_lr \(the learning rate\) must be a positive number"):
        StepDecay(0.0)
    with pytest.raises(ValueError, match=r"initial_lr \(the learning rate\) must be a positive number"):
        ExponentialDecay(-0.01)
    with pytest.raises(ValueError, match="step_size must be a positive integer"):
        StepDecay(0.1, step_size=0)
    with pytest.raises(ValueError, match=r"gamma must be in \(0, 1\]"):
        StepDecay(0.1, gamma=1.5)
    with pytest.raises(ValueError, match=r"decay_rate must be in \(0, 1\]"):
        ExponentialDecay(0.1, decay_rate=0)


@pytest.mark.parametrize("make,name", [
    (lambda: Momentum(momentum=1.0), "momentum"), (lambda: Nesterov(momentum=-0.1), "momentum"),
    (lambda: RMSprop(decay_rate=1.0), "decay_rate"), (lambda: Adam(beta1=1.0), "beta1"),
    (lambda: Adam(beta2=1.5), "beta2"),
])
def test_optimizer_fractions(make, name):
    with pytest.raises(ValueError, match=rf"{name} must be in \[0, 1\)"):
        make()


def test_unknown_optimizer_name(net, batch):
    x, t = batch
    with pytest.raises(ValueError, match=r"unknown optimizer 'lbfgs'; choose one of \['adagrad', 'adam'"):
        make_optimizer("lbfgs")
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        Trainer(net, x, t, x_test=x, t_test=t, optimizer="lbfgs", progress=False, verbose=False)


# ---------------------------------------------------------------- network configuration
@pytest.mark.parametrize("ratio,error,message", [
    (1.0, ValueError, r"dropout_ratio must be in \[0, 1\)"),
    (1.5, ValueError, r"dropout_ratio must be in \[0, 1\)"),
    (-0.1, ValueError, r"dropout_ratio must be in \[0, 1\)"),
    ("0.5", TypeError, r"dropout_ratio must be a number, got a str"),
    (None, TypeError, r"dropout_ratio must be a number, got None"),
])
def test_dropout_ratio_outside_0_1(ratio, error, message):
    with pytest.raises(error, match=message):
        Dropout(ratio)
    with pytest.raises(error, match=message):
        MultiLayerNet(784, [10], 10, use_dropout=True, dropout_ratio=ratio)


def test_unknown_activation():
    with pytest.raises(ValueError, match=r"unknown activation 'swish'; choose one of \['elu', 'leaky_relu'"):
        MultiLayerNet(784, [10], 10, activation="swish")
    with pytest.raises(ValueError, match="unknown activation 'softplus'"):
        make_activation("softplus")


@pytest.mark.parametrize("scheme,message", [
    ("kaiming", r"unknown weight_init_std 'kaiming'; use a positive number or one of \('xavier'"),
    (-0.1, r"weight_init_std must be a finite number >= 0, got -0.1"),
    (np.nan, r"weight_init_std must be a finite number >= 0"),
    ([0.1], r"weight_init_std must be a positive number or one of"),
])
def test_unknown_or_invalid_init(scheme, message):
    error = TypeError if isinstance(scheme, list) else ValueError
    with pytest.raises(error, match=message):
        MultiLayerNet(784, [10], 10, weight_init_std=scheme)
    with pytest.raises(error, match=message):
        init_std(scheme, 100)


@pytest.mark.parametrize("kwargs,message", [
    (dict(input_size=0), "input_size must be a positive integer, got 0"),
    (dict(output_size=2.5), "output_size must be an integer >= 2, got a float"),
    (dict(hidden_size_list=[10, 0]), r"hidden_size_list\[1\] must be a positive integer, got 0"),
    (dict(weight_decay_lambda=-1e-3), "weight_decay_lambda must be"),
    (dict(weight_decay_lambda=np.nan), "weight_decay_lambda must be"),
    (dict(dtype=np.float16), "dtype must be np.float32 or np.float64, got"),
])
def test_bad_network_arguments(kwargs, message):
    args = dict(input_size=784, hidden_size_list=[10], output_size=10)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=message):
        MultiLayerNet(**args)


def test_batchnorm_rejects_3d_input():
    with pytest.raises(ValueError, match=r"BatchNormalization takes \(N, 3\) or \(N, 3, H, W\) float64 input, got shape \(2, 3, 4\)"):
        BatchNormalization(np.ones(3), np.zeros(3)).forward(np.zeros((2, 3, 4)), train_flg=True)


# ---------------------------------------------------------------- trainer arguments
@pytest.mark.parametrize("kwargs,message", [
    (dict(epochs=-1), "epochs must be a non-negative integer, got -1"),
    (dict(epochs=2.5), "epochs must be a non-negative integer"),
    (dict(mini_batch_size=0), "mini_batch_size must be a positive integer, got 0"),
    (dict(patience=3), "early stopping needs validation data: pass x_val and t_val"),
    (dict(optimizer_param={"lr": 0}), r"learning rate\) must be a positive number"),
])
def test_bad_trainer_arguments(net, batch, kwargs, message):
    x, t = batch
    with pytest.raises((ValueError, TypeError), match=message):
        Trainer(net, x, t, x_test=x, t_test=t, progress=False, verbose=False, **kwargs)


def test_trainer_checks_its_data(net, batch):
    x, t = batch
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="x_train contains 1 NaN values"):
        Trainer(net, bad, t, progress=False, verbose=False)
    with pytest.raises(ValueError, match="t_test has 3 labels but there are 4 samples"):
        Trainer(net, x, t, x_test=x, t_test=t[:3], progress=False, verbose=False)
    with pytest.raises(ValueError, match=r"t_val holds labels from 0 to 12"):
        Trainer(net, x, t, x_val=x, t_val=np.array([0, 1, 12, 2]), progress=False, verbose=False)
    with pytest.raises(ValueError, match=r"x_train must have at least 2 dimension\(s\)"):
        Trainer(net, x[0], t[:1], progress=False, verbose=False)


def test_bad_split_arguments():
    x, t = np.zeros((10, 2)), np.zeros(10)
    with pytest.raises(ValueError, match=r"val_fraction must be in \(0, 1\), got 1.5"):
        train_val_split(x, t, val_fraction=1.5)
    with pytest.raises(ValueError, match="x has 10 samples but t has 9"):
        shuffle_dataset(x, t[:9])


# ---------------------------------------------------------------- labels the first edition took silently
@pytest.mark.parametrize("labels,message", [
    (np.full((4, 10), np.nan), r"one-hot t row 0 is \[nan, .*exactly one 1"),
    (np.zeros((4, 10)), r"one-hot t row 0 is \[0.0, .*NaN or all-zero rows are not labels"),
    (np.eye(10)[[0, 1, 2, 3]] * 2, r"one-hot t row 0 is \[2.0, "),
    (np.array([0.0, 1e30, 2.0, 3.0]), r"labels from 0 to 1e\+30, but there are only 10 classes"),
])
def test_network_refuses_labels_that_gave_a_perfect_score(net, batch, labels, message):
    x, _ = batch
    for call in (net.accuracy, net.loss):
        with pytest.raises(ValueError, match=message):
            call(x, labels)


def test_empty_input_is_refused_by_name_not_divided_by_zero(net):
    empty = np.zeros((0, 784), np.float32)
    message = r"x is empty \(shape \(0, 784\)\); pass at least one sample, an \(N, 784\) array"
    for call in (lambda: net.predict(empty), lambda: net.accuracy(empty, np.zeros(0, int)),
                 lambda: net.loss(empty, np.zeros(0, int)), lambda: net.gradient(empty, np.zeros(0, int)),
                 lambda: net.hidden_activations(empty)):
        with pytest.raises(ValueError, match=message):
            call()
    with pytest.raises(ValueError, match=r"t is empty \(shape \(0,\)\)"):
        net.accuracy(np.zeros((1, 784), np.float32), np.zeros(0, int))
    from dlhelpers.functions import one_hot
    with pytest.raises(ValueError, match=r"t holds labels from -1 to -1, but there are only 10 classes"):
        one_hot(np.array([-1]))


def test_the_finite_check_refuses_nan_and_inf_but_not_large_finite_values(net):
    from dlhelpers.checks import check_array
    x = np.zeros((3, 784), np.float32)
    for bad in (np.nan, np.inf, -np.inf):
        y = x.copy()
        y[1, 7] = bad
        with pytest.raises(ValueError, match="x contains 1 NaN or infinite values"):
            net.predict(y)
    large = np.full((3, 784), 1e20, np.float32)
    assert check_array(large, "x", allow_inf=False) is large
    with np.errstate(over="ignore", invalid="ignore"):
        assert net.predict(large).shape == (3, 10)


def test_every_layer_refuses_an_empty_batch_by_name():
    from dlhelpers.layers import ELU, Affine, LeakyReLU, ReLU, Sigmoid, Tanh
    empty = np.zeros((0, 4), np.float32)
    layers = [Affine(np.ones((4, 3), np.float32), np.zeros(3, np.float32)), ReLU(), Sigmoid(), Tanh(),
              LeakyReLU(), ELU(), BatchNormalization(np.ones(4, np.float32), np.zeros(4, np.float32)),
              Dropout(0.5, rng=0)]
    for layer in layers:
        with pytest.raises(ValueError, match=rf"{type(layer).__name__}: x is empty \(shape \(0, 4\)\)"):
            layer.forward(empty, True)
    with pytest.raises(ValueError, match=r"SoftmaxWithLoss: x is empty"):
        SoftmaxWithLoss().forward(empty, np.zeros(0, int))
