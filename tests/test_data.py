"""The bundled MNIST sample and load_mnist's options, plus helpful errors when the file is damaged."""
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from dlhelpers import mnist_download
from dlhelpers import data
from dlhelpers.data import REPO_DATA_DIR, SAMPLE_FILE, cache_dir, data_dir, load_mnist
from dlhelpers.utils import shuffle_dataset, smooth_curve, train_val_split

SAMPLE_SHA256 = "f763b4a85225a2b86c9b1eeb0ccb4b92dfc13117011c18c0973a13fa5c9c25a8"  # as in data/README.md


def test_sample_file_matches_the_documented_checksum():
    digest = hashlib.sha256((REPO_DATA_DIR / SAMPLE_FILE).read_bytes()).hexdigest()
    assert digest == SAMPLE_SHA256 == data.SAMPLE_SHA256
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


# ---------------------------------------------------------------- where the sample lives
def test_a_clone_reads_the_repository_data_folder():
    assert data_dir() == REPO_DATA_DIR and cache_dir() == REPO_DATA_DIR
    assert not data.PACKAGE_DATA_DIR.exists()  # the repository keeps one copy of the sample


def wheel_layout(tmp_path, monkeypatch, blob=None):
    """Pretend to run from an installed wheel: the sample in the package's own _data folder."""
    package_data = tmp_path / "site-packages" / "dlhelpers" / "_data"
    package_data.mkdir(parents=True)
    if blob is not None:
        (package_data / SAMPLE_FILE).write_bytes(blob)
    monkeypatch.setattr(data, "PACKAGE_DATA_DIR", package_data)
    monkeypatch.setattr(data, "REPO_DATA_DIR", tmp_path / "site-packages" / "data")
    return package_data


def test_an_installed_wheel_reads_its_own_copy_and_caches_in_the_user_cache(tmp_path, monkeypatch):
    folder = wheel_layout(tmp_path, monkeypatch, (REPO_DATA_DIR / SAMPLE_FILE).read_bytes())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert data_dir() == folder
    assert cache_dir() == tmp_path / "cache" / "dlhelpers"
    (x_train, _), _ = load_mnist()
    assert x_train.shape == (4000, 784)


def test_the_data_folder_setting_moves_sample_and_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DLHELPERS_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path and cache_dir() == tmp_path


