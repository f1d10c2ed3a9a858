"""The full-MNIST download path, for real, against a local HTTP server (no outside network).

The server serves small IDX files written here (20 training and 10 test images) under several
URL prefixes that each behave differently: good files, files with different content (wrong
checksum), truncated files, connections cut short, and 404s.
"""
import gzip
import hashlib
import http.server
import pickle
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

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
    /cut/<f>: announces the full length, sends half, closes; /trickle/<f>: announces the full
    length, then sends one byte every 20 ms (each read is quick, the whole file would take minutes);
    /spy/<f>: sends half, records the cache folder's listing in ``Handler.spied`` while the client
    is mid-download, then sends the rest; anything else: 404."""

    requests_seen = []
    spy_folder = None
    spied = []

    def do_GET(self):
        Handler.requests_seen.append(self.path)
        _, mode, name = self.path.split("/", 2)
        if name not in GOOD or mode not in ("good", "other", "trunc", "cut", "trickle", "spy"):
            self.send_error(404)
            return
        if mode in ("trickle", "spy"):
            self.send_response(200)
            self.send_header("Content-Length", str(len(GOOD[name])))
            self.end_headers()
            try:
                if mode == "trickle":
                    for i in range(len(GOOD[name])):
                        self.wfile.write(GOOD[name][i:i + 1])
                        self.wfile.flush()
                        time.sleep(0.02)
                else:
                    half = len(GOOD[name]) // 2
                    self.wfile.write(GOOD[name][:half])
                    self.wfile.flush()
                    time.sleep(0.3)  # the client has received and written the first half by now
                    Handler.spied.append(sorted(p.name for p in Handler.spy_folder.iterdir()))
                    self.wfile.write(GOOD[name][half:])
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, as it should
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


# ---------------------------------------------------------------- time limits, temporary files
def test_trickling_mirror_hits_the_overall_deadline(server, tmp_path):
    # each byte arrives well within the 5 s read timeout; only the overall deadline can stop this
    start = time.monotonic()
    with pytest.raises(md.MNISTDownloadError, match=r"deadline of 1 s") as info:
        md.load_full_mnist_arrays(tmp_path, mirrors=[f"{server}/trickle/"], hashes=HASHES,
                                  progressbar=False, timeout=5, deadline=1)
    elapsed = time.monotonic() - start
    assert elapsed < 4, f"a trickling mirror held the download for {elapsed:.1f} s"
    assert f"/trickle/{md.TRAIN_IMAGES}" in str(info.value)
    assert cached_files(tmp_path) == []  # and no temporary file left behind


def test_deadline_moves_on_to_the_next_mirror(server, tmp_path):
    arrays = md.load_full_mnist_arrays(tmp_path, mirrors=[f"{server}/trickle/", f"{server}/good/"],
                                       hashes=HASHES, progressbar=False, timeout=5, deadline=0.5)
    np.testing.assert_array_equal(arrays[3], GOOD_ARRAYS[md.TEST_LABELS])
    assert cached_files(tmp_path) == sorted(md.FILES)


def test_download_goes_to_a_temporary_file_then_is_renamed(server, tmp_path):
    # fails if the download is written straight into its final file: the server looks at the
    # cache folder while the client is half-way through each file
    Handler.spy_folder = tmp_path / md.CACHE_SUBDIR
    Handler.spied = []
    load(tmp_path, [f"{server}/spy/"])
    assert len(Handler.spied) == len(md.FILES)
    done = []
    for name, listing in zip(md.FILES, Handler.spied):
        assert name not in listing, f"{name} existed under its final name before it was verified"
        temps = [f for f in listing if f.startswith(name + ".") and f.endswith(md.TEMP_SUFFIX)]
        assert len(temps) == 1, listing
        assert sorted(listing) == sorted(done + temps)
        done.append(name)
    assert cached_files(tmp_path) == sorted(md.FILES)


def test_leftovers_of_a_killed_download_are_removed_next_time(server, tmp_path):
    folder = tmp_path / md.CACHE_SUBDIR
    code = ("import sys; from dlhelpers import mnist_download as md; "
            "md.fetch_file(md.TRAIN_IMAGES, sys.argv[1], [sys.argv[2]], sys.argv[3], timeout=5, deadline=60)")
    env = {**__import__("os").environ, "PYTHONPATH": str(Path(md.__file__).resolve().parent.parent)}
    proc = subprocess.Popen([sys.executable, "-c", code, str(folder), f"{server}/trickle/",
                             HASHES[md.TRAIN_IMAGES]], env=env)
    try:
        for _ in range(200):  # up to 20 s for the child to start and open its temporary file
            if folder.exists() and any(folder.iterdir()):
                break
            time.sleep(0.1)
        time.sleep(0.2)
    finally:
        proc.kill()
        proc.wait(10)
    leftovers = cached_files(tmp_path)
    assert len(leftovers) == 1 and leftovers[0].endswith(md.TEMP_SUFFIX), leftovers
    load(tmp_path, [f"{server}/good/"])
    assert cached_files(tmp_path) == sorted(md.FILES)


def test_nothing_downloaded_is_unpickled(server, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the download path unpickled something")
    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(np, "load", refuse)
    arrays = load(tmp_path, [f"{server}/good/"])
    assert arrays[0].shape == (N_TRAIN, 784)


@pytest.mark.parametrize("kwargs,error,message", [
    (dict(mirrors="http://127.0.0.1/"), TypeError, "mirrors must be a sequence of base URLs"),
    (dict(mirrors=[1]), TypeError, "mirrors must be a sequence of base URLs"),
    (dict(timeout=0), ValueError, r"timeout must be in \(0, inf\)"),
    (dict(timeout=-1), ValueError, "timeout must be"),
    (dict(timeout="5"), TypeError, "timeout must be a number"),
    (dict(deadline=0), ValueError, r"deadline must be in \(0, inf\)"),
    (dict(deadline=float("nan")), ValueError, "deadline must be a finite number"),
    (dict(deadline=None), TypeError, "deadline must be a number"),
    (dict(progressbar="yes"), TypeError, "progressbar must be True or False"),
    (dict(hashes=[1, 2]), TypeError, "hashes must be a dict"),
    (dict(hashes={md.TRAIN_IMAGES: "abc"}), ValueError, "must be 64 hex digits"),
])
def test_bad_download_arguments(tmp_path, kwargs, error, message):
    args = dict(mirrors=["http://127.0.0.1:9/"], hashes=HASHES, progressbar=False)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        md.load_full_mnist_arrays(tmp_path, **args)
    assert cached_files(tmp_path) == []


def test_bad_data_dir(tmp_path):
    with pytest.raises(TypeError, match="data_dir must be a folder path"):
        md.load_full_mnist_arrays(None, hashes=HASHES)
