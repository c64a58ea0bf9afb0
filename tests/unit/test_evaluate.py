"""evaluate's own computations: per-class scores as scikit-learn gives them, and digit grids."""

from __future__ import annotations

import io

import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support

from digit_recognizer.evaluation.figures import digit_grid
from digit_recognizer.evaluation.scores import model_scores as scores


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_per_class_scores_match_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, 300)
    labels[labels == 7] = 3  # a digit that never occurs
    proba = rng.random((300, 10)).astype(np.float32)
    proba[:, 5] = 0  # a digit never predicted
    proba /= proba.sum(axis=1, keepdims=True)
    expected = precision_recall_fscore_support(
        labels, proba.argmax(axis=1), labels=list(range(10)), zero_division=0
    )
    per_class = scores(labels, proba)["per_class"]
    for digit in range(10):
        got = per_class[str(digit)]
        assert [got["precision"], got["recall"], got["f1"]] == [
            round(float(values[digit]), 4) for values in expected[:3]
        ]
    assert per_class["7"] == per_class["5"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


@pytest.mark.parametrize("count", [0, 3, 8, 17])
def test_digit_grid_draws_any_number_of_digits(count: int) -> None:
    images = np.random.default_rng(count).random((count, 784), dtype=np.float32)
    figure = digit_grid(images, [f"digit {i}\n90%" for i in range(count)], "title")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")
    assert len(figure.axes) == 1 and len(figure.axes[0].texts) == count
