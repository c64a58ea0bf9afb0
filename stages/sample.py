"""sample: draw the notebook's `train.sample(frac=sample_fraction, random_state=seed)` rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from digit_recognizer.console import PipelineError, log, run
from digit_recognizer.data.kaggle_csv import read_checked_pixels
from digit_recognizer.evaluation.scores import class_counts
from digit_recognizer.files import save_arrays, save_json
from digit_recognizer.params.reading import read_params, stage_parser
from digit_recognizer.params.sections import SampleParams


def main() -> None:
    parser = stage_parser(__doc__, SampleParams, "sample")
    parser.add_argument("--train", type=Path, required=True, help="Kaggle train.csv")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    args = parser.parse_args()
    params = read_params(SampleParams, "sample")

    labels, pixels = read_checked_pixels(args.train, labelled=True)
    rows = pd.Series(range(len(labels))).sample(
        frac=params.sample_fraction, random_state=params.seed
    )
    if rows.empty:
        raise PipelineError(
            f"params.yaml: sample_fraction {params.sample_fraction} of {len(labels)} rows "
            "leaves no rows; use a larger fraction"
        )
    picked = rows.to_numpy()
    save_arrays(args.out, {"pixels": pixels[picked], "labels": labels[picked], "rows": picked})

    log(f"sample: {len(picked)} of {len(labels)} rows (fraction {params.sample_fraction})")
    counts = class_counts(labels[picked])
    save_json(args.metrics, {"sample": {"rows": len(picked), "class_counts": counts}})


if __name__ == "__main__":
    run(main)
