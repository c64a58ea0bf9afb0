"""Digits turned and shifted a little: the `kaggle_scale` source's variations and the views of
test-time augmentation (predict/tta.py)."""

from __future__ import annotations

import numpy as np

from digit_recognizer.data.formats import IMAGE_SIDE

MAX_SHIFT = 2  # pixels, each way
MAX_DEGREES = 10.0  # rotation, each way


def random_moves(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`count` rotations (radians, uniform within +-MAX_DEGREES) and whole-pixel shifts (rows,
    columns; within +-MAX_SHIFT each), as float32."""
    radians = np.deg2rad(rng.uniform(-MAX_DEGREES, MAX_DEGREES, count)).astype(np.float32)
    shifts = rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, (count, 2)).astype(np.float32)
    return radians, shifts


def turned_and_shifted(images: np.ndarray, radians: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Each (28, 28) float32 image turned about its centre by its angle, then shifted by its
    (rows, columns) pixels: bilinear, black outside. Returns float32 images of the same shape.
    """
    from scipy import ndimage  # imported only where images are moved

    centre = (IMAGE_SIDE - 1) / 2
    rows, cols = np.mgrid[:IMAGE_SIDE, :IMAGE_SIDE].astype(np.float32) - centre
    cos, sin = (f(radians)[:, None, None] for f in (np.cos, np.sin))
    # each output pixel reads the source at the inverse shift, then the inverse rotation
    y = rows - shifts[:, 0, None, None]
    x = cols - shifts[:, 1, None, None]
    batch = np.broadcast_to(np.arange(len(cos), dtype=np.float32)[:, None, None], y.shape)
    coords = [batch, cos * y - sin * x + centre, sin * y + cos * x + centre]
    return ndimage.map_coordinates(images, coords, order=1, mode="grid-constant")
