"""Pictures become MNIST-style 28x28 inputs: a drawn "7", light or dark, clean or photo-like.

The digit is the text "7" drawn with matplotlib into a 200x150 picture, off-centre and much
larger than 28 px. What comes out must look like an MNIST digit: white ink on black, the
longest side of the ink 20 px, the centre of mass at the centre of the frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from digit_recognizer.console import PipelineError
from digit_recognizer.predict.picture_files import PICTURES, image_files
from digit_recognizer.predict.pictures import load_digit_image, otsu_threshold, save_digit_png

WIDTH, HEIGHT = 200, 150


def drawn_digit(text: str = "7", light_background: bool = True) -> np.ndarray:
    """A (150, 200) uint8 picture of `text`, off-centre (right and up), about 100 px tall."""
    figure = Figure(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100)
    canvas = FigureCanvasAgg(figure)
    figure.patch.set_facecolor("white" if light_background else "black")
    figure.text(
        0.68, 0.58, text, fontsize=72, ha="center", va="center",
        color="black" if light_background else "white",
    )  # fmt: skip
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    assert rgba.shape == (HEIGHT, WIDTH, 4)
    return np.asarray(Image.fromarray(rgba).convert("L"))


def save(tmp_path: Path, pixels: np.ndarray, name: str = "seven.png", **options) -> Path:
    path = tmp_path / name
    Image.fromarray(pixels).save(path, **options)
    return path


def ink_box(image: np.ndarray, level: float = 0.1) -> tuple[int, int]:
    """(height, width) of the bounding box of the pixels at `level` or more."""
    rows, columns = np.nonzero(image >= level)
    return rows.max() - rows.min() + 1, columns.max() - columns.min() + 1


def centre_of_mass(image: np.ndarray) -> np.ndarray:
    rows, columns = np.indices(image.shape)
    total = image.sum()
    return np.array([(rows * image).sum() / total, (columns * image).sum() / total])


def check_mnist_style(image: np.ndarray) -> None:
    assert image.shape == (28, 28)
    assert image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert image.max() > 0.9  # the strokes are white...
    assert np.median(image) == 0.0  # ...on black
    corners = image[[0, 0, -1, -1], [0, -1, 0, -1]]
    assert corners.max() == 0.0
    assert max(ink_box(image)) in (19, 20, 21)
    assert np.all(np.abs(centre_of_mass(image) - 14) <= 1.0), centre_of_mass(image)


def test_the_drawn_seven_is_big_and_off_centre() -> None:
    ink = drawn_digit() < 128
    rows, columns = np.nonzero(ink)
    assert rows.max() - rows.min() > 40
    assert abs(columns.mean() - WIDTH / 2) > 20


@pytest.mark.parametrize(
    "light_background", [True, False], ids=["black-on-white", "white-on-black"]
)
def test_a_drawn_seven_comes_out_mnist_style(tmp_path: Path, light_background: bool) -> None:
    image = load_digit_image(save(tmp_path, drawn_digit(light_background=light_background)))
    check_mnist_style(image)
    height, width = ink_box(image)
    assert height > width  # a 7 is taller than wide: the aspect ratio is kept


def test_light_and_dark_backgrounds_give_the_same_image(tmp_path: Path) -> None:
    light = load_digit_image(save(tmp_path, drawn_digit(), "light.png"))
    dark = load_digit_image(save(tmp_path, drawn_digit(light_background=False), "dark.png"))
    assert np.abs(light - dark).mean() < 0.02


def test_a_photo_like_picture_grey_paper_noise_and_jpeg(tmp_path: Path) -> None:
    """Grey paper (level ~170), dark grey ink, sensor noise and JPEG compression, in colour."""
    clean = drawn_digit().astype(np.float32) / 255
    rng = np.random.default_rng(0)
    grey = 60 + clean * 110 + rng.normal(0, 6, clean.shape)
    colour = np.stack([grey + 8, grey, grey - 10], axis=-1)
    path = save(tmp_path, np.clip(colour, 0, 255).astype(np.uint8), "photo.jpg", quality=80)
    image = load_digit_image(path)
    check_mnist_style(image)
    reference = load_digit_image(save(tmp_path, drawn_digit(), "clean.png"))
    assert np.abs(image - reference).mean() < 0.05


def test_a_small_digit_is_scaled_up_and_transparency_is_shown_on_white(tmp_path: Path) -> None:
    """A 12 px tall digit drawn in black on a transparent background."""
    small = np.asarray(Image.fromarray(drawn_digit()).resize((30, 22), Image.Resampling.BOX))
    rgba = np.zeros((*small.shape, 4), dtype=np.uint8)
    rgba[..., 3] = 255 - small  # black ink where opaque, nothing elsewhere
    image = load_digit_image(save(tmp_path, rgba, "small.png"))
    assert max(ink_box(image)) in (19, 20, 21)
    assert np.all(np.abs(centre_of_mass(image) - 14) <= 1.0)


def test_a_blank_picture_is_a_one_line_error_naming_the_file(tmp_path: Path) -> None:
    path = save(tmp_path, np.full((80, 60), 250, dtype=np.uint8), "blank.png")
    with pytest.raises(PipelineError) as error:
        load_digit_image(path)
    assert str(error.value) == f"{path}: no ink found (a blank image?)"


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"", "empty file"), (b"not a picture", f"not a readable image ({PICTURES})")],
    ids=["empty", "not-an-image"],
)
def test_an_unreadable_file_is_a_one_line_error_naming_it(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "digit.png"
    path.write_bytes(content)
    with pytest.raises(PipelineError) as error:
        load_digit_image(path)
    assert str(error.value) == f"{path}: {problem}"


def test_a_truncated_png_is_a_one_line_error(tmp_path: Path) -> None:
    whole = save(tmp_path, drawn_digit(), "whole.png").read_bytes()
    path = tmp_path / "cut.png"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(PipelineError) as error:
        load_digit_image(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and "\n" not in message


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="missing.png: not found$"):
        load_digit_image(tmp_path / "missing.png")


def test_sixteen_bit_grey_is_scaled_not_clipped(tmp_path: Path) -> None:
    pixels = drawn_digit().astype(np.uint16) * 257
    path = tmp_path / "deep.png"
    Image.fromarray(pixels).save(path)
    assert Image.open(path).mode.startswith("I")
    reference = load_digit_image(save(tmp_path, drawn_digit(), "eight_bit.png"))
    assert np.abs(load_digit_image(path) - reference).max() < 0.02


def test_saved_png_is_what_the_model_sees(tmp_path: Path) -> None:
    image = load_digit_image(save(tmp_path, drawn_digit()))
    save_digit_png(image, tmp_path / "seen.png")
    seen = np.asarray(Image.open(tmp_path / "seen.png"))
    assert seen.shape == (28, 28) and seen.dtype == np.uint8
    np.testing.assert_array_equal(seen, np.rint(image * 255).astype(np.uint8))


def test_a_folder_lists_its_pictures_by_name_and_its_other_files(tmp_path: Path) -> None:
    names = ("b.JPG", "a.png", "c.bmp", "notes.txt", "d.jpeg", "e.gif", "f.TIFF", "g.webp")
    for name in names:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "sub").mkdir()
    pictures, others = image_files(tmp_path)
    assert [p.name for p in pictures] == sorted(set(names) - {"notes.txt"})
    assert [p.name for p in others] == ["notes.txt"]


@pytest.mark.parametrize("name", ["seven.gif", "seven.tiff", "seven.webp"])
def test_gif_tiff_and_webp_read_as_png_does(tmp_path: Path, name: str) -> None:
    """The formats a folder now includes give the PNG's image (WebP losslessly saved)."""
    reference = load_digit_image(save(tmp_path, drawn_digit()))
    options = {"lossless": True} if name.endswith(".webp") else {}
    image = load_digit_image(save(tmp_path, drawn_digit(), name, **options))
    np.testing.assert_array_equal(image, reference)


