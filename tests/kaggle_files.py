"""Kaggle-format files for the tests: CSVs of real bundled digits, zips, and broken copies."""

from __future__ import annotations

import functools
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from digit_recognizer.data.bundled import bundled_digits
from digit_recognizer.data.formats import PIXEL_COLUMNS, TRAIN_HEADER


@functools.cache
def real_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 bundled digits, read once: (labels uint8 (5000,), pixels uint8 (5000, 784))."""
    labels, pixels = bundled_digits()
    labels.setflags(write=False)
    pixels.setflags(write=False)
    return labels, pixels


# The bundled digits come sorted by class; tests take them in this fixed shuffled order so
# that any slice holds every digit.
ORDER = np.random.default_rng(20240601).permutation(5000)


def write_kaggle_csvs(
    folder: Path, n_train: int = 300, n_test: int = 50, offset: int = 0
) -> tuple[Path, Path]:
    """Write Kaggle-format train.csv / test.csv made of real bundled digits (all classes).

    Train rows are digits offset..offset+n_train of a fixed shuffle, test rows the n_test
    after them.
    """
    labels, pixels = real_digits()
    assert offset + n_train + n_test <= len(labels)
    folder.mkdir(parents=True, exist_ok=True)
    train_rows = ORDER[offset : offset + n_train]
    test_rows = ORDER[offset + n_train : offset + n_train + n_test]
    train = pd.DataFrame(
        np.column_stack([labels[train_rows], pixels[train_rows]]).astype(np.int64),
        columns=TRAIN_HEADER,
    )
    test = pd.DataFrame(pixels[test_rows].astype(np.int64), columns=PIXEL_COLUMNS)
    train_path, test_path = folder / "train.csv", folder / "test.csv"
    train.to_csv(train_path, index=False)
    test.to_csv(test_path, index=False)
    return train_path, test_path


def write_zip(archive: Path, members: dict[str, bytes]) -> Path:
    """A zip holding the given member names and contents."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, content in members.items():
            bundle.writestr(name, content)
    return archive


# --------------------------------------------------------------------------- broken copies


def edit_cell(text: str, line: int, column: str, value: str) -> str:
    """Replace one cell (line numbers as in an editor: the header is line 1)."""
    lines = text.splitlines()
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    return "\n".join(lines) + "\n"


def drop_column(text: str, column: str) -> str:
    rows = [line.split(",") for line in text.splitlines()]
    index = rows[0].index(column)
    return "".join(",".join(r[:index] + r[index + 1 :]) + "\n" for r in rows)


def edit_line(text: str, line: int, change: Callable[[list[str]], list[str]]) -> str:
    lines = text.splitlines()
    lines[line - 1] = ",".join(change(lines[line - 1].split(",")))
    return "\n".join(lines) + "\n"


def add_label_column(text: str) -> str:
    lines = text.splitlines()
    return "".join(("label," if i == 0 else "3,") + line + "\n" for i, line in enumerate(lines))
