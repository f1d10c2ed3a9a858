"""The full-MNIST download path, for real, against a local HTTP server (no outside network).

The server serves small IDX files written here (20 training and 10 test images) under several
URL prefixes that each behave differently: good files, files with different content (wrong
checksum), truncated files, connections cut short, and 404s.
"""
import gzip
import hashlib
import http.server
import socket
import threading

import numpy as np
import pytest

from dlhelpers import mnist_download as md
from dlhelpers.data import load_mnist

N_TRAIN, N_TEST = 20, 10


def idx_bytes(array, magic):
    header = np.array([magic, *array.shape], dtype=">u4").tobytes()
    return gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0)


def make_arrays(seed):
    rng = np.random.default_rng(seed)
    return {
        md.TRAIN_IMAGES: rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
        md.TRAIN_LABELS: rng.integers(0, 10, N_TRAIN, dtype=np.uint8),
        md.TEST_IMAGES: rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8),
        md.TEST_LABELS: rng.integers(0, 10, N_TEST, dtype=np.uint8),
    }


def encode(arrays):
    return {name: idx_bytes(a, md.IMAGES_MAGIC if a.ndim == 3 else md.LABELS_MAGIC)
            for name, a in arrays.items()}


GOOD_ARRAYS = make_arrays(0)
GOOD = encode(GOOD_ARRAYS)
OTHER = encode(make_arrays(1))  # valid IDX files, but not the ones the hash table names
HASHES = {name: hashlib.sha256(blob).hexdigest() for name, blob in GOOD.items()}


