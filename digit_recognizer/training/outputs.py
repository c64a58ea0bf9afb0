"""A trained network's outputs: the `.keras` file, class probabilities and metrics."""

from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from digit_recognizer.console import PipelineError, log
from digit_recognizer.data.formats import N_CLASSES
from digit_recognizer.data.predictions import save_predictions
from digit_recognizer.evaluation.scores import accuracy_and_loss
from digit_recognizer.files import (
    atomic_paths,
    save_json,
    temporary_beside,
    zip_member,
)
from digit_recognizer.predict.tta import NO_VIEWS, Views, averaged_proba
from digit_recognizer.training.inputs import SplitData, TrainingPaths, save_timings

CHUNK_BYTES = 1 << 20
Transform = Callable[[np.ndarray], np.ndarray]
Refit = Callable[[int], tuple[Any, pd.DataFrame]]  # epochs -> a network trained on every row
TTA_KEY = "test_time_augmentation"  # in a .keras file's metadata.json: its Views


def predict_proba(
    model: Any, x: np.ndarray, batch_size: int = 512, transform: Transform | None = None
) -> np.ndarray:
    """Class probabilities (N, 10) as float32, predicted batch by batch, each batch's digits
    first passed through `transform` if given (a view of test-time augmentation).

    `model.predict(x)` first copies all of `x` into one tensor; batches read from the
    memory-mapped array need no such copy. A short last batch is padded with blank rows, so
    that TensorFlow (and XLA) compile one batch shape only.
    """
    proba = np.empty((len(x), N_CLASSES), dtype=np.float32)
    batch = np.zeros((batch_size, *x.shape[1:]), dtype=np.float32)
    for start in range(0, len(x), batch_size):
        rows = min(batch_size, len(x) - start)
        read = read_rows(x, start, rows)
        batch[:rows] = read if transform is None else transform(read)
        batch[rows:] = 0
        proba[start : start + rows] = np.asarray(model.predict_on_batch(batch))[:rows]
    return proba


def predictor(model: Any) -> Callable[[np.ndarray, Transform | None], np.ndarray]:
    """`predict_proba` of `model`, as test-time augmentation's `averaged_proba` calls it."""
    return lambda x, transform: predict_proba(model, x, transform=transform)


def read_rows(x: np.ndarray, start: int, rows: int) -> np.ndarray:
    """x[start:start + rows]; from a memory-mapped array, read from its file instead.

    Pages of a memory-mapped file count in the process's RSS once touched; plain reads leave
    them in the page cache, so predicting on a large test set does not raise the peak.
    """
    if not isinstance(x, np.memmap) or x.filename is None or not x.flags.c_contiguous:
        return np.asarray(x[start : start + rows])
    row_items = int(np.prod(x.shape[1:], dtype=np.int64))
    flat = np.fromfile(
        x.filename,
        dtype=x.dtype,
        count=rows * row_items,
        offset=x.offset + start * row_items * x.dtype.itemsize,
    )
    return flat.reshape(rows, *x.shape[1:])


def save_keras_model(model: Any, path: Path, views: Views = NO_VIEWS) -> None:
    """Save a `.keras` file atomically and deterministically, without holding it in memory.

    The same weights give the same bytes: zip members carry a fixed timestamp, and the
    save date Keras puts in metadata.json is left out. Test-time augmentation's `views`, if
    any, are added there (TTA_KEY), for whoever predicts with the file; Keras ignores them.
    `model.save("x.keras")` would also build the weights file in memory first; saving
    unzipped to a folder and streaming those files into the zip, as Keras does, gives the
    same format.
    """
    with (
        atomic_paths(path) as (tmp,),
        temporary_beside(path, folder=True) as folder,
    ):
        try:
            model.save(folder, zipped=False)
        except RuntimeError as err:  # how h5py reports a failed write (a full disk, say)
            raise _as_os_error(err, path) from err
        metadata = folder / "metadata.json"
        undated = {k: v for k, v in json.loads(metadata.read_text()).items() if k != "date_saved"}
        if views.count:
            undated[TTA_KEY] = views.as_json()
        metadata.write_text(json.dumps(undated))
        config = folder / "config.json"
        config.write_text(json.dumps(_numbered_shared_objects(json.loads(config.read_text()))))
        with zipfile.ZipFile(tmp, "w") as archive:
            for file in sorted(folder.rglob("*")):
                if file.is_file():
                    member = zip_member(file.relative_to(folder).as_posix())
                    with open(file, "rb") as source, archive.open(member, "w") as target:
                        shutil.copyfileobj(source, target, CHUNK_BYTES)


