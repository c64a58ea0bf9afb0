"""Kaggle's digit CSVs: strict validation of any file a user brings, fast reading and writing.

train.csv is `label,pixel0,...,pixel783`, test.csv `pixel0,...,pixel783`; one image a row,
integers (labels 0..9, pixels 0..255).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from digit_recognizer.console import PipelineError
from digit_recognizer.data.formats import PIXEL_COLUMNS, TRAIN_HEADER

CHUNK_ROWS = 4096  # rows written at a time by write_digits (bounds memory)
ENCODING = "utf-8-sig"  # UTF-8, with or without the byte-order mark Excel writes


def read_digits_csv(
    path: Path, labelled: bool, shown_as: str | None = None
) -> tuple[np.ndarray | None, np.ndarray]:
    """Read and check a Kaggle digits CSV; return (labels or None, pixels as uint8 (N, 784)).

    Checks: exact header, the same number of fields on every line, integer values, pixels
    0..255, labels 0..9, no missing values, at least one row. A violation raises
    PipelineError naming the file (or `shown_as`), line and column.
    """
    name = shown_as or str(path)
    expected = TRAIN_HEADER if labelled else PIXEL_COLUMNS
    try:
        with open(path, newline="", encoding=ENCODING) as handle:
            header = handle.readline().strip().split(",")
    except FileNotFoundError:
        raise PipelineError(f"{name}: file not found") from None
    except IsADirectoryError:
        raise PipelineError(f"{name}: a folder, expected a CSV file") from None
    except UnicodeDecodeError:
        raise PipelineError(f"{name}: not a text CSV file") from None
    if header == [""]:
        raise PipelineError(f"{name}: empty file (expected the header {_header_shape(labelled)})")
    if header != expected:
        raise PipelineError(f"{name}: line 1: {_header_problem(header, labelled)}")
    _check_field_counts(path, len(expected), name)
    try:  # a literal "NaN" stays text (reported as such); only empty cells are missing
        frame = pd.read_csv(
            path, index_col=False, low_memory=False, encoding=ENCODING,
            keep_default_na=False, na_values=[""],
        )  # fmt: skip
    except pd.errors.ParserError as err:
        raise PipelineError(f"{name}: {str(err).strip().rstrip('.')}") from None
    except UnicodeDecodeError as err:
        raise PipelineError(f"{name}: not UTF-8 text (byte {err.start} of a data line)") from None
    if len(frame) == 0:
        raise PipelineError(f"{name}: no data rows after the header (expected at least one)")
    if not all(pd.api.types.is_integer_dtype(t) for t in frame.dtypes) or _out_of_range(frame):
        high = {column: 9 if column == "label" else 255 for column in frame.columns}
        bad = _first_bad_cell(frame, high)
        if bad is not None:
            row, column, problem = bad
            raise PipelineError(f"{name}: line {row + 2}, column {column}: {problem}")
    return _labels_and_pixels(frame.to_numpy(dtype=np.uint8), labelled)


def read_checked_pixels(path: Path, labelled: bool) -> tuple[np.ndarray | None, np.ndarray]:
    """Fast read of a CSV that `fetch` validated: uint8 (labels or None, pixels).

    A file that fails the fast read (edited by hand since, or the wrong file) gets the full
    check of `read_digits_csv`, whose error names the line and column.
    """
    if not path.exists():
        raise PipelineError(f"{path}: not found (run the fetch stage first: dvc repro fetch)")
    try:
        frame = pd.read_csv(path, dtype=np.uint8, index_col=False, encoding=ENCODING)
    except (ValueError, UnicodeDecodeError):  # pandas' parser errors are ValueErrors
        frame = None
    if frame is None or not _passes_fast_checks(frame, labelled):
        read_digits_csv(path, labelled)
        raise PipelineError(f"{path}: not a Kaggle digits CSV that pandas can read as uint8")
    return _labels_and_pixels(frame.to_numpy(), labelled)


def _passes_fast_checks(frame: pd.DataFrame, labelled: bool) -> bool:
    """What reading as uint8 does not check: the header, at least one row, labels 0..9."""
    expected = TRAIN_HEADER if labelled else PIXEL_COLUMNS
    if list(frame.columns) != expected or frame.empty:
        return False
    return not labelled or frame["label"].max() <= 9


def count_data_rows(path: Path) -> int:
    """Data rows of a CSV: the non-blank lines after the header, as pandas and Kaggle count."""
    if not path.exists():
        raise PipelineError(f"{path}: not found (run the fetch stage first: dvc repro fetch)")
    with open(path, "rb") as handle:
        return sum(1 for line in handle if line.strip()) - 1


def write_digits(path: Path, header: list[str], values: np.ndarray) -> None:
    """Write uint8 rows as a headed CSV, byte for byte what pandas writes, several times faster.

    Each value becomes its digits plus a comma (from a lookup table); the comma after a row's
    last value becomes a newline.
    """
    table = np.zeros((256, 4), dtype=np.uint8)
    widths = np.zeros(256, dtype=np.int64)
    for value in range(256):
        cell = f"{value},".encode()
        table[value, : len(cell)] = np.frombuffer(cell, dtype=np.uint8)
        widths[value] = len(cell)
    with open(path, "wb") as handle:
        handle.write((",".join(header) + "\n").encode())
        for start in range(0, len(values), CHUNK_ROWS):
            chunk = values[start : start + CHUNK_ROWS]
            cells, cell_widths = table[chunk], widths[chunk]
            cells[np.arange(len(chunk)), -1, cell_widths[:, -1] - 1] = ord("\n")
            handle.write(cells[np.arange(4) < cell_widths[..., None]].tobytes())


def _labels_and_pixels(values: np.ndarray, labelled: bool) -> tuple[np.ndarray | None, np.ndarray]:
    """Split a CSV's uint8 values into (labels or None, pixels), both row-major.

    pandas gives column-major arrays; the stages read rows, so the pixels are made row-major.
    """
    if labelled:
        return values[:, 0].copy(), np.ascontiguousarray(values[:, 1:])
    return None, np.ascontiguousarray(values)


def _check_field_counts(path: Path, fields: int, name: str) -> None:
    """Every non-blank line must hold exactly `fields` comma-separated fields.

    pandas would otherwise take an extra leading column as the index, or pad a short line.
    """
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            found = line.count(b",") + 1
            if found != fields and line.strip():
                raise PipelineError(f"{name}: line {number}: {found} fields, expected {fields}")


def _out_of_range(frame: pd.DataFrame) -> bool:
    """True if an integer frame has a pixel outside 0..255 or a label outside 0..9."""
    pixels = frame[PIXEL_COLUMNS].to_numpy()
    if pixels.min() < 0 or pixels.max() > 255:
        return True
    return "label" in frame and not frame["label"].between(0, 9).all()


def _first_bad_cell(frame: pd.DataFrame, high: dict[str, int]) -> tuple[int, str, str] | None:
    """Find the first cell (file order) that is missing, not an integer or out of range.

    Returns (row position, column, what was expected) or None when every cell is good.
    """
    first: tuple[int, str, str] | None = None
    for column in frame.columns:
        raw = frame[column]
        values = pd.to_numeric(raw, errors="coerce")
        missing = raw.isna().to_numpy()
        not_number = values.isna().to_numpy() & ~missing
        integral = (values % 1 == 0).to_numpy()
        in_range = ((values >= 0) & (values <= high[column])).to_numpy()
        bad = missing | not_number | ~integral | ~in_range
        if not bad.any():
            continue
        row = int(np.argmax(bad))
        if first is not None and row >= first[0]:
            continue
        shown = "an empty cell" if missing[row] else repr(str(raw.iloc[row]))
        first = (row, column, f"expected an integer 0..{high[column]}, got {shown}")
    return first


def _header_shape(labelled: bool) -> str:
    return "label,pixel0,...,pixel783" if labelled else "pixel0,...,pixel783 (no label column)"


def _header_problem(header: list[str], labelled: bool) -> str:
    """Describe how a header differs from the Kaggle one."""
    expected = TRAIN_HEADER if labelled else PIXEL_COLUMNS
    shape = _header_shape(labelled)
    if not labelled and "label" in header:
        return f"test file must not have a label column (expected header {shape})"
    missing = [column for column in expected if column not in header]
    if missing:
        return f"missing column {missing[0]} (expected header {shape})"
    extra = [column for column in header if column not in expected]
    if extra:
        return f"unexpected column {extra[0]!r} (expected header {shape})"
    position = next(i for i, (a, b) in enumerate(zip(header, expected, strict=False)) if a != b)
    found, wanted = header[position], expected[position]
    return f"column {position + 1} is {found!r}, expected {wanted!r} ({shape})"
