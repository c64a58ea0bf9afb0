"""sample, split and the training stages refuse bad params or missing inputs with one line
(in-process, through the same `run` wrapper as the command line)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dvc_project import write_params
from kaggle_files import write_kaggle_csvs
from stage_commands import sample, split, training_args
from stage_runs import InProcessRunner, stage_error, tiny_params


@pytest.mark.parametrize("fraction", [0, 1.01, "0.5", -1])
def test_sample_fraction_is_validated(
    call_stage: InProcessRunner, tmp_path: Path, fraction: object
) -> None:
    train, _ = write_kaggle_csvs(tmp_path / "raw", n_train=40, n_test=5)
    write_params(call_stage.cwd, tiny_params({"sample_fraction": fraction}))
    message = stage_error(sample(call_stage, train), "sample")
    assert message.startswith("params.yaml: sample_fraction must be a number in (0.0, 1.0]")
    assert not (call_stage.cwd / "sample").exists()


def test_sample_fraction_too_small_for_the_rows(call_stage: InProcessRunner, tmp_path) -> None:
    write_kaggle_csvs(tmp_path / "raw", n_train=20, n_test=2)
    write_params(call_stage.cwd, tiny_params({"sample_fraction": 0.01}))
    message = stage_error(sample(call_stage, tmp_path / "raw" / "train.csv"), "sample")
    assert "leaves no rows" in message and "20 rows" in message


def test_sample_without_train_csv(call_stage: InProcessRunner) -> None:
    message = stage_error(sample(call_stage, Path("raw/train.csv")), "sample")
    assert message.startswith("raw/train.csv: not found")


def test_split_that_cannot_be_stratified(call_stage: InProcessRunner, digits) -> None:
    labels, pixels = digits
    rows = np.r_[np.flatnonzero(labels == 1)[:10], np.flatnonzero(labels == 7)[:1]]
    (call_stage.cwd / "few").mkdir()
    np.save(call_stage.cwd / "few" / "pixels.npy", pixels[rows])
    np.save(call_stage.cwd / "few" / "labels.npy", labels[rows])
    write_params(call_stage.cwd, tiny_params({"split.stratify": True}))
    message = stage_error(split(call_stage, Path("few")), "split")
    assert message.startswith("split: cannot split 11 sampled rows")


def test_split_without_sample(call_stage: InProcessRunner) -> None:
    message = stage_error(split(call_stage, Path("nothing")), "split")
    assert message.startswith("nothing/pixels.npy: not found")


@pytest.mark.parametrize(("stage", "kind"), [("lr", "flat"), ("mlp", "flat"), ("cnn", "images")])
def test_training_without_features(
    call_stage: InProcessRunner, tmp_path: Path, stage: str, kind: str
) -> None:
    args = training_args(tmp_path / "none", stage, kind, live=stage != "lr")
    message = stage_error(call_stage(f"train_{stage}", *args), f"train_{stage}")
    assert f"{kind}/train.npy: not found" in message
