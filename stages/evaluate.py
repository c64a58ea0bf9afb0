"""evaluate: score every model on the validation split; confusion matrices and pictures.

Writes per-model accuracy, log loss and per-class precision/recall/F1 to one metrics JSON,
a per-sample `actual,predicted` CSV per model (DVC's confusion template), and PNGs: sample
digits, each model's most confident mistakes, and the networks' learning curves side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from digit_recognizer.console import log, run
from digit_recognizer.files import atomic_paths, load_array, save_csv, save_json
from digit_recognizer.metrics import accuracy_and_loss, read_history
from digit_recognizer.mnist import IMAGE_SIDE, N_CLASSES
from digit_recognizer.params import integer, param, read_params, stage_parser
from digit_recognizer.predictions import MODEL_NAMES, load_predictions

if TYPE_CHECKING:  # matplotlib is imported where used: check_params imports
    from matplotlib.figure import Figure  # this module for its params only


@dataclass(frozen=True)
class EvaluateParams:
    mistakes: int = param(integer(1))  # most confident mistakes drawn per model
    digits: int = param(integer(1))  # validation digits drawn with their labels


TITLES = {
    "lr": "logistic regression", "mlp": "dense network", "cnn": "CNN",
    "cnn_aug": "strong CNN (augmented)", "ensemble": "ensemble",
}  # fmt: skip
NETWORKS = ("mlp", "cnn", "cnn_aug")  # the models with learning curves
TILE_GAP, CAPTION_ROOM = 4, 11  # digit_grid: pixels between digits, and above each for its caption


def scores(labels: np.ndarray, proba: np.ndarray) -> dict[str, object]:
    """Accuracy, log loss and per-class precision/recall/F1 of one model.

    Precision, recall and F1 of a digit nobody predicted (or that never occurs) are 0, as
    scikit-learn's `zero_division=0` gives; counted here, without importing scikit-learn.
    """
    predicted = proba.argmax(axis=1)
    confusion = np.bincount(
        labels * N_CLASSES + predicted, minlength=N_CLASSES * N_CLASSES
    ).reshape(N_CLASSES, N_CLASSES)  # rows: actual digit, columns: predicted
    hits = np.diag(confusion).astype(np.float64)
    predicted_count, actual_count = confusion.sum(axis=0), confusion.sum(axis=1)
    precision = np.divide(hits, predicted_count, out=np.zeros(N_CLASSES), where=predicted_count > 0)
    recall = np.divide(hits, actual_count, out=np.zeros(N_CLASSES), where=actual_count > 0)
    either = predicted_count + actual_count
    f1 = np.divide(2 * hits, either, out=np.zeros(N_CLASSES), where=either > 0)
    accuracy, loss = accuracy_and_loss(labels, proba)
    return {
        "accuracy": round(accuracy, 6),
        "log_loss": round(loss, 6),
        "per_class": {
            str(d): {
                "precision": round(float(precision[d]), 4),
                "recall": round(float(recall[d]), 4),
                "f1": round(float(f1[d]), 4),
            }
            for d in range(N_CLASSES)
        },
    }


def save_figure(figure: Figure, path: Path) -> None:
    """Save a matplotlib figure atomically as PNG (no pyplot: no display backend needed)."""
    with atomic_paths(path) as (tmp,):
        figure.savefig(tmp, dpi=100, bbox_inches="tight", format="png")


def digit_grid(images: np.ndarray, captions: list[str], title: str, columns: int = 8) -> Figure:
    """The digits tiled into one picture, `columns` to a row, each with its caption above it.

    One image with text on it draws several times faster than a plot per digit.
    """
    from matplotlib.figure import Figure

    rows = max(1, -(-len(images) // columns))
    cell_width, cell_height = IMAGE_SIDE + TILE_GAP, IMAGE_SIDE + CAPTION_ROOM
    mosaic = np.zeros((rows * cell_height, columns * cell_width), dtype=np.float32)
    figure = Figure(figsize=(columns * 1.2, rows * 1.5 + 0.4))
    axis = figure.add_axes((0, 0, 1, 1))
    axis.axis("off")
    for index, (image, caption) in enumerate(zip(images, captions, strict=True)):
        row, column = divmod(index, columns)
        top, left = row * cell_height + CAPTION_ROOM, column * cell_width + TILE_GAP // 2
        mosaic[top : top + IMAGE_SIDE, left : left + IMAGE_SIDE] = image.reshape(
            IMAGE_SIDE, IMAGE_SIDE
        )
        axis.text(left + IMAGE_SIDE / 2, top - 1, caption, ha="center", va="bottom", fontsize=8)
    axis.imshow(mosaic, cmap="gray_r")
    figure.suptitle(title, y=1.02)
    return figure


def most_confident_mistakes(
    images: np.ndarray, labels: np.ndarray, proba: np.ndarray, count: int, title: str
) -> Figure:
    """The `count` wrong predictions the model was surest of: image, truth, prediction."""
    predicted = proba.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    worst = wrong[np.argsort(-proba[wrong, predicted[wrong]], kind="stable")][:count]
    captions = [f"true {labels[i]} → {predicted[i]}\n{proba[i, predicted[i]]:.0%}" for i in worst]
    heading = f"{title}: {len(wrong)} mistakes of {len(labels)}, most confident first"
    return digit_grid(images[worst], captions, heading)


def learning_curves(histories: dict[str, pd.DataFrame]) -> Figure:
    """Accuracy and loss per epoch, one column per network, side by side."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(5.5 * len(histories), 7))
    axes = figure.subplots(2, len(histories), squeeze=False)
    for column, (name, history) in enumerate(histories.items()):
        for row, metric in enumerate(("accuracy", "loss")):
            axis = axes[row, column]
            axis.plot(history["epoch"], history[metric], marker="o", label=f"train {metric}")
            axis.plot(history["epoch"], history[f"val_{metric}"], marker="o", label=f"val {metric}")
            axis.set_title(f"{TITLES[name]}: {metric}")
            axis.set_xlabel("epoch")
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
            axis.grid(True)
            axis.legend()
    figure.tight_layout()
    return figure


