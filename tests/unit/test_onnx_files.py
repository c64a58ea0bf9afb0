"""ONNX files in `digits predict` (onnxruntime, no TensorFlow), the logistic regression through
skl2onnx, and exports written all or nothing (digit_recognizer/export/output.py)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import joblib
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from sklearn.linear_model import LogisticRegression

from digit_recognizer.console import PipelineError
from digit_recognizer.export import linear
from digit_recognizer.export.output import atomic_output
from digit_recognizer.predict.loading import load_model

IMAGES = np.random.default_rng(0).random((6, 28, 28)).astype(np.float32)


def fitted_lr(n_classes: int = 10) -> LogisticRegression:
    rng = np.random.default_rng(1)
    labels = np.arange(40) % n_classes
    return LogisticRegression(max_iter=500).fit(rng.random((40, 784)), labels)


def identity_onnx(path: Path, shape: list[int | None]) -> Path:
    """An ONNX file whose output is its input, of `shape` (None: the batch)."""
    node = helper.make_node("Identity", ["x"], ["y"])
    graph = helper.make_graph(
        [node],
        "identity",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def test_an_lr_onnx_file_predicts_what_its_joblib_model_does(tmp_path: Path) -> None:
    """skl2onnx's file takes the flat pixels; the classifier reshapes the images to them."""
    model = fitted_lr()
    linear.write_onnx(model, tmp_path / "lr.onnx")
    shown, classify = load_model(str(tmp_path / "lr.onnx"), tmp_path)
    assert shown == str(tmp_path / "lr.onnx")
    proba = classify(IMAGES)
    assert proba.dtype == np.float32 and proba.shape == (6, 10)
    np.testing.assert_allclose(proba, model.predict_proba(IMAGES.reshape(6, 784)), atol=1e-5)


def test_an_lr_without_every_digit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PipelineError) as error:
        linear.write_onnx(fitted_lr(n_classes=9), tmp_path / "lr.onnx")
    assert str(error.value) == (
        "its classes are [0, 1, 2, 3, 4, 5, 6, 7, 8]; expected the 10 digits 0..9"
    )
    assert not (tmp_path / "lr.onnx").exists()


def test_an_ensemble_member_may_be_an_onnx_file(tmp_path: Path) -> None:
    model = fitted_lr()
    joblib.dump(model, tmp_path / "lr.joblib")
    linear.write_onnx(model, tmp_path / "lr_onnx.onnx")
    (tmp_path / "ensemble.json").write_text(json.dumps({"members": ["lr", "lr_onnx"]}))
    proba = load_model("ensemble", tmp_path)[1](IMAGES)
    np.testing.assert_allclose(proba, model.predict_proba(IMAGES.reshape(6, 784)), atol=1e-5)


def test_bad_onnx_files_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match=r"none\.onnx: not found$"):
        load_model(str(tmp_path / "none.onnx"), tmp_path)
    (tmp_path / "text.onnx").write_text("not a model")
    with pytest.raises(PipelineError, match=r"text\.onnx: not a readable ONNX model \(.+\)$"):
        load_model(str(tmp_path / "text.onnx"), tmp_path)
    small = identity_onnx(tmp_path / "small.onnx", [None, 10])
    with pytest.raises(PipelineError) as error:
        load_model(str(small), tmp_path)
    assert str(error.value) == f"{small}: expected one input of 784 pixels per image, got (10,)"
    wide = identity_onnx(tmp_path / "wide.onnx", [None, 784])
    with pytest.raises(PipelineError) as error:
        load_model(str(wide), tmp_path)
    assert str(error.value) == f"{wide}: expected one float output of 10 probabilities"


def test_a_keras_model_without_tensorflow_is_one_line(tmp_path: Path, monkeypatch) -> None:
    """The light install (the predict extra) runs ONNX files; a .keras file names the fix."""
    (tmp_path / "cnn.keras").write_bytes(b"a model")
    monkeypatch.setitem(sys.modules, "keras", None)  # `import keras` raises ImportError
    with pytest.raises(PipelineError) as error:
        load_model(str(tmp_path / "cnn.keras"), tmp_path)
    assert str(error.value) == (
        f"{tmp_path / 'cnn.keras'}: a Keras model needs TensorFlow, which is not installed "
        "(pip install 'digit-recognizer[cpu]'; or export it to ONNX: docs/export.md)"
    )


# --------------------------------------------------------------------------- all or nothing


def test_a_failed_export_leaves_what_was_there(tmp_path: Path) -> None:
    out = tmp_path / "model.onnx"
    out.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(out, folder=False) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("converter failed")
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]


def test_an_export_replaces_a_file_or_a_folder(tmp_path: Path) -> None:
    """A SavedModel folder where a file was, and a file where a folder was."""
    out = tmp_path / "1"
    out.write_text("a file")
    with atomic_output(out, folder=True) as tmp:
        (tmp / "saved_model.pb").write_bytes(b"graph")
    assert [p.name for p in out.iterdir()] == ["saved_model.pb"]
    assert out.stat().st_mode & 0o777 == 0o777 & ~current_umask()
    with atomic_output(out, folder=False) as tmp:
        tmp.write_bytes(b"onnx")
    assert out.read_bytes() == b"onnx"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1"]


def test_leftovers_of_a_killed_export_are_removed_by_the_next(tmp_path: Path) -> None:
    (tmp_path / ".cnn.abc123").mkdir()
    (tmp_path / ".cnn.def456.onnx").write_bytes(b"half")
    with atomic_output(tmp_path / "cnn.onnx", folder=False) as tmp:
        tmp.write_bytes(b"onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cnn.onnx"]


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
