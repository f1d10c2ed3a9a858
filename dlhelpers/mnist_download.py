"""Download, verify and read the full MNIST set (60,000 training and 10,000 test images).

Nothing in the course needs this: the bundled sample works offline. It runs only when asked for,
through ``load_mnist(dataset="full")`` or the environment variable ``DLHELPERS_DATASET=full``.

The four gzipped IDX files are fetched from the first public mirror that answers, and each one is
checked against its known SHA-256 before it is kept. The download goes to a temporary file next
to the cache (``<name>.<random>.part``) and is moved into place with an atomic rename only after
its hash matched, so an interrupted or corrupted download is never taken for a good file; the
temporary files a killed download left behind are deleted on the next run. A cached file is
re-hashed every time it is used; one that no longer matches is deleted and downloaded again.

Two time limits apply to each file and mirror: ``timeout`` seconds for the mirror to answer or to
send the next bytes, and an overall ``deadline`` for the whole file, so a mirror that trickles a
few bytes at a time cannot hang a class (the download gives up at most ``timeout`` seconds after
the deadline passed).

Why the standard library and not pooch: pooch's ``HTTPDownloader`` has only a per-read timeout
and its temporary files are anonymous ``tmpXXXXXXXX`` names, so the overall deadline and the
cleanup of a killed download would each need a hand-written adapter around it. That adapter would
be longer than what pooch would take over here (a temporary file, a SHA-256 check and a rename),
and pooch has no mirror fallback for a single file.

The cache lives in ``<data_dir>/full/`` (``data/full/`` in the repository, ignored by git).
The IDX format is read with NumPy alone: big-endian header (magic number, then one 32-bit size per
dimension), then the raw unsigned bytes. No pickle is involved anywhere.
"""
import gzip
import hashlib
import http.client
import os
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

from .checks import check_bool, check_positive

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

#: Suffix of the temporary file a download is written to before it is verified and renamed.
TEMP_SUFFIX = ".part"

#: Default seconds a mirror may take to answer or to send the next bytes.
TIMEOUT = 30
#: Default seconds one file may take in total from one mirror (9.9 MB at about 0.15 MB/s).
DEADLINE = 600

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


class _DownloadFailed(Exception):
    """One mirror failed for one file; the message says why."""


def _check_download_args(mirrors, timeout, deadline, progressbar):
    if not isinstance(mirrors, (str, bytes)):
        try:
            mirrors = tuple(mirrors)
        except TypeError:
            pass
    if not isinstance(mirrors, tuple) or not all(isinstance(m, str) for m in mirrors):
        raise TypeError(f"mirrors must be a sequence of base URLs (str), got {mirrors!r}; "
                        "wrap a single URL in a list")
    timeout = check_positive(timeout, "timeout", hint="Seconds to wait for a mirror; 30 is usual.")
    deadline = check_positive(deadline, "deadline", hint="Seconds one file may take; 600 is usual.")
    progressbar = check_bool(progressbar, "progressbar")
    return tuple(mirrors), timeout, deadline, progressbar


def remove_stale_temp_files(cache_dir, name):
    """Delete the temporary files an interrupted download of ``name`` left in ``cache_dir``."""
    for leftover in Path(cache_dir).glob(f"{name}.*{TEMP_SUFFIX}"):
        leftover.unlink(missing_ok=True)


def _download_to(url, out, timeout, deadline, progressbar):
    """Stream ``url`` into the open binary file ``out``; return the hex SHA-256 of what arrived.

    ``read1`` returns whatever bytes have arrived (at most one socket read, which waits at most
    ``timeout``), so the deadline is checked between reads even when a mirror trickles.
    """
    start = time.monotonic()
    digest = hashlib.sha256()
    received = 0
    with urllib.request.urlopen(url, timeout=min(timeout, deadline)) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        bar = None
        if progressbar:
            from tqdm.auto import tqdm
            bar = tqdm(total=total, unit="B", unit_scale=True, desc=url.rsplit("/", 1)[-1], leave=False)
        try:
            while True:
                if time.monotonic() - start > deadline:
                    raise _DownloadFailed(f"gave up after the deadline of {deadline:g} s with {received:,} "
                                          f"bytes received (the mirror is too slow)")
                chunk = response.read1(1 << 16)
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
    if total is not None and received != total:
        raise _DownloadFailed(f"the connection ended after {received:,} of {total:,} bytes")
    return digest.hexdigest()


