"""dlhelpers: the NumPy engine behind the course notebooks.

Submodules by job: ``functions`` (activations, softmax, losses), ``layers`` (forward/backward
pairs), ``initializers``, ``network`` (MultiLayerNet), ``optimizers``, ``training`` (Trainer),
``early_stopping``, ``recipes`` (the playgrounds' training run),
``gradcheck``, ``data`` (MNIST), ``utils``, ``search`` (hyperparameter search), ``plotting``,
``widgets``, ``experiments`` (what each notebook figure computes) and ``exercises`` (checkers).
"""
from .data import load_mnist
from .early_stopping import EarlyStopping
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
from .search import (SearchResult, Trial, coarse_to_fine, edge_report, grid_search,
                     local_executor, narrow_ranges, random_search, run_trials)
from .training import Trainer, TrainingDiverged
from .utils import shuffle_dataset, smooth_curve, train_val_split

__version__ = "0.1.0"

__all__ = [
    "load_mnist",
    "EarlyStopping",
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
    "SearchResult", "Trial", "coarse_to_fine", "edge_report", "grid_search", "local_executor",
    "narrow_ranges", "random_search", "run_trials",
    "Trainer", "TrainingDiverged",
    "shuffle_dataset", "smooth_curve", "train_val_split",
]
