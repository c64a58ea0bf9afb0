"""evaluate: score every model on the validation split; confusion matrices and pictures.

Writes per-model accuracy, log loss and per-class precision/recall/F1 to one metrics JSON,
a per-sample `actual,predicted` CSV per model (DVC's confusion template), and PNGs: sample
digits, each model's most confident mistakes, and the networks' learning curves side by side.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from digit_recognizer.console import log, run
from digit_recognizer.data.predictions import load_predictions
from digit_recognizer.evaluation.figures import (
    digit_grid,
    learning_curves,
    most_confident_mistakes,
    save_figure,
)
from digit_recognizer.evaluation.history import read_history
from digit_recognizer.evaluation.scores import model_scores
from digit_recognizer.files import load_array, save_csv, save_json
from digit_recognizer.models.registry import MODELS
from digit_recognizer.params.reading import read_params, stage_parser
from digit_recognizer.params.sections import EvaluateParams


def main() -> None:
    parser = stage_parser(__doc__.splitlines()[0], EvaluateParams, "evaluate")
    parser.add_argument("--split", type=Path, required=True, help="folder with y_val")
    parser.add_argument("--features", type=Path, required=True, help="flat features folder")
    parser.add_argument("--predictions", type=Path, required=True, help="folder of NAME.npz")
    parser.add_argument("--live", type=Path, required=True, help="DVCLive folders, NAME/ each")
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    parser.add_argument("--confusion", type=Path, required=True, help="folder for NAME.csv")
    parser.add_argument("--images", type=Path, required=True, help="folder for PNGs")
    args = parser.parse_args()
    params = read_params(EvaluateParams, "evaluate")

    labels = np.asarray(load_array(args.split / "y_val.npy"), dtype=np.int64)
    images = np.asarray(load_array(args.features / "val.npy"))
    titles = {model.name: model.title for model in MODELS}
    probas = {  # every file checked before anything is written
        name: load_predictions(args.predictions / f"{name}.npz", val_rows=len(labels))["val"]
        for name in titles
    }
    networks = [model.name for model in MODELS if model.curves]
    histories = {name: read_history(args.live / name) for name in networks}
    results = {}
    for name, proba in probas.items():
        results[name] = model_scores(labels, proba)
        confusion = pd.DataFrame({"actual": labels, "predicted": proba.argmax(axis=1)})
        save_csv(args.confusion / f"{name}.csv", confusion)
        save_figure(
            most_confident_mistakes(images, labels, proba, params.mistakes, titles[name]),
            args.images / f"mistakes_{name}.png",
        )
        log(f"evaluate: {name}: accuracy {results[name]['accuracy']:.4f}")

    shown = min(params.digits, len(labels))
    save_figure(
        digit_grid(images[:shown], [f"label {d}" for d in labels[:shown]], "validation digits"),
        args.images / "digits.png",
    )
    save_figure(learning_curves(histories, titles), args.images / "learning_curves.png")
    save_json(args.metrics, {"evaluate": results})


if __name__ == "__main__":
    run(main)
