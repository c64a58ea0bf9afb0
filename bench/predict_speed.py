"""How fast `digits predict` is on a folder of pictures: images per second, end to end.

Writes N pictures made from the bundled real digits (black on white, 112x112 PNGs, as a scan
would give them) to a temporary folder, then times `digits predict FOLDER --model PATH`:
as a subprocess (what a user waits for: Python and TensorFlow start-up, model loading,
reading and preprocessing the pictures, one batch prediction) and in this process (a first
call that imports TensorFlow, then a warm call), with the warm call's reading and
predicting parts timed separately. Trains nothing.

    python bench/predict_speed.py --model models/cnn.keras            # 1,000 pictures
    python bench/predict_speed.py --model models/lr.joblib 5000
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from machine import cpu_model  # bench/machine.py
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from digit_recognizer.data.bundled import bundled_digits  # noqa: E402


def write_pictures(folder: Path, count: int) -> None:
    """`count` PNGs of bundled digits (repeating them past 5,000), inverted, scaled 4x."""
    _, pixels = bundled_digits()
    order = np.random.default_rng(0).permutation(len(pixels))
    for number in range(count):
        digit = 255 - pixels[order[number % len(order)]].reshape(28, 28)
        picture = Image.fromarray(digit).resize((112, 112), Image.Resampling.BICUBIC)
        picture.save(folder / f"digit{number:05d}.png")


def digits_script() -> str:
    """The `digits` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "digits"
    if not script.exists():
        sys.exit(f"{script}: not found (install the project: pip install -e .)")
    return str(script)


def time_subprocess(folder: Path, model: str, count: int) -> float:
    """Wall seconds of `digits predict FOLDER --model MODEL` run as a command."""
    start = time.perf_counter()
    result = subprocess.run(
        [digits_script(), "predict", str(folder), "--model", model],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0 or len(result.stdout.splitlines()) != count + 1:
        sys.exit(f"digits predict failed ({result.returncode}):\n{result.stderr}")
    return seconds


def time_in_process(folder: Path, model: str) -> float:
    """Wall seconds of one `digits predict` call through its `main` in this process."""
    from digit_recognizer.cli import main

    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["predict", str(folder), "--model", model])
    seconds = time.perf_counter() - start
    if code != 0:
        sys.exit(f"digits predict failed in process ({code})")
    return seconds


def time_parts(folder: Path, model: str) -> tuple[float, float]:
    """Seconds to read and preprocess the pictures, and to predict them all (model loaded)."""
    from digit_recognizer.predict.inputs import read_inputs
    from digit_recognizer.predict.loading import load_model

    _, classify = load_model(model, REPO / "models")
    start = time.perf_counter()
    images = read_inputs([str(folder)]).images()
    reading = time.perf_counter() - start
    start = time.perf_counter()
    classify(images)
    return reading, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/cnn.keras", help=".keras/.joblib file or name")
    parser.add_argument("count", type=int, nargs="?", default=1000, help="pictures (1,000)")
    parser.add_argument("--json", type=Path, help="also write the figures here (report.py)")
    args = parser.parse_args()
    if args.count < 1:
        parser.error("count must be at least 1")

    print(f"CPU: {cpu_model()} ({os.cpu_count()} logical cores)")
    print(f"model: {args.model}; {args.count} pictures, 112x112 PNG")
    with tempfile.TemporaryDirectory(prefix="digits-bench-") as temporary:
        folder = Path(temporary)
        write_pictures(folder, args.count)
        rows = [
            ("subprocess `digits predict DIR`", time_subprocess(folder, args.model, args.count))
        ]
        rows.append(("in process, first call", time_in_process(folder, args.model)))
        rows.append(("in process, warm call", time_in_process(folder, args.model)))
        reading, predicting = time_parts(folder, args.model)
        rows += [
            ("  of which reading + preprocessing", reading),
            ("  of which predicting", predicting),
        ]
    for label, seconds in rows:
        print(f"{label:36s} {seconds:7.2f} s  {args.count / seconds:9.0f} images/s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        figures = {
            "command": " ".join(["python", "bench/predict_speed.py", *sys.argv[1:]]),
            "cpu": f"{cpu_model()} ({os.cpu_count()} logical cores)",
            "model": args.model,
            "pictures": args.count,
            "seconds": {label.strip(): round(seconds, 3) for label, seconds in rows},
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
