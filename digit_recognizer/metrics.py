"""Scores of class probabilities, and class counts, as the metrics files record them."""

from __future__ import annotations

import numpy as np

from digit_recognizer.mnist import N_CLASSES


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
