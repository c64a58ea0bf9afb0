"""`digits predict` with real tiny models trained by the stages on the prepared real digits.

The module fixture trains lr, mlp and a small CNN (a few epochs: good enough to be
non-trivial) into a temp project holding models/ and metrics/leaderboard.json, as `make repro`
leaves them. The installed console script runs as a subprocess for the round trip and the
error paths a user sees; the other checks call its `main` in this process (faster).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import joblib
import numpy as np
import pytest
from kaggle_files import ORDER, edit_cell, real_digits, write_kaggle_csvs
from PIL import Image
from stage_commands import PREPARED_PARAMS, reshape, sample, split, training_args
from stage_runs import VENV_BIN, StageRunner, describe, subprocess_env, tiny_params

from digit_recognizer.cli import main
from digit_recognizer.predict.picture_files import PICTURES
from digit_recognizer.training.keras_setup import keras_backend

pytestmark = pytest.mark.training

N_TRAIN_CSV = 2400  # real digits for the models: 1,800 train, 600 validation
CNN_PARAMS = {
    "train_cnn.filters": [8, 16],
    "train_cnn.conv_activation": "relu",
    "train_cnn.dense_units": 32,
    "train_cnn.epochs": 6,
}
HELD_OUT = ORDER[2500:2620]  # real digits the models never saw
DIGITS = VENV_BIN / "digits"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder: models/{lr.joblib,mlp.keras,cnn.keras}, metrics/leaderboard.json
    (submit chose cnn) and params.yaml, made by the real stages from real digits (more of
    them than the `prepared` fixture has, so that the small CNN is a fair one, ~90 %)."""
    root = tmp_path_factory.mktemp("predict-project")
    runner = StageRunner(root)
    runner.params(tiny_params({**PREPARED_PARAMS, **CNN_PARAMS}))
    write_kaggle_csvs(root / "raw", n_train=N_TRAIN_CSV, n_test=50)
    sample(runner, root / "raw" / "train.csv")
    split(runner, root / "sample")
    reshape(runner)
    for name, kind in (("lr", "flat"), ("mlp", "flat"), ("cnn", "images")):
        runner(f"train_{name}", *training_args(root, name, kind, live=name != "lr"))
    leaderboard = {"chosen": "cnn", "val": {"lr": 0.8, "mlp": 0.7, "cnn": 0.9}}  # as submit's
    (root / "metrics").mkdir(exist_ok=True)
    (root / "metrics" / "leaderboard.json").write_text(json.dumps(leaderboard))
    return root


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, np.ndarray]:
    """Held-out real digits as a scan would give them: black on white, 112x112 PNGs.

    Returns (folder, labels, the original 28x28 pixels as uint8 (N, 784)), in file order.
    """
    folder = tmp_path_factory.mktemp("scans")
    labels, pixels = real_digits()
    for position, row in enumerate(HELD_OUT):
        digit = Image.fromarray(255 - pixels[row].reshape(28, 28))
        scan = digit.resize((112, 112), Image.Resampling.BICUBIC)
        scan.save(folder / f"scan{position:03d}.png")
    return folder, labels[HELD_OUT], pixels[HELD_OUT]


def digits_command(cwd: Path, *args: str | Path) -> subprocess.CompletedProcess:
    """The installed `digits` console script, run as a user would, in `cwd`."""
    return subprocess.run(
        [str(DIGITS), *map(str, args)],
        cwd=cwd,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def call(project: Path, monkeypatch: pytest.MonkeyPatch, capsys, *args) -> tuple[int, str, str]:
    """`digits ARGS` in this process, in the project folder: (exit code, stdout, stderr)."""
    monkeypatch.chdir(project)
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err


def save_png(path: Path, pixels: np.ndarray) -> Path:
    Image.fromarray(pixels).save(path)
    return path


# --------------------------------------------------------------------------- round trip


def test_scanned_digits_get_the_models_own_predictions(project: Path, scans) -> None:
    """Through the files (invert, crop, scale, centre) the CNN predicts what it predicts on
    the original arrays, for at least 95 % of the digits; JSON lines, one per picture."""
    folder, labels, pixels = scans
    result = digits_command(project, "predict", folder, "--json")
    assert result.returncode == 0, describe(result)
    assert result.stderr == "", describe(result)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["input"] for r in records] == [str(p) for p in sorted(folder.glob("*.png"))]
    assert all(r["model"] == "cnn" for r in records)
    assert all(set(r) == {"input", "model", "digit", "probability", "top"} for r in records)
    via_files = np.array([r["digit"] for r in records])

    keras = keras_backend(0)
    model = keras.saving.load_model(project / "models" / "cnn.keras", compile=False)
    x = pixels.reshape(-1, 28, 28, 1).astype(np.float32) / 255
    own = model.predict(x, verbose=0).argmax(axis=1)
    assert np.mean(own == labels) > 0.85  # a real, non-trivial model
    assert np.mean(via_files == own) >= 0.95, np.mean(via_files == own)


