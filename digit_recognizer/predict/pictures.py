"""Pictures of digits made into 28x28 MNIST-style inputs, as MNIST's digits were made.

The steps: grey levels; the background (a plane through the border pixels, so that even
shading cancels) subtracted, the ink taken on whichever side of it it lies, so that ink comes
out white on black whether the picture is dark on light or light on dark; noise and specks
dropped, the strokes stretched to full white; cropped to the ink's bounding box; the longest
side scaled to 20 pixels, keeping the aspect ratio (Lanczos, anti-aliased); placed in a 28x28
frame with the centre of mass at pixel (14, 14); float32 in [0, 1], as the training features.
Pure numpy and Pillow.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from digit_recognizer.console import PipelineError
from digit_recognizer.data.formats import IMAGE_SIDE
from digit_recognizer.predict.picture_files import grey_levels, read_grey

BOX_SIDE = 20  # MNIST's digits fill a 20x20 box inside the 28x28 frame
MIN_CONTRAST = 32.0  # ink must differ from the background by this much (of 255): else blank
BLANK_SIGMAS = 6.0  # ...and by this many times the noise's sigma: noise alone is no ink
NOISE_SIGMAS = 3.0  # levels within this many noise sigmas of the background become 0
BORDER_FRACTION = 0.05  # the border ring that tells the background: 5 % of the shorter side
INK_PEAK_QUANTILE = 0.9  # this quantile of the ink's levels becomes full white
INK_LEVEL = 0.1  # pixels at a tenth of the ink's peak or more count as ink for the bounding box
NEAR_INK_LEVEL = 0.2  # ...if their neighbourhood's mean is at least this (specks are not ink)


def mnist_style(grey: np.ndarray, name: str) -> np.ndarray:
    """MNIST-style (28, 28) float32 image in [0, 1] (white ink on black) from grey levels.

    `name` (the file) goes into the error raised for a picture without ink.
    """
    ink = ink_levels(grey, name)
    rows, columns = np.nonzero(ink_mask(ink))
    if rows.size == 0:
        raise PipelineError(f"{name}: no ink found, only specks (a blank image?)")
    cropped = ink[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    return centred(scaled_to_box(cropped))


def ink_levels(grey: np.ndarray, name: str) -> np.ndarray:
    """Ink strength in [0, 1] per pixel: 0 on the background, 1 in the strokes' cores.

    The background is a plane through the border ring (even shading cancels out); the ink is
    on the side where more differs from it beyond the noise (darker on paper, lighter on a
    dark background).
    Levels within the background's noise become 0, levels above the ink's typical peak 1;
    Otsu's threshold separates the two.
    """
    residual = grey - background_plane(grey)
    border = residual[border_ring(grey.shape)]
    sigma = 1.4826 * quantile(np.abs(border - quantile(border, 0.5)), 0.5)  # the noise's
    excess = np.clip(np.abs(residual) - NOISE_SIGMAS * sigma, 0, None)  # beyond the noise
    darker, lighter = float(excess[residual < 0].sum()), float(excess[residual > 0].sum())
    contrast = -residual if darker > lighter else residual
    if float(contrast.max()) < max(MIN_CONTRAST, BLANK_SIGMAS * sigma):
        raise PipelineError(f"{name}: no ink found (a blank image?)")
    threshold = otsu_threshold(np.clip(contrast, 0, 255))
    floor = min(NOISE_SIGMAS * sigma, threshold / 2)
    strokes = contrast[contrast > threshold]
    if strokes.size == 0:
        raise PipelineError(f"{name}: no ink found (a blank image?)")
    peak = quantile(strokes, INK_PEAK_QUANTILE)
    return np.clip((contrast - floor) / max(peak - floor, 1e-6), 0, 1).astype(np.float32)


def background_plane(grey: np.ndarray) -> np.ndarray | float:
    """The background's grey level at every pixel: a plane through the border ring (or one
    level, when the ring shows no shading).

    Its slopes come from the medians of the top and bottom strips and of the left and right
    strips, its level from the ring's median: robust to ink that touches a side.
    """
    height, width = grey.shape
    band = ring_width(grey.shape)
    row_slope = (quantile(grey[-band:], 0.5) - quantile(grey[:band], 0.5)) / max(height - band, 1)
    column_slope = (quantile(grey[:, -band:], 0.5) - quantile(grey[:, :band], 0.5)) / max(
        width - band, 1
    )
    ring = border_ring(grey.shape)
    if row_slope == 0 and column_slope == 0:
        return quantile(grey[ring], 0.5)
    rows, columns = np.ogrid[:height, :width]
    tilt = row_slope * (rows - (height - 1) / 2) + column_slope * (columns - (width - 1) / 2)
    tilt = np.broadcast_to(tilt, grey.shape)
    return (quantile((grey - tilt)[ring], 0.5) + tilt).astype(np.float32)


def ink_mask(ink: np.ndarray) -> np.ndarray:
    """The pixels that count as ink for the bounding box: at INK_LEVEL or more, in a
    neighbourhood whose mean is NEAR_INK_LEVEL or more (part of a stroke, not a speck)."""
    side = 2 * max(1, min(ink.shape) // 200) + 1  # 3 px, more for large pictures
    padded = np.pad(ink, side // 2 + 1)
    sums = padded.cumsum(axis=0).cumsum(axis=1)
    height, width = ink.shape
    window = (
        sums[side : side + height, side : side + width]
        - sums[:height, side : side + width]
        - sums[side : side + height, :width]
        + sums[:height, :width]
    )
    return (ink >= INK_LEVEL) & (window / side**2 >= NEAR_INK_LEVEL)


def quantile(values: np.ndarray, fraction: float) -> float:
    """The value at `fraction` of the sorted values (the nearest rank; 0.5: a median), found
    by partial sorting: several times faster than np.median on small arrays."""
    flat = values.ravel()
    rank = int(round(fraction * (flat.size - 1)))
    return float(np.partition(flat, rank)[rank])


def ring_width(shape: tuple[int, ...]) -> int:
    """The border ring's width: BORDER_FRACTION of the shorter side, at least 1 px."""
    return max(1, int(min(shape) * BORDER_FRACTION))


