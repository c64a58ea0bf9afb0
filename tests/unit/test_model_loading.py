"""Which model `digits predict` uses and how it loads: names, files, the leaderboard, an lr
model that carries its pixel scale, an ensemble that names its members."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from digit_recognizer.console import PipelineError
from digit_recognizer.models.lr import LrParams, build_model
from digit_recognizer.predict.loading import chosen_model, load_model


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
    expected = r"^unknown model 'svm' \(expected cnn, cnn_aug, ensemble, lr, mlp"
    with pytest.raises(PipelineError, match=expected):
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


def save_lr(path: Path, seed: int) -> None:
    """A small logistic regression on 784 random pixels, saved as train_lr saves its model."""
    import joblib
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    model = LogisticRegression(max_iter=1000).fit(rng.random((40, 784)), np.arange(40) % 10)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)


def test_a_raw_pixel_lr_model_scales_its_own_inputs(tmp_path: Path) -> None:
    """train_lr's model for `pixels: raw` takes [0, 1] pixels like every model: it scales them
    to 0..255 itself, so a copied file needs no project beside it."""
    import joblib

    rng = np.random.default_rng(3)
    images = rng.random((40, 28, 28)).astype(np.float32)
    labels = np.arange(40) % 10
    raw = build_model(LrParams(pixels="raw", max_iter=300, C=1.0, refit_full=False))
    raw.fit(images.reshape(40, -1), labels)
    joblib.dump(raw, tmp_path / "lr.joblib")
    plain = build_model(LrParams(pixels="scaled", max_iter=300, C=1.0, refit_full=False))
    plain.fit(np.rint(images.reshape(40, -1) * 255), labels)  # the notebook's 0..255 pixels
    expected = plain.predict_proba(np.rint(images.reshape(40, -1) * 255))
    proba = load_model("lr", tmp_path)[1](images)
    np.testing.assert_allclose(proba, expected, rtol=1e-5, atol=1e-7)


def write_members(models: Path, members: list[str]) -> None:
    (models / "ensemble.json").write_text(json.dumps({"members": members}))


def test_the_ensemble_averages_the_members_it_recorded(tmp_path: Path) -> None:
    models = tmp_path / "models"
    save_lr(models / "lr.joblib", 0)
    save_lr(models / "lr_other.joblib", 1)
    images = np.random.default_rng(2).random((5, 28, 28)).astype(np.float32)
    lr = load_model("lr", models)[1](images)
    other = load_model(str(models / "lr_other.joblib"), models)[1](images)

    write_members(models, ["lr", "lr"])
    np.testing.assert_array_equal(load_model("ensemble", models)[1](images), lr)
    write_members(models, ["lr", "lr_other"])
    mean = (lr.astype(np.float64) + other) / 2
    np.testing.assert_allclose(load_model("ensemble", models)[1](images), mean, rtol=1e-6)
    (models / "ensemble.json").write_text(
        json.dumps({"members": ["lr", "lr_other"], "weights": [3, 1]})
    )  # the greedy selection's counts: a weighted mean
    weighted = (3 * lr.astype(np.float64) + other) / 4
    np.testing.assert_allclose(load_model("ensemble", models)[1](images), weighted, rtol=1e-6)


def test_a_missing_ensemble_member_or_list_is_one_line(tmp_path: Path) -> None:
    models = tmp_path / "models"
    save_lr(models / "lr.joblib", 0)
    with pytest.raises(PipelineError) as error:
        load_model("ensemble", models)
    assert str(error.value) == (
        f"{models / 'ensemble.json'}: not found (run the ensemble stage: dvc repro ensemble)"
    )
    write_members(models, ["lr", "cnn_aug_s2"])
    with pytest.raises(PipelineError) as error:
        load_model("ensemble", models)
    assert str(error.value) == (
        f"{models / 'cnn_aug_s2'}.keras: not found (an ensemble model: dvc repro ensemble)"
    )
    bad = ["{", "[]", '{"members": []}', '{"members": [1]}']
    bad += [f'{{"members": ["lr"], "weights": {w}}}' for w in ("[]", "[0]", "[0.5]", "[true]")]
    for text in bad:
        (models / "ensemble.json").write_text(text)
        with pytest.raises(PipelineError, match=r"ensemble\.json: expected \{\"members\""):
            load_model("ensemble", models)
