"""sample, split, reshape and the three training stages, through their real command lines.

A module fixture runs sample -> split -> reshape once on real bundled digits; the training
tests read those arrays and write their own outputs in a temp dir.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import (
    PROJECT,
    InProcessRunner,
    StageRunner,
    params_with,
    stage_error,
    write_kaggle_csvs,
    write_params,
)
from sklearn.model_selection import train_test_split

N_TRAIN_CSV, N_TEST_CSV = 800, 120  # rows of the prepared train.csv / test.csv
PREPARED_PARAMS = {"sample_fraction": 1.0}  # all 800 rows: 600 train, 200 validation


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


def sample(runner: StageRunner | InProcessRunner, train: Path, out: str = "sample", **kw):
    return runner("sample", "--train", train, "--out", out, "--metrics", "m/sample.json", **kw)


def split(runner: StageRunner | InProcessRunner, sample_dir: Path, out: str = "split", **kw):
    return runner("split", "--sample", sample_dir, "--out", out, "--metrics", "m/split.json", **kw)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """raw/{train,test}.csv of real digits, then sample, split and reshape as in dvc.yaml."""
    root = tmp_path_factory.mktemp("prepared")
    runner = StageRunner(root)
    runner.params(params_with(PREPARED_PARAMS))
    write_kaggle_csvs(root / "raw", n_train=N_TRAIN_CSV, n_test=N_TEST_CSV)
    sample(runner, root / "raw" / "train.csv")
    split(runner, root / "sample")
    runner(
        "reshape",
        "--split", "split", "--test", "raw/test.csv",
        "--flat", "features/flat", "--images", "features/images",
    )  # fmt: skip
    return root


# --------------------------------------------------------------------------- sample


def test_sample_is_pandas_sample(run_stage: StageRunner, prepared: Path) -> None:
    """Same rows, in the same order, as the notebook's `train.sample(frac, random_state)`."""
    run_stage.params(params_with({"sample_fraction": 0.3, "sample.seed": 5}))
    train_csv = prepared / "raw" / "train.csv"
    assert sample(run_stage, train_csv).stderr == ""

    expected = pd.read_csv(train_csv).sample(frac=0.3, random_state=5)
    out = run_stage.cwd / "sample"
    rows, labels, pixels = (np.load(out / f"{n}.npy") for n in ("rows", "labels", "pixels"))
    assert rows.tolist() == expected.index.tolist()
    assert len(rows) == round(0.3 * N_TRAIN_CSV)
    assert labels.dtype == np.uint8 and pixels.dtype == np.uint8
    assert np.array_equal(labels, expected["label"].to_numpy())
    assert np.array_equal(pixels, expected.drop(columns="label").to_numpy())

    metrics = read_json(run_stage.cwd / "m" / "sample.json")["sample"]
    assert metrics["rows"] == len(rows)
    counts = expected["label"].value_counts()
    assert metrics["class_counts"] == {str(d): int(counts.get(d, 0)) for d in range(10)}


def test_sample_seed_changes_the_rows(run_stage: StageRunner, prepared: Path) -> None:
    run_stage.params(params_with({"sample_fraction": 0.3, "sample.seed": 6}))
    sample(run_stage, prepared / "raw" / "train.csv")
    rows = np.load(run_stage.cwd / "sample" / "rows.npy")
    expected = pd.Series(range(N_TRAIN_CSV)).sample(frac=0.3, random_state=5)
    assert len(rows) == len(expected) and rows.tolist() != expected.tolist()


@pytest.mark.parametrize("fraction", [0, 1.01, "0.5", -1])
def test_sample_fraction_is_validated(
    call_stage: InProcessRunner, prepared: Path, fraction: object
) -> None:
    write_params(call_stage.cwd, params_with({"sample_fraction": fraction}))
    message = stage_error(sample(call_stage, prepared / "raw" / "train.csv"), "sample")
    assert message.startswith("params.yaml: sample_fraction must be a number in (0.0, 1.0]")
    assert not (call_stage.cwd / "sample").exists()


