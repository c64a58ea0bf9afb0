"""The three training stages through their real command lines, on the prepared real digits,
and the networks params.yaml describes.

The training tests read the arrays of the session fixture `prepared` and write their own
outputs in a temp dir.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from stage_commands import N_TEST_CSV, training_args
from stage_runs import (
    PROJECT,
    TINY_PARAMS,
    InProcessRunner,
    StageRunner,
    read_json,
    snapshot,
    stage_error,
    tiny_params,
)

from digit_recognizer.evaluation.history import read_history
from digit_recognizer.models.cnn import CnnParams
from digit_recognizer.models.cnn import build_model as build_cnn
from digit_recognizer.models.cnn_aug import CnnAugParams
from digit_recognizer.models.cnn_aug import build_model as build_cnn_aug
from digit_recognizer.models.mlp import MlpParams
from digit_recognizer.models.mlp import build_model as build_mlp
from digit_recognizer.params.reading import read_params
from digit_recognizer.training.hardware import cpu_flags, cpu_kind, has_bf16_gpu
from digit_recognizer.training.keras_setup import keras_backend
from digit_recognizer.training.precision import resolve_precision

pytestmark = pytest.mark.training

KERAS_MODELS = [("mlp", "flat"), ("cnn", "images"), ("cnn_aug", "images")]  # name, features
OUTPUT_OPTIONS = ("--model", "--predictions", "--metrics", "--timings", "--live")


def check_predictions(folder: Path, name: str, prepared: Path) -> dict[str, np.ndarray]:
    with np.load(folder / "predictions" / f"{name}.npz") as data:
        arrays = {key: data[key] for key in data.files}
    assert sorted(arrays) == ["test", "val"]
    y_val = np.load(prepared / "split" / "y_val.npy")
    assert arrays["val"].shape == (len(y_val), 10)
    assert arrays["test"].shape == (N_TEST_CSV, 10)
    for proba in arrays.values():
        assert proba.dtype == np.float32
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-4)
    metrics = read_json(folder / "metrics" / f"{name}.json")
    accuracy = float(np.mean(arrays["val"].argmax(axis=1) == y_val))
    assert metrics["val_accuracy"] == pytest.approx(accuracy, abs=1e-6)
    return arrays


# --------------------------------------------------------------------------- train_lr


def test_train_lr(run_stage: StageRunner, prepared: Path) -> None:
    run_stage("train_lr", *training_args(prepared, "lr", "flat", live=False))
    folder = run_stage.cwd
    metrics = read_json(folder / "metrics" / "lr.json")
    assert list(metrics) == [
        "val_accuracy", "val_loss", "params", "iterations",
    ]  # fmt: skip
    assert len(set(np.load(prepared / "split" / "y_train.npy").tolist())) == 10
    assert metrics["val_accuracy"] > 0.80, metrics
    assert metrics["params"] == 7850
    timings = read_json(folder / "timings" / "lr.json")
    assert timings["fit_seconds"] > 0 and timings["images_per_second"] > 0
    arrays = check_predictions(folder, "lr", prepared)

    model = joblib.load(folder / "models" / "lr.joblib")
    x_test = np.load(prepared / "features" / "flat" / "test.npy")
    assert list(model.classes_) == list(range(10))
    np.testing.assert_allclose(model.predict_proba(x_test), arrays["test"], atol=1e-5)


def save_npy(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, array)


def test_train_lr_with_a_digit_missing_from_the_training_split(
    call_stage: InProcessRunner, digits
) -> None:
    """A tiny sample can leave a digit out of y_train: its probability column is 0 on the
    validation rows, and the refit on all sampled rows (which include it) learns it."""
    labels, pixels = digits
    rng = np.random.default_rng(0)
    rows = rng.permutation(len(labels))
    train_rows = [r for r in rows if labels[r] != 9][:200]
    val_rows = list(rows[-60:])
    assert 9 in labels[val_rows]
    folder = call_stage.cwd
    for name, picked in (("train", train_rows), ("val", val_rows), ("test", rows[:30])):
        save_npy(folder / "flat" / f"{name}.npy", pixels[picked].astype(np.float32) / 255)
    save_npy(folder / "split" / "y_train.npy", labels[train_rows])
    save_npy(folder / "split" / "y_val.npy", labels[val_rows])
    args = [
        "--features", "flat", "--split", "split", "--model", "lr.joblib",
        "--predictions", "lr.npz", "--metrics", "lr.json", "--timings", "lr-timings.json",
    ]  # fmt: skip
    result = call_stage("train_lr", *args)
    assert result.returncode == 0, result.stderr
    with np.load(folder / "lr.npz") as data:
        val, test = data["val"], data["test"]
    assert val.shape == (60, 10) and test.shape == (30, 10)
    assert np.all(val[:, 9] == 0)
    assert list(joblib.load(folder / "lr.joblib").classes_) == list(range(10))
    assert test[:, 9].max() > 0


# --------------------------------------------------------------------------- Keras


def test_misspelt_activation_is_a_one_line_error(run_stage: StageRunner, prepared: Path):
    run_stage.params(tiny_params({"train_mlp.activation": "rellu"}))
    result = run_stage("train_mlp", *training_args(prepared, "mlp", "flat"), ok=None)
    message = stage_error(result, "train_mlp")
    assert "train_mlp.activation" in message


def history_frame(folder: Path, name: str) -> pd.DataFrame:
    """The per-epoch history DVCLive wrote to live/NAME, as evaluate reads it."""
    history = read_history(folder / "live" / name)
    assert list(history.columns) == [
        "epoch", "loss", "accuracy", "val_loss", "val_accuracy",
    ]  # fmt: skip
    return history


@pytest.fixture(scope="module")
def keras_runs(tmp_path_factory: pytest.TempPathFactory, prepared: Path) -> dict[str, list[Path]]:
    """train_mlp, train_cnn and train_cnn_aug, each twice with the same tiny params, in
    separate folders.

    The second run sends 3 batches per call into TensorFlow (`steps_per_execution`), which
    must change nothing but speed.
    """
    runs: dict[str, list[Path]] = {name: [] for name, _ in KERAS_MODELS}
    for name, kind in KERAS_MODELS:
        for steps_per_execution in (1, 3):
            folder = tmp_path_factory.mktemp(f"{name}-{steps_per_execution}")
            runner = StageRunner(folder)
            runner.params(**{f"train_{name}__steps_per_execution": steps_per_execution})
            # as a user runs it: no log-level variable, progress lines on
            result = runner(
                f"train_{name}", *training_args(prepared, name, kind),
                TF_CPP_MIN_LOG_LEVEL=None, DIGITS_QUIET=None,
            )  # fmt: skip
            (folder / "stdout.txt").write_text(result.stdout)
            (folder / "stderr.txt").write_text(result.stderr)
            runs[name].append(folder)
    return runs


@pytest.mark.parametrize("name", ["mlp", "cnn", "cnn_aug"])
def test_keras_stage_prints_its_progress_and_nothing_else(keras_runs, name: str) -> None:
    """TensorFlow's start-up notices (absl, oneDNN) do not reach the user's terminal."""
    folder = keras_runs[name][0]
    assert (folder / "stderr.txt").read_text() == ""
    lines = (folder / "stdout.txt").read_text().splitlines()
    epochs = TINY_PARAMS[f"train_{name}"]["epochs"]
    assert [line.split()[1] for line in lines[:-1]] == [
        f"{e}/{epochs}" for e in range(1, epochs + 1)
    ]
    assert lines[-1].startswith(f"{name}: val_accuracy ")


@pytest.mark.parametrize("name", ["mlp", "cnn", "cnn_aug"])
def test_train_keras_outputs(keras_runs: dict[str, list[Path]], prepared: Path, name: str):
    folder = keras_runs[name][0]
    epochs = TINY_PARAMS[f"train_{name}"]["epochs"]
    history = history_frame(folder, name)
    assert history["epoch"].tolist() == list(range(1, epochs + 1))
    assert history[["loss", "accuracy", "val_loss", "val_accuracy"]].notna().all().all()
    timings = read_json(folder / "timings" / f"{name}.json")  # out of the metrics: not in git
    assert len(timings["epoch_seconds"]) == epochs and min(timings["epoch_seconds"]) > 0
    assert timings["fit_seconds"] > 0 and timings["images_per_second"] > 0

    values = read_json(folder / "metrics" / f"{name}.json")
    keys = ["val_accuracy", "val_loss", "params", "epochs", "precision"]
    if name == "cnn_aug":  # its numbers depend on the kind of CPU (docs/results.md#which-cpu)
        keys.append("cpu")
        assert values["cpu"] == cpu_kind()
    assert list(values) == keys  # the same keys for every network: one row each in metrics show
    assert values["precision"] == "float32"  # params.yaml's default
    assert values["epochs"] == epochs
    assert values["val_accuracy"] > 0.2  # well above chance (0.1) even after a tiny fit
    assert values["val_accuracy"] == pytest.approx(history["val_accuracy"].iloc[-1], abs=1e-4)
    assert values["val_loss"] == pytest.approx(history["val_loss"].iloc[-1], rel=1e-3)
    check_predictions(folder, name, prepared)

    model = folder / "models" / f"{name}.keras"
    with zipfile.ZipFile(model) as bundle:  # the Keras 3 format: a zip with config + weights
        assert {"config.json", "model.weights.h5"} <= set(bundle.namelist())
        config = json.loads(bundle.read("config.json"))
    assert config["config"]["name"] == name


# --------------------------------------------------------------------------- precision


def layer_policies(model: Path) -> list[str]:
    """The dtype policy of each layer but the input in a saved `.keras` file, from its config."""
    with zipfile.ZipFile(model) as bundle:
        layers = json.loads(bundle.read("config.json"))["config"]["layers"]
    return [
        layer["config"]["dtype"]["config"]["name"]
        for layer in layers
        if layer["class_name"] != "InputLayer"  # its dtype is that of the data: float32
    ]


@pytest.mark.parametrize(("name", "kind"), KERAS_MODELS)
def test_bfloat16_run_writes_what_a_float32_run_writes(
    keras_runs, prepared: Path, tmp_path: Path, name: str, kind: str
) -> None:
    """`precision: mixed_bfloat16`: the same files, metrics keys, history columns and
    probability arrays as float32, with the precision recorded; the softmax stays float32."""
    runner = StageRunner(tmp_path)
    runner.params(**{f"train_{name}__precision": "mixed_bfloat16"})
    runner(f"train_{name}", *training_args(prepared, name, kind))
    reference = keras_runs[name][0]
    outputs = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*"))
    assert outputs == sorted(
        p.relative_to(reference).as_posix()
        for p in reference.rglob("*.*")
        if p.name not in ("stdout.txt", "stderr.txt")
    )
    bf16, f32 = (
        read_json(tmp_path / "metrics" / f"{name}.json"),
        read_json(reference / "metrics" / f"{name}.json"),
    )
    assert list(bf16) == list(f32)
    assert (bf16["precision"], f32["precision"]) == ("mixed_bfloat16", "float32")
    assert bf16["params"] == f32["params"] and bf16["epochs"] == f32["epochs"]
    assert bf16["val_accuracy"] > 0.2
    assert list(history_frame(tmp_path, name).columns) == list(history_frame(reference, name))
    check_predictions(tmp_path, name, prepared)  # float32 probabilities summing to 1

    policies = layer_policies(tmp_path / "models" / f"{name}.keras")
    assert policies[-1] == "float32"  # the softmax output
    assert set(policies[:-1]) == {"mixed_bfloat16"}
    assert set(layer_policies(reference / "models" / f"{name}.keras")) == {"float32"}


def test_auto_precision_records_what_it_chose(prepared: Path, tmp_path: Path) -> None:
    """`auto` trains in what resolve_precision picks for this machine, and records that."""
    runner = StageRunner(tmp_path)
    runner.params(train_mlp__precision="auto")
    runner("train_mlp", *training_args(prepared, "mlp", "flat"))
    keras_backend(0)  # TensorFlow, to look for a GPU as the stage did
    chosen = resolve_precision("auto", "mlp", cpu_flags(), has_bf16_gpu())
    assert read_json(tmp_path / "metrics" / "mlp.json")["precision"] == chosen


# --------------------------------------------------------------------------- divergence


@pytest.mark.parametrize(("name", "kind"), KERAS_MODELS)
def test_a_diverging_network_stops_before_saving_anything(
    prepared: Path, tmp_path: Path, name: str, kind: str
) -> None:
    """A learning rate of 1e12 makes the loss NaN in the first epoch: training stops there
    (of 3 epochs), one line naming the param, exit 1, and the outputs of an earlier run byte
    for byte as they were (DVCLive's folder too: the NaN epoch is not logged)."""
    runner = StageRunner(tmp_path)
    runner.params(**{f"train_{name}__learning_rate": 1e12, f"train_{name}__epochs": 3})
    args = training_args(prepared, name, kind)
    outputs = [tmp_path / args[i + 1] for i, arg in enumerate(args) if arg in OUTPUT_OPTIONS]
    for number, path in enumerate(outputs):  # an earlier run's files
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"earlier output {number}".encode())
    before = snapshot(outputs)

    result = runner(f"train_{name}", *args, ok=None, DIGITS_QUIET=None)
    assert [line.split()[:2] for line in result.stdout.splitlines()] == [["epoch", "1/3"]]
    message = stage_error(result, f"train_{name}")
    assert message == (
        f"loss became nan in epoch 1: nothing saved (lower train_{name}.learning_rate)"
    )
    assert snapshot(outputs) == before
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        ["params.yaml", *(p.name for p in outputs)]
    )  # no temporary files left