class Handler(http.server.BaseHTTPRequestHandler):
    """/good/<f>: the right bytes; /other/<f>: different bytes; /trunc/<f>: first half only;
    /cut/<f>: announces the full length, sends half, closes; anything else: 404."""

    requests_seen = []

    def do_GET(self):
        Handler.requests_seen.append(self.path)
        _, mode, name = self.path.split("/", 2)
        if name not in GOOD or mode not in ("good", "other", "trunc", "cut"):
            self.send_error(404)
            return
        body = {"good": GOOD, "other": OTHER}.get(mode, GOOD)[name]
        if mode == "trunc":
            body = body[: len(body) // 2]
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(GOOD[name]) if mode == "cut" else len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if mode == "cut" else body)
        if mode == "cut":
            self.close_connection = True

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def dead_url():
    """A base URL on a port nothing listens on (bound, then closed: connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/good/"


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    # a proxy configured in the environment must not intercept requests to the local server
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def load(tmp_path, mirrors):
    return md.load_full_mnist_arrays(tmp_path, mirrors=mirrors, hashes=HASHES, progressbar=False, timeout=5)


def cached_files(tmp_path):
    folder = tmp_path / md.CACHE_SUBDIR
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_good_files_load_with_right_shapes_and_values(server, tmp_path):
    x_train, t_train, x_test, t_test = load(tmp_path, [f"{server}/good/"])
    assert x_train.shape == (N_TRAIN, 784) and x_test.shape == (N_TEST, 784)
    assert t_train.shape == (N_TRAIN,) and t_test.shape == (N_TEST,)
    assert {a.dtype for a in (x_train, t_train, x_test, t_test)} == {np.dtype(np.uint8)}
    np.testing.assert_array_equal(x_train, GOOD_ARRAYS[md.TRAIN_IMAGES].reshape(N_TRAIN, 784))
    np.testing.assert_array_equal(t_train, GOOD_ARRAYS[md.TRAIN_LABELS])
    np.testing.assert_array_equal(x_test, GOOD_ARRAYS[md.TEST_IMAGES].reshape(N_TEST, 784))
    np.testing.assert_array_equal(t_test, GOOD_ARRAYS[md.TEST_LABELS])
    # cached under data_dir/full/ with exactly the verified bytes, no temporary leftovers
    assert cached_files(tmp_path) == sorted(md.FILES)
    for name in md.FILES:
        assert (tmp_path / md.CACHE_SUBDIR / name).read_bytes() == GOOD[name]


def test_cached_files_are_used_without_network(server, tmp_path, dead_url):
    load(tmp_path, [f"{server}/good/"])
    before = len(Handler.requests_seen)
    x_train, *_ = load(tmp_path, [dead_url])  # only a dead mirror: must not be needed
    assert x_train.shape == (N_TRAIN, 784)
    assert len(Handler.requests_seen) == before


def test_wrong_checksum_gives_clear_error_and_caches_nothing(server, tmp_path):
    with pytest.raises(md.MNISTDownloadError, match="checksum did not match") as info:
        load(tmp_path, [f"{server}/other/"])
    assert f"{server}/other/{md.TRAIN_IMAGES}" in str(info.value)
    assert cached_files(tmp_path) == []


@pytest.mark.parametrize("mode", ["trunc", "cut"])
def test_truncated_download_is_not_cached(server, tmp_path, mode):
    with pytest.raises(md.MNISTDownloadError, match="failed") as info:
        load(tmp_path, [f"{server}/{mode}/"])
    assert f"/{mode}/{md.TRAIN_IMAGES}" in str(info.value)
    assert cached_files(tmp_path) == []


def test_offline_error_names_mirrors_and_the_bundled_sample(tmp_path, dead_url):
    other_dead = dead_url.replace("/good/", "/other/")
    with pytest.raises(ConnectionError) as info:
        load(tmp_path, [dead_url, other_dead])
    message = str(info.value)
    assert "download" in message.lower() and "failed" in message
    assert dead_url + md.TRAIN_IMAGES in message and other_dead + md.TRAIN_IMAGES in message
    assert "bundled" in message and "load_mnist()" in message and "DLHELPERS_DATASET" in message
    assert isinstance(info.value, OSError)
    assert cached_files(tmp_path) == []


def test_second_mirror_is_used_when_the_first_fails(server, tmp_path, dead_url):
    arrays = load(tmp_path, [dead_url, f"{server}/missing/", f"{server}/other/", f"{server}/good/"])
    np.testing.assert_array_equal(arrays[1], GOOD_ARRAYS[md.TRAIN_LABELS])
    assert cached_files(tmp_path) == sorted(md.FILES)


def test_good_cached_file_survives_a_failing_download(server, tmp_path):
    folder = tmp_path / md.CACHE_SUBDIR
    folder.mkdir()
    (folder / md.TRAIN_IMAGES).write_bytes(GOOD[md.TRAIN_IMAGES])
    with pytest.raises(md.MNISTDownloadError):
        load(tmp_path, [f"{server}/other/", f"{server}/trunc/"])
    assert cached_files(tmp_path) == [md.TRAIN_IMAGES]
    assert (folder / md.TRAIN_IMAGES).read_bytes() == GOOD[md.TRAIN_IMAGES]


def test_corrupted_cached_file_is_replaced(server, tmp_path):
    folder = tmp_path / md.CACHE_SUBDIR
    folder.mkdir()
    (folder / md.TRAIN_LABELS).write_bytes(GOOD[md.TRAIN_LABELS][:10])  # a half-written file
    arrays = load(tmp_path, [f"{server}/good/"])
    np.testing.assert_array_equal(arrays[1], GOOD_ARRAYS[md.TRAIN_LABELS])
    assert (folder / md.TRAIN_LABELS).read_bytes() == GOOD[md.TRAIN_LABELS]


def test_corrupted_cached_file_offline_is_deleted_and_reported(tmp_path, dead_url):
    folder = tmp_path / md.CACHE_SUBDIR
    folder.mkdir()
    (folder / md.TRAIN_IMAGES).write_bytes(b"not a gzip file")
    with pytest.raises(md.MNISTDownloadError, match="did not match its SHA-256 and was deleted"):
        load(tmp_path, [dead_url])
    assert cached_files(tmp_path) == []


def test_missing_hash_refuses_to_download(server, tmp_path):
    hashes = dict(HASHES)
    del hashes[md.TEST_LABELS]
    with pytest.raises(ValueError, match="no SHA-256 known"):
        md.load_full_mnist_arrays(tmp_path, mirrors=[f"{server}/good/"], hashes=hashes, progressbar=False)


def test_idx_parser_checks_magic_and_dimensions(tmp_path):
    images = np.zeros((3, 28, 28), np.uint8)
    path = tmp_path / "x.gz"
    path.write_bytes(idx_bytes(images, 0x00000D03))  # type code 0x0D: float32, not unsigned bytes
    with pytest.raises(md.IDXFormatError, match="magic number"):
        md.read_idx(path, md.IMAGES_MAGIC, (28, 28))
    path.write_bytes(idx_bytes(np.zeros((3, 27, 28), np.uint8), md.IMAGES_MAGIC))
    with pytest.raises(md.IDXFormatError, match=r"expected \(28, 28\)"):
        md.read_idx(path, md.IMAGES_MAGIC, (28, 28))
    header = np.array([md.IMAGES_MAGIC, 3, 28, 28], dtype=">u4").tobytes()
    path.write_bytes(gzip.compress(header + bytes(100)))
    with pytest.raises(md.IDXFormatError, match="data bytes"):
        md.read_idx(path, md.IMAGES_MAGIC, (28, 28))
    path.write_bytes(b"plain garbage")
    with pytest.raises(md.IDXFormatError, match="gzip"):
        md.read_idx(path, md.IMAGES_MAGIC, (28, 28))


def test_load_mnist_full_uses_the_download_path(server, tmp_path, monkeypatch):
    # load_mnist(dataset='full') reads data_dir()/full/; pre-fill that cache with the test files
    load(tmp_path, [f"{server}/good/"])
    monkeypatch.setenv("DLHELPERS_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(md, "SHA256", HASHES)
    monkeypatch.setattr(md, "MIRRORS", ())
    monkeypatch.setenv("DLHELPERS_DATASET", "full")
    (x_train, t_train), (x_test, t_test) = load_mnist(flatten=False, one_hot_label=True)
    assert x_train.shape == (N_TRAIN, 1, 28, 28) and x_train.dtype == np.float32
    assert t_test.shape == (N_TEST, 10)
    np.testing.assert_allclose(x_train[:, 0] * 255, GOOD_ARRAYS[md.TRAIN_IMAGES], atol=1e-3)
