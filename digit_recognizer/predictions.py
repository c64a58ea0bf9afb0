"""Each model's class probabilities on the validation rows and the test set (NAME.npz)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from digit_recognizer.console import PipelineError
from digit_recognizer.files import atomic_paths, zip_member

MODEL_NAMES = ("lr", "mlp", "cnn")


def save_predictions(path: Path, val_proba: np.ndarray, test_proba: np.ndarray) -> None:
    """Save a model's validation and test class probabilities for evaluate and submit.

    The file is what `np.savez` writes, with fixed zip timestamps: the same probabilities
    give the same bytes.
    """
    with atomic_paths(path) as (tmp,), zipfile.ZipFile(tmp, "w") as archive:
        for name, proba in (("val", val_proba), ("test", test_proba)):
            with archive.open(zip_member(f"{name}.npy"), "w") as member:
                np.lib.format.write_array(member, np.ascontiguousarray(proba, dtype=np.float32))


def load_predictions(path: Path) -> dict[str, np.ndarray]:
    """Load what `save_predictions` wrote: {"val": (N, 10), "test": (M, 10)}."""
    if not path.exists():
        raise PipelineError(f"{path}: not found (run the training stages first: dvc repro)")
    with np.load(path) as data:
        return {"val": data["val"], "test": data["test"]}
