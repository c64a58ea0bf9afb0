"""Each model's class probabilities on the validation rows and the test set (NAME.npz)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from digit_recognizer.console import PipelineError
from digit_recognizer.data.formats import N_CLASSES
from digit_recognizer.files import atomic_paths, zip_member


def save_predictions(path: Path, val_proba: np.ndarray, test_proba: np.ndarray) -> None:
    """Save a model's validation and test class probabilities for evaluate and submit.

    The file is what `np.savez` writes, with fixed zip timestamps: the same probabilities
    give the same bytes.
    """
    with atomic_paths(path) as (tmp,), zipfile.ZipFile(tmp, "w") as archive:
        for name, proba in (("val", val_proba), ("test", test_proba)):
            with archive.open(zip_member(f"{name}.npy"), "w") as member:
                np.lib.format.write_array(member, np.ascontiguousarray(proba, dtype=np.float32))


def load_predictions(path: Path, val_rows: int | None = None) -> dict[str, np.ndarray]:
    """Load what `save_predictions` wrote, checked: {"val": (N, 10), "test": (M, 10)}, each
    row finite probabilities summing to 1, and N == val_rows when given (the split's)."""
    if not path.exists():
        raise PipelineError(f"{path}: not found (run the training stages first: dvc repro)")
    rerun = "(a stale or edited file? dvc repro --force the stage that writes it)"
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {part: data[part] for part in ("val", "test")}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
        raise PipelineError(f"{path}: not a predictions file with val and test {rerun}") from None
    for part, proba in arrays.items():
        if proba.ndim != 2 or proba.shape[1] != N_CLASSES:
            raise PipelineError(f"{path}: {part} has shape {proba.shape}, expected (rows, 10)")
        bad = ~np.isfinite(proba).all(axis=1) | (np.abs(proba.sum(axis=1) - 1) > 1e-3)
        if bad.any():
            row = int(np.argmax(bad))
            raise PipelineError(
                f"{path}: {part} row {row + 1} is not probabilities summing to 1 {rerun}"
            )
    if val_rows is not None and len(arrays["val"]) != val_rows:
        raise PipelineError(
            f"{path}: {len(arrays['val'])} val rows, expected {val_rows} like the split {rerun}"
        )
    return arrays


def load_members(paths: list[Path], val_rows: int) -> list[dict[str, np.ndarray]]:
    """Several models' probabilities, as `load_predictions` returns them (float32).

    Every file must hold `val_rows` validation rows and as many test rows as the first one; a
    missing or mismatched file is a one-line error naming it.
    """
    loaded: list[dict[str, np.ndarray]] = []
    for path in paths:
        proba = load_predictions(path)
        rows = {"val": val_rows, "test": len(loaded[0]["test"]) if loaded else len(proba["test"])}
        for part, expected in rows.items():
            if len(proba[part]) != expected:
                raise PipelineError(
                    f"{path}: {len(proba[part])} {part} rows, expected {expected} like "
                    f"{'the split' if part == 'val' else paths[0]} (a stale file? dvc repro)"
                )
        loaded.append(proba)
    if not loaded:
        raise PipelineError("no prediction files to average")
    return loaded


def weighted_mean(probas: list[np.ndarray], weights: list[int]) -> np.ndarray:
    """The weighted mean of several models' probabilities (in float64), as float32: what the
    ensemble stage writes and what `digits predict --model ensemble` computes."""
    stacked = np.asarray(probas, dtype=np.float64)
    return np.average(stacked, axis=0, weights=np.asarray(weights, dtype=np.float64)).astype(
        np.float32
    )
