"""Test-time augmentation (predict/tta.py) and the moves it shares with kaggle_scale
(data/transforms.py)."""

from __future__ import annotations

import numpy as np
import pytest

from digit_recognizer.data.transforms import MAX_DEGREES, MAX_SHIFT, turned_and_shifted
from digit_recognizer.predict.tta import NO_VIEWS, Views, averaged_proba, moved


def dot(row: int, col: int) -> np.ndarray:
    image = np.zeros((1, 28, 28), dtype=np.float32)
    image[0, row, col] = 1.0
    return image


def test_no_move_leaves_the_digit_as_it_is() -> None:
    image = np.random.default_rng(0).random((3, 28, 28), dtype=np.float32)
    same = turned_and_shifted(image, np.zeros(3, np.float32), np.zeros((3, 2), np.float32))
    np.testing.assert_allclose(same, image, atol=1e-6)


def test_a_shift_moves_each_pixel_by_rows_then_columns() -> None:
    out = turned_and_shifted(dot(10, 10), np.zeros(1, np.float32), np.array([[2.0, -1.0]]))
    assert out[0, 12, 9] == pytest.approx(1.0) and out.sum() == pytest.approx(1.0)


def test_a_quarter_turn_keeps_the_centre_and_moves_a_corner_pixel() -> None:
    turn = np.array([np.pi / 2], np.float32)
    centre = turned_and_shifted(dot(14, 14), turn, np.zeros((1, 2), np.float32))
    assert centre.sum() == pytest.approx(1.0, abs=1e-4)
    assert turned_and_shifted(dot(0, 0), turn, np.zeros((1, 2), np.float32))[0, 0, 0] < 1e-4


def test_views_are_fixed_by_their_seed_and_small() -> None:
    first, again, other = Views(8, 3).moves(), Views(8, 3).moves(), Views(8, 4).moves()
    assert len(first) == 8
    assert all(a == c and (b == d).all() for (a, b), (c, d) in zip(first, again, strict=True))
    assert any(a != c for (a, _), (c, _) in zip(first, other, strict=True))
    for radians, shift in first:
        assert abs(np.rad2deg(radians)) <= MAX_DEGREES and np.abs(shift).max() <= MAX_SHIFT
    assert NO_VIEWS.moves() == []


def test_moved_keeps_any_shape_of_784_pixels() -> None:
    flat = np.random.default_rng(1).random((4, 784), dtype=np.float32)
    radians, shift = Views(1, 0).moves()[0]
    as_images = moved(flat.reshape(4, 28, 28, 1), radians, shift)
    assert moved(flat, radians, shift).shape == (4, 784) and as_images.shape == (4, 28, 28, 1)
    np.testing.assert_array_equal(as_images.reshape(4, 784), moved(flat, radians, shift))


def test_the_average_counts_the_plain_digits_once_and_each_view_once() -> None:
    """A `predict` that answers the mean pixel: the average over the views is checked
    against computing each view by hand."""
    x = np.random.default_rng(2).random((5, 784), dtype=np.float32)

    def predict(rows: np.ndarray, transform: object) -> np.ndarray:
        seen = rows if transform is None else transform(rows)
        return np.repeat(seen.mean(axis=1, keepdims=True), 10, axis=1)

    views = Views(3, 7)
    expected = predict(x, None) + sum(predict(moved(x, r, s), None) for r, s in views.moves())
    got = averaged_proba(predict, x, views)
    np.testing.assert_allclose(got, expected / 4, rtol=1e-6)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(averaged_proba(predict, x, NO_VIEWS), predict(x, None))
