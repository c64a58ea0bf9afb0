"""`digits predict`: the trained models on your own pictures of digits or Kaggle CSVs.

    digits predict seven.png scans/ test.csv [--model NAME|PATH] [--top K] [--json]

Per input, the predicted digit and its probability (the K most likely with --top); with
--json, one JSON object per input (JSON lines) and nothing else on stdout. The model loads
once and predicts every image in one batch. Bad inputs are listed at the end on stderr, one
line each, after the good ones are printed (exit code 1); a missing or unknown model stops
the command with one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from digit_recognizer.data.formats import N_CLASSES
from digit_recognizer.models.registry import NAMES
from digit_recognizer.predict.inputs import InputBlock, Inputs, read_inputs, save_preprocessed
from digit_recognizer.predict.loading import chosen_model, load_model

PROGRAM = "digits"


def add_command(commands: Any) -> None:
    """`predict` and its options, on the `digits` parser's sub-commands."""
    predict = commands.add_parser(
        "predict",
        help="predict the digits in pictures, folders of pictures or Kaggle CSVs",
        description="Print the predicted digit of each picture (MNIST-style preprocessing), "
        "each picture in a folder, or each row of a Kaggle-format CSV.",
    )
    predict.add_argument("inputs", nargs="+", metavar="INPUT", help="IMAGE, DIR or FILE.csv")
    predict.add_argument(
        "--model",
        help=f"{', '.join(NAMES)}, or a .keras/.joblib/.onnx file or an ensemble's .json "
        "(default: the model submit chose, from --leaderboard)",
    )
    predict.add_argument("--top", type=top_count, default=1, metavar="K", help="the K likeliest")
    predict.add_argument("--json", action="store_true", help="one JSON object per input")
    predict.add_argument(
        "--save-preprocessed", type=Path, metavar="DIR", help="write the 28x28 images fed in"
    )
    predict.add_argument("--models-dir", type=Path, default=Path("models"), metavar="DIR")
    predict.add_argument(
        "--leaderboard", type=Path, default=Path("metrics/leaderboard.json"), metavar="FILE"
    )


def top_count(text: str) -> int:
    """--top: how many digits to show, 1..10."""
    if not text.strip().isdigit() or not 1 <= int(text) <= N_CLASSES:
        raise argparse.ArgumentTypeError(f"must be a whole number 1..{N_CLASSES}, got {text!r}")
    return int(text)


def predict(args: argparse.Namespace) -> int:
    """Load the model, read the inputs, predict in one batch, print; 1 if an input failed."""
    name = args.model if args.model is not None else chosen_model(args.leaderboard)
    shown, classify = load_model(name, args.models_dir)
    how = "chosen by submit" if args.model is None else "--model"
    inputs = read_inputs(args.inputs)
    if args.save_preprocessed is not None:
        save_preprocessed(inputs, args.save_preprocessed)
    images = inputs.images()
    proba = classify(images) if len(images) else np.zeros((0, N_CLASSES), dtype=np.float32)
    if args.json:
        lines = list(json_lines(inputs, proba, shown, args.top))
        notes = list(accuracy_lines(inputs, proba))
    else:
        lines = [f"model: {shown} ({how})", *text_lines(inputs, proba, args.top)]
        lines += accuracy_lines(inputs, proba)
        notes = []
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    sys.stdout.flush()
    errors = (f"{PROGRAM}: error: {failure}" for failure in inputs.failures)
    for line in [*notes, *(f"{PROGRAM}: {skip}" for skip in inputs.skipped), *errors]:
        print(line, file=sys.stderr)
    return 1 if inputs.failures else 0


def ranked(proba: np.ndarray, top: int) -> np.ndarray:
    """Per row, the `top` likeliest digits, most likely first (ties: the smaller digit)."""
    return np.argsort(-proba, axis=1, kind="stable")[:, :top]


def blocks_with_rows(inputs: Inputs) -> Iterator[tuple[InputBlock, int, int]]:
    """(block, row within the block, row within all images) for every image."""
    start = 0
    for block in inputs.blocks:
        for row in range(len(block.images)):
            yield block, row, start + row
        start += len(block.images)


def text_lines(inputs: Inputs, proba: np.ndarray, top: int) -> Iterator[str]:
    """`NAME: 7 (0.981)`, or with --top `NAME: 7 (0.981), 1 (0.012), ...`; a label after."""
    digits = ranked(proba, top)
    names = (name for block in inputs.blocks for name in block.names())
    for (block, row, index), name in zip(blocks_with_rows(inputs), names, strict=True):
        shown = ", ".join(f"{d} ({proba[index, d]:.3f})" for d in digits[index])
        if block.labels is not None:
            label = int(block.labels[row])
            shown += f"  label {label}" + ("" if label == digits[index, 0] else " (wrong)")
        yield f"{name}: {shown}"


def json_lines(inputs: Inputs, proba: np.ndarray, model: str, top: int) -> Iterator[str]:
    """One JSON object per image: input, (row, label), model, digit, probability, top."""
    digits = ranked(proba, top)
    for block, row, index in blocks_with_rows(inputs):
        record: dict[str, Any] = {"input": block.source}
        if block.from_csv:
            record["row"] = row + 1
        if block.labels is not None:
            record["label"] = int(block.labels[row])
        best = int(digits[index, 0])
        record |= {
            "model": model,
            "digit": best,
            "probability": round(float(proba[index, best]), 6),
            "top": [
                {"digit": int(d), "probability": round(float(proba[index, d]), 6)}
                for d in digits[index]
            ],
        }
        yield json.dumps(record)


def accuracy_lines(inputs: Inputs, proba: np.ndarray) -> list[str]:
    """`FILE.csv: accuracy 0.9650 (965 of 1000)` per labelled CSV."""
    lines = []
    start = 0
    for block in inputs.blocks:
        stop = start + len(block.images)
        if block.labels is not None:
            right = int(np.sum(proba[start:stop].argmax(axis=1) == block.labels))
            total = len(block.labels)
            lines.append(f"{block.source}: accuracy {right / total:.4f} ({right} of {total})")
        start = stop
    return lines