def main() -> None:
    parser = stage_parser(__doc__.splitlines()[0], EvaluateParams, "evaluate")
    parser.add_argument("--split", type=Path, required=True, help="folder with y_val")
    parser.add_argument("--features", type=Path, required=True, help="flat features folder")
    parser.add_argument("--predictions", type=Path, required=True, help="folder of NAME.npz")
    parser.add_argument("--history", type=Path, required=True, help="folder of NAME.csv")
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    parser.add_argument("--confusion", type=Path, required=True, help="folder for NAME.csv")
    parser.add_argument("--images", type=Path, required=True, help="folder for PNGs")
    args = parser.parse_args()
    params = read_params(EvaluateParams, "evaluate")

    labels = np.asarray(load_array(args.split / "y_val.npy"), dtype=np.int64)
    images = np.asarray(load_array(args.features / "val.npy"))
    probas = {  # every file checked before anything is written
        name: load_predictions(args.predictions / f"{name}.npz", val_rows=len(labels))["val"]
        for name in MODEL_NAMES
    }
    histories = {name: read_history(args.history / f"{name}.csv") for name in NETWORKS}
    results = {}
    for name, proba in probas.items():
        results[name] = scores(labels, proba)
        confusion = pd.DataFrame({"actual": labels, "predicted": proba.argmax(axis=1)})
        save_csv(args.confusion / f"{name}.csv", confusion)
        save_figure(
            most_confident_mistakes(images, labels, proba, params.mistakes, TITLES[name]),
            args.images / f"mistakes_{name}.png",
        )
        log(f"evaluate: {name}: accuracy {results[name]['accuracy']:.4f}")

    shown = min(params.digits, len(labels))
    save_figure(
        digit_grid(images[:shown], [f"label {d}" for d in labels[:shown]], "validation digits"),
        args.images / "digits.png",
    )
    save_figure(learning_curves(histories), args.images / "learning_curves.png")
    save_json(args.metrics, {"evaluate": results})


if __name__ == "__main__":
    run(main)