@pytest.mark.parametrize("name", ["mlp", "cnn", "cnn_aug"])
def test_train_keras_is_reproducible(keras_runs: dict[str, list[Path]], name: str):
    """Same params, same bytes; `steps_per_execution` 1 or 3 gives identical results: metrics,
    history, probabilities and the weights inside the model file."""
    first, second = keras_runs[name]
    live = [f"live/{name}/metrics.json", f"live/{name}/plots/metrics/eval/accuracy.tsv"]
    for output in (f"metrics/{name}.json", *live, f"predictions/{name}.npz"):
        assert (first / output).read_bytes() == (second / output).read_bytes(), output
    weights = []
    for folder in (first, second):
        with zipfile.ZipFile(folder / "models" / f"{name}.keras") as bundle:
            weights.append(bundle.read("model.weights.h5"))
    assert weights[0] == weights[1]


@pytest.mark.parametrize(("name", "kind"), KERAS_MODELS)
def test_saved_model_reloads_and_predicts_the_same(
    keras_runs, prepared: Path, name: str, kind: str
) -> None:
    """The `.keras` file (zipped by save_keras_model) loads with Keras and predicts the same."""
    keras = keras_backend(0)
    folder = keras_runs[name][0]
    model = keras.models.load_model(folder / "models" / f"{name}.keras")
    assert len(model.optimizer.variables) > 1  # Adam's state came along, as with model.save
    x_val = np.load(prepared / "features" / kind / "val.npy")
    with np.load(folder / "predictions" / f"{name}.npz") as data:
        saved = data["val"]
    np.testing.assert_allclose(model.predict(x_val, verbose=0), saved, atol=1e-5)


