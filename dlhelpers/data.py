"""MNIST loading: the bundled real-MNIST sample by default, the full set on request.

The sample (``data/mnist_sample.npz``) holds 5,000 real MNIST digits, 4,000 for training and
1,000 for testing, 10 classes in equal numbers; see ``data/README.md`` for its provenance.
Setting the environment variable ``DLHELPERS_DATASET=full`` (or passing ``dataset="full"``)
switches every notebook to the full 60,000 + 10,000 set, downloaded once and cached.
"""
import os
import zipfile
from pathlib import Path

import numpy as np

from .functions import one_hot

REPO_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SAMPLE_FILE = "mnist_sample.npz"
DATASETS = ("sample", "full")


def data_dir():
    """Folder holding the bundled sample and the download cache (``DLHELPERS_DATA_DIR`` overrides)."""
    return Path(os.environ.get("DLHELPERS_DATA_DIR", REPO_DATA_DIR))


def load_mnist(normalize=True, flatten=True, one_hot_label=False, dataset=None, dtype=np.float32):
    """Load MNIST as ``(x_train, t_train), (x_test, t_test)``.

    Parameters
    ----------
    normalize : bool
        True: pixels as ``dtype`` in [0, 1]. False: raw uint8 in 0..255.
    flatten : bool
        True: images as (N, 784). False: (N, 1, 28, 28).
    one_hot_label : bool
        True: labels as (N, 10) one-hot rows of ``dtype``. False: (N,) uint8 class indices.
    dataset : {'sample', 'full'} or None
        None reads ``DLHELPERS_DATASET`` and falls back to 'sample' (bundled, offline).
    dtype : float dtype
        Used for normalized pixels and one-hot labels.

    Returns
    -------
    (x_train, t_train), (x_test, t_test)
        Sample: 4,000 and 1,000 images. Full: 60,000 and 10,000.
    """
    dataset = dataset or os.environ.get("DLHELPERS_DATASET", "sample")
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {dataset!r} "
                         "(check the DLHELPERS_DATASET environment variable)")
    if dataset == "sample":
        arrays = _load_sample(data_dir() / SAMPLE_FILE)
    else:
        from .mnist_download import load_full_mnist_arrays
        arrays = load_full_mnist_arrays(data_dir())
    x_train, t_train, x_test, t_test = arrays
    return (_prepare(x_train, normalize, flatten, dtype), _labels(t_train, one_hot_label, dtype)), \
           (_prepare(x_test, normalize, flatten, dtype), _labels(t_test, one_hot_label, dtype))


_CACHE = {}


def load_mnist_cached(**kwargs):
    """:func:`load_mnist` with its result kept in memory, for experiments that load it repeatedly.

    Takes the same keyword arguments. The arrays are shared between callers: do not modify them.
    """
    key = (os.environ.get("DLHELPERS_DATASET", "sample"), str(data_dir()), tuple(sorted(kwargs.items())))
    if key not in _CACHE:
        _CACHE[key] = load_mnist(**kwargs)
    return _CACHE[key]


def _load_sample(path):
    if not path.exists():
        raise FileNotFoundError(
            f"the bundled MNIST sample {path} is missing. It ships with the course: restore it with "
            f"'git checkout -- data/{SAMPLE_FILE}', or set DLHELPERS_DATA_DIR to the folder that holds it.")
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = tuple(f[key] for key in ("x_train", "t_train", "x_test", "t_test"))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as err:
        raise OSError(f"the bundled MNIST sample {path} is unreadable or corrupted ({err}); restore "
                      f"it with 'git checkout -- data/{SAMPLE_FILE}'.") from err
    x_train, t_train, x_test, t_test = arrays
    if x_train.shape[1:] != (784,) or x_test.shape[1:] != (784,) or x_train.dtype != np.uint8:
        raise OSError(f"{path} does not hold (N, 784) uint8 images; restore it with "
                      f"'git checkout -- data/{SAMPLE_FILE}'.")
    return arrays


def _prepare(images, normalize, flatten, dtype):
    images = images.reshape(len(images), 784)
    if normalize:
        images = images.astype(dtype) / np.asarray(255.0, dtype)
    if not flatten:
        images = images.reshape(-1, 1, 28, 28)
    return images


def _labels(labels, one_hot_label, dtype):
    labels = labels.astype(np.uint8)
    return one_hot(labels, 10, dtype) if one_hot_label else labels
