"""What `digits predict` is given, read into MNIST-style images: pictures, folders, CSVs.

Each argument is a picture (PNG, JPEG, BMP; preprocessed as MNIST was, see pictures.py), a
folder of pictures, or a Kaggle-format CSV (`label,pixel0..` or `pixel0..`, checked by the same
validator as `fetch`; its rows are 28x28 MNIST images already, only scaled to [0, 1]). A bad
input becomes a one-line failure; the others are still read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digit_recognizer.console import PipelineError
from digit_recognizer.data.formats import IMAGE_SIDE
from digit_recognizer.data.kaggle_csv import read_digits_csv
from digit_recognizer.predict.picture_files import PICTURES, image_files
from digit_recognizer.predict.pictures import load_digit_image, save_digit_png


@dataclass(frozen=True)
class InputBlock:
    """Images read from one file: a picture (one image) or a CSV (one image a data row)."""

    source: str  # the file, as given or as found in a folder
    images: np.ndarray  # (n, 28, 28) float32 in [0, 1], white ink on black
    labels: np.ndarray | None  # a labelled CSV's labels
    from_csv: bool  # rows are numbered from 1 in the output

    def names(self) -> Iterator[str]:
        """How each image is shown: the file, or `FILE.csv row K`."""
        if not self.from_csv:
            yield self.source
            return
        for row in range(1, len(self.images) + 1):
            yield f"{self.source} row {row}"


@dataclass(frozen=True)
class Inputs:
    """Everything read: the blocks in argument order, one line per input that failed, and
    one per file in a given folder that is not a picture (skipped)."""

    blocks: tuple[InputBlock, ...]
    failures: tuple[str, ...]
    skipped: tuple[str, ...] = ()

    def images(self) -> np.ndarray:
        """All images in one (N, 28, 28) array, in order."""
        if not self.blocks:
            return np.zeros((0, IMAGE_SIDE, IMAGE_SIDE), dtype=np.float32)
        return np.concatenate([block.images for block in self.blocks])


def read_inputs(arguments: list[str]) -> Inputs:
    """Read every argument (picture, folder of pictures or CSV); failures do not stop the rest.

    Blocks and failures keep the order of the arguments (a folder's files: by name).
    """
    blocks: list[InputBlock] = []
    failures: list[str] = []
    skipped: list[str] = []
    for argument in arguments:
        try:
            files, others = files_named(Path(argument))
        except PipelineError as err:
            failures.append(str(err))
            continue
        skipped += (f"{path}: skipped, not a picture ({PICTURES})" for path in others)
        for path in files:
            try:
                csv = path.suffix.lower() == ".csv"
                blocks.append(read_csv(path) if csv else read_picture(path))
            except PipelineError as err:
                failures.append(str(err))
    return Inputs(tuple(blocks), tuple(failures), tuple(skipped))


def files_named(path: Path) -> tuple[list[Path], list[Path]]:
    """The file itself, or a folder's pictures and its other files; a folder without any
    picture is an error."""
    if not path.is_dir():
        return [path], []
    pictures, others = image_files(path)
    if not pictures:
        raise PipelineError(f"{path}: no pictures ({PICTURES}) in this folder")
    return pictures, others


def read_picture(path: Path) -> InputBlock:
    """One picture, preprocessed MNIST-style."""
    return InputBlock(str(path), load_digit_image(path)[None], None, from_csv=False)


def read_csv(path: Path) -> InputBlock:
    """A Kaggle-format CSV; labelled when its header starts with `label`."""
    labels, pixels = read_digits_csv(path, labelled=csv_has_labels(path))
    images = (pixels.astype(np.float32) / 255).reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    return InputBlock(str(path), images, labels, from_csv=True)


def csv_has_labels(path: Path) -> bool:
    """True when the CSV's first column is `label` (train.csv-like); unreadable: False."""
    try:
        with open(path, newline="") as handle:
            first = handle.readline().split(",")[0].strip()
    except (OSError, UnicodeDecodeError):
        return False  # the validator reports the problem
    return first == "label"


def save_preprocessed(inputs: Inputs, folder: Path) -> list[Path]:
    """Write each image as the model sees it (white ink on black), `STEM.png` or
    `STEM-rowK.png`; a name already taken gets `-2`, `-3`... Return the files written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise PipelineError(f"{folder}: cannot create the folder ({err.strerror})") from None
    taken: set[str] = set()
    written: list[Path] = []
    for block in inputs.blocks:
        stem = Path(block.source).stem
        for row, image in enumerate(block.images, start=1):
            base = f"{stem}-row{row}" if block.from_csv else stem
            name, copy = base, 1
            while name in taken:
                copy += 1
                name = f"{base}-{copy}"
            taken.add(name)
            written.append(folder / f"{name}.png")
            save_digit_png(image, written[-1])
    return written
