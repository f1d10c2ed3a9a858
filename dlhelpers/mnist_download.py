"""Download, verify and read the full MNIST set (60,000 training and 10,000 test images).

Nothing in the course needs this: the bundled sample works offline. It runs only when asked for,
through ``load_mnist(dataset="full")`` or the environment variable ``DLHELPERS_DATASET=full``.

The four gzipped IDX files are fetched from the first public mirror that answers, and each one is
checked against its known SHA-256 before it is kept. The download goes to a temporary file next
to the cache and is moved into place only after its hash matched, so an interrupted or corrupted
download is never taken for a good file. A cached file is re-hashed every time it is used; one that
no longer matches is deleted and downloaded again.

The cache lives in ``<data_dir>/full/`` (``data/full/`` in the repository, ignored by git).
The IDX format is read with NumPy alone: big-endian header (magic number, then one 32-bit size per
dimension), then the raw unsigned bytes. No pickle is involved anywhere.
"""
import gzip
from pathlib import Path

import numpy as np

#: Base URLs tried in order; each file name is appended to the base.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

#: SHA-256 of each gzipped file as distributed since 1998 (sizes: 9,912,422; 28,881;
#: 1,648,877; 4,542 bytes).
SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

TRAIN_IMAGES, TRAIN_LABELS = "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"
TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

#: Sub-folder of the data directory that holds the downloaded files.
CACHE_SUBDIR = "full"

#: Magic numbers of the IDX files: 0x0000 (two zero bytes), 0x08 (unsigned byte), ndim.
IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

OFFLINE_HINT = ("The bundled 5,000-image MNIST sample still works offline: call load_mnist() without "
                "dataset='full' and unset the DLHELPERS_DATASET environment variable.")


class MNISTDownloadError(ConnectionError):
    """No mirror delivered a file with the expected checksum (offline, blocked, or corrupted)."""


class IDXFormatError(ValueError):
    """A file does not have the layout of an MNIST IDX file."""


def sha256_of(path):
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    import hashlib
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _describe(err):
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    if len(text) > 200:
        text = text[:200] + "..."
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def fetch_file(name, cache_dir, mirrors=MIRRORS, expected_sha256=None, progressbar=False, timeout=30):
    """Make sure ``cache_dir/name`` exists and has the expected SHA-256; return its path.

    A cached file that matches is used as it is (no network). A cached file that does not match is
    deleted. Otherwise each mirror is tried in turn until one delivers a file whose hash matches.

    Raises
    ------
    MNISTDownloadError
        If no mirror delivered a good file; the message lists every URL tried and why it failed.
    """
    import pooch
    import requests

    if not expected_sha256:
        raise ValueError(f"no SHA-256 known for {name!r}; refusing to download an unverifiable file")
    cache_dir = Path(cache_dir)
    target = cache_dir / name
    note = ""
    if target.exists():
        if sha256_of(target) == expected_sha256.lower():
            return target
        target.unlink()  # known to be bad: never keep it around as if it were good
        note = f"The cached copy {target} did not match its SHA-256 and was deleted. "
    cache_dir.mkdir(parents=True, exist_ok=True)
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + name
        try:
            # pooch streams into a temporary file in cache_dir, checks the hash, and only then
            # moves it to the final name; on any failure the temporary file is removed.
            downloader = pooch.HTTPDownloader(progressbar=progressbar, timeout=timeout)
            path = pooch.retrieve(url, known_hash=f"sha256:{expected_sha256}", fname=name,
                                  path=cache_dir, downloader=downloader)
            return Path(path)
        except ValueError as err:  # hash mismatch (pooch raises ValueError)
            failures.append(f"{url} -> the file's checksum did not match (corrupted or truncated: {_describe(err)})")
        except (OSError, requests.exceptions.RequestException) as err:
            failures.append(f"{url} -> {_describe(err)}")
    tried = "\n  ".join(failures) if failures else "(no mirrors given)"
    raise MNISTDownloadError(
        f"Downloading the full MNIST file {name} failed. {note}Mirrors tried:\n  {tried}\n"
        f"Nothing unverified was kept in {cache_dir}. Check the network connection and try again. "
        + OFFLINE_HINT)


