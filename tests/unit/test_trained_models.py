"""Which model `digits predict` uses, found without loading one: names, files, leaderboard,
and the pixel scale of the lr model (dvc.lock first, then params.yaml)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from digit_recognizer.console import PipelineError
from digit_recognizer.trained_models import MODELS, chosen_model, load_model, lr_pixels


def test_the_registry_holds_the_pipeline_models() -> None:
    assert list(MODELS) == ["lr", "mlp", "cnn"]


@pytest.mark.parametrize(
    ("name", "file", "stage"),
    [("lr", "lr.joblib", "train_lr"), ("mlp", "mlp.keras", "train_mlp"),
     ("cnn", "cnn.keras", "train_cnn")],
)  # fmt: skip
def test_a_missing_model_file_names_its_stage(
    tmp_path: Path, name: str, file: str, stage: str
) -> None:
    with pytest.raises(PipelineError) as error:
        load_model(name, tmp_path)
    assert str(error.value) == (
        f"{tmp_path / file}: not found (run the {stage} stage: dvc repro {stage})"
    )


def test_unknown_names_and_files(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match=r"^unknown model 'svm' \(expected lr, mlp, cnn"):
        load_model("svm", tmp_path)
    with pytest.raises(PipelineError, match=r"mine\.keras: not found$"):
        load_model(str(tmp_path / "mine.keras"), tmp_path)


def test_the_chosen_model_comes_from_the_leaderboard(tmp_path: Path) -> None:
    board = tmp_path / "leaderboard.json"
    board.write_text(json.dumps({"chosen": "mlp", "val": {"mlp": 0.8}, "test": {"mlp": 0.8}}))
    assert chosen_model(board) == "mlp"
    board.write_text(json.dumps({"chosen": "svm"}))
    with pytest.raises(PipelineError, match="chosen model 'svm' is not one of"):
        chosen_model(board)
    for text in ("{", "[]", '{"val": {}}'):
        board.write_text(text)
        with pytest.raises(PipelineError, match=r"no chosen model \(run the submit stage"):
            chosen_model(board)
    with pytest.raises(PipelineError, match=r"none\.json: not found \(run the submit stage"):
        chosen_model(tmp_path / "none.json")


def write_yaml(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data))


def test_lr_pixels_as_dvc_lock_recorded_then_as_params_say(tmp_path: Path) -> None:
    assert lr_pixels(tmp_path) == "scaled"
    write_yaml(tmp_path / "params.yaml", {"train_lr": {"pixels": "raw"}})
    assert lr_pixels(tmp_path) == "raw"
    lock = {"stages": {"train_lr": {"params": {"params.yaml": {"train_lr": {"pixels": "scaled"}}}}}}
    write_yaml(tmp_path / "dvc.lock", lock)
    assert lr_pixels(tmp_path) == "scaled"  # what the model was fit with at the last run
    write_yaml(tmp_path / "dvc.lock", {"stages": {"fetch": {}}})
    assert lr_pixels(tmp_path) == "raw"
