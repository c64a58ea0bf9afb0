"""Row indices of the notebook's train/validation split, drawn as train_test_split draws them."""

from __future__ import annotations

import math

import numpy as np


def shuffled_split(rows: int, validation_fraction: float, seed: int) -> tuple[np.ndarray, ...]:
    """Row indices (train, validation) exactly as `train_test_split(..., test_size=fraction,
    random_state=seed)` draws them (its ShuffleSplit), without importing scikit-learn, whose
    import takes longer than this stage's work."""
    n_val = math.ceil(validation_fraction * rows)
    if n_val == 0 or n_val == rows:
        raise ValueError(f"a validation_fraction of {validation_fraction} leaves one side empty")
    permutation = np.random.RandomState(seed).permutation(rows)
    return permutation[n_val:], permutation[:n_val]


def stratified_split(
    labels: np.ndarray, validation_fraction: float, seed: int
) -> tuple[np.ndarray, ...]:
    """Row indices (train, validation) of scikit-learn's stratified `train_test_split`."""
    from sklearn.model_selection import train_test_split  # only this option needs it

    rows = np.arange(len(labels))
    train, val = train_test_split(
        rows, test_size=validation_fraction, random_state=seed, stratify=labels
    )
    return train, val
