"""split draws its rows as scikit-learn's `train_test_split` does, without importing it."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from digit_recognizer.data.splitting import shuffled_split, stratified_split


@pytest.mark.parametrize("rows", [2, 7, 100, 301, 4200])
@pytest.mark.parametrize("fraction", [0.1, 0.25, 1 / 3, 0.5, 0.9])
@pytest.mark.parametrize("seed", [0, 2, 2**32 - 1])
def test_shuffled_split_equals_train_test_split(rows: int, fraction: float, seed: int) -> None:
    data = np.arange(rows)
    try:
        expected_train, expected_val = train_test_split(data, test_size=fraction, random_state=seed)
    except ValueError:
        with pytest.raises(ValueError, match="leaves one side empty"):
            shuffled_split(rows, fraction, seed)
        return
    train, val = shuffled_split(rows, fraction, seed)
    np.testing.assert_array_equal(train, expected_train)
    np.testing.assert_array_equal(val, expected_val)


def test_stratified_split_equals_train_test_split() -> None:
    labels = np.repeat(np.arange(10), 12)
    pixels = np.arange(len(labels) * 3).reshape(len(labels), 3)
    expected = train_test_split(pixels, labels, test_size=0.25, random_state=2, stratify=labels)
    train, val = stratified_split(labels, 0.25, 2)
    for got, want in zip(
        (pixels[train], pixels[val], labels[train], labels[val]), expected, strict=True
    ):
        np.testing.assert_array_equal(got, want)
