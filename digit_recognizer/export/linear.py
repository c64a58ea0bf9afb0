"""The logistic regression (models/lr.joblib) as an ONNX file, through skl2onnx.

The file takes the flat pixels, a (N, 784) float32 input named `pixels` in [0, 1], as the
joblib model does, and returns `label` (int64) and `probabilities` (N, 10) float32.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from digit_recognizer.console import PipelineError
from digit_recognizer.data.formats import N_CLASSES, N_PIXELS
from digit_recognizer.models.lr import logistic_regression
from digit_recognizer.predict.loading import first_line

INPUT_NAME = "pixels"


def write_onnx(model: Any, path: Path) -> None:
    """skl2onnx's conversion of the model, its probabilities a plain tensor (no ZipMap)."""
    try:
        from skl2onnx import to_onnx
        from skl2onnx.common.data_types import FloatTensorType
    except ImportError:
        raise PipelineError(
            "skl2onnx is not installed (pip install 'digit-recognizer[export]')"
        ) from None
    classes = np.asarray(logistic_regression(model).classes_)
    if not np.array_equal(classes, np.arange(N_CLASSES)):
        raise PipelineError(f"its classes are {classes.tolist()}; expected the 10 digits 0..9")
    try:
        onnx_model = to_onnx(
            model,
            initial_types=[(INPUT_NAME, FloatTensorType([None, N_PIXELS]))],
            options={id(logistic_regression(model)): {"zipmap": False}},
        )
    except Exception as err:  # noqa: BLE001 (skl2onnx raises many kinds)
        raise PipelineError(f"skl2onnx could not convert it: {first_line(err)}") from None
    path.write_bytes(onnx_model.SerializeToString())