def saved_views(path: Path) -> Views:
    """The test-time augmentation views a `.keras` file records (none if it records none)."""
    with zipfile.ZipFile(path) as archive:
        metadata = json.loads(archive.read("metadata.json"))
    found = metadata.get(TTA_KEY)
    return NO_VIEWS if found is None else Views(int(found["count"]), int(found["seed"]))


def _as_os_error(err: RuntimeError, path: Path) -> Exception:
    """h5py's "file write failed: ... errno = 28 ..." as the OSError it stands for, naming
    the model file; any other RuntimeError as it is."""
    found = re.search(r"errno = (\d+)", str(err))
    if found is None:
        return err
    number = int(found.group(1))
    return OSError(number, os.strerror(number), str(path))


def _numbered_shared_objects(config: Any, numbers: dict[int, int] | None = None) -> Any:
    """A copy of a Keras config with each `shared_object_id` (a Python id(), different on
    every run) replaced by its order of first appearance: the same sharing, stable bytes."""
    numbers = {} if numbers is None else numbers
    if isinstance(config, list):
        return [_numbered_shared_objects(item, numbers) for item in config]
    if not isinstance(config, dict):
        return config
    copy = {}
    for key, value in config.items():
        if key == "shared_object_id":
            copy[key] = numbers.setdefault(value, len(numbers) + 1)
        else:
            copy[key] = _numbered_shared_objects(value, numbers)
    return copy


def check_converged(history: pd.DataFrame, section: str) -> None:
    """Stop with a PipelineError when the training loss became NaN or infinite (it diverged)."""
    diverged = history[~np.isfinite(history["loss"])]
    if len(diverged):
        epoch, loss = diverged.iloc[0][["epoch", "loss"]]
        raise PipelineError(
            f"loss became {loss} in epoch {int(epoch)}: nothing saved "
            f"(lower {section}.learning_rate)"
        )


def save_keras_outputs(
    name: str,
    model: Any,
    data: SplitData,
    history: pd.DataFrame,
    paths: TrainingPaths,
    section: str,
    extra_metrics: dict[str, Any] | None = None,
    views: Views = NO_VIEWS,
    refit: Refit | None = None,
) -> None:
    """Write a trained network's model, probabilities and metrics JSON (DVCLive wrote its
    per-epoch metrics while it trained); nothing if its loss diverged (the params' `section`
    is named in that error).

    The validation and test probabilities average the plain digits and test-time
    augmentation's `views` (none by default), which the model file records too. With
    `refit` (refit_full), the metrics and validation probabilities are the split run's, and
    the model saved and its test probabilities are those of the network `refit` trains on
    every row for as many epochs. The metrics record the precision the network was trained
    in, then `extra_metrics`. The model is saved before predicting when it can be: saving
    needs extra memory for a while, and this order keeps the stage's peak RSS lower.
    """
    check_converged(history, section)
    if refit is None:
        save_keras_model(model, paths.model, views)
    val_proba = averaged_proba(predictor(model), data.x("val"), views)
    accuracy, loss = accuracy_and_loss(data.y_val, val_proba)
    submitted = model
    if refit is not None:
        submitted, refit_history = refit(len(history))
        check_converged(refit_history, section)
        save_keras_model(submitted, paths.model, views)
    test_proba = averaged_proba(predictor(submitted), data.x("test"), views)
    save_predictions(paths.predictions, val_proba, test_proba)
    save_json(
        paths.metrics,
        {
            "val_accuracy": round(accuracy, 6),
            "val_loss": round(loss, 6),
            "params": int(model.count_params()),
            "epochs": len(history),
            "precision": model.dtype_policy.name,
            **({"refit_full": True} if refit else {}),
            **(extra_metrics or {}),
        },
    )
    seconds = history["seconds"]
    checked = len(history) * len(data.y_val[: data.epoch_val_rows])  # after each epoch
    save_timings(
        paths.timings, float(seconds.sum()), int(history["images"].sum()), seconds, checked
    )
    log(
        f"{name}: val_accuracy {accuracy:.4f}, {seconds.sum():.1f}s of training "
        f"({model.dtype_policy.name})"
    )
