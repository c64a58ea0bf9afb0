"""split: the notebook's `train_test_split(X, y, random_state=2)` into train and validation."""

from __future__ import annotations

from pathlib import Path

from digit_recognizer.console import PipelineError, log, run
from digit_recognizer.data.splitting import shuffled_split, stratified_split
from digit_recognizer.evaluation.scores import class_counts
from digit_recognizer.files import load_array, save_arrays, save_json
from digit_recognizer.params.reading import read_params, stage_parser
from digit_recognizer.params.sections import SplitParams


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
