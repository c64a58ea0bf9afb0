"""Trained models, by registered name (models/registry.py) or by file, as `Classifier`s.

A `Classifier` is a function from (N, 28, 28) float32 images in [0, 1] (white ink on black,
like the training features) to (N, 10) float32 class probabilities. A model loads from its own
file alone: a `.keras` file, a `.joblib` file (which carries its pixel scale), an `.onnx` file
(`digits export`; run by onnxruntime, without TensorFlow), or an ensemble's `.json` naming its
members, which lie beside it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from digit_recognizer.console import PipelineError
from digit_recognizer.data.formats import N_CLASSES, N_PIXELS
from digit_recognizer.data.predictions import weighted_mean
from digit_recognizer.models.registry import NAMES, find

Classifier = Callable[[np.ndarray], np.ndarray]


def load_file(path: Path, stage: str | None = None) -> Classifier:
    """A classifier from a `.keras`, `.joblib` or `.onnx` file; `stage` (if any) is the one
    writing it.

    A missing file raises a one-line PipelineError, naming the stage to run when known.
    """
    if not path.is_file():
        how = f" (run the {stage} stage: dvc repro {stage})" if stage else ""
        raise PipelineError(f"{path}: not found{how}")
    if path.suffix == ".keras":
        return keras_classifier(path)
    if path.suffix == ".joblib":
        return joblib_classifier(path)
    if path.suffix == ".onnx":
        return onnx_classifier(path)
    raise PipelineError(f"{path}: expected a .keras, .joblib or .onnx model file")


def load_keras_model(path: Path) -> Any:
    """A Keras model file mapping the 784 pixels, in any shape, to the 10 classes."""
    from digit_recognizer.training.keras_setup import keras_backend

    try:
        keras = keras_backend(seed=0)
    except ImportError:  # the light install (the predict extra): ONNX files only
        raise PipelineError(
            f"{path}: a Keras model needs TensorFlow, which is not installed "
            "(pip install 'digit-recognizer[cpu]'; or export it to ONNX: docs/export.md)"
        ) from None
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as err:  # noqa: BLE001 (Keras raises many kinds on a bad file)
        raise PipelineError(f"{path}: not a readable Keras model ({first_line(err)})") from None
    shape = tuple(model.inputs[0].shape[1:])
    outputs = model.outputs[0].shape[-1]
    if int(np.prod(shape)) != N_PIXELS or outputs != N_CLASSES:
        raise PipelineError(
            f"{path}: the model maps {shape} inputs to {outputs} outputs; "
            f"expected 784 pixels to {N_CLASSES} classes"
        )
    return model


def keras_classifier(path: Path) -> Classifier:
    """A Keras model taking the 784 pixels in any shape ((N, 784) or (N, 28, 28, 1)), with
    the test-time augmentation its file records (training/outputs.py), as in the pipeline."""
    from digit_recognizer.predict.tta import averaged_proba
    from digit_recognizer.training.outputs import predict_proba, saved_views

    model = load_keras_model(path)
    shape = tuple(model.inputs[0].shape[1:])
    views = saved_views(path)

    def classify(images: np.ndarray) -> np.ndarray:
        x = images.reshape(len(images), *shape).astype(np.float32)
        batch = max(1, min(512, len(x)))
        return averaged_proba(
            lambda rows, transform: predict_proba(model, rows, batch, transform), x, views
        )

    return classify


def load_joblib_model(path: Path) -> Any:
    """A scikit-learn classifier file of the 784 pixels, with predict_proba."""
    import joblib

    try:
        model: Any = joblib.load(path)
    except Exception as err:  # noqa: BLE001 (unpickling raises many kinds on a bad file)
        raise PipelineError(f"{path}: not a readable joblib model ({first_line(err)})") from None
    if not hasattr(model, "predict_proba") or getattr(model, "n_features_in_", None) != N_PIXELS:
        raise PipelineError(f"{path}: expected a classifier of 784 pixels with predict_proba")
    return model


def joblib_classifier(path: Path) -> Classifier:
    """A scikit-learn classifier on the flat pixels in [0, 1] (train_lr's model, which carries
    its own pixel scale). Its `classes_` may lack a digit: that digit's probability is 0."""
    model = load_joblib_model(path)
    classes = np.asarray(model.classes_, dtype=np.int64)

    def classify(images: np.ndarray) -> np.ndarray:
        x = images.reshape(len(images), N_PIXELS).astype(np.float32)
        proba = np.zeros((len(x), N_CLASSES), dtype=np.float32)
        proba[:, classes] = model.predict_proba(x)
        return proba

    return classify