def test_csv_rows_get_exactly_the_models_predictions(project: Path, scans, tmp_path: Path):
    """A test.csv-like file (no label column): no preprocessing but /255."""
    _, _, pixels = scans
    path = tmp_path / "test.csv"
    header = ",".join(f"pixel{i}" for i in range(784))
    np.savetxt(path, pixels, fmt="%d", delimiter=",", header=header, comments="")
    result = digits_command(project, "predict", path, "--model", "cnn", "--json")
    assert result.returncode == 0, describe(result)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["row"] for r in records] == list(range(1, len(pixels) + 1))
    keras = keras_backend(0)
    model = keras.saving.load_model(project / "models" / "cnn.keras", compile=False)
    proba = model.predict(pixels.reshape(-1, 28, 28, 1).astype(np.float32) / 255, verbose=0)
    assert [r["digit"] for r in records] == proba.argmax(axis=1).tolist()
    saved = np.array([r["probability"] for r in records])
    np.testing.assert_allclose(saved, proba.max(axis=1), atol=1e-5)


# --------------------------------------------------------------------------- output


def test_default_model_is_the_one_submit_chose(project: Path, scans, monkeypatch, capsys):
    folder = scans[0]
    picture = folder / "scan000.png"
    code, out, _ = call(project, monkeypatch, capsys, "predict", picture)
    assert code == 0
    assert out.splitlines()[0] == "model: cnn (chosen by submit)"
    (project / "other").mkdir(exist_ok=True)
    board = project / "other" / "leaderboard.json"
    board.write_text(json.dumps({"chosen": "lr"}))
    code, out, _ = call(project, monkeypatch, capsys, "predict", picture, "--leaderboard", board)
    assert code == 0
    assert out.splitlines()[0] == "model: lr (chosen by submit)"
    code, out, _ = call(project, monkeypatch, capsys, "predict", picture, "--model", "mlp")
    assert out.splitlines()[0] == "model: mlp (--model)"
    assert len(out.splitlines()) == 2 and out.splitlines()[1].startswith(f"{picture}: ")


def test_top_3_gives_three_digits_by_descending_probability(
    project: Path, scans, monkeypatch, capsys
) -> None:
    folder = scans[0]
    code, out, _ = call(project, monkeypatch, capsys, "predict", folder, "--top", "3")
    assert code == 0
    lines = out.splitlines()[1:]
    assert len(lines) == len(HELD_OUT)
    for line in lines:
        shown = line.split(": ", 1)[1].split(", ")
        digits = [int(part.split(" (")[0]) for part in shown]
        chances = [float(part.split(" (")[1].rstrip(")")) for part in shown]
        assert len(set(digits)) == 3 and all(0 <= d <= 9 for d in digits)
        assert chances == sorted(chances, reverse=True)
    code, out, _ = call(project, monkeypatch, capsys, "predict", folder, "--top", "3", "--json")
    for record in map(json.loads, out.splitlines()):
        chances = [entry["probability"] for entry in record["top"]]
        assert len(chances) == 3 and chances == sorted(chances, reverse=True)
        assert record["top"][0] == {"digit": record["digit"], "probability": chances[0]}