def test_sample_fraction_too_small_for_the_rows(call_stage: InProcessRunner, tmp_path) -> None:
    write_kaggle_csvs(tmp_path / "raw", n_train=20, n_test=2)
    write_params(call_stage.cwd, params_with({"sample_fraction": 0.01}))
    message = stage_error(sample(call_stage, tmp_path / "raw" / "train.csv"), "sample")
    assert "leaves no rows" in message and "20 rows" in message


def test_sample_without_train_csv(call_stage: InProcessRunner) -> None:
    message = stage_error(sample(call_stage, Path("raw/train.csv")), "sample")
    assert message.startswith("raw/train.csv: not found")


# --------------------------------------------------------------------------- split


def test_split_is_train_test_split(prepared: Path) -> None:
    pixels = np.load(prepared / "sample" / "pixels.npy")
    labels = np.load(prepared / "sample" / "labels.npy")
    expected = train_test_split(pixels, labels, test_size=0.25, random_state=2)
    names = ("x_train", "x_val", "y_train", "y_val")
    for name, array in zip(names, expected, strict=True):
        got = np.load(prepared / "split" / f"{name}.npy")
        assert got.dtype == np.uint8
        assert np.array_equal(got, array), name

    metrics = read_json(prepared / "m" / "split.json")["split"]
    assert (metrics["train_rows"], metrics["val_rows"]) == (600, 200)
    assert sum(metrics["train_class_counts"].values()) == 600
    assert sum(metrics["val_class_counts"].values()) == 200


def test_split_stratify(run_stage: StageRunner, prepared: Path) -> None:
    run_stage.params(params_with({"split.stratify": True}))
    split(run_stage, prepared / "sample")
    labels = np.load(prepared / "sample" / "labels.npy")
    pixels = np.load(prepared / "sample" / "pixels.npy")
    _, _, _, y_val = train_test_split(
        pixels, labels, test_size=0.25, random_state=2, stratify=labels
    )
    got = np.load(run_stage.cwd / "split" / "y_val.npy")
    assert np.array_equal(got, y_val)

    # each class is split 3:1, to within one row (plain random splitting is not)
    total = np.bincount(labels, minlength=10)
    val = np.bincount(got, minlength=10)
    assert np.all(np.abs(val - total * 0.25) <= 1), (val, total)
    plain = np.bincount(np.load(prepared / "split" / "y_val.npy"), minlength=10)
    assert np.abs(plain - total * 0.25).max() > 1

    metrics = read_json(run_stage.cwd / "m" / "split.json")["split"]
    assert metrics["val_class_counts"] == {str(d): int(val[d]) for d in range(10)}


def test_split_that_cannot_be_stratified(call_stage: InProcessRunner, digits) -> None:
    labels, pixels = digits
    rows = np.r_[np.flatnonzero(labels == 1)[:10], np.flatnonzero(labels == 7)[:1]]
    (call_stage.cwd / "few").mkdir()
    np.save(call_stage.cwd / "few" / "pixels.npy", pixels[rows])
    np.save(call_stage.cwd / "few" / "labels.npy", labels[rows])
    write_params(call_stage.cwd, params_with({"split.stratify": True}))
    message = stage_error(split(call_stage, Path("few")), "split")
    assert message.startswith("split: cannot split 11 sampled rows")


def test_split_without_sample(call_stage: InProcessRunner) -> None:
    message = stage_error(split(call_stage, Path("nothing")), "split")
    assert message.startswith("nothing/pixels.npy: not found")


# --------------------------------------------------------------------------- reshape


def test_reshape(prepared: Path) -> None:
    test_pixels = pd.read_csv(prepared / "raw" / "test.csv").to_numpy()
    sources = {
        "train": np.load(prepared / "split" / "x_train.npy"),
        "val": np.load(prepared / "split" / "x_val.npy"),
        "test": test_pixels,
    }
    for name, pixels in sources.items():
        flat = np.load(prepared / "features" / "flat" / f"{name}.npy")
        images = np.load(prepared / "features" / "images" / f"{name}.npy")
        n = len(pixels)
        assert flat.dtype == np.float32 and images.dtype == np.float32
        # row-major on disk: the training stages read rows of the memory-mapped files
        assert flat.flags.c_contiguous and images.flags.c_contiguous
        assert flat.shape == (n, 784) and images.shape == (n, 28, 28, 1)
        assert flat.min() >= 0.0 and flat.max() <= 1.0 and flat.max() > 0.99
        np.testing.assert_allclose(flat, pixels / 255.0, rtol=1e-6)
        # pixel k sits at row k // 28, column k % 28
        assert np.array_equal(images[:, 3, 5, 0], flat[:, 3 * 28 + 5])
        assert np.array_equal(images.reshape(n, 784), flat)
    assert len(np.load(prepared / "features" / "flat" / "test.npy")) == N_TEST_CSV


