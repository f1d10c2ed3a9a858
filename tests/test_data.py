"""The bundled MNIST sample and load_mnist's options, plus helpful errors when the file is damaged."""
import hashlib
import socket
import zipfile

import numpy as np
import pytest

from dlhelpers import mnist_download
from dlhelpers.data import REPO_DATA_DIR, SAMPLE_FILE, data_dir, load_mnist
from dlhelpers.utils import shuffle_dataset, smooth_curve, train_val_split

SAMPLE_SHA256 = "f763b4a85225a2b86c9b1eeb0ccb4b92dfc13117011c18c0973a13fa5c9c25a8"  # as in data/README.md


def test_sample_file_matches_the_documented_checksum():
    digest = hashlib.sha256((REPO_DATA_DIR / SAMPLE_FILE).read_bytes()).hexdigest()
    assert digest == SAMPLE_SHA256
    readme = (REPO_DATA_DIR / "README.md").read_text()
    assert SAMPLE_SHA256 in readme


def test_default_shapes_dtypes_and_range():
    (x_train, t_train), (x_test, t_test) = load_mnist()
    assert x_train.shape == (4000, 784) and x_test.shape == (1000, 784)
    assert t_train.shape == (4000,) and t_test.shape == (1000,)
    assert x_train.dtype == x_test.dtype == np.float32
    assert t_train.dtype == t_test.dtype == np.uint8
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert 0.1 < x_train.mean() < 0.15  # MNIST's mean intensity is about 0.13
    assert set(np.unique(t_train)) == set(range(10))


def test_unnormalized_pixels_are_uint8_0_to_255():
    (x_train, _), (x_test, _) = load_mnist(normalize=False)
    assert x_train.dtype == x_test.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 255
    (x_norm, _), _ = load_mnist()
    np.testing.assert_allclose(x_norm, x_train / 255.0, rtol=1e-6)


def test_unflattened_images():
    (x_train, _), (x_test, _) = load_mnist(flatten=False)
    assert x_train.shape == (4000, 1, 28, 28) and x_test.shape == (1000, 1, 28, 28)
    (flat, _), _ = load_mnist()
    np.testing.assert_array_equal(x_train.reshape(4000, 784), flat)
    # a real digit: ink in the middle, an empty border
    mean_image = x_train[:, 0].mean(axis=0)
    assert mean_image[10:18, 10:18].mean() > 5 * mean_image[:2].mean()


def test_one_hot_labels():
    (_, t_hot), (_, t_test_hot) = load_mnist(one_hot_label=True)
    (_, t_idx), _ = load_mnist()
    assert t_hot.shape == (4000, 10) and t_test_hot.shape == (1000, 10)
    assert t_hot.dtype == np.float32
    np.testing.assert_array_equal(t_hot.sum(axis=1), 1)
    np.testing.assert_array_equal(t_hot.argmax(axis=1), t_idx)


def test_float64_on_request():
    (x_train, _), _ = load_mnist(dtype=np.float64)
    assert x_train.dtype == np.float64


def test_class_balance():
    (_, t_train), (_, t_test) = load_mnist()
    np.testing.assert_array_equal(np.bincount(t_train, minlength=10), [400] * 10)
    np.testing.assert_array_equal(np.bincount(t_test, minlength=10), [100] * 10)


def test_train_and_test_share_no_image():
    (x_train, _), (x_test, _) = load_mnist(normalize=False)
    train_rows = {row.tobytes() for row in x_train}
    test_rows = {row.tobytes() for row in x_test}
    assert len(train_rows) == 4000 and len(test_rows) == 1000  # no duplicates within a set either
    assert train_rows.isdisjoint(test_rows)


def test_training_set_is_shuffled():
    (_, t_train), _ = load_mnist()
    assert len(set(t_train[:40].tolist())) >= 8  # not sorted by label