# ---------------------------------------------------------------- damaged or missing files
def test_missing_sample_in_a_clone_says_git_checkout(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "REPO_DATA_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"missing; restore it with 'git checkout -- data/mnist_sample\.npz'"):
        load_mnist()


def test_missing_sample_in_a_wheel_says_reinstall(tmp_path, monkeypatch):
    wheel_layout(tmp_path, monkeypatch)
    with pytest.raises(FileNotFoundError, match=r"_data/mnist_sample\.npz is missing; reinstall.*--force-reinstall"):
        load_mnist()


def test_damaged_sample_in_a_wheel_says_reinstall(tmp_path, monkeypatch):
    blob = bytearray((REPO_DATA_DIR / SAMPLE_FILE).read_bytes())
    blob[len(blob) // 2] ^= 0xFF  # one flipped byte, same size
    wheel_layout(tmp_path, monkeypatch, bytes(blob))
    with pytest.raises(OSError, match=r"damaged: its SHA-256 is [0-9a-f]{64}, not f763b4a8.*--force-reinstall"):
        load_mnist()


def test_missing_sample_in_the_chosen_folder_says_copy_or_unset(tmp_path, monkeypatch):
    monkeypatch.setenv("DLHELPERS_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"missing; copy the course's data/mnist_sample\.npz into .*"
                                                r"or unset DLHELPERS_DATA_DIR"):
        load_mnist()


@pytest.mark.parametrize("kind", ["file", "nothing"])
def test_data_folder_setting_that_is_not_a_folder(tmp_path, monkeypatch, kind):
    target = tmp_path / "not_a_folder"
    if kind == "file":
        target.write_text("x")
    monkeypatch.setenv("DLHELPERS_DATA_DIR", str(target))
    what = "is a file, not a folder" if kind == "file" else "does not exist"
    with pytest.raises(NotADirectoryError, match=f"DLHELPERS_DATA_DIR=.*not_a_folder {what}.*unset it"):
        load_mnist()


@pytest.mark.parametrize("content", [b"", b"garbage, not an npz archive" * 100])
def test_corrupted_sample_says_how_to_restore(tmp_path, monkeypatch, content):
    (tmp_path / SAMPLE_FILE).write_bytes(content)
    monkeypatch.setattr(data, "REPO_DATA_DIR", tmp_path)
    with pytest.raises(OSError, match=r"damaged.*git checkout -- data/mnist_sample\.npz"):
        load_mnist()


def test_truncated_sample_says_how_to_restore(tmp_path, monkeypatch):
    blob = (REPO_DATA_DIR / SAMPLE_FILE).read_bytes()
    (tmp_path / SAMPLE_FILE).write_bytes(blob[: len(blob) // 2])
    monkeypatch.setenv("DLHELPERS_DATA_DIR", str(tmp_path))
    with pytest.raises(OSError, match="damaged.*copy the course's data/mnist_sample.npz"):
        load_mnist()


def trusted(path, monkeypatch):
    """Accept ``path``'s checksum so the checks behind it (format, arrays) are reached."""
    monkeypatch.setattr(data, "SAMPLE_SHA256", data.sha256_of(path))


def test_sample_with_wrong_arrays_is_rejected(tmp_path, monkeypatch):
    path = tmp_path / SAMPLE_FILE
    monkeypatch.setenv("DLHELPERS_DATA_DIR", str(tmp_path))
    good = dict(np.load(REPO_DATA_DIR / SAMPLE_FILE))
    cases = [
        (dict(good, x_train=good["x_train"][:, :783]), r"x_train is uint8 \(4000, 783\), expected uint8 \(4000, 784\)"),
        (dict(good, t_test=good["t_test"].astype(np.int64)), r"t_test is int64 \(1000,\), expected uint8"),
        (dict(good, t_train=good["t_train"] + 1), r"t_train has labels up to 10, expected 0\.\.9"),
    ]
    for arrays, message in cases:
        np.savez(path, **arrays)
        trusted(path, monkeypatch)
        with pytest.raises(OSError, match=f"does not hold what data/README.md documents: {message}.*copy"):
            load_mnist()
    np.savez(path, x_train=good["x_train"])  # keys missing
    trusted(path, monkeypatch)
    with pytest.raises(OSError, match="unreadable or corrupted.*copy"):
        load_mnist()


def test_sample_never_unpickles(tmp_path, monkeypatch):
    objects = np.empty(2, dtype=object)
    objects[:] = [{"a": 1}, {"b": 2}]
    path = tmp_path / SAMPLE_FILE
    np.savez(path, x_train=objects, t_train=objects, x_test=objects, t_test=objects)
    with zipfile.ZipFile(path) as z:  # the archive really holds a pickle
        assert any(b"\x80" in z.read(name)[:200] for name in z.namelist())
    monkeypatch.setenv("DLHELPERS_DATA_DIR", str(tmp_path))
    trusted(path, monkeypatch)
    with pytest.raises(OSError, match="unreadable or corrupted"):
        load_mnist()


# ---------------------------------------------------------------- the download cache folder
def test_read_only_cache_folder_says_which_and_what_to_do(tmp_path, monkeypatch):
    def refuse(folder):
        raise PermissionError(13, "Permission denied", str(folder))
    monkeypatch.setattr(data, "_probe_write", refuse)
    monkeypatch.setenv("DLHELPERS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DLHELPERS_DATASET", "full")
    with pytest.raises(PermissionError, match=f"cache {tmp_path}/full is read-only.*set DLHELPERS_DATA_DIR to a "
                                              "folder you can write to"):
        load_mnist()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_cache_folder_for_real(tmp_path, monkeypatch):
    tmp_path.chmod(0o500)
    monkeypatch.setenv("DLHELPERS_DATA_DIR", str(tmp_path))
    try:
        with pytest.raises(PermissionError, match=f"{tmp_path}/full"):
            load_mnist(dataset="full")
    finally:
        tmp_path.chmod(0o700)


def test_a_file_where_the_cache_folder_goes(tmp_path, monkeypatch):
    (tmp_path / "full").write_text("not a folder")
    monkeypatch.setenv("DLHELPERS_DATA_DIR", str(tmp_path))
    with pytest.raises(NotADirectoryError, match=f"cache {tmp_path}/full cannot be a folder.*remove that file"):
        load_mnist(dataset="full")


# ---------------------------------------------------------------- arguments
@pytest.mark.parametrize("name, value", [("normalize", 1), ("flatten", "yes"), ("one_hot_label", None)])
def test_flags_must_be_booleans(name, value):
    with pytest.raises(TypeError, match=f"{name} must be True or False, got {value!r}"):
        load_mnist(**{name: value})


@pytest.mark.parametrize("dtype, message", [(np.int32, "got int32; for raw uint8 pixels pass normalize=False"),
                                            ("nonsense", "got 'nonsense'")])
def test_dtype_must_be_a_float_type(dtype, message):
    with pytest.raises(TypeError, match=f"dtype must be a float type such as np.float32 or np.float64, {message}"):
        load_mnist(dtype=dtype)


def test_numpy_booleans_are_accepted():
    (x, _), _ = load_mnist(normalize=np.bool_(False))
    assert x.dtype == np.uint8


# ---------------------------------------------------------------- dataset choice
def test_unknown_dataset_name():
    with pytest.raises(ValueError, match=r"dataset must be one of \('sample', 'full'\), got 'fashion'$"):
        load_mnist(dataset="fashion")
    with pytest.raises(ValueError, match=r"dataset must be one of .*, got 3$"):
        load_mnist(dataset=3)


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


# ---------------------------------------------------------------- a wheel-installed copy
REPO = REPO_DATA_DIR.parent


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory):
    """The package built as a wheel (from a copy of its sources) and unpacked as pip would install it.

    Returns the site-packages folder. The build needs the build backend of pyproject.toml
    (setuptools >= 77), which pip fetches into an isolated build environment.
    """
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "full")
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    for name in ("dlhelpers", "data"):
        shutil.copytree(REPO / name, source / name, ignore=ignore)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(root / "dist"),
                            str(source)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = (root / "dist").glob("dlhelpers-*.whl")
    site = root / "site-packages"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    return site


def run_installed(site, code, tmp_path, **env):
    """Run ``code`` in a fresh interpreter that sees the installed copy and no repository."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DLHELPERS_")},
           "PYTHONPATH": str(site), "XDG_CACHE_HOME": str(tmp_path / "cache"), **env}
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


def test_a_wheel_carries_the_sample_and_loads_it_without_the_repository(installed_wheel, tmp_path):
    assert (installed_wheel / "dlhelpers" / "_data" / SAMPLE_FILE).read_bytes() == \
        (REPO_DATA_DIR / SAMPLE_FILE).read_bytes()
    assert not (installed_wheel / "data").exists()  # nothing outside the package's own folder
    done = run_installed(installed_wheel, (
        "import dlhelpers, dlhelpers.data as d; from dlhelpers import load_mnist\n"
        "(x, t), (xt, tt) = load_mnist()\n"
        "print(dlhelpers.__file__, x.shape, xt.shape, int(t.sum()), d.cache_dir())"), tmp_path)
    assert done.returncode == 0, done.stderr
    assert str(installed_wheel) in done.stdout and "(4000, 784) (1000, 784)" in done.stdout
    assert done.stdout.split()[-1] == str(tmp_path / "cache" / "dlhelpers")  # the user cache, not site-packages


def test_a_damaged_wheel_copy_says_reinstall(installed_wheel, tmp_path):
    site = tmp_path / "site-packages"
    shutil.copytree(installed_wheel, site)
    (site / "dlhelpers" / "_data" / SAMPLE_FILE).write_bytes(b"damaged")
    done = run_installed(site, "from dlhelpers import load_mnist; load_mnist()", tmp_path)
    assert done.returncode != 0
    assert "is damaged" in done.stderr and "--force-reinstall" in done.stderr and "git checkout" not in done.stderr