def onnx_classifier(path: Path) -> Classifier:
    """An ONNX model run by onnxruntime (no TensorFlow): one float32 input of the 784 pixels in
    a fixed shape after the batch ((784,) or (28, 28, 1), read from the file) and one float32
    output of the 10 class probabilities (beside it, skl2onnx's int64 labels are ignored)."""
    try:
        import onnxruntime
    except ImportError:
        raise PipelineError(
            f"{path}: onnxruntime is not installed (pip install 'digit-recognizer[predict]')"
        ) from None
    try:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as err:  # noqa: BLE001 (onnxruntime raises its own kinds on a bad file)
        raise PipelineError(f"{path}: not a readable ONNX model ({first_line(err)})") from None
    inputs = session.get_inputs()
    shape = tuple(inputs[0].shape[1:]) if len(inputs) == 1 else ()
    if not all(isinstance(side, int) for side in shape) or int(np.prod(shape)) != N_PIXELS:
        raise PipelineError(f"{path}: expected one input of 784 pixels per image, got {shape}")
    outputs = [
        out.name
        for out in session.get_outputs()
        if out.type == "tensor(float)" and out.shape[-1:] == [N_CLASSES]
    ]
    if len(outputs) != 1:
        raise PipelineError(f"{path}: expected one float output of {N_CLASSES} probabilities")

    def classify(images: np.ndarray) -> np.ndarray:
        x = images.reshape(len(images), *shape).astype(np.float32)
        (proba,) = session.run(outputs, {inputs[0].name: x})
        return np.asarray(proba, dtype=np.float32)

    return classify


def first_line(err: BaseException) -> str:
    """An exception as one short line."""
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else type(err).__name__


def registered_classifier(name: str, models_dir: Path) -> Classifier:
    """A registered model (models/registry.py) from its file in the models folder."""
    model = find(name)
    path = models_dir / model.file
    if path.suffix == ".json":
        return ensemble_classifier(path, model.stage)
    return load_file(path, model.stage)


def ensemble_classifier(path: Path, stage: str) -> Classifier:
    """The members the ensemble stage recorded (models/ensemble.json), each loaded from the
    same folder, their probabilities weighted as the stage weighed them."""
    members, weights = read_members(path, stage)
    classifiers = [member_classifier(name, path.parent) for name in members]

    def classify(images: np.ndarray) -> np.ndarray:
        return weighted_mean([classifier(images) for classifier in classifiers], weights)

    return classify


def read_members(path: Path, stage: str) -> tuple[list[str], list[int]]:
    """`members` of an ensemble's JSON file, model names, and their `weights` (counts; each 1
    where a file has none)."""
    if not path.is_file():
        raise PipelineError(f"{path}: not found (run the {stage} stage: dvc repro {stage})")
    try:
        recorded = json.loads(path.read_text())
        members = recorded["members"]
        weights = recorded.get("weights", [1] * len(members))
    except (ValueError, KeyError, TypeError, AttributeError):
        members = weights = None
    names_ok = isinstance(members, list) and members and all(isinstance(m, str) for m in members)
    weights_ok = (
        isinstance(weights, list)
        and len(weights) == len(members or [])
        and all(isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in weights)
    )
    if not (names_ok and weights_ok):
        raise PipelineError(
            f'{path}: expected {{"members": [model names], "weights": [counts, one per member]}}'
            f" (dvc repro {stage})"
        )
    return members, weights


def member_classifier(name: str, models_dir: Path) -> Classifier:
    """An ensemble member: a registered model, or NAME.keras / .joblib / .onnx in the models
    folder (the strong CNN's extra seeds, cnn_aug_sSEED)."""
    if name in NAMES and name != "ensemble":
        return registered_classifier(name, models_dir)
    for suffix in MODEL_SUFFIXES:
        if (models_dir / f"{name}{suffix}").is_file():
            return load_file(models_dir / f"{name}{suffix}")
    raise PipelineError(
        f"{models_dir / name}.keras: not found (an ensemble model: dvc repro ensemble)"
    )


MODEL_SUFFIXES = (".keras", ".joblib", ".onnx")  # and an ensemble's .json, its members beside it


def load_model(name_or_path: str, models_dir: Path) -> tuple[str, Classifier]:
    """A registered model by name, or a model file by path; return (shown name, classifier)."""
    if name_or_path in NAMES:
        return name_or_path, registered_classifier(name_or_path, models_dir)
    if name_or_path.endswith(".json"):
        return name_or_path, ensemble_classifier(Path(name_or_path), find("ensemble").stage)
    if name_or_path.endswith(MODEL_SUFFIXES):
        return name_or_path, load_file(Path(name_or_path))
    raise PipelineError(
        f"unknown model {name_or_path!r} (expected {', '.join(NAMES)}, or a .keras, .joblib, "
        ".onnx or ensemble .json file)"
    )


def chosen_model(leaderboard: Path) -> str:
    """The model `submit` chose for submission.csv: `chosen` in its leaderboard JSON."""
    how = "run the submit stage: dvc repro submit, or pass --model"
    if not leaderboard.is_file():
        raise PipelineError(f"{leaderboard}: not found ({how})")
    try:
        board = json.loads(leaderboard.read_text())
        chosen = board["chosen"]
    except (ValueError, KeyError, TypeError):
        raise PipelineError(f"{leaderboard}: no chosen model ({how})") from None
    if chosen not in NAMES:
        raise PipelineError(f"{leaderboard}: chosen model {chosen!r} is not one of {list(NAMES)}")
    return str(chosen)