@pytest.mark.parametrize("ink", [0, 255, 200], ids=["black", "white", "light-grey"])
def test_on_a_transparent_canvas_the_ink_is_what_is_opaque(tmp_path: Path, ink: int) -> None:
    """White strokes on a transparent canvas (a dark-mode drawing app) read as black ones do."""
    strokes = 255 - drawn_digit()  # opacity: the strokes
    rgba = np.zeros((*strokes.shape, 4), dtype=np.uint8)
    rgba[..., :3], rgba[..., 3] = ink, strokes
    image = load_digit_image(save(tmp_path, rgba, "canvas.png"))
    reference = load_digit_image(save(tmp_path, drawn_digit(), "plain.png"))
    np.testing.assert_array_equal(image, reference)


def test_an_opaque_rgba_picture_is_read_by_its_colours(tmp_path: Path) -> None:
    rgba = np.dstack([drawn_digit()] * 3 + [np.full(drawn_digit().shape, 255, np.uint8)])
    image = load_digit_image(save(tmp_path, rgba, "opaque.png"))
    np.testing.assert_array_equal(image, load_digit_image(save(tmp_path, drawn_digit())))


@pytest.mark.parametrize("side", [10_000, 30_000], ids=["over-the-limit", "over-pillows-own"])
def test_an_oversized_picture_is_refused_with_its_size_and_the_limit(
    tmp_path: Path, side: int
) -> None:
    """Checked from the header: a 1-bit PNG of that many pixels is small on disk."""
    path = tmp_path / "huge.png"
    Image.new("1", (side, side)).save(path)
    with pytest.raises(PipelineError) as raised:
        load_digit_image(path)
    size = f"{side}x{side}" if side == 10_000 else f"{side * side:,} pixels"
    limit = f"{Image.MAX_IMAGE_PIXELS:,}"
    assert str(raised.value) == f"{path}: picture too large ({size}; the limit is {limit} pixels)"


def test_otsu_threshold_separates_two_levels() -> None:
    levels = np.concatenate([np.full(900, 10.0), np.full(100, 200.0)])
    assert 10 <= otsu_threshold(levels) < 200
