"""`digits export` of tiny models trained by the real stages on the prepared real digits.

The module fixture trains lr and the strong CNN (with its three `Random*` augmentation layers)
in this process, as `dvc repro` would, into a models folder; the exports are checked against
them on the answer-key digits of the prepared test.csv (real digits the models never saw).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import onnx
import onnxruntime
import pytest
from kaggle_files import ORDER, real_digits
from stage_commands import N_TEST_CSV, N_TRAIN_CSV, training_args
from stage_runs import describe, in_process_runner, subprocess_env

from digit_recognizer.cli import main
from digit_recognizer.console import PipelineError
from digit_recognizer.export import keras_model
from digit_recognizer.models.lr import LrParams
from digit_recognizer.models.lr import build_model as build_lr
from digit_recognizer.predict.loading import load_model
from digit_recognizer.training.keras_setup import keras_backend

pytestmark = pytest.mark.training

ANSWER_KEY = ORDER[N_TRAIN_CSV : N_TRAIN_CSV + N_TEST_CSV]  # the rows of prepared/raw/test.csv
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory, prepared: Path) -> Path:
    """models/{lr.joblib, cnn_aug.keras} from the training stages, a raw-pixel lr (a Pipeline
    that scales its pixels by 255 and rounds them) and an ensemble.json naming both."""
    root = tmp_path_factory.mktemp("export-models")
    with in_process_runner(root) as runner:
        for name, kind in (("lr", "flat"), ("cnn_aug", "images")):
            args = training_args(prepared, name, kind, live=name != "lr")
            result = runner(f"train_{name}", *args)
            assert result.returncode == 0, describe(result)
    raw = build_lr(LrParams(pixels="raw", max_iter=50, C=1.0, refit_full=False))
    x = np.load(prepared / "features" / "flat" / "train.npy")[:200]
    raw.fit(x, np.load(prepared / "split" / "y_train.npy")[:200])
    joblib.dump(raw, root / "models" / "lr_raw.joblib")
    (root / "models" / "ensemble.json").write_text(
        json.dumps({"members": ["cnn_aug", "cnn_aug_s2", "lr"]})
    )
    return root / "models"


@pytest.fixture(scope="module")
def answer_key() -> tuple[np.ndarray, np.ndarray]:
    """(labels, images (N, 28, 28) float32 in [0, 1]) of the prepared test.csv's digits."""
    labels, pixels = real_digits()
    return labels[ANSWER_KEY], pixels[ANSWER_KEY].reshape(-1, 28, 28).astype(np.float32) / 255


def export(models: Path, capsys, *args: str | Path) -> tuple[int, str, str]:
    """`digits export ARGS --models-dir MODELS` in this process: (exit code, stdout, stderr)."""
    code = main(["export", *map(str, args), "--models-dir", str(models)])
    out, err = capsys.readouterr()
    return code, out, err


def keras_probabilities(path: Path, images: np.ndarray) -> np.ndarray:
    model = keras_backend(0).saving.load_model(path, compile=False)
    return np.asarray(model.predict_on_batch(images[..., None]))


