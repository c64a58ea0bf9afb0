"""`digits demo` without a browser: its one-line failures before any server starts, its
defaults, gradio left unimported by the other commands, and the page's reader (a drawing in
memory reads as its saved file does with `digits predict`)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from digit_recognizer.cli import build_parser, main
from digit_recognizer.demo import cli as demo_cli
from digit_recognizer.demo.app import BLANK, Models, Reader
from digit_recognizer.predict.pictures import load_digit_image


def test_a_missing_model_is_one_line_naming_its_stage(tmp_path: Path, capsys) -> None:
    code = main(["demo", "--model", "cnn", "--models-dir", str(tmp_path)])
    assert code == 1
    assert capsys.readouterr().err == (
        f"digits: error: {tmp_path / 'cnn.keras'}: not found "
        "(run the train_cnn stage: dvc repro train_cnn)\n"
    )
    code = main(["demo", "--leaderboard", str(tmp_path / "leaderboard.json")])
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "run the submit stage: dvc repro submit" in err


def test_without_the_demo_extra_one_line_says_how_to_install_it(monkeypatch, capsys) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "gradio" else real(name, *a)
    )
    assert main(["demo"]) == 1
    assert capsys.readouterr().err == (
        "digits: error: digits demo needs the demo extra: pip install -e '.[demo]'\n"
    )


def test_it_binds_this_machine_unless_told() -> None:
    args = build_parser().parse_args(["demo"])
    assert (args.host, args.port, args.save_inputs) == ("127.0.0.1", 7860, None)
    args = build_parser().parse_args(["demo", "--host", "0.0.0.0", "--port", "8000"])
    assert (args.host, args.port) == ("0.0.0.0", 8000)
    assert demo_cli.DEFAULT_HOST == "127.0.0.1"


def test_the_other_commands_do_not_import_gradio() -> None:
    code = (
        "import sys; from digit_recognizer import cli; cli.build_parser(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'gradio'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


def reader(save_to: Path | None) -> Reader:
    """A Reader with a stand-in model: probabilities 0.5, 0.3, 0.2 for 7, 1, 2."""

    def classify(images: np.ndarray) -> np.ndarray:
        proba = np.zeros((len(images), 10), dtype=np.float32)
        proba[:, [7, 1, 2]] = [0.5, 0.3, 0.2]
        return proba

    return Reader(Models(("stand-in", classify), save_to or Path("no-models")), save_to)


def seven(mode: str) -> Image.Image:
    """A 7 drawn in black on white (RGBA: opaque white), as the canvas sends it."""
    picture = Image.new(mode, (280, 280), "white")
    ImageDraw.Draw(picture).line([(60, 40), (220, 40), (120, 240)], fill="black", width=24)
    return picture


@pytest.mark.parametrize("mode", ["RGBA", "RGB"])
def test_a_drawing_reads_as_its_saved_file_does(tmp_path: Path, mode: str) -> None:
    top, line, preview = reader(tmp_path).drawing({"composite": seven(mode)}, "stand-in")
    assert top == {"7": 0.5, "1": pytest.approx(0.3), "2": pytest.approx(0.2)}
    saved = tmp_path / "0001-draw.png"
    assert line == f"stand-in: 7 (0.500), 1 (0.300), 2 (0.200)\n\nsaved as `{saved}`"
    given = np.asarray(preview.resize((28, 28), Image.Resampling.NEAREST), dtype=np.float32)
    np.testing.assert_allclose(given / 255, load_digit_image(saved), atol=0.5 / 255)


def test_blank_or_missing_pictures_get_the_message(tmp_path: Path) -> None:
    blank = Image.new("RGBA", (280, 280), "white")
    assert reader(None).drawing({"composite": blank}, "stand-in") == (None, BLANK, None)
    assert reader(None).drawing(None, "stand-in") == (None, BLANK, None)
    assert reader(None).upload(None, "stand-in") == (None, BLANK, None)
    path = tmp_path / "grey.png"
    Image.new("L", (50, 50), 128).save(path)
    assert reader(None).upload(str(path), "stand-in") == (
        None,
        "the picture: no ink found (a blank image?)",
        None,
    )
