"""The pipeline's trained models by name, loaded as functions from digit images to probabilities.

`MODELS` maps a name to a loader: it takes the models folder and returns a `Classifier`, a
function from (N, 28, 28) float32 images in [0, 1] (white ink on black, like the training
features) to (N, 10) float32 class probabilities. A new model is one entry; an ensemble's
loader can load its members through the other entries and average their probabilities.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from digit_recognizer.console import PipelineError
from digit_recognizer.mnist import N_CLASSES, N_PIXELS
from digit_recognizer.params import load_params_file

Classifier = Callable[[np.ndarray], np.ndarray]
PARAMS_NAME = "params.yaml"


def load_file(path: Path, stage: str | None = None) -> Classifier:
    """A classifier from a `.keras` or `.joblib` file; `stage` (if any) is the one writing it.

    A missing file raises a one-line PipelineError, naming the stage to run when known.
    """
    if not path.is_file():
        how = f" (run the {stage} stage: dvc repro {stage})" if stage else ""
        raise PipelineError(f"{path}: not found{how}")
    if path.suffix == ".keras":
        return keras_classifier(path)
    if path.suffix == ".joblib":
        return joblib_classifier(path)
    raise PipelineError(f"{path}: expected a .keras or .joblib model file")


def keras_classifier(path: Path) -> Classifier:
    """A Keras model taking the 784 pixels in any shape ((N, 784) or (N, 28, 28, 1))."""
    from digit_recognizer.keras_fit import keras_backend
    from digit_recognizer.keras_outputs import predict_proba

    keras = keras_backend(seed=0)
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

    def classify(images: np.ndarray) -> np.ndarray:
        x = images.reshape(len(images), *shape).astype(np.float32)
        return predict_proba(model, x, batch_size=max(1, min(512, len(x))))

    return classify


def joblib_classifier(path: Path) -> Classifier:
    """A scikit-learn classifier on the flat pixels (train_lr's LogisticRegression).

    Its pixel scale is the one train_lr used: [0, 1], or 0..255 for `train_lr.pixels: raw`,
    as the project holding the models folder records it (`lr_pixels`). Its `classes_` may
    lack a digit: that digit's probability is 0.
    """
    import joblib

    try:
        model: Any = joblib.load(path)
    except Exception as err:  # noqa: BLE001 (unpickling raises many kinds on a bad file)
        raise PipelineError(f"{path}: not a readable joblib model ({first_line(err)})") from None
    if not hasattr(model, "predict_proba") or getattr(model, "n_features_in_", None) != N_PIXELS:
        raise PipelineError(f"{path}: expected a classifier of 784 pixels with predict_proba")
    classes = np.asarray(model.classes_, dtype=np.int64)
    scale = 255.0 if lr_pixels(path.resolve().parent.parent) == "raw" else 1.0

    def classify(images: np.ndarray) -> np.ndarray:
        x = images.reshape(len(images), N_PIXELS).astype(np.float32) * scale
        if scale != 1.0:
            x = np.rint(x)
        proba = np.zeros((len(x), N_CLASSES), dtype=np.float32)
        proba[:, classes] = model.predict_proba(x)
        return proba

    return classify


def lr_pixels(project: Path) -> str:
    """`train_lr.pixels` the project's lr model was fit with: as dvc.lock recorded it at the
    last run, else as params.yaml says; "scaled" (the default) when neither tells."""
    pixels = recorded_param(project, "train_lr", "pixels")
    return "scaled" if pixels is None else str(pixels)


def recorded_param(project: Path, section: str, key: str) -> Any:
    """`section.key` of the stage named `section` as dvc.lock recorded it at its last run,
    else as params.yaml says; None when neither tells."""
    lock = project / "dvc.lock"
    if lock.is_file():
        recorded: Any = load_params_file(lock)
        for step in ("stages", section, "params", PARAMS_NAME, section, key):
            recorded = recorded.get(step) if isinstance(recorded, dict) else None
        if recorded is not None:
            return recorded
    if (project / PARAMS_NAME).is_file():
        values = load_params_file(project / PARAMS_NAME).get(section)
        if isinstance(values, dict) and key in values:
            return values[key]
    return None


def first_line(err: BaseException) -> str:
    """An exception as one short line."""
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else type(err).__name__


def in_models_dir(file: str, stage: str) -> Callable[[Path], Classifier]:
    """A loader of `file` in the models folder, written by `stage`."""
    return lambda models_dir: load_file(models_dir / file, stage)


def ensemble_classifier(models_dir: Path) -> Classifier:
    """The ensemble stage's models (`ensemble.models` of its last run), each loaded by name,
    their probabilities averaged as the stage averages them."""
    project = models_dir.resolve().parent
    members = recorded_param(project, "ensemble", "models")
    if not isinstance(members, list) or not members:
        raise PipelineError(f"{project}: no ensemble.models in dvc.lock or {PARAMS_NAME}")
    classifiers = [member_classifier(str(name), models_dir) for name in members]

    def classify(images: np.ndarray) -> np.ndarray:
        probas = [classifier(images) for classifier in classifiers]
        return np.mean(probas, axis=0, dtype=np.float64).astype(np.float32)

    return classify


def member_classifier(name: str, models_dir: Path) -> Classifier:
    """An ensemble member: a registered model, or NAME.keras / NAME.joblib in the models folder
    (the strong CNN's extra seeds, cnn_aug_sSEED)."""
    if name in MODELS and name != "ensemble":
        return MODELS[name](models_dir)
    for suffix in MODEL_SUFFIXES:
        if (models_dir / f"{name}{suffix}").is_file():
            return load_file(models_dir / f"{name}{suffix}")
    raise PipelineError(
        f"{models_dir / name}.keras: not found (an ensemble model: dvc repro ensemble)"
    )


MODELS: dict[str, Callable[[Path], Classifier]] = {
    "lr": in_models_dir("lr.joblib", "train_lr"),
    "mlp": in_models_dir("mlp.keras", "train_mlp"),
    "cnn": in_models_dir("cnn.keras", "train_cnn"),
    "cnn_aug": in_models_dir("cnn_aug.keras", "train_cnn_aug"),
    "ensemble": ensemble_classifier,
}
MODEL_SUFFIXES = (".keras", ".joblib")


def load_model(name_or_path: str, models_dir: Path) -> tuple[str, Classifier]:
    """A registered model by name, or a model file by path; return (shown name, classifier)."""
    if name_or_path in MODELS:
        return name_or_path, MODELS[name_or_path](models_dir)
    if name_or_path.endswith(MODEL_SUFFIXES):
        return name_or_path, load_file(Path(name_or_path))
    raise PipelineError(
        f"unknown model {name_or_path!r} (expected {', '.join(MODELS)}, "
        "or a .keras or .joblib file)"
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
    if chosen not in MODELS:
        raise PipelineError(f"{leaderboard}: chosen model {chosen!r} is not one of {list(MODELS)}")
    return str(chosen)