def test_augmentation_is_inactive_at_prediction(keras_runs, prepared: Path) -> None:
    """The strong CNN's random rotation, zoom and shift change digits in training only: the
    same image gets the same probabilities twice in a batch, and predicting again changes
    nothing."""
    keras = keras_backend(0)
    model = keras.models.load_model(keras_runs["cnn_aug"][0] / "models" / "cnn_aug.keras")
    x_val = np.load(prepared / "features" / "images" / "val.npy")[:16]
    augment = keras.Sequential(model.layers[:3])
    assert [type(layer).__name__ for layer in augment.layers] == [
        "RandomRotation", "RandomZoom", "RandomTranslation",
    ]  # fmt: skip
    np.testing.assert_array_equal(np.asarray(augment(x_val, training=False)), x_val)
    assert not np.allclose(np.asarray(augment(x_val, training=True)), x_val)

    twice = model.predict(np.concatenate([x_val[:1], x_val[:1]]), verbose=0)
    np.testing.assert_array_equal(twice[0], twice[1])
    np.testing.assert_array_equal(model.predict(x_val, verbose=0), model.predict(x_val, verbose=0))


def test_test_time_augmentation_averages_fixed_views(
    keras_runs, prepared: Path, tmp_path: Path
) -> None:
    """`tta: 2`: the same training (the same weights), then each saved probability is the mean
    over the plain digit and two fixed views of it; the model file records the views, and
    `digits predict`'s loader applies them."""
    from digit_recognizer.predict.loading import keras_classifier
    from digit_recognizer.predict.tta import Views, moved

    runner = StageRunner(tmp_path)
    runner.params(train_cnn__tta=2, train_cnn__tta_seed=5)
    runner("train_cnn", *training_args(prepared, "cnn", "images"))
    plain, path = keras_runs["cnn"][0], tmp_path / "models" / "cnn.keras"
    bundles = [zipfile.ZipFile(folder / "models" / "cnn.keras") for folder in (plain, tmp_path)]
    assert bundles[0].read("model.weights.h5") == bundles[1].read("model.weights.h5")
    metadata = json.loads(bundles[1].read("metadata.json"))
    assert metadata["test_time_augmentation"] == {"count": 2, "seed": 5}
    assert "test_time_augmentation" not in json.loads(bundles[0].read("metadata.json"))

    model = keras_backend(0).models.load_model(path)
    x_val = np.load(prepared / "features" / "images" / "val.npy")
    views = [x_val] + [moved(x_val, r, s) for r, s in Views(2, 5).moves()]
    by_hand = np.mean([model.predict(x, verbose=0) for x in views], axis=0)
    saved = check_predictions(tmp_path, "cnn", prepared)
    np.testing.assert_allclose(saved["val"], by_hand, atol=1e-5)
    with np.load(plain / "predictions" / "cnn.npz") as untouched:
        assert not np.allclose(saved["val"], untouched["val"], atol=1e-4)
    np.testing.assert_allclose(keras_classifier(path)(x_val), saved["val"], atol=1e-5)


