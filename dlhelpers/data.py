"""MNIST loading: the bundled real-MNIST sample by default, the full set on request.

The sample (``mnist_sample.npz``) holds 5,000 real MNIST digits, 4,000 for training and
1,000 for testing, 10 classes in equal numbers; see ``data/README.md`` for its provenance.
In a clone of the course it is ``data/mnist_sample.npz``; an installed wheel carries the same
file as ``dlhelpers/_data/mnist_sample.npz`` (pyproject.toml maps that subpackage to ``data/``).
Every load checks its SHA-256 and its arrays.

Setting the environment variable ``DLHELPERS_DATASET=full`` (or passing ``dataset="full"``)
switches every notebook to the full 60,000 + 10,000 set, downloaded once and cached in
:func:`cache_dir` ``/full/``: ``data/full/`` in a clone, the user cache folder otherwise.
``DLHELPERS_DATA_DIR`` moves both the sample and the cache to a folder of your choice.
"""
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .functions import one_hot
from .mnist_download import sha256_of

PACKAGE_DATA_DIR = Path(__file__).resolve().parent / "_data"   # an installed wheel
REPO_DATA_DIR = Path(__file__).resolve().parent.parent / "data"  # a clone (or editable install)
SAMPLE_FILE = "mnist_sample.npz"
SAMPLE_SHA256 = "f763b4a85225a2b86c9b1eeb0ccb4b92dfc13117011c18c0973a13fa5c9c25a8"  # data/README.md
SAMPLE_SHAPES = {"x_train": (4000, 784), "t_train": (4000,), "x_test": (1000, 784), "t_test": (1000,)}
DATASETS = ("sample", "full")
ENV_DATA_DIR = "DLHELPERS_DATA_DIR"
ENV_DATASET = "DLHELPERS_DATASET"


def _installed_from_wheel():
    """True when the package runs from an installed wheel, False in a clone of the course."""
    return PACKAGE_DATA_DIR.is_dir() or not REPO_DATA_DIR.is_dir()


def data_dir():
    """Folder holding the bundled sample.

    ``DLHELPERS_DATA_DIR`` when set; else ``data/`` in a clone of the course, or the package's
    own ``dlhelpers/_data/`` when installed from a wheel.

    Raises
    ------
    NotADirectoryError
        When ``DLHELPERS_DATA_DIR`` names a file or a missing folder.
    """
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        folder = Path(override).expanduser()
        if not folder.is_dir():
            what = "is a file, not a folder" if folder.exists() else "does not exist"
            raise NotADirectoryError(
                f"{ENV_DATA_DIR}={override} {what}. Point {ENV_DATA_DIR} to a folder that holds "
                f"{SAMPLE_FILE} (a copy of the course's data/{SAMPLE_FILE}), or unset it to use the "
                "bundled copy.")
        return folder
    return PACKAGE_DATA_DIR if _installed_from_wheel() else REPO_DATA_DIR


def cache_dir():
    """Folder under which the full-MNIST download is cached (in its ``full/`` subfolder).

    ``DLHELPERS_DATA_DIR`` when set; else ``data/`` in a clone of the course; else, for an
    installed package, the user cache folder (``~/.cache/dlhelpers`` on Linux,
    ``~/Library/Caches/dlhelpers`` on macOS, ``%LOCALAPPDATA%\\dlhelpers\\dlhelpers\\Cache`` on
    Windows; ``XDG_CACHE_HOME`` moves it on Linux), never the read-only-by-intent site-packages.
    """
    if os.environ.get(ENV_DATA_DIR) or not _installed_from_wheel():
        return data_dir()
    import platformdirs
    return Path(platformdirs.user_cache_dir("dlhelpers"))


