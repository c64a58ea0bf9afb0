"""What every training stage shares: its command line (paths from dvc.yaml) and its inputs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digit_recognizer.files import load_array, save_json
from digit_recognizer.params.fields import SEED_MAX
from digit_recognizer.params.reading import stage_parser


@dataclass(frozen=True)
class TrainingPaths:
    """A training stage's inputs (features, split folders) and outputs, as dvc.yaml gives them."""

    features: Path
    split: Path
    model: Path
    predictions: Path
    metrics: Path
    timings: Path
    live: Path | None  # DVCLive's folder of per-epoch metrics (the networks)
    seed: int | None = None  # `--seed`, when the stage takes one: instead of the params' seed


def parse_training_paths(
    description: str, params_type: type, section: str, live: bool = True, seed: bool = False
) -> TrainingPaths:
    """Read a training stage's command line; `--live` (DVCLive's folder) when it has epochs;
    with `seed`, an optional `--seed` (dvc.yaml's matrix of seeds passes one per stage).
    `--help` lists the params of `section` (read as `params_type`)."""
    parser = stage_parser(description, params_type, section)
    parser.add_argument("--features", type=Path, required=True, help="features folder")
    parser.add_argument("--split", type=Path, required=True, help="folder with y_train/y_val")
    parser.add_argument("--model", type=Path, required=True, help="model file to write")
    parser.add_argument("--predictions", type=Path, required=True, help="probabilities (.npz)")
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    parser.add_argument("--timings", type=Path, required=True, help="timings JSON (not in git)")
    if live:
        parser.add_argument("--live", type=Path, required=True, help="per-epoch metrics folder")
    if seed:
        parser.add_argument("--seed", type=seed_argument, help=f"seed instead of {section}.seed")
    args = parser.parse_args()
    return TrainingPaths(
        args.features, args.split, args.model, args.predictions, args.metrics, args.timings,
        args.live if live else None, args.seed if seed else None,
    )  # fmt: skip


def seed_argument(text: str) -> int:
    """`--seed`: an integer 0..SEED_MAX, as the params' seeds (argparse reports the ValueError)."""
    value = int(text)
    if not 0 <= value <= SEED_MAX:
        raise ValueError(text)
    return value


@dataclass(frozen=True)
class SplitData:
    """The split's labels, and its features (train, val, test) read from `features` on demand."""

    features: Path
    y_train: np.ndarray
    y_val: np.ndarray
    epoch_val_rows: int | None = None  # validation after each epoch: these first rows; None: all

    def x(self, part: str) -> np.ndarray:
        """Features of `part` (train, val or test), float32, memory-mapped: a fresh map each
        call, so a caller that drops it releases its pages."""
        return load_array(self.features / f"{part}.npy")

    def epoch_validation(self) -> tuple[np.ndarray, np.ndarray]:
        """The validation images and labels checked after each epoch: the first
        `epoch_val_rows` (a random sample, as the split shuffled them), or all of them."""
        return self.x("val")[: self.epoch_val_rows], self.y_val[: self.epoch_val_rows]


def load_split_data(features: Path, split: Path, epoch_val_rows: int | None = None) -> SplitData:
    """Labels from the split folder; features stay on disk until `SplitData.x` reads them.
    `epoch_val_rows`: validation after each epoch on only that many rows (the outputs' metrics
    still score every validation row)."""
    for part in ("train", "val", "test"):
        load_array(features / f"{part}.npy")  # fail now, with the path, if one is missing
    return SplitData(
        features,
        load_array(split / "y_train.npy", mmap=False),
        load_array(split / "y_val.npy", mmap=False),
        epoch_val_rows,
    )


def save_timings(
    path: Path,
    fit_seconds: float,
    images: int,
    epoch_seconds: Iterable[float],
    val_images: int = 0,
) -> None:
    """Write how long training took, on how many images (for lr: rows x iterations), and how
    many validation digits the epochs checked: kept out of the metrics (git-ignored), since
    it changes on every run while the results do not."""
    save_json(
        path,
        {
            "fit_seconds": round(fit_seconds, 3),
            "images": images,
            "images_per_second": round(images / fit_seconds, 1),
            "epoch_seconds": [round(float(s), 3) for s in epoch_seconds],
            "val_images": val_images,
        },
    )