def read_idx(path, expected_magic, expected_shape_tail=()):
    """Read a gzipped IDX file of unsigned bytes into a uint8 array (NumPy only, no pickle).

    Parameters
    ----------
    path : path to a ``.gz`` IDX file
    expected_magic : int
        0x00000803 for image files (N, rows, cols), 0x00000801 for label files (N,).
    expected_shape_tail : tuple
        Required sizes of the dimensions after N, e.g. (28, 28).

    Raises
    ------
    IDXFormatError
        Wrong magic number, wrong dimensions, or a body that is not exactly as long as the header says.
    """
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as err:
        raise IDXFormatError(f"{path} is not a readable gzip file ({_describe(err)})") from err
    if len(raw) < 4:
        raise IDXFormatError(f"{path} is too short to be an IDX file ({len(raw)} bytes)")
    magic = int(np.frombuffer(raw, dtype=">u4", count=1)[0])
    if magic != expected_magic:
        raise IDXFormatError(f"{path} has magic number 0x{magic:08x}; expected 0x{expected_magic:08x}")
    ndim = magic & 0xFF
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise IDXFormatError(f"{path} ends inside its header")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    if tuple(shape[1:]) != tuple(expected_shape_tail):
        raise IDXFormatError(f"{path} holds items of shape {shape[1:]}; expected {tuple(expected_shape_tail)}")
    body = len(raw) - header_len
    if body != int(np.prod(shape)):
        raise IDXFormatError(f"{path} has {body} data bytes but its header announces shape {shape} "
                             f"({int(np.prod(shape))} bytes)")
    return np.frombuffer(raw, dtype=np.uint8, offset=header_len).reshape(shape).copy()


def load_full_mnist_arrays(data_dir, mirrors=None, hashes=None, progressbar=True, timeout=30):
    """The full MNIST set as ``(x_train, t_train, x_test, t_test)``, downloading it once if needed.

    Parameters
    ----------
    data_dir : path
        The course data folder; files are cached in ``data_dir/full/``.
    mirrors : sequence of str or None
        Base URLs tried in order (default :data:`MIRRORS`).
    hashes : dict or None
        File name -> SHA-256 (default :data:`SHA256`).
    progressbar : bool
        Show a progress bar while downloading.
    timeout : float
        Seconds to wait for a mirror to answer.

    Returns
    -------
    x_train : uint8 (60000, 784); t_train : uint8 (60000,); x_test : uint8 (10000, 784);
    t_test : uint8 (10000,). Pixels are 0..255, labels 0..9.

    Raises
    ------
    MNISTDownloadError (a ConnectionError)
        When a file is missing from the cache and no mirror delivers it with the right checksum.
    IDXFormatError (a ValueError)
        When a verified file does not parse (only possible with a wrong hash table).
    """
    mirrors = tuple(MIRRORS if mirrors is None else mirrors)
    hashes = dict(SHA256 if hashes is None else hashes)
    cache_dir = Path(data_dir) / CACHE_SUBDIR
    paths = {name: fetch_file(name, cache_dir, mirrors, hashes.get(name), progressbar, timeout)
             for name in FILES}
    x_train = read_idx(paths[TRAIN_IMAGES], IMAGES_MAGIC, (28, 28))
    t_train = read_idx(paths[TRAIN_LABELS], LABELS_MAGIC)
    x_test = read_idx(paths[TEST_IMAGES], IMAGES_MAGIC, (28, 28))
    t_test = read_idx(paths[TEST_LABELS], LABELS_MAGIC)
    for what, x, t in (("training", x_train, t_train), ("test", x_test, t_test)):
        if len(x) != len(t):
            raise IDXFormatError(f"the {what} set has {len(x)} images but {len(t)} labels")
        if t.size and t.max() > 9:
            raise IDXFormatError(f"the {what} labels go up to {t.max()}; MNIST labels are 0..9")
    return x_train.reshape(len(x_train), 784), t_train, x_test.reshape(len(x_test), 784), t_test