def no_leftovers(folder: Path) -> bool:
    """No temporary file or folder of an export (`.NAME.*`) is left in `folder`."""
    return not [p.name for p in folder.iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------- ONNX


@pytest.fixture(scope="module")
def cnn_aug_onnx(models: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("onnx") / "cnn_aug.onnx"
    assert main(["export", "--model", "cnn_aug", "--format", "onnx", str(out),
                 "--models-dir", str(models)]) == 0  # fmt: skip
    return out


def test_onnx_of_the_strong_cnn_is_its_inference_graph(cnn_aug_onnx: Path) -> None:
    graph = onnx.load(cnn_aug_onnx).graph
    ops = {node.op_type for node in graph.node}
    assert "Conv" in ops and not any("Random" in op or "Projective" in op for op in ops)
    session = onnxruntime.InferenceSession(cnn_aug_onnx)
    (images,) = session.get_inputs()
    assert (images.name, images.type, images.shape[1:]) == ("images", "tensor(float)", [28, 28, 1])
    assert [(o.name, o.shape[1:]) for o in session.get_outputs()] == [("probabilities", [10])]


def test_onnx_predictions_agree_with_keras_on_the_answer_key(
    models: Path, cnn_aug_onnx: Path, answer_key
) -> None:
    labels, images = answer_key
    _, classify = load_model(str(cnn_aug_onnx), models)
    proba = classify(images)
    expected = keras_probabilities(models / "cnn_aug.keras", images)
    np.testing.assert_allclose(proba, expected, atol=TOLERANCE)
    assert proba.argmax(axis=1).tolist() == expected.argmax(axis=1).tolist()
    assert np.mean(expected.argmax(axis=1) == labels) > 0.2  # a trained model, not chance


def test_onnx_predict_does_not_import_tensorflow(
    models: Path, cnn_aug_onnx: Path, prepared: Path, answer_key
) -> None:
    """`digits predict --model OUT.onnx` in a fresh interpreter: onnxruntime alone, the same
    digits as the Keras model."""
    script = (
        "import sys\n"
        "from digit_recognizer.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "loaded = sorted(m for m in ('tensorflow', 'keras', 'tf2onnx') if m in sys.modules)\n"
        "print('loaded:', loaded, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    test_csv = prepared / "raw" / "test.csv"
    args = ["predict", "--model", cnn_aug_onnx, test_csv, "--json"]
    result = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        env=subprocess_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, describe(result)
    assert result.stderr.splitlines() == ["loaded: []"], describe(result)
    digits = [json.loads(line)["digit"] for line in result.stdout.splitlines()]
    expected = keras_probabilities(models / "cnn_aug.keras", answer_key[1])
    assert digits == expected.argmax(axis=1).tolist()


def test_lr_through_skl2onnx_agrees_with_joblib_and_is_byte_identical(
    models: Path, answer_key, tmp_path: Path, capsys
) -> None:
    _, images = answer_key
    outs = [tmp_path / "lr.onnx", tmp_path / "again.onnx"]
    for out in outs:
        code, stdout, _ = export(models, capsys, "--model", "lr", "--format", "onnx", out)
        assert (code, stdout) == (0, f"{out}: onnx of {models / 'lr.joblib'}\n")
    assert outs[0].read_bytes() == outs[1].read_bytes()
    session = onnxruntime.InferenceSession(outs[0])
    assert [(i.name, i.shape[1:]) for i in session.get_inputs()] == [("pixels", [784])]
    flat = images.reshape(len(images), 784)
    label, proba = session.run(["label", "probabilities"], {"pixels": flat})
    expected = joblib.load(models / "lr.joblib").predict_proba(flat)
    np.testing.assert_allclose(proba, expected, atol=TOLERANCE)
    assert label.tolist() == expected.argmax(axis=1).tolist()
    _, classify = load_model(str(outs[0]), models)  # digits predict reads its input shape
    np.testing.assert_allclose(classify(images), expected, atol=TOLERANCE)


# --------------------------------------------------------------------------- SavedModel


def test_saved_model_serves_the_keras_probabilities(
    models: Path, answer_key, tmp_path: Path, capsys
) -> None:
    """Its serving_default signature, as TensorFlow Serving calls it; it replaces a folder
    that was there."""
    import tensorflow as tf

    _, images = answer_key
    out = tmp_path / "digits" / "1"
    out.mkdir(parents=True)
    (out / "stale.txt").write_text("an older export")
    code, stdout, _ = export(models, capsys, "--model", "cnn_aug", "--format", "saved_model", out)
    assert code == 0
    assert stdout == f"{out}: saved_model of {models / 'cnn_aug.keras'} " \
        "(3 augmentation layers left out)\n"  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == [
        "assets", "fingerprint.pb", "saved_model.pb", "variables"
    ]  # fmt: skip
    assert no_leftovers(out.parent)
    serve = tf.saved_model.load(str(out)).signatures["serving_default"]
    (spec,) = serve.structured_input_signature[1].values()
    assert (spec.name, spec.dtype) == ("images", tf.float32)
    assert spec.shape.as_list() == [None, 28, 28, 1]
    proba = serve(images=tf.constant(images[..., None]))["probabilities"].numpy()
    expected = keras_probabilities(models / "cnn_aug.keras", images)
    np.testing.assert_allclose(proba, expected, atol=1e-6)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "ensemble", "--format", "onnx"],
         "{models}/ensemble.json: an ensemble is several models averaged, not one graph; export "
         "its members one by one (--model cnn_aug, {models}/cnn_aug_s2.keras, lr) and average "
         "their probabilities"),
        (["--model", "{models}/lr_raw.joblib", "--format", "onnx"],
         "{models}/lr_raw.joblib: cannot be exported to onnx: skl2onnx could not convert it: "
         "FunctionTransformer is not supported unless the transform function is None (= "
         "identity). You may raise an issue at https://github.com/onnx/sklearn-onnx/issues."),
        (["--model", "lr", "--format", "saved_model"],
         "{models}/lr.joblib: cannot be exported to saved_model: a scikit-learn model is no "
         "TensorFlow graph; use --format onnx"),
        (["--model", "mlp", "--format", "onnx"],
         "{models}/mlp.keras: not found (run the train_mlp stage: dvc repro train_mlp)"),
    ],
)  # fmt: skip
def test_what_cannot_be_exported_is_refused_with_one_line(
    models: Path, tmp_path: Path, capsys, args: list[str], message: str
) -> None:
    """Exit code 1, one line, and the OUT that was there is left as it was."""
    out = tmp_path / "model.onnx"
    out.write_bytes(b"an older export")
    code, stdout, stderr = export(models, capsys, *[a.format(models=models) for a in args], out)
    assert (code, stdout) == (1, "")
    assert stderr == f"digits: error: {message.format(models=models)}\n"
    assert out.read_bytes() == b"an older export" and no_leftovers(tmp_path)


