"""Picture files read into grey levels: the formats, transparency, EXIF orientation, size."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import NoReturn

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from digit_recognizer.console import PipelineError

PICTURES = "PNG, JPEG, BMP, GIF, TIFF or WebP"  # read from a folder; named, any Pillow reads
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".jfif", ".bmp", ".gif", ".tif", ".tiff", ".webp")
MAX_PIXELS = Image.MAX_IMAGE_PIXELS  # Pillow's limit (about 9,500 x 9,500); larger: refused
ORIENTATION_TAG = 0x0112  # EXIF orientation
MAX_SIDE = 1024  # larger pictures (photos) are first reduced to this longest side


def read_grey(path: Path) -> np.ndarray:
    """A picture file as float32 grey levels 0..255 (2-D).

    Where the picture has transparency, its ink is what is opaque, whatever its colour (dark
    on white here); a picture without any is read by its colours. Photos are turned upright by
    their EXIF orientation and reduced to MAX_SIDE pixels. A missing, empty, unreadable or
    oversized file raises a one-line PipelineError naming it.
    """
    if not path.is_file():
        raise PipelineError(f"{path}: not found" if not path.exists() else f"{path}: not a file")
    if path.stat().st_size == 0:
        raise PipelineError(f"{path}: empty file")
    try:
        bomb = Image.DecompressionBombWarning  # a picture that large is refused here
        with warnings.catch_warnings(action="ignore", category=bomb), Image.open(path) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                too_large(path, f"{opened.width}x{opened.height}")
            opened.draft("L", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced size, faster
            return grey_levels(opened)
    except Image.DecompressionBombError as err:  # Pillow refuses it before its size is known
        pixels = re.search(r"\((\d+) pixels\)", str(err))
        too_large(path, f"{int(pixels[1]):,} pixels" if pixels else "too many pixels")
    except UnidentifiedImageError:
        raise PipelineError(f"{path}: not a readable image ({PICTURES})") from None
    except (OSError, ValueError, SyntaxError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise PipelineError(f"{path}: unreadable image ({reason})") from None


def grey_levels(picture: Image.Image) -> np.ndarray:
    """A picture (a file opened, or one in memory: `digits demo`'s canvas) as float32 grey
    levels 0..255 (2-D): turned upright by its EXIF orientation, its opaque part as the ink
    when it has transparency, reduced to MAX_SIDE pixels."""
    if picture.getexif().get(ORIENTATION_TAG, 1) != 1:  # a photo taken sideways
        picture = ImageOps.exif_transpose(picture)
    ink = opaque_ink(picture)
    grey = ink if ink is not None else grey_picture(picture)
    if max(grey.size) > MAX_SIDE:
        scale = MAX_SIDE / max(grey.size)
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.BOX)
    return np.asarray(grey, dtype=np.float32)


def too_large(path: Path, size: str) -> NoReturn:
    raise PipelineError(f"{path}: picture too large ({size}; the limit is {MAX_PIXELS:,} pixels)")


def opaque_ink(picture: Image.Image) -> Image.Image | None:
    """Where a picture is partly transparent, its opacity as dark ink on white; else None.

    So white strokes on a transparent canvas (a dark-mode drawing app) are read as well as
    black ones. A picture whose opacity is the same everywhere has no ink in it: None.
    """
    if picture.mode not in ("RGBA", "LA", "PA") and "transparency" not in picture.info:
        return None
    alpha = picture.convert("RGBA").getchannel("A")
    low, high = alpha.getextrema()
    return None if low == high else ImageOps.invert(alpha)


def grey_picture(picture: Image.Image) -> Image.Image:
    """8-bit grey levels of a picture; 16-bit grey is scaled down rather than clipped."""
    if picture.mode.startswith("I"):
        levels = np.asarray(picture.convert("I"), dtype=np.float64)
        top = 65535.0 if levels.max() > 255 else 255.0
        return Image.fromarray(np.rint(np.clip(levels, 0, top) * 255 / top).astype(np.uint8))
    return picture.convert("L")


def image_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """The pictures directly inside a folder (by suffix: IMAGE_SUFFIXES), and the other
    files there, both sorted by name; sub-folders are not entered."""
    pictures: list[Path] = []
    others: list[Path] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        (pictures if path.suffix.lower() in IMAGE_SUFFIXES else others).append(path)
    return pictures, others
