"""Shared test setup: a headless plotting backend, a clean data environment, the bundled sample."""
import os

os.environ.setdefault("MPLBACKEND", "Agg")  # before anything imports matplotlib.pyplot

import numpy as np  # noqa: E402
import pytest  # noqa: E402

DATA_ENV_VARS = ("DLHELPERS_DATASET", "DLHELPERS_DATA_DIR")


@pytest.fixture(autouse=True)
def clean_data_env(monkeypatch):
    """Every test sees the bundled sample, whatever the developer's shell has set (CI is offline)."""
    for var in DATA_ENV_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def mnist_sample():
    """The bundled sample, normalized and flattened: ((x_train, t_train), (x_test, t_test)).

    Loaded once per session; tests must not modify the arrays (copy first).
    """
    from dlhelpers.data import load_mnist
    with pytest.MonkeyPatch.context() as mp:
        for var in DATA_ENV_VARS:
            mp.delenv(var, raising=False)
        return load_mnist()


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