def test_an_onnx_export_needs_an_onnx_file_name(models: Path, tmp_path: Path, capsys) -> None:
    code, _, stderr = export(models, capsys, "--model", "lr", "--format", "onnx", tmp_path / "lr")
    assert code == 1
    assert stderr == f"digits: error: {tmp_path / 'lr'}: expected a file name ending in .onnx " \
        "for --format onnx\n"  # fmt: skip


def test_tf2onnx_errors_on_augmentation_layers_are_raised(models: Path, tmp_path: Path) -> None:
    """tf2onnx writes a file onnxruntime refuses when the Random* layers stay in (it only logs
    the unsupported ops): write_onnx raises them instead, hence the inference model."""
    model = keras_backend(0).saving.load_model(models / "cnn_aug.keras", compile=False)
    model(np.zeros((1, 28, 28, 1), np.float32))
    with pytest.raises(PipelineError, match=r"^tf2onnx could not convert it: .*Unsupported ops"):
        keras_model.write_onnx(model, tmp_path / "full.onnx")


def test_a_bfloat16_model_is_refused_before_converting(tmp_path: Path) -> None:
    """A model trained with precision mixed_bfloat16 converts to a file onnxruntime refuses."""
    keras = keras_backend(0)
    model = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Conv2D(2, 3, dtype="mixed_bfloat16"),
         keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    )  # fmt: skip
    rebuilt, _ = keras_model.inference_model(keras, model)
    with pytest.raises(PipelineError) as error:
        keras_model.write_onnx(rebuilt, tmp_path / "bf16.onnx")
    assert str(error.value) == (
        "its layers compute in mixed_bfloat16; ONNX needs a float32 model "
        "(train it with precision: float32)"
    )