def _restore_hint(folder):
    if os.environ.get(ENV_DATA_DIR):
        return (f"copy the course's data/{SAMPLE_FILE} into {folder} again, or unset {ENV_DATA_DIR} "
                "to use the bundled copy")
    if folder == REPO_DATA_DIR:
        return f"restore it with 'git checkout -- data/{SAMPLE_FILE}' in the course's folder"
    return ("reinstall the course package: run the pip command you installed it with again, adding "
            "'--force-reinstall --no-deps'")


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
        Used for normalized pixels and one-hot labels (np.float32 or np.float64).

    Returns
    -------
    (x_train, t_train), (x_test, t_test)
        Sample: 4,000 and 1,000 images. Full: 60,000 and 10,000.

    Raises
    ------
    TypeError, ValueError
        For an argument of the wrong type or value (the message names it).
    FileNotFoundError, OSError
        When the bundled sample is missing or damaged (the message says how to restore it).
    NotADirectoryError, PermissionError
        When ``DLHELPERS_DATA_DIR`` is not a folder, or the download cache cannot be written.
    """
    for name, value in (("normalize", normalize), ("flatten", flatten), ("one_hot_label", one_hot_label)):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    dtype = _float_dtype(dtype)
    from_env = dataset is None
    dataset = os.environ.get(ENV_DATASET, "sample") if from_env else dataset
    if not isinstance(dataset, str) or dataset not in DATASETS:
        where = f" (check the {ENV_DATASET} environment variable)" if from_env else ""
        raise ValueError(f"dataset must be one of {DATASETS}, got {dataset!r}{where}")
    if dataset == "sample":
        arrays = _load_sample(data_dir() / SAMPLE_FILE)
    else:
        from .mnist_download import load_full_mnist_arrays
        root = cache_dir()
        _check_writable_cache(root)
        arrays = load_full_mnist_arrays(root)
    x_train, t_train, x_test, t_test = arrays
    return (_prepare(x_train, normalize, flatten, dtype), _labels(t_train, one_hot_label, dtype)), \
           (_prepare(x_test, normalize, flatten, dtype), _labels(t_test, one_hot_label, dtype))


_CACHE = {}


def load_mnist_cached(**kwargs):
    """:func:`load_mnist` with its result kept in memory, for experiments that load it repeatedly.

    Takes the same keyword arguments. The arrays are shared between callers: do not modify them.
    """
    key = (os.environ.get(ENV_DATASET, "sample"), os.environ.get(ENV_DATA_DIR, ""),
           tuple(sorted((k, str(v)) for k, v in kwargs.items())))
    if key not in _CACHE:
        _CACHE[key] = load_mnist(**kwargs)
    return _CACHE[key]


def _float_dtype(dtype):
    try:
        resolved = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"dtype must be a float type such as np.float32 or np.float64, "
                        f"got {dtype!r}") from err
    if resolved.kind != "f":
        raise TypeError(f"dtype must be a float type such as np.float32 or np.float64, got {resolved}; "
                        "for raw uint8 pixels pass normalize=False instead")
    return resolved


def _load_sample(path):
    """The four sample arrays, after checking the file's SHA-256 and the arrays themselves."""
    folder = path.parent
    if not path.is_file():
        what = "is missing" if not path.exists() else "is not a file"
        raise FileNotFoundError(f"the bundled MNIST sample {path} {what}; {_restore_hint(folder)}.")
    try:
        digest = sha256_of(path)
    except OSError as err:
        raise OSError(f"the bundled MNIST sample {path} cannot be read ({err}); "
                      f"{_restore_hint(folder)}.") from err
    if digest != SAMPLE_SHA256:
        raise OSError(f"the bundled MNIST sample {path} is damaged: its SHA-256 is {digest}, "
                      f"not {SAMPLE_SHA256} (data/README.md); {_restore_hint(folder)}.")
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {key: f[key] for key in SAMPLE_SHAPES}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as err:
        raise OSError(f"the bundled MNIST sample {path} is unreadable or corrupted ({err}); "
                      f"{_restore_hint(folder)}.") from err
    _check_sample_arrays(arrays, path)
    return tuple(arrays[key] for key in SAMPLE_SHAPES)


def _check_sample_arrays(arrays, path):
    """Shapes, dtypes and label range as data/README.md documents them; OSError otherwise."""
    problems = []
    for key, shape in SAMPLE_SHAPES.items():
        a = arrays[key]
        if a.shape != shape or a.dtype != np.uint8:
            problems.append(f"{key} is {a.dtype} {a.shape}, expected uint8 {shape}")
        elif key.startswith("t_") and a.size and a.max() > 9:
            problems.append(f"{key} has labels up to {a.max()}, expected 0..9")
    if problems:
        raise OSError(f"the bundled MNIST sample {path} does not hold what data/README.md documents: "
                      f"{'; '.join(problems)}; {_restore_hint(path.parent)}.")


def _probe_write(folder):
    with tempfile.TemporaryFile(dir=folder):
        pass


def _check_writable_cache(root):
    """Create ``root/full`` and make sure a download can be stored there; say what to do if not."""
    from .mnist_download import CACHE_SUBDIR, FILES
    folder = Path(root) / CACHE_SUBDIR
    if folder.is_dir() and all((folder / name).is_file() for name in FILES):
        return  # everything cached: reading needs no write access
    advice = (f"make it writable, or set {ENV_DATA_DIR} to a folder you can write to (copy "
              f"data/{SAMPLE_FILE} into it too)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as err:
        raise NotADirectoryError(f"the full-MNIST download cache {folder} cannot be a folder: "
                                 f"a file is in the way ({err}); remove that file, or set "
                                 f"{ENV_DATA_DIR} to another folder.") from err
    except OSError as err:
        raise PermissionError(f"cannot create the full-MNIST download cache {folder} ({err}); "
                              f"{advice}.") from err
    try:
        _probe_write(folder)
    except OSError as err:
        raise PermissionError(f"the full-MNIST download cache {folder} is read-only ({err}); "
                              f"{advice}.") from err


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