def test_read_rows_reads_memory_mapped_rows_from_the_file(tmp_path: Path) -> None:
    from stages.common import load_array, read_rows

    array = np.arange(7 * 3 * 2, dtype=np.float32).reshape(7, 3, 2)
    np.save(tmp_path / "a.npy", array)
    mapped = load_array(tmp_path / "a.npy")
    for start, rows in ((0, 7), (2, 3), (6, 1)):
        expected = array[start : start + rows]
        np.testing.assert_array_equal(read_rows(mapped, start, rows), expected)
        np.testing.assert_array_equal(read_rows(array, start, rows), expected)
    np.save(tmp_path / "f.npy", np.asfortranarray(array[:, :, 0]))
    fortran = load_array(tmp_path / "f.npy")
    np.testing.assert_array_equal(read_rows(fortran, 4, 3), array[4:7, :, 0])


# --------------------------------------------------------------------------- training


def training_args(prepared: Path, name: str, kind: str, history: bool = True) -> list[str]:
    args = [
        "--features", str(prepared / "features" / kind),
        "--split", str(prepared / "split"),
        "--model", f"models/{name}.{'joblib' if name == 'lr' else 'keras'}",
        "--predictions", f"predictions/{name}.npz",
        "--metrics", f"metrics/{name}.json",
    ]  # fmt: skip
    if history:
        args += ["--history", f"history/{name}.csv"]
    return args


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
    metrics = read_json(folder / "metrics" / f"{name}.json")[name]
    accuracy = float(np.mean(arrays["val"].argmax(axis=1) == y_val))
    assert metrics["val_accuracy"] == pytest.approx(accuracy, abs=1e-6)
    assert (metrics["train_rows"], metrics["val_rows"]) == (600, 200)
    return arrays


def test_train_lr(run_stage: StageRunner, prepared: Path) -> None:
    run_stage("train_lr", *training_args(prepared, "lr", "flat", history=False))
    folder = run_stage.cwd
    metrics = read_json(folder / "metrics" / "lr.json")
    assert list(metrics) == ["lr"]
    assert len(set(np.load(prepared / "split" / "y_train.npy").tolist())) == 10
    assert metrics["lr"]["val_accuracy"] > 0.80, metrics
    assert metrics["lr"]["params"] == 7850
    arrays = check_predictions(folder, "lr", prepared)

    model = joblib.load(folder / "models" / "lr.joblib")
    x_test = np.load(prepared / "features" / "flat" / "test.npy")
    assert list(model.classes_) == list(range(10))
    np.testing.assert_allclose(model.predict_proba(x_test), arrays["test"], atol=1e-5)


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
        "--predictions", "lr.npz", "--metrics", "lr.json",
    ]  # fmt: skip
    result = call_stage("train_lr", *args)
    assert result.returncode == 0, result.stderr
    with np.load(folder / "lr.npz") as data:
        val, test = data["val"], data["test"]
    assert val.shape == (60, 10) and test.shape == (30, 10)
    assert np.all(val[:, 9] == 0)
    assert list(joblib.load(folder / "lr.joblib").classes_) == list(range(10))
    assert test[:, 9].max() > 0


def save_npy(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, array)


def test_misspelt_activation_is_a_one_line_error(run_stage: StageRunner, prepared: Path):
    run_stage.params(params_with({"train_mlp.activation": "rellu"}))
    result = run_stage("train_mlp", *training_args(prepared, "mlp", "flat"), ok=None)
    message = stage_error(result, "train_mlp")
    assert "train_mlp.activation" in message


def history_frame(folder: Path, name: str) -> pd.DataFrame:
    history = pd.read_csv(folder / "history" / f"{name}.csv")
    assert list(history.columns) == [
        "epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds",
    ]  # fmt: skip
    return history


