"""`digits export`: a trained model as a SavedModel (TensorFlow Serving) or an ONNX file.

    digits export --model NAME|FILE --format saved_model|onnx OUT [--models-dir DIR]

The export is of the inference graph only (keras_model.py; linear.py for the logistic
regression). Before it replaces OUT, it is loaded back (TensorFlow for a SavedModel,
onnxruntime for ONNX) and must give the trained model's probabilities, within TOLERANCE, on
CHECK_IMAGES seeded random images; a model that cannot be converted, or an export that
disagrees, is refused with one line and OUT is left as it was.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from digit_recognizer.console import PipelineError, log
from digit_recognizer.data.formats import IMAGE_SIDE
from digit_recognizer.export import keras_model, linear
from digit_recognizer.export.output import atomic_output
from digit_recognizer.models.registry import NAMES, find
from digit_recognizer.predict.loading import (
    Classifier,
    joblib_classifier,
    load_joblib_model,
    load_keras_model,
    onnx_classifier,
    read_members,
)

FORMATS = ("saved_model", "onnx")
FILE_SUFFIXES = (".keras", ".joblib")
TOLERANCE = 1e-4  # largest difference of a probability between the export and the model
CHECK_IMAGES = 32


def add_command(commands: Any) -> None:
    """`export` and its options, on the `digits` parser's sub-commands."""
    export = commands.add_parser(
        "export",
        help="export a trained model as a SavedModel (TensorFlow Serving) or an ONNX file",
        description="Write a model's inference graph: a SavedModel folder for TensorFlow "
        "Serving, or an ONNX file for onnxruntime (docs/export.md).",
    )
    export.add_argument("out", type=Path, metavar="OUT", help="the SavedModel folder or FILE.onnx")
    names = ", ".join(name for name in NAMES if name != "ensemble")
    export.add_argument(
        "--model", required=True, help=f"{names} or a .keras/.joblib file (not the ensemble)"
    )
    export.add_argument(
        "--format", required=True, choices=FORMATS, help="saved_model (a folder) or onnx"
    )
    export.add_argument(
        "--models-dir", type=Path, default=Path("models"), metavar="DIR", help="default: models"
    )


def run(args: argparse.Namespace) -> int:
    """Export the model to OUT, checked against the model first; print one line."""
    if args.format == "onnx" and args.out.suffix != ".onnx":
        raise PipelineError(f"{args.out}: expected a file name ending in .onnx for --format onnx")
    source = model_file(args.model, args.models_dir)
    with atomic_output(args.out, folder=args.format == "saved_model") as tmp:
        try:
            note = export(source, args.format, tmp)
        except PipelineError as err:
            raise PipelineError(f"{source}: cannot be exported to {args.format}: {err}") from None
    log(f"{args.out}: {args.format} of {source}{note}")
    return 0


def model_file(name_or_path: str, models_dir: Path) -> Path:
    """The file of a registered model, or a .keras/.joblib file; the ensemble is refused."""
    if name_or_path == "ensemble":
        refuse_ensemble(models_dir)
    stage = None
    if name_or_path in NAMES:
        model = find(name_or_path)
        path, stage = models_dir / model.file, model.stage
    elif name_or_path.endswith(FILE_SUFFIXES):
        path = Path(name_or_path)
    else:
        raise PipelineError(
            f"unknown model {name_or_path!r} (expected {', '.join(NAMES)}, "
            "or a .keras or .joblib file)"
        )
    if not path.is_file():
        how = f" (run the {stage} stage: dvc repro {stage})" if stage else ""
        raise PipelineError(f"{path}: not found{how}")
    return path


def refuse_ensemble(models_dir: Path) -> NoReturn:
    """The ensemble is several graphs: one line naming what --model takes for each member
    (a registered name, or the member's file: the strong CNN's extra seeds)."""
    model = find("ensemble")
    path = models_dir / model.file
    members = [
        name if name in NAMES else str(models_dir / f"{name}.keras")
        for name in read_members(path, model.stage)[0]
    ]
    raise PipelineError(
        f"{path}: an ensemble is several models averaged, not one graph; export its members "
        f"one by one (--model {', '.join(members)}) and average their probabilities"
    )


def export(source: Path, form: str, tmp: Path) -> str:
    """Write the export of `source` to `tmp` and check it; return a note for the output line."""
    if source.suffix == ".joblib":
        if form != "onnx":
            raise PipelineError("a scikit-learn model is no TensorFlow graph; use --format onnx")
        linear.write_onnx(load_joblib_model(source), tmp)
        agree(joblib_classifier(source), loaded_back(tmp))
        return ""
    from digit_recognizer.training.keras_setup import keras_backend

    model = load_keras_model(source)
    rebuilt, dropped = keras_model.inference_model(keras_backend(seed=0), model)
    if form == "onnx":
        keras_model.write_onnx(rebuilt, tmp)
        exported = loaded_back(tmp)
    else:
        keras_model.write_saved_model(rebuilt, tmp)
        exported = keras_model.saved_model_classifier(tmp)
    agree(keras_model.trained_classifier(model), exported)
    return f" ({dropped} augmentation layers left out)" if dropped else ""


def loaded_back(tmp: Path) -> Classifier:
    """The converted file as `digits predict` runs it (onnxruntime); its refusal, if any, as
    the reason of the export's."""
    try:
        return onnx_classifier(tmp)
    except PipelineError as err:
        reason = str(err).removeprefix(f"{tmp}: ")
        raise PipelineError(f"onnxruntime refuses the converted file: {reason}") from None


def agree(expected: Classifier, exported: Classifier) -> None:
    """The export's probabilities on the check images are the model's, within TOLERANCE."""
    images = np.random.default_rng(0).random((CHECK_IMAGES, IMAGE_SIDE, IMAGE_SIDE), np.float32)
    difference = float(np.max(np.abs(exported(images) - expected(images))))
    if not difference <= TOLERANCE:
        raise PipelineError(
            f"the export's probabilities differ from the model's by up to {difference:.2g} "
            f"on check images (at most {TOLERANCE:g} expected)"
        )