# ---------------------------------------------------------------- damaged or missing files
def test_missing_sample_says_how_to_restore(tmp_path, monkeypatch):
    monkeypatch.setenv("DLHELPERS_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path
    with pytest.raises(FileNotFoundError, match=r"missing.*git checkout -- data/mnist_sample\.npz"):
        load_mnist()


@pytest.mark.parametrize("content", [b"", b"garbage, not an npz archive" * 100])
def test_corrupted_sample_says_how_to_restore(tmp_path, monkeypatch, content):
    (tmp_path / SAMPLE_FILE).write_bytes(content)
    monkeypatch.setenv("DLHELPERS_DATA_DIR", str(tmp_path))
    with pytest.raises(OSError, match=r"corrupted.*git checkout -- data/mnist_sample\.npz"):
        load_mnist()


def test_truncated_sample_says_how_to_restore(tmp_path, monkeypatch):
    blob = (REPO_DATA_DIR / SAMPLE_FILE).read_bytes()
    (tmp_path / SAMPLE_FILE).write_bytes(blob[: len(blob) // 2])
    monkeypatch.setenv("DLHELPERS_DATA_DIR", str(tmp_path))
    with pytest.raises(OSError, match="git checkout"):
        load_mnist()


def test_sample_with_wrong_arrays_is_rejected(tmp_path, monkeypatch):
    np.savez(tmp_path / SAMPLE_FILE, x_train=np.zeros((3, 10), np.uint8), t_train=np.zeros(3, np.uint8),
             x_test=np.zeros((3, 10), np.uint8), t_test=np.zeros(3, np.uint8))
    monkeypatch.setenv("DLHELPERS_DATA_DIR", str(tmp_path))
    with pytest.raises(OSError, match=r"\(N, 784\) uint8.*git checkout"):
        load_mnist()
    np.savez(tmp_path / SAMPLE_FILE, x_train=np.zeros((3, 784), np.uint8))  # keys missing
    with pytest.raises(OSError, match="git checkout"):
        load_mnist()


def test_sample_never_unpickles(tmp_path, monkeypatch):
    objects = np.empty(2, dtype=object)
    objects[:] = [{"a": 1}, {"b": 2}]
    np.savez(tmp_path / SAMPLE_FILE, x_train=objects, t_train=objects, x_test=objects, t_test=objects)
    with zipfile.ZipFile(tmp_path / SAMPLE_FILE) as z:  # the archive really holds a pickle
        assert any(b"\x80" in z.read(name)[:200] for name in z.namelist())
    monkeypatch.setenv("DLHELPERS_DATA_DIR", str(tmp_path))
    with pytest.raises(OSError, match="git checkout"):
        load_mnist()


# ---------------------------------------------------------------- dataset choice
def test_unknown_dataset_name():
    with pytest.raises(ValueError, match=r"dataset must be one of \('sample', 'full'\), got 'fashion'"):
        load_mnist(dataset="fashion")


def test_unknown_dataset_from_environment(monkeypatch):
    monkeypatch.setenv("DLHELPERS_DATASET", "everything")
    with pytest.raises(ValueError, match="'everything'.*DLHELPERS_DATASET"):
        load_mnist()


def test_full_dataset_offline_points_to_the_sample(tmp_path, monkeypatch):
    with socket.socket() as s:  # a local port nothing listens on: connection refused at once
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/mnist/"
    monkeypatch.setattr(mnist_download, "MIRRORS", (dead,))
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DLHELPERS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DLHELPERS_DATASET", "full")
    with pytest.raises(ConnectionError, match=r"(?s)failed.*127\.0\.0\.1.*bundled.*load_mnist\(\)"):
        load_mnist()
    assert not any((tmp_path / "full").iterdir())


# ---------------------------------------------------------------- utils on the data
def test_train_val_split_is_shuffled_and_disjoint():
    (x_train, t_train), _ = load_mnist(normalize=False)
    (x_tr, t_tr), (x_val, t_val) = train_val_split(x_train, t_train, val_fraction=0.2, rng=0)
    assert len(x_val) == 800 and len(x_tr) == 3200
    assert {r.tobytes() for r in x_tr}.isdisjoint({r.tobytes() for r in x_val})
    assert not np.array_equal(x_val, x_train[:800])
    # labels travel with their images
    lookup = {r.tobytes(): t for r, t in zip(x_train, t_train)}
    assert all(lookup[r.tobytes()] == t for r, t in zip(x_val, t_val))


def test_shuffle_dataset_keeps_pairs():
    x, t = np.arange(10).reshape(10, 1) * 3, np.arange(10)
    xs, ts = shuffle_dataset(x, t, rng=1)
    np.testing.assert_array_equal(xs[:, 0], ts * 3)
    assert not np.array_equal(ts, t)


def test_smooth_curve_keeps_length_and_reduces_noise():
    rng = np.random.default_rng(0)
    y = np.linspace(1, 0, 200) + 0.1 * rng.standard_normal(200)
    s = smooth_curve(y, window=11)
    assert s.shape == y.shape
    assert np.std(np.diff(s)) < 0.3 * np.std(np.diff(y))
    np.testing.assert_allclose(smooth_curve(np.full(50, 2.0)), 2.0)