@pytest.fixture(scope="module")
def keras_runs(tmp_path_factory: pytest.TempPathFactory, prepared: Path) -> dict[str, list[Path]]:
    """train_mlp and train_cnn, each twice with the same tiny params, in separate folders.

    The second run sends 3 batches per call into TensorFlow (`steps_per_execution`), which
    must change nothing but speed.
    """
    runs: dict[str, list[Path]] = {"mlp": [], "cnn": []}
    for name, kind in (("mlp", "flat"), ("cnn", "images")):
        for steps_per_execution in (1, 3):
            folder = tmp_path_factory.mktemp(f"{name}-{steps_per_execution}")
            runner = StageRunner(folder)
            runner.params(**{f"train_{name}__steps_per_execution": steps_per_execution})
            runner(f"train_{name}", *training_args(prepared, name, kind))
            runs[name].append(folder)
    return runs


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_train_keras_outputs(keras_runs: dict[str, list[Path]], prepared: Path, name: str):
    from conftest import TINY_PARAMS

    folder = keras_runs[name][0]
    epochs = TINY_PARAMS[f"train_{name}"]["epochs"]
    history = history_frame(folder, name)
    assert history["epoch"].tolist() == list(range(1, epochs + 1))
    assert (history["seconds"] > 0).all()
    assert history[["loss", "accuracy", "val_loss", "val_accuracy"]].notna().all().all()

    metrics = read_json(folder / "metrics" / f"{name}.json")
    assert list(metrics) == [name]
    values = metrics[name]
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


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_train_keras_is_reproducible(keras_runs: dict[str, list[Path]], name: str):
    """Same params, same numbers; `steps_per_execution` 1 or 3 gives identical results."""
    first, second = (read_json(f / "metrics" / f"{name}.json")[name] for f in keras_runs[name])
    assert first["val_accuracy"] == second["val_accuracy"]
    assert first["val_loss"] == second["val_loss"]
    columns = ["loss", "accuracy", "val_loss", "val_accuracy"]
    histories = [history_frame(f, name)[columns] for f in keras_runs[name]]
    pd.testing.assert_frame_equal(*histories)
    predictions = [np.load(f / "predictions" / f"{name}.npz") for f in keras_runs[name]]
    for part in ("val", "test"):
        np.testing.assert_array_equal(predictions[0][part], predictions[1][part])


@pytest.mark.parametrize(("name", "kind"), [("mlp", "flat"), ("cnn", "images")])
def test_saved_model_reloads_and_predicts_the_same(
    keras_runs, prepared: Path, name: str, kind: str
) -> None:
    """The `.keras` file (zipped by save_keras_model) loads with Keras and predicts the same."""
    from stages.common import keras_backend

    keras = keras_backend(0)
    folder = keras_runs[name][0]
    model = keras.models.load_model(folder / "models" / f"{name}.keras")
    assert len(model.optimizer.variables) > 1  # Adam's state came along, as with model.save
    x_val = np.load(prepared / "features" / kind / "val.npy")
    with np.load(folder / "predictions" / f"{name}.npz") as data:
        saved = data["val"]
    np.testing.assert_allclose(model.predict(x_val, verbose=0), saved, atol=1e-5)


def test_training_without_features(call_stage: InProcessRunner, tmp_path: Path) -> None:
    message = stage_error(
        call_stage("train_lr", *training_args(tmp_path / "none", "lr", "flat", history=False)),
        "train_lr",
    )
    assert "flat/train.npy: not found" in message


# --------------------------------------------------------------------------- model sizes


def test_default_models_have_the_notebook_sizes() -> None:
    """params.yaml's networks: 12,587,950 (dense) and 454,922 (CNN) parameters."""
    from stages.common import build_cnn, build_mlp, keras_backend

    params = yaml.safe_load((PROJECT / "params.yaml").read_text())
    mlp, cnn = params["train_mlp"], params["train_cnn"]
    keras = keras_backend(mlp["seed"])
    dense = build_mlp(keras, mlp)
    assert dense.count_params() == 12_587_950
    conv = build_cnn(keras, cnn)
    assert conv.count_params() == 454_922
    assert conv.output_shape == (None, 10) and dense.output_shape == (None, 10)
