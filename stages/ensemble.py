"""ensemble: the average of several trained models' class probabilities, without retraining.

Reads `data/predictions/NAME.npz` of each model in `ensemble.models` (by default the strong
CNN's three seeds and the notebook's CNN) and writes their mean as one more model's
predictions, with the same metrics as a trained model (where they apply).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digit_recognizer.console import PipelineError, log, run
from digit_recognizer.files import load_array, save_json
from digit_recognizer.metrics import accuracy_and_loss
from digit_recognizer.params import PARAMS_FILE, param, read_params, stage_parser
from digit_recognizer.predictions import average_predictions, save_predictions

NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def model_names(key: str, value: Any) -> tuple[str, ...]:
    """A list of at least one model name (file names without .npz), not this stage's own."""
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and NAME.match(v) and v != "ensemble" for v in value)
    ):
        raise PipelineError(f"{PARAMS_FILE}: {key} must be {model_names.allowed}, got {value!r}")
    return tuple(value)


model_names.allowed = "a list of model names, not ensemble"  # type: ignore[attr-defined]


@dataclass(frozen=True)
class EnsembleParams:
    models: tuple[str, ...] = param(model_names)  # averaged: data/predictions/NAME.npz each


def main() -> None:
    parser = stage_parser(__doc__.splitlines()[0], EnsembleParams, "ensemble")
    parser.add_argument("--predictions", type=Path, required=True, help="folder of NAME.npz")
    parser.add_argument("--split", type=Path, required=True, help="folder with y_train/y_val")
    parser.add_argument("--out", type=Path, required=True, help="probabilities (.npz) to write")
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    args = parser.parse_args()
    params = read_params(EnsembleParams, "ensemble")

    y_val = load_array(args.split / "y_val.npy", mmap=False)
    files = [args.predictions / f"{name}.npz" for name in params.models]
    proba = average_predictions(files, len(y_val))
    accuracy, loss = accuracy_and_loss(y_val, proba["val"])
    save_predictions(args.out, proba["val"], proba["test"])
    save_json(
        args.metrics,
        {
            "val_accuracy": round(accuracy, 6),
            "val_loss": round(loss, 6),
        },
    )
    log(f"ensemble of {', '.join(params.models)}: val_accuracy {accuracy:.4f}")


if __name__ == "__main__":
    run(main)
