"""submit: Kaggle submission CSVs (`ImageId,Label`), one per model plus `submission.csv`.

`submit.model` picks the model of `submission.csv`: `best` (highest validation accuracy; the
first by name on a tie) or one registered model's name (models/registry.py). Each file is
checked against test.csv before it is written. The leaderboard (metrics/leaderboard.json) holds
the chosen model, every model's accuracy on the validation split (`val`) and, where the source
has an answer key (the bundled digits), on the test set (`test`), as Kaggle would score it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from digit_recognizer.console import log, run
from digit_recognizer.data.kaggle_csv import count_data_rows
from digit_recognizer.data.predictions import load_predictions
from digit_recognizer.data.submission import (
    check_submission,
    read_answer_labels,
    submission_frame,
    write_submission,
)
from digit_recognizer.evaluation.leaderboard import SubmitParams, chosen_model
from digit_recognizer.evaluation.scores import accuracy_and_loss
from digit_recognizer.files import load_array, save_json
from digit_recognizer.models.registry import NAMES
from digit_recognizer.params.reading import read_params, stage_parser


def main() -> None:
    parser = stage_parser(__doc__.splitlines()[0], SubmitParams, "submit")
    parser.add_argument("--predictions", type=Path, required=True, help="folder of NAME.npz")
    parser.add_argument("--split", type=Path, required=True, help="folder with y_val")
    parser.add_argument("--test", type=Path, required=True, help="Kaggle test.csv")
    parser.add_argument("--answers", type=Path, required=True, help="answer key (may be empty)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the CSVs")
    parser.add_argument("--metrics", type=Path, required=True, help="leaderboard JSON to write")
    args = parser.parse_args()
    params = read_params(SubmitParams, "submit")

    test_rows = count_data_rows(args.test)
    y_val = load_array(args.split / "y_val.npy", mmap=False)
    answers = read_answer_labels(args.answers, test_rows)
    val_accuracy, predicted = {}, {}
    for name in NAMES:
        proba = load_predictions(args.predictions / f"{name}.npz", val_rows=len(y_val))
        val_accuracy[name] = accuracy_and_loss(y_val, proba["val"])[0]
        predicted[name] = proba["test"].argmax(axis=1)
    chosen = chosen_model(params.model, val_accuracy)

    frames = {name: submission_frame(labels) for name, labels in predicted.items()}
    for name, frame in frames.items():  # check all before writing any
        check_submission(frame, test_rows, args.out / f"{name}.csv")
    for name, frame in frames.items():
        write_submission(args.out / f"{name}.csv", frame, test_rows)
    write_submission(args.out / "submission.csv", frames[chosen], test_rows)
    log(f"submit: {args.out / 'submission.csv'} from {chosen}, {test_rows} rows")

    leaderboard: dict[str, object] = {
        "chosen": chosen,
        "val": {name: round(val_accuracy[name], 6) for name in NAMES},
    }
    if len(answers):  # the bundled sources keep the test labels: score like Kaggle would
        leaderboard["test"] = {
            name: round(float(np.mean(predicted[name] == answers)), 6) for name in NAMES
        }
        for name, score in leaderboard["test"].items():
            log(f"submit: {name} scores {score:.4f} on the answer key")
    save_json(args.metrics, leaderboard)


if __name__ == "__main__":
    run(main)
