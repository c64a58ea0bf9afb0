"""Kaggle-sized data made offline: the bundled digits, shifted and turned a little.

The `kaggle_scale` fetch source: 42,000 train and 28,000 test rows by default, for measuring
the pipeline at the competition's size without its files.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from digit_recognizer.data.bundled import split_bundled
from digit_recognizer.data.formats import IMAGE_SIDE, N_PIXELS, PIXEL_COLUMNS, TRAIN_HEADER
from digit_recognizer.data.kaggle_csv import write_digits
from digit_recognizer.data.transforms import random_moves, turned_and_shifted

CHUNK_ROWS = 4096  # images transformed at a time (bounds memory)
THREADS = min(4, os.cpu_count() or 1)  # chunks transformed at once: scipy and numpy free the GIL


def varied_copies(
    pixels: np.ndarray, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`count` new uint8 images, each a source image turned by a random angle and shifted.

    Every source image is used about equally often, each time with its own rotation and
    whole-pixel shift (transforms.py: bilinear, within +-10 degrees and +-2 pixels per axis).
    Returns (images (count, 784), index of each image's source).
    """
    sources = rng.permutation(np.resize(np.arange(len(pixels)), count))
    radians, shifts = random_moves(count, rng)
    images = pixels.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    out = np.empty((count, N_PIXELS), dtype=np.uint8)

    def transform(start: int) -> None:
        """Rows start..start+CHUNK_ROWS of `out`, from the random draws made above."""
        part = slice(start, min(start + CHUNK_ROWS, count))
        source = images[sources[part]].astype(np.float32)
        moved = turned_and_shifted(source, radians[part], shifts[part])
        out[part] = np.clip(np.rint(moved), 0, 255).reshape(len(moved), N_PIXELS)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(transform, range(0, count, CHUNK_ROWS)))  # list(): re-raise any error
    return out, sources


def write_kaggle_scale(
    folder: Path, test_size: int, seed: int, train_rows: int, test_rows: int
) -> tuple[Path, Path, Path]:
    """Kaggle-sized train.csv/test.csv and an answer key, varied from the bundled digits.

    The bundled digits are split first (as for `bundled`), then each part is varied on its
    own, so no test image derives from a digit that a train image derives from.
    """
    train_x, test_x, train_y, test_y = split_bundled(test_size, seed)
    rng = np.random.default_rng(seed)
    train_images, train_sources = varied_copies(train_x, train_rows, rng)
    test_images, test_sources = varied_copies(test_x, test_rows, rng)
    paths = folder / "train.csv", folder / "test.csv", folder / "answers.csv"
    train_values = np.column_stack([train_y[train_sources], train_images])
    with ThreadPoolExecutor(2) as pool:  # both files at once: numpy frees the GIL
        writes = [
            pool.submit(write_digits, paths[0], TRAIN_HEADER, train_values),
            pool.submit(write_digits, paths[1], PIXEL_COLUMNS, test_images),
        ]
    for write in writes:
        write.result()  # re-raises an error of either
    answers = pd.DataFrame({"ImageId": np.arange(1, test_rows + 1), "Label": test_y[test_sources]})
    answers.to_csv(paths[2], index=False)
    return paths
