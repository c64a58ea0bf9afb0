"""Kaggle submissions (`ImageId,Label`, ImageId from 1) and answer keys in the same layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from digit_recognizer.console import PipelineError
from digit_recognizer.data.formats import N_CLASSES
from digit_recognizer.files import save_csv

SUBMISSION_HEADER = ["ImageId", "Label"]


def submission_frame(labels: np.ndarray) -> pd.DataFrame:
    """Kaggle's layout: ImageId from 1, the predicted digit."""
    return pd.DataFrame({"ImageId": np.arange(1, len(labels) + 1), "Label": labels})


def check_submission(frame: pd.DataFrame, test_rows: int, path: Path) -> None:
    """Refuse a submission Kaggle would reject: header, one row per test image, labels 0..9."""
    if list(frame.columns) != SUBMISSION_HEADER:
        raise PipelineError(f"{path}: header must be ImageId,Label, got {','.join(frame.columns)}")
    if len(frame) != test_rows:
        raise PipelineError(f"{path}: {len(frame)} rows, expected one per test image ({test_rows})")
    if not np.array_equal(frame["ImageId"].to_numpy(), np.arange(1, test_rows + 1)):
        raise PipelineError(f"{path}: ImageId must run 1..{test_rows} in order")
    labels = frame["Label"].to_numpy()
    bad = np.flatnonzero((labels < 0) | (labels >= N_CLASSES) | (labels % 1 != 0))
    if len(bad):
        row = int(bad[0])
        raise PipelineError(
            f"{path}: row {row + 1} (ImageId {row + 1}): Label {labels[row]}, expected 0..9"
        )


def write_submission(path: Path, frame: pd.DataFrame, test_rows: int) -> None:
    """Check, then write atomically: a refused submission leaves no file behind."""
    check_submission(frame, test_rows, path)
    save_csv(path, frame)


def check_answers(path: Path, test_rows: int) -> int:
    """Check an answer key as Kaggle checks a submission (header ImageId,Label, one integer
    row per test image, ImageId 1..N, labels 0..9); return its row count."""
    return len(_checked_answers(_read_answers(path), test_rows, path))


def read_answer_labels(path: Path, test_rows: int) -> np.ndarray:
    """The labels of an answer key, checked as `check_answers` does; empty when the source
    had none (a file with the header only)."""
    answers = _read_answers(path)
    if answers.empty and list(answers.columns) == SUBMISSION_HEADER:
        return answers["Label"].to_numpy()
    return _checked_answers(answers, test_rows, path)["Label"].to_numpy()


def _read_answers(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        raise PipelineError(f"{path}: not a CSV with the header ImageId,Label") from None


def _checked_answers(answers: pd.DataFrame, test_rows: int, path: Path) -> pd.DataFrame:
    if not all(pd.api.types.is_integer_dtype(dtype) for dtype in answers.dtypes):
        raise PipelineError(f"{path}: ImageId and Label must be integers")
    check_submission(answers, test_rows, path)
    return answers
