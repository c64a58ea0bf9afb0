"""reshape: float32 pixels in [0, 1], flat (N, 784) and as images (N, 28, 28, 1).

Flat arrays feed the linear model and the dense net, images the CNN; for the train split, the
validation split and the Kaggle test set. Binary .npy files load in milliseconds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from digit_recognizer.console import log, run
from digit_recognizer.data.formats import IMAGE_SIDE, N_PIXELS
from digit_recognizer.data.kaggle_csv import read_checked_pixels
from digit_recognizer.files import load_array, save_arrays


def scaled(pixels: np.ndarray) -> np.ndarray:
    """uint8 0..255 -> float32 0..1, as the notebook's `values / 255`."""
    return np.asarray(pixels, dtype=np.float32) / np.float32(255)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", type=Path, required=True, help="folder written by split")
    parser.add_argument("--test", type=Path, required=True, help="Kaggle test.csv")
    parser.add_argument("--flat", type=Path, required=True, help="output folder, (N, 784)")
    parser.add_argument("--images", type=Path, required=True, help="output folder, (N, 28, 28, 1)")
    args = parser.parse_args()

    _, test_pixels = read_checked_pixels(args.test, labelled=False)
    flat = {
        "train": scaled(load_array(args.split / "x_train.npy", columns=N_PIXELS)),
        "val": scaled(load_array(args.split / "x_val.npy", columns=N_PIXELS)),
        "test": scaled(test_pixels),
    }
    images = {name: x.reshape(-1, IMAGE_SIDE, IMAGE_SIDE, 1) for name, x in flat.items()}
    save_arrays(args.flat, flat)  # both folders or, on an error above, neither
    save_arrays(args.images, images)
    log("reshape: " + ", ".join(f"{name} {x.shape}" for name, x in flat.items()))


if __name__ == "__main__":
    run(main)
