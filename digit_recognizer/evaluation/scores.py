"""Scores of class probabilities (accuracy, log loss, per-class precision/recall/F1), counts."""

from __future__ import annotations

import numpy as np

from digit_recognizer.data.formats import N_CLASSES


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


def model_scores(labels: np.ndarray, proba: np.ndarray) -> dict[str, object]:
    """Accuracy, log loss and per-class precision/recall/F1 of one model.

    Precision, recall and F1 of a digit nobody predicted (or that never occurs) are 0, as
    scikit-learn's `zero_division=0` gives; counted here, without importing scikit-learn.
    """
    predicted = proba.argmax(axis=1)
    confusion = np.bincount(
        labels * N_CLASSES + predicted, minlength=N_CLASSES * N_CLASSES
    ).reshape(N_CLASSES, N_CLASSES)  # rows: actual digit, columns: predicted
    hits = np.diag(confusion).astype(np.float64)
    predicted_count, actual_count = confusion.sum(axis=0), confusion.sum(axis=1)
    precision = np.divide(hits, predicted_count, out=np.zeros(N_CLASSES), where=predicted_count > 0)
    recall = np.divide(hits, actual_count, out=np.zeros(N_CLASSES), where=actual_count > 0)
    either = predicted_count + actual_count
    f1 = np.divide(2 * hits, either, out=np.zeros(N_CLASSES), where=either > 0)
    accuracy, loss = accuracy_and_loss(labels, proba)
    return {
        "accuracy": round(accuracy, 6),
        "log_loss": round(loss, 6),
        "per_class": {
            str(d): {
                "precision": round(float(precision[d]), 4),
                "recall": round(float(recall[d]), 4),
                "f1": round(float(f1[d]), 4),
            }
            for d in range(N_CLASSES)
        },
    }
