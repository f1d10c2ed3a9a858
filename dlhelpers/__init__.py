"""dlhelpers: the NumPy engine behind the course notebooks.

Submodules by job: ``functions`` (activations, softmax, losses), ``layers`` (forward/backward
pairs), ``initializers``, ``network`` (MultiLayerNet), ``optimizers``, ``training`` (Trainer),
``gradcheck``, ``data`` (MNIST), ``utils``, ``plotting`` and ``widgets``.
"""
from .data import load_mnist
from .functions import (cross_entropy_error, elu, leaky_relu, log_softmax, mean_squared_error,
                        one_hot, relu, sigmoid, sigmoid_grad, softmax, tanh)
from .gradcheck import (check_layer_gradients, check_network_gradients, numerical_gradient,
                        print_gradient_check, rel_error)
from .initializers import init_std
from .layers import (ELU, Affine, BatchNormalization, Dropout, LeakyReLU, ReLU, Sigmoid,
                     SoftmaxWithLoss, Tanh)
from .network import MultiLayerNet
from .optimizers import (SGD, AdaGrad, Adam, ExponentialDecay, Momentum, Nesterov, RMSprop,
                         StepDecay, make_optimizer)
from .training import Trainer, TrainingDiverged
from .utils import shuffle_dataset, smooth_curve, train_val_split

__version__ = "0.1.0"

__all__ = [
    "load_mnist",
    "cross_entropy_error", "elu", "leaky_relu", "log_softmax", "mean_squared_error", "one_hot",
    "relu", "sigmoid", "sigmoid_grad", "softmax", "tanh",
    "check_layer_gradients", "check_network_gradients", "numerical_gradient",
    "print_gradient_check", "rel_error",
    "init_std",
    "ELU", "Affine", "BatchNormalization", "Dropout", "LeakyReLU", "ReLU", "Sigmoid",
    "SoftmaxWithLoss", "Tanh",
    "MultiLayerNet",
    "SGD", "AdaGrad", "Adam", "ExponentialDecay", "Momentum", "Nesterov", "RMSprop", "StepDecay",
    "make_optimizer",
    "Trainer", "TrainingDiverged",
    "shuffle_dataset", "smooth_curve", "train_val_split",
]
