"""split: the notebook's `train_test_split(X, y, random_state=2)` into train and validation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digit_recognizer.console import PipelineError, log, run
from digit_recognizer.files import load_array, save_arrays, save_json
from digit_recognizer.metrics import class_counts
from digit_recognizer.params import (
    boolean,
    number,
    param,
    random_seed,
    read_params,
    stage_parser,
)


@dataclass(frozen=True)
class SplitParams:
    validation_fraction: float = param(number(0.0, 1.0, low_open=True, high_open=True))
    seed: int = param(random_seed())
    stratify: bool = param(boolean)


def shuffled_split(rows: int, validation_fraction: float, seed: int) -> tuple[np.ndarray, ...]:
    """Row indices (train, validation) exactly as `train_test_split(..., test_size=fraction,
    random_state=seed)` draws them (its ShuffleSplit), without importing scikit-learn, whose
    import takes longer than this stage's work."""
    n_val = math.ceil(validation_fraction * rows)
    if n_val == 0 or n_val == rows:
        raise ValueError(f"a validation_fraction of {validation_fraction} leaves one side empty")
    permutation = np.random.RandomState(seed).permutation(rows)
    return permutation[n_val:], permutation[:n_val]


def stratified_split(
    labels: np.ndarray, validation_fraction: float, seed: int
) -> tuple[np.ndarray, ...]:
    """Row indices (train, validation) of scikit-learn's stratified `train_test_split`."""
    from sklearn.model_selection import train_test_split  # only this option needs it

    rows = np.arange(len(labels))
    train, val = train_test_split(
        rows, test_size=validation_fraction, random_state=seed, stratify=labels
    )
    return train, val


def main() -> None:
    parser = stage_parser(__doc__, SplitParams, "split")
    parser.add_argument("--sample", type=Path, required=True, help="folder written by sample")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    args = parser.parse_args()
    params = read_params(SplitParams, "split")

    pixels = load_array(args.sample / "pixels.npy", mmap=False)
    labels = load_array(args.sample / "labels.npy", mmap=False)
    if len(pixels) != len(labels):
        raise PipelineError(
            f"split: cannot split {len(labels)} sampled rows: {args.sample}/pixels.npy has "
            f"{len(pixels)} rows, labels.npy {len(labels)} (stale files? dvc repro sample)"
        )
    try:
        if params.stratify:
            train, val = stratified_split(labels, params.validation_fraction, params.seed)
        else:
            train, val = shuffled_split(len(labels), params.validation_fraction, params.seed)
    except ValueError as err:
        raise PipelineError(f"split: cannot split {len(labels)} sampled rows: {err}") from None
    x_train, x_val, y_train, y_val = pixels[train], pixels[val], labels[train], labels[val]
    save_arrays(args.out, {"x_train": x_train, "y_train": y_train, "x_val": x_val, "y_val": y_val})

    log(f"split: {len(y_train)} train rows, {len(y_val)} validation rows")
    save_json(
        args.metrics,
        {
            "split": {
                "train_rows": len(y_train),
                "val_rows": len(y_val),
                "train_class_counts": class_counts(y_train),
                "val_class_counts": class_counts(y_val),
            }
        },
    )


if __name__ == "__main__":
    run(main)