def fetch_file(name, cache_dir, mirrors=MIRRORS, expected_sha256=None, progressbar=False,
               timeout=TIMEOUT, deadline=DEADLINE):
    """Make sure ``cache_dir/name`` exists and has the expected SHA-256; return its path.

    A cached file that matches is used as it is (no network). A cached file that does not match is
    deleted. Otherwise each mirror is tried in turn until one delivers a file whose hash matches.
    Each attempt streams into a temporary file in ``cache_dir`` that is renamed to ``name`` only
    after the hash matched, and deleted otherwise.

    Parameters
    ----------
    name : str
        File name, appended to each mirror's base URL.
    cache_dir : path
    mirrors : sequence of str
        Base URLs tried in order.
    expected_sha256 : str
        64 hex digits.
    progressbar : bool
    timeout : float > 0
        Seconds a mirror may take to answer or to send the next bytes.
    deadline : float > 0
        Seconds the whole file may take from one mirror.

    Raises
    ------
    MNISTDownloadError
        If no mirror delivered a good file; the message lists every URL tried and why it failed.
    """
    if not isinstance(name, str) or not name or "/" in name:
        raise TypeError(f"name must be a file name such as {TRAIN_IMAGES!r}, got {name!r}")
    if not expected_sha256:
        raise ValueError(f"no SHA-256 known for {name!r}; refusing to download an unverifiable file")
    if not (isinstance(expected_sha256, str) and len(expected_sha256) == 64
            and all(c in "0123456789abcdefABCDEF" for c in expected_sha256)):
        raise ValueError(f"expected_sha256 for {name!r} must be 64 hex digits, got {expected_sha256!r}")
    mirrors, timeout, deadline, progressbar = _check_download_args(mirrors, timeout, deadline, progressbar)
    if not isinstance(cache_dir, (str, os.PathLike)):
        raise TypeError(f"cache_dir must be a folder path, got {cache_dir!r}")
    cache_dir = Path(cache_dir)
    target = cache_dir / name
    note = ""
    if target.exists():
        if sha256_of(target) == expected_sha256.lower():
            return target
        target.unlink()  # known to be bad: never keep it around as if it were good
        note = f"The cached copy {target} did not match its SHA-256 and was deleted. "
    cache_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(cache_dir, name)
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + name
        fd, temp_name = tempfile.mkstemp(prefix=name + ".", suffix=TEMP_SUFFIX, dir=cache_dir)
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                digest = _download_to(url, out, timeout, deadline, progressbar)
            if digest != expected_sha256.lower():
                failures.append(f"{url} -> the file's checksum did not match (corrupted or truncated)")
                continue
            os.replace(temp, target)  # atomic: the final name only ever holds a verified file
            return target
        except _DownloadFailed as err:
            failures.append(f"{url} -> {err}")
        except (OSError, http.client.HTTPException, ValueError) as err:
            failures.append(f"{url} -> {_describe(err)}")
        finally:
            temp.unlink(missing_ok=True)
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


def load_full_mnist_arrays(data_dir, mirrors=None, hashes=None, progressbar=True, timeout=TIMEOUT,
                           deadline=DEADLINE):
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
        Seconds to wait for a mirror to answer or to send the next bytes.
    deadline : float
        Seconds one file may take in total from one mirror; then the next mirror is tried.

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
    if not isinstance(data_dir, (str, os.PathLike)):
        raise TypeError(f"data_dir must be a folder path, got {data_dir!r}")
    if hashes is not None and not isinstance(hashes, dict):
        raise TypeError(f"hashes must be a dict (file name -> SHA-256) or None, got {type(hashes).__name__}")
    mirrors, timeout, deadline, progressbar = _check_download_args(
        MIRRORS if mirrors is None else mirrors, timeout, deadline, progressbar)
    hashes = dict(SHA256 if hashes is None else hashes)
    cache_dir = Path(data_dir) / CACHE_SUBDIR
    paths = {name: fetch_file(name, cache_dir, mirrors, hashes.get(name), progressbar, timeout, deadline)
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
