"""Scores of class probabilities, class counts, and the per-epoch history files of the networks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from digit_recognizer.console import PipelineError
from digit_recognizer.mnist import N_CLASSES

HISTORY_COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy")


def accuracy_and_loss(labels: np.ndarray, proba: np.ndarray) -> tuple[float, float]:
    """Accuracy and multiclass log loss (clipped as scikit-learn does) of predictions."""
    labels = np.asarray(labels, dtype=np.int64)
    accuracy = float(np.mean(proba.argmax(axis=1) == labels))
    eps = np.finfo(np.float32).eps
    picked = np.clip(proba[np.arange(len(labels)), labels].astype(np.float64), eps, 1.0)
    return accuracy, float(-np.mean(np.log(picked)))


def class_counts(labels: np.ndarray) -> dict[str, int]:
    """Count of each digit 0..9, keys as strings for JSON."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=N_CLASSES)
    return {str(digit): int(n) for digit, n in enumerate(counts)}


def read_history(path: Path) -> pd.DataFrame:
    """A network's history CSV (one row per epoch, HISTORY_COLUMNS, finite numbers), checked."""
    try:
        history = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError) as err:  # pandas' parser and empty-file errors
        raise PipelineError(f"{path}: not a history CSV ({' '.join(str(err).split())})") from err
    missing = [column for column in HISTORY_COLUMNS if column not in history.columns]
    values = history.reindex(columns=HISTORY_COLUMNS).apply(pd.to_numeric, errors="coerce")
    if missing or history.empty or not np.isfinite(values.to_numpy(dtype=float)).all():
        raise PipelineError(
            f"{path}: expected one row per epoch with numbers in {', '.join(HISTORY_COLUMNS)} "
            "(an edited or stale file? rerun its training stage)"
        )
    return history