@pytest.mark.parametrize(("name", "kind"), [("mlp", "flat"), ("cnn_aug", "images")])
def test_refit_full_trains_again_on_every_row_for_the_submission(
    keras_runs, prepared: Path, tmp_path: Path, name: str, kind: str
) -> None:
    """`refit_full: true`: the metrics, the per-epoch history and the validation probabilities
    are the split run's; the model file and the test probabilities come from a network
    trained as many epochs on the training and validation rows together."""
    runner = StageRunner(tmp_path)
    runner.params(**{f"train_{name}__refit_full": True, f"train_{name}__steps_per_execution": 1})
    result = runner(f"train_{name}", *training_args(prepared, name, kind), DIGITS_QUIET=None)
    epochs = TINY_PARAMS[f"train_{name}"]["epochs"]
    rows = sum(len(np.load(prepared / "split" / f"y_{part}.npy")) for part in ("train", "val"))
    assert f"refit_full: {epochs} epochs on all {rows} sampled rows" in result.stdout.splitlines()

    split = keras_runs[name][0]  # the same params without refit_full
    metrics = read_json(tmp_path / "metrics" / f"{name}.json")
    assert metrics == read_json(split / "metrics" / f"{name}.json") | {"refit_full": True}
    pd.testing.assert_frame_equal(history_frame(tmp_path, name), history_frame(split, name))
    refit = check_predictions(tmp_path, name, prepared)
    with np.load(split / "predictions" / f"{name}.npz") as plain:
        np.testing.assert_array_equal(refit["val"], plain["val"])
        assert not np.allclose(refit["test"], plain["test"], atol=1e-3)
    model = keras_backend(0).models.load_model(tmp_path / "models" / f"{name}.keras")
    x_test = np.load(prepared / "features" / kind / "test.npy")
    np.testing.assert_allclose(model.predict(x_test, verbose=0), refit["test"], atol=1e-5)


