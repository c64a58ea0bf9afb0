"""submit: Kaggle submission CSVs (`ImageId,Label`), one per model plus `submission.csv`.

`submit.model` picks the model of `submission.csv`: `best` (highest validation accuracy) or
`lr` / `mlp` / `cnn`. Each file is checked against test.csv before it is written. Where the
source has an answer key (the bundled digits), every submission is scored: a local leaderboard.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from stages.common import (
    MODEL_NAMES,
    N_CLASSES,
    SUBMISSION_HEADER,
    PipelineError,
    accuracy_and_loss,
    choice,
    load_array,
    load_predictions,
    log,
    read_params,
    run,
    save_csv,
    save_json,
)


def count_rows(csv: Path) -> int:
    """Data rows of a CSV (lines after the header)."""
    if not csv.exists():
        raise PipelineError(f"{csv}: not found (run the fetch stage first: dvc repro fetch)")
    with open(csv, "rb") as handle:
        return sum(1 for _ in handle) - 1


def submission_frame(labels: np.ndarray) -> pd.DataFrame:
    """Kaggle's layout: ImageId from 1, the predicted digit."""
    return pd.DataFrame({"ImageId": np.arange(1, len(labels) + 1), "Label": labels})


def check_submission(frame: pd.DataFrame, test_rows: int, path: Path) -> None:
    """Refuse a submission Kaggle would reject: header, one row per test image, labels 0..9."""
    if list(frame.columns) != SUBMISSION_HEADER:
        raise PipelineError(f"{path}: header must be ImageId,Label, got {','.join(frame.columns)}")
    if len(frame) != test_rows:
        raise PipelineError(f"{path}: {len(frame)} rows, expected one per test image ({test_rows})")
    if not np.array_equal(frame["ImageId"].to_numpy(), np.arange(1, test_rows + 1)):
        raise PipelineError(f"{path}: ImageId must run 1..{test_rows} in order")
    labels = frame["Label"].to_numpy()
    bad = np.flatnonzero((labels < 0) | (labels >= N_CLASSES) | (labels % 1 != 0))
    if len(bad):
        row = int(bad[0])
        raise PipelineError(
            f"{path}: row {row + 1} (ImageId {row + 1}): Label {labels[row]}, expected 0..9"
        )


def write_submission(path: Path, frame: pd.DataFrame, test_rows: int) -> None:
    """Check, then write atomically: a refused submission leaves no file behind."""
    check_submission(frame, test_rows, path)
    save_csv(path, frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--predictions", type=Path, required=True, help="folder of NAME.npz")
    parser.add_argument("--split", type=Path, required=True, help="folder with y_val")
    parser.add_argument("--test", type=Path, required=True, help="Kaggle test.csv")
    parser.add_argument("--answers", type=Path, required=True, help="answer key (may be empty)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the CSVs")
    parser.add_argument("--metrics", type=Path, required=True, help="leaderboard JSON to write")
    args = parser.parse_args()
    params = read_params("submit", {"model": choice("best", *MODEL_NAMES)})

    test_rows = count_rows(args.test)
    y_val = load_array(args.split / "y_val.npy", mmap=False)
    answers = pd.read_csv(args.answers)["Label"].to_numpy()
    val_accuracy, predicted = {}, {}
    for name in MODEL_NAMES:
        proba = load_predictions(args.predictions / f"{name}.npz")
        val_accuracy[name] = accuracy_and_loss(y_val, proba["val"])[0]
        predicted[name] = proba["test"].argmax(axis=1)
    chosen = (
        max(MODEL_NAMES, key=val_accuracy.get) if params["model"] == "best" else params["model"]
    )

    frames = {name: submission_frame(labels) for name, labels in predicted.items()}
    for name, frame in frames.items():  # check all before writing any
        check_submission(frame, test_rows, args.out / f"{name}.csv")
    for name, frame in frames.items():
        write_submission(args.out / f"{name}.csv", frame, test_rows)
    write_submission(args.out / "submission.csv", frames[chosen], test_rows)
    log(f"submit: {args.out / 'submission.csv'} from {chosen}, {test_rows} rows")

    leaderboard: dict[str, object] = {"chosen": chosen}
    if len(answers):  # the bundled source keeps the test labels: score like Kaggle would
        for name in MODEL_NAMES:
            score = round(float(np.mean(predicted[name] == answers)), 6)
            leaderboard[f"{name}_test_accuracy"] = score
            log(f"submit: {name} scores {score:.4f} on the answer key")
    save_json(args.metrics, {"leaderboard": leaderboard})


if __name__ == "__main__":
    run(main)
