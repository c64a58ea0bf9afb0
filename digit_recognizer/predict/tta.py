"""Test-time augmentation: a network's class probabilities averaged over the plain digits and
a fixed set of views of them, each turned and shifted a little (data/transforms.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from digit_recognizer.data.formats import IMAGE_SIDE
from digit_recognizer.data.transforms import random_moves, turned_and_shifted


@dataclass(frozen=True)
class Views:
    """`count` views besides the plain digits, drawn once from `seed`: the same for every
    digit, every run and every model given the same pair."""

    count: int
    seed: int

    def moves(self) -> list[tuple[np.float32, np.ndarray]]:
        """(rotation in radians, (rows, columns) shift) of each view."""
        radians, shifts = random_moves(self.count, np.random.default_rng(self.seed))
        return list(zip(radians, shifts, strict=True))

    def as_json(self) -> dict[str, int]:
        return {"count": self.count, "seed": self.seed}


NO_VIEWS = Views(0, 0)


def moved(x: np.ndarray, radians: np.float32, shift: np.ndarray) -> np.ndarray:
    """Every digit of `x` (784 pixels each, in any shape) turned and shifted by one view."""
    images = np.asarray(x, dtype=np.float32).reshape(len(x), IMAGE_SIDE, IMAGE_SIDE)
    rows = len(images)
    out = turned_and_shifted(images, np.full(rows, radians), np.broadcast_to(shift, (rows, 2)))
    return out.reshape(x.shape)


def averaged_proba(predict: Any, x: np.ndarray, views: Views) -> np.ndarray:
    """The mean of `predict(x, transform)` over the plain digits and each view, in a fixed
    order; `predict` applies `transform` (None: none) to each batch it reads."""
    total = predict(x, None)
    for radians, shift in views.moves():
        total = total + predict(x, lambda batch, r=radians, s=shift: moved(batch, r, s))
    return (total / np.float32(views.count + 1)).astype(np.float32)