def test_refit_full_needs_one_device(prepared: Path, tmp_path: Path) -> None:
    """A network trained across devices cannot be refit: one line before any training."""
    runner = StageRunner(tmp_path)
    runner.params(train_cnn__refit_full=True, train_cnn__distribute="mirrored")
    result = runner("train_cnn", *training_args(prepared, "cnn", "images"), ok=None)
    assert stage_error(result, "train_cnn") == (
        "params.yaml: train_cnn.refit_full: true needs train_cnn.distribute: none (got mirrored)"
    )
    assert result.stdout == ""
    assert not (tmp_path / "models").exists()


def test_seed_argument_replaces_the_params_seed(keras_runs, prepared: Path, tmp_path: Path):
    """dvc.yaml's matrix passes `--seed`: with it, train_cnn_aug.seed is not used."""
    runner = StageRunner(tmp_path)
    runner.params(train_cnn_aug__seed=TINY_PARAMS["train_cnn_aug"]["seed"] + 4)
    seed = str(TINY_PARAMS["train_cnn_aug"]["seed"])
    runner("train_cnn_aug", *training_args(prepared, "cnn_aug", "images"), "--seed", seed)
    output = "predictions/cnn_aug.npz"
    assert (tmp_path / output).read_bytes() == (keras_runs["cnn_aug"][0] / output).read_bytes()


