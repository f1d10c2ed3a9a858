"""dlhelpers: the NumPy engine behind the course notebooks.

Submodules by job: ``functions`` (activations, softmax, losses), ``layers`` (forward/backward
pairs), ``activations`` (the registry by name), ``initializers``, ``network`` (MultiLayerNet),
``optimizers``, ``training`` (Trainer), ``early_stopping``, ``recipes`` (the playgrounds' training
run), ``checks`` (the argument checks every public function uses), ``gradcheck``, ``data``
(MNIST), ``utils``, ``search`` (hyperparameter search) and ``spaces`` (what it samples from),
``parallel`` (executors and the BLAS-thread limit), ``plotting``, ``widgets``, ``experiments``
(what each notebook figure computes) and ``exercises`` (checkers).
"""
from .data import load_mnist
from .early_stopping import EarlyStopping
from .functions import (cross_entropy_error, elu, leaky_relu, log_softmax, mean_squared_error,
                        one_hot, relu, sigmoid, sigmoid_grad, softmax, tanh)
from .activations import ACTIVATIONS, get_activation
from .gradcheck import (GradientCheck, check_layer_gradients, check_network_gradients,
                        compare_gradients, numerical_gradient, rel_error)
from .initializers import INIT_RULES, init_std, init_weights
from .layers import (ELU, Affine, BatchNormalization, Dropout, LeakyReLU, ReLU, Sigmoid,
                     SoftmaxWithLoss, Tanh)
from .network import MultiLayerNet
from .optimizers import (SGD, AdaGrad, Adam, ExponentialDecay, Momentum, Nesterov, RMSprop,
                         StepDecay, make_optimizer)
from .parallel import local_executor
from .search import (SearchResult, Trial, coarse_to_fine, edge_report, grid_search, halving_vs_random,
                     narrow_ranges, random_search, run_trials, successive_halving)
from .spaces import Choice, IntUniform, LogUniform, Uniform
from .training import Trainer, TrainingDiverged
from .utils import shuffle_dataset, smooth_curve, train_val_split

__version__ = "0.1.0"

__all__ = [
    "load_mnist",
    "EarlyStopping",
    "cross_entropy_error", "elu", "leaky_relu", "log_softmax", "mean_squared_error", "one_hot",
    "relu", "sigmoid", "sigmoid_grad", "softmax", "tanh",
    "ACTIVATIONS", "get_activation",
    "GradientCheck", "check_layer_gradients", "check_network_gradients", "compare_gradients",
    "numerical_gradient", "rel_error",
    "INIT_RULES", "init_std", "init_weights",
    "ELU", "Affine", "BatchNormalization", "Dropout", "LeakyReLU", "ReLU", "Sigmoid",
    "SoftmaxWithLoss", "Tanh",
    "MultiLayerNet",
    "SGD", "AdaGrad", "Adam", "ExponentialDecay", "Momentum", "Nesterov", "RMSprop", "StepDecay",
    "make_optimizer",
    "SearchResult", "Trial", "coarse_to_fine", "edge_report", "grid_search", "local_executor",
    "narrow_ranges", "random_search", "run_trials",
    "Choice", "IntUniform", "LogUniform", "Uniform", "halving_vs_random", "successive_halving",
    "Trainer", "TrainingDiverged",
    "shuffle_dataset", "smooth_curve", "train_val_split",
]
