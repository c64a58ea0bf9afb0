"""The pictures evaluate draws: digit grids, each model's most confident mistakes, learning curves.

matplotlib is imported where used, without pyplot (no display backend needed).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from digit_recognizer.data.formats import IMAGE_SIDE
from digit_recognizer.files import atomic_paths

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TILE_GAP, CAPTION_ROOM = 4, 11  # digit_grid: pixels between digits, and above each for its caption


def save_figure(figure: Figure, path: Path) -> None:
    """Save a matplotlib figure atomically as PNG (no pyplot: no display backend needed)."""
    with atomic_paths(path) as (tmp,):
        figure.savefig(tmp, dpi=100, bbox_inches="tight", format="png")


def digit_grid(images: np.ndarray, captions: list[str], title: str, columns: int = 8) -> Figure:
    """The digits tiled into one picture, `columns` to a row, each with its caption above it.

    One image with text on it draws several times faster than a plot per digit.
    """
    from matplotlib.figure import Figure

    rows = max(1, -(-len(images) // columns))
    cell_width, cell_height = IMAGE_SIDE + TILE_GAP, IMAGE_SIDE + CAPTION_ROOM
    mosaic = np.zeros((rows * cell_height, columns * cell_width), dtype=np.float32)
    figure = Figure(figsize=(columns * 1.2, rows * 1.5 + 0.4))
    axis = figure.add_axes((0, 0, 1, 1))
    axis.axis("off")
    for index, (image, caption) in enumerate(zip(images, captions, strict=True)):
        row, column = divmod(index, columns)
        top, left = row * cell_height + CAPTION_ROOM, column * cell_width + TILE_GAP // 2
        mosaic[top : top + IMAGE_SIDE, left : left + IMAGE_SIDE] = image.reshape(
            IMAGE_SIDE, IMAGE_SIDE
        )
        axis.text(left + IMAGE_SIDE / 2, top - 1, caption, ha="center", va="bottom", fontsize=8)
    axis.imshow(mosaic, cmap="gray_r")
    figure.suptitle(title, y=1.02)
    return figure


def most_confident_mistakes(
    images: np.ndarray, labels: np.ndarray, proba: np.ndarray, count: int, title: str
) -> Figure:
    """The `count` wrong predictions the model was surest of: image, truth, prediction."""
    predicted = proba.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    worst = wrong[np.argsort(-proba[wrong, predicted[wrong]], kind="stable")][:count]
    captions = [f"true {labels[i]} → {predicted[i]}\n{proba[i, predicted[i]]:.0%}" for i in worst]
    heading = f"{title}: {len(wrong)} mistakes of {len(labels)}, most confident first"
    return digit_grid(images[worst], captions, heading)


def learning_curves(histories: dict[str, pd.DataFrame], titles: dict[str, str]) -> Figure:
    """Accuracy and loss per epoch, one column per network (`titles` names each), side by side."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(5.5 * len(histories), 7))
    axes = figure.subplots(2, len(histories), squeeze=False)
    for column, (name, history) in enumerate(histories.items()):
        for row, metric in enumerate(("accuracy", "loss")):
            axis = axes[row, column]
            axis.plot(history["epoch"], history[metric], marker="o", label=f"train {metric}")
            axis.plot(history["epoch"], history[f"val_{metric}"], marker="o", label=f"val {metric}")
            axis.set_title(f"{titles[name]}: {metric}")
            axis.set_xlabel("epoch")
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
            axis.grid(True)
            axis.legend()
    figure.tight_layout()
    return figure