@pytest.mark.parametrize("model", ["lr", "mlp", "cnn", "models/lr.joblib", "models/mlp.keras"])
def test_every_model_by_name_or_path(project: Path, scans, monkeypatch, capsys, model: str):
    folder, labels, _ = scans
    code, out, err = call(project, monkeypatch, capsys, "predict", folder, "--model", model)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"model: {model} (--model)"
    predicted = [int(line.split(": ")[1].split(" ")[0]) for line in out.splitlines()[1:]]
    assert np.mean(np.array(predicted) == labels) > 0.5


def test_labelled_csv_prints_accuracy(project: Path, monkeypatch, capsys, tmp_path: Path):
    train, _ = write_kaggle_csvs(tmp_path, n_train=50, n_test=10, offset=3000)
    code, out, _ = call(project, monkeypatch, capsys, "predict", train, "--model", "cnn")
    assert code == 0
    lines = out.splitlines()
    rows = lines[1:-1]
    assert len(rows) == 50 and all(" label " in row for row in rows)
    right = sum(1 for row in rows if not row.endswith("(wrong)"))
    assert lines[-1] == f"{train}: accuracy {right / 50:.4f} ({right} of 50)"
    code, out, err = call(project, monkeypatch, capsys, "predict", train, "--json")
    assert all(json.loads(line)["label"] in range(10) for line in out.splitlines())
    assert err == f"{train}: accuracy {right / 50:.4f} ({right} of 50)\n"


def test_save_preprocessed_writes_what_the_model_saw(project, scans, monkeypatch, capsys, tmp_path):
    folder, _, pixels = scans
    seen = tmp_path / "seen"
    pictures = [folder / "scan000.png", folder / "scan001.png"]
    code, _, _ = call(
        project, monkeypatch, capsys, "predict", *pictures, "--save-preprocessed", seen
    )
    assert code == 0
    assert sorted(p.name for p in seen.iterdir()) == ["scan000.png", "scan001.png"]
    image = np.asarray(Image.open(seen / "scan000.png"), dtype=np.float32)
    assert image.shape == (28, 28)
    assert np.abs(image - pixels[0].reshape(28, 28)).mean() < 12  # close to the MNIST original


# --------------------------------------------------------------------------- bad input


def test_a_mixed_batch_predicts_the_good_files_and_lists_the_bad(
    project: Path, scans, tmp_path: Path
) -> None:
    folder = scans[0]
    good = [folder / "scan000.png", folder / "scan001.png"]
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    blank = save_png(tmp_path / "blank.png", np.full((60, 60), 255, dtype=np.uint8))
    missing = tmp_path / "missing.png"
    train, _ = write_kaggle_csvs(tmp_path / "csv", n_train=5, n_test=2)
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text(edit_cell(train.read_text(), 3, "pixel10", "256"))
    empty_folder = tmp_path / "nothing"
    empty_folder.mkdir()
    inputs = [good[0], empty, text, good[1], blank, missing, bad_csv, empty_folder]
    result = digits_command(project, "predict", *inputs)
    assert result.returncode == 1, describe(result)
    lines = result.stdout.splitlines()
    assert lines[0] == "model: cnn (chosen by submit)"
    assert [line.split(": ")[0] for line in lines[1:]] == [str(p) for p in good]
    assert result.stderr.splitlines() == [
        f"digits: error: {empty}: empty file",
        f"digits: error: {text}: not a readable image ({PICTURES})",
        f"digits: error: {blank}: no ink found (a blank image?)",
        f"digits: error: {missing}: not found",
        f"digits: error: {bad_csv}: line 3, column pixel10: expected an integer 0..255, got '256'",
        f"digits: error: {empty_folder}: no pictures ({PICTURES}) in this folder",
    ], describe(result)
    assert "Traceback" not in result.stderr


def test_a_folder_names_the_files_it_skipped(project: Path, monkeypatch, capsys, scans, tmp_path):
    """Its pictures are predicted, GIF included; a file that is no picture gets a line, and
    the exit stays 0."""
    folder = tmp_path / "drawn"
    folder.mkdir()
    Image.open(scans[0] / "scan000.png").save(folder / "a.gif")
    (folder / "readme.txt").write_text("digits I drew")
    code, out, err = call(project, monkeypatch, capsys, "predict", folder)
    assert code == 0, err
    assert out.splitlines()[1].startswith(f"{folder / 'a.gif'}: ")
    assert err == f"digits: {folder / 'readme.txt'}: skipped, not a picture ({PICTURES})\n"


