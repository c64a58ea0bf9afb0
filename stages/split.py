"""split: the notebook's `train_test_split(X, y, random_state=2)` into train and validation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sklearn.model_selection import train_test_split

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


def main() -> None:
    parser = stage_parser(__doc__, SplitParams, "split")
    parser.add_argument("--sample", type=Path, required=True, help="folder written by sample")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    args = parser.parse_args()
    params = read_params(SplitParams, "split")

    pixels = load_array(args.sample / "pixels.npy", mmap=False)
    labels = load_array(args.sample / "labels.npy", mmap=False)
    try:
        x_train, x_val, y_train, y_val = train_test_split(
            pixels,
            labels,
            test_size=params.validation_fraction,
            random_state=params.seed,
            stratify=labels if params.stratify else None,
        )
    except ValueError as err:
        raise PipelineError(f"split: cannot split {len(labels)} sampled rows: {err}") from None
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