def test_epochs_of_at_most_max_epoch_rows(keras_runs, prepared: Path, tmp_path: Path) -> None:
    """max_epoch_rows at the number of training rows leaves an epoch one pass (the default
    run's bytes); below it, an epoch is that many rows of a reshuffled stream, in whole
    batches: as many epochs, another model; the timings count the digits trained on."""
    rows = len(np.load(prepared / "split" / "y_train.npy"))
    epochs, batch = (TINY_PARAMS["train_cnn_aug"][key] for key in ("epochs", "batch_size"))
    outputs = {}
    for limit, epoch_images in ((rows, rows), (rows // 6, math.ceil(rows / 6 / batch) * batch)):
        folder = tmp_path / str(limit)
        folder.mkdir()
        runner = StageRunner(folder)
        runner.params(train_cnn_aug__steps_per_execution=1, train_cnn_aug__max_epoch_rows=limit)
        runner("train_cnn_aug", *training_args(prepared, "cnn_aug", "images"))
        outputs[limit] = (folder / "predictions" / "cnn_aug.npz").read_bytes()
        assert len(history_frame(folder, "cnn_aug")) == epochs
        assert read_json(folder / "timings" / "cnn_aug.json")["images"] == epochs * epoch_images
    default = (keras_runs["cnn_aug"][0] / "predictions" / "cnn_aug.npz").read_bytes()
    assert outputs[rows] == default
    assert outputs[rows // 6] != default


def test_validation_after_each_epoch_on_at_most_max_epoch_val_rows(
    keras_runs, prepared: Path, tmp_path: Path
) -> None:
    """max_epoch_val_rows changes what the history checks after each epoch (the first rows),
    not the training: the same model and predictions; the metrics still score every row."""
    y_val = np.load(prepared / "split" / "y_val.npy")
    checked = len(y_val) // 4
    runner = StageRunner(tmp_path)
    runner.params(train_cnn_aug__max_epoch_val_rows=checked)
    runner("train_cnn_aug", *training_args(prepared, "cnn_aug", "images"))
    default = keras_runs["cnn_aug"][0]
    for output in ("predictions/cnn_aug.npz", "metrics/cnn_aug.json"):
        assert (tmp_path / output).read_bytes() == (default / output).read_bytes(), output
    ours, theirs = history_frame(tmp_path, "cnn_aug"), history_frame(default, "cnn_aug")
    pd.testing.assert_frame_equal(ours[["loss", "accuracy"]], theirs[["loss", "accuracy"]])
    with np.load(tmp_path / "predictions" / "cnn_aug.npz") as saved:
        first = np.mean(saved["val"][:checked].argmax(axis=1) == y_val[:checked])
    assert ours["val_accuracy"].iloc[-1] == pytest.approx(first, abs=1e-4)
    assert (ours["val_accuracy"] * checked).round(3).map(float.is_integer).all()
    timings = read_json(tmp_path / "timings" / "cnn_aug.json")  # what bench/report.py floors
    assert timings["val_images"] == len(ours) * checked
    assert read_json(default / "timings" / "cnn_aug.json")["val_images"] == len(theirs) * len(y_val)


# --------------------------------------------------------------------------- model sizes


def test_default_models_have_the_notebook_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    """params.yaml's networks: 12,587,950 (dense) and 454,922 (CNN) parameters."""
    monkeypatch.chdir(PROJECT)  # read_params reads ./params.yaml: the committed one
    mlp = read_params(MlpParams, "train_mlp")
    cnn = read_params(CnnParams, "train_cnn")
    keras = keras_backend(mlp.seed)
    dense = build_mlp(keras, mlp)
    assert dense.count_params() == 12_587_950
    conv = build_cnn(keras, cnn)
    assert conv.count_params() == 454_922
    assert conv.output_shape == (None, 10) and dense.output_shape == (None, 10)


def test_default_strong_cnn(monkeypatch: pytest.MonkeyPatch) -> None:
    """params.yaml's strong CNN: augmentation, two blocks of two 3x3 convolutions with batch
    norm, 468,778 parameters."""
    monkeypatch.chdir(PROJECT)
    params = read_params(CnnAugParams, "train_cnn_aug")
    model = build_cnn_aug(keras_backend(params.seed), params)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds[:3] == ["RandomRotation", "RandomZoom", "RandomTranslation"]
    assert kinds.count("Conv2D") == 4 and kinds.count("BatchNormalization") == 5
    assert model.count_params() == 468_778
    assert model.output_shape == (None, 10)