def test_only_bad_inputs_exit_1_with_no_predictions(project: Path, monkeypatch, capsys, tmp_path):
    blank = save_png(tmp_path / "blank.png", np.zeros((30, 30), dtype=np.uint8))
    code, out, err = call(project, monkeypatch, capsys, "predict", blank, "--json")
    assert (code, out) == (1, "")
    assert err == f"digits: error: {blank}: no ink found (a blank image?)\n"


@pytest.mark.parametrize(("name", "file"), [("cnn", "cnn.keras"), ("lr", "lr.joblib")])
def test_a_missing_model_names_the_stage_to_run(
    project: Path, scans, tmp_path: Path, name: str, file: str
) -> None:
    shutil.copytree(project / "metrics", tmp_path / "metrics")
    (tmp_path / "models").mkdir()
    result = digits_command(tmp_path, "predict", scans[0], "--model", name)
    assert (result.returncode, result.stdout) == (1, ""), describe(result)
    stage = f"train_{name}"
    assert result.stderr == (
        f"digits: error: models/{file}: not found (run the {stage} stage: dvc repro {stage})\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "svm"], "unknown model 'svm' (expected cnn, cnn_aug, ensemble, lr, mlp, "
         "or a .keras, .joblib, .onnx or ensemble .json file)"),
        (["--model", "elsewhere/ensemble.json"], "elsewhere/ensemble.json: not found (run the "
         "ensemble stage: dvc repro ensemble)"),
        (["--model", "elsewhere/cnn.keras"], "elsewhere/cnn.keras: not found"),
        (["--leaderboard", "none.json"], "none.json: not found (run the submit stage: dvc repro "
         "submit, or pass --model)"),
        (["--model", "params.yaml.joblib"], "params.yaml.joblib: not found"),
    ],
)  # fmt: skip
def test_model_problems_are_fatal_one_line_errors(
    project: Path, scans, monkeypatch, capsys, args: list[str], message: str
) -> None:
    code, out, err = call(project, monkeypatch, capsys, "predict", scans[0], *args)
    assert (code, out, err) == (1, "", f"digits: error: {message}\n")


def test_a_file_that_is_not_a_model_is_one_line(project, scans, monkeypatch, capsys, tmp_path):
    fake = tmp_path / "fake.keras"
    fake.write_text("not a model")
    code, out, err = call(project, monkeypatch, capsys, "predict", scans[0], "--model", fake)
    assert (code, out) == (1, "")
    assert err.startswith(f"digits: error: {fake}: not a readable Keras model (")
    assert err.count("\n") == 1


def test_a_bad_top_is_a_one_line_usage_error(project, scans, monkeypatch, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        call(project, monkeypatch, capsys, "predict", scans[0], "--top", "11")
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err == (
        "digits predict: error: argument --top: must be a whole number 1..10, got '11' "
        "(see digits predict --help)\n"
    )


def test_an_lr_fit_on_raw_pixels_gets_raw_pixels(project: Path, scans, tmp_path: Path) -> None:
    """train_lr.pixels: raw (the notebook's 0..255): the saved model scales [0, 1] pixels itself,
    so the CLI gives it what it gives every model."""
    runner = StageRunner(tmp_path)
    runner.params(tiny_params({**PREPARED_PARAMS, "train_lr.pixels": "raw"}))
    runner("train_lr", *training_args(project, "lr", "flat", live=False))
    _, _, pixels = scans
    path = tmp_path / "test.csv"
    header = ",".join(f"pixel{i}" for i in range(784))
    np.savetxt(path, pixels, fmt="%d", delimiter=",", header=header, comments="")
    result = digits_command(tmp_path, "predict", path, "--model", "lr", "--json")
    assert result.returncode == 0, describe(result)
    model = joblib.load(tmp_path / "models" / "lr.joblib")
    expected = model.predict_proba((pixels / 255).astype(np.float32))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["digit"] for r in records] == expected.argmax(axis=1).tolist()
    saved = np.array([r["probability"] for r in records])
    np.testing.assert_allclose(saved, expected.max(axis=1), atol=1e-5)