def border_ring(shape: tuple[int, ...]) -> np.ndarray:
    """Where the outer ring is (`ring_width` pixels wide)."""
    width = ring_width(shape)
    ring = np.ones(shape, dtype=bool)
    ring[width:-width, width:-width] = False
    return ring


def otsu_threshold(levels: np.ndarray) -> float:
    """Otsu's threshold of levels in 0..255: the cut that best separates two classes."""
    counts = np.bincount(np.rint(levels).astype(np.int64).ravel(), minlength=256)[:256]
    weights = np.cumsum(counts, dtype=np.float64)
    sums = np.cumsum(counts * np.arange(256), dtype=np.float64)
    below_mean = sums / np.maximum(weights, 1)
    above = weights[-1] - weights
    above_mean = (sums[-1] - sums) / np.maximum(above, 1)
    between = weights * above * (below_mean - above_mean) ** 2
    return float(np.argmax(between))


def scaled_to_box(ink: np.ndarray) -> np.ndarray:
    """Scale so that the longest side is BOX_SIDE pixels, keeping the aspect ratio."""
    height, width = ink.shape
    scale = BOX_SIDE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = Image.fromarray(ink).resize(size, Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float32), 0, 1)


def centred(digit: np.ndarray) -> np.ndarray:
    """Place a digit in a blank 28x28 frame with its centre of mass at the frame's centre.

    The centre is pixel (14, 14), where MNIST's digits have theirs (on average, within
    half a pixel); shifts are whole pixels, limited so that the digit stays inside the frame.
    """
    height, width = digit.shape
    total = float(digit.sum())
    rows, columns = np.indices(digit.shape)
    centre_row = float((rows * digit).sum()) / total if total else (height - 1) / 2
    centre_column = float((columns * digit).sum()) / total if total else (width - 1) / 2
    middle = IMAGE_SIDE / 2
    top = int(np.clip(round(middle - centre_row), 0, IMAGE_SIDE - height))
    left = int(np.clip(round(middle - centre_column), 0, IMAGE_SIDE - width))
    frame = np.zeros((IMAGE_SIDE, IMAGE_SIDE), dtype=np.float32)
    frame[top : top + height, left : left + width] = digit
    return frame


def load_digit_image(path: Path) -> np.ndarray:
    """Read a picture and make it MNIST-style: (28, 28) float32 in [0, 1]."""
    return mnist_style(read_grey(path), str(path))


def digit_image(picture: Image.Image, name: str) -> np.ndarray:
    """A picture in memory made MNIST-style, as `load_digit_image` makes a file's."""
    return mnist_style(grey_levels(picture), name)


def save_digit_png(image: np.ndarray, path: Path) -> None:
    """Write a (28, 28) [0, 1] image as an 8-bit grey PNG, white ink on black."""
    levels = np.rint(np.clip(image, 0, 1) * 255).astype(np.uint8)
    Image.fromarray(levels).save(path)
