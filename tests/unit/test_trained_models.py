"""Which model `digits predict` uses, found without loading one: names, files, leaderboard,
and the pixel scale of the lr model (dvc.lock first, then params.yaml)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from digit_recognizer.console import PipelineError
from digit_recognizer.predictions import MODEL_NAMES
from digit_recognizer.trained_models import MODELS, chosen_model, load_model, lr_pixels


def test_the_registry_holds_the_pipeline_models() -> None:
    assert list(MODELS) == ["lr", "mlp", "cnn", "cnn_aug", "ensemble"]
    assert tuple(MODELS) == MODEL_NAMES  # every model evaluate scores and submit can choose


@pytest.mark.parametrize(
    ("name", "file", "stage"),
    [("lr", "lr.joblib", "train_lr"), ("mlp", "mlp.keras", "train_mlp"),
     ("cnn", "cnn.keras", "train_cnn"), ("cnn_aug", "cnn_aug.keras", "train_cnn_aug")],
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


def save_lr(path: Path, seed: int) -> None:
    """A small logistic regression on 784 random pixels, saved as train_lr saves its model."""
    import joblib
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    model = LogisticRegression(max_iter=1000).fit(rng.random((40, 784)), np.arange(40) % 10)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)


def test_the_ensemble_averages_its_members_as_dvc_lock_recorded_them(tmp_path: Path) -> None:
    models = tmp_path / "models"
    save_lr(models / "lr.joblib", 0)
    save_lr(models / "lr_other.joblib", 1)
    images = np.random.default_rng(2).random((5, 28, 28)).astype(np.float32)
    lr = load_model("lr", models)[1](images)
    other = load_model(str(models / "lr_other.joblib"), models)[1](images)

    write_yaml(tmp_path / "params.yaml", {"ensemble": {"models": ["lr", "lr"]}})
    np.testing.assert_array_equal(load_model("ensemble", models)[1](images), lr)
    lock = {"stages": {"ensemble": {"params": {"params.yaml": {
        "ensemble": {"models": ["lr", "lr_other"]}}}}}}  # fmt: skip
    write_yaml(tmp_path / "dvc.lock", lock)  # what the last run averaged, before params.yaml
    mean = (lr.astype(np.float64) + other) / 2
    np.testing.assert_allclose(load_model("ensemble", models)[1](images), mean, rtol=1e-6)


def test_a_missing_ensemble_member_is_one_line(tmp_path: Path) -> None:
    models = tmp_path / "models"
    save_lr(models / "lr.joblib", 0)
    write_yaml(tmp_path / "params.yaml", {"ensemble": {"models": ["lr", "cnn_aug_s2"]}})
    with pytest.raises(PipelineError) as error:
        load_model("ensemble", models)
    assert str(error.value) == (
        f"{models / 'cnn_aug_s2'}.keras: not found (an ensemble model: dvc repro ensemble)"
    )
    write_yaml(tmp_path / "params.yaml", {"train_lr": {"pixels": "scaled"}})
    with pytest.raises(PipelineError, match="no ensemble.models in dvc.lock or params.yaml"):
        load_model("ensemble", models)
