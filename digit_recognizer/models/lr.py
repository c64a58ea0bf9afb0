"""The notebook's logistic regression (lbfgs, multinomial) on the 784 pixels.

The saved model takes pixels in [0, 1], as the training features are. With `pixels: raw` (the
notebook's 0..255) it is a scikit-learn Pipeline that scales and rounds the pixels first, so the
file carries its own pixel scale.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from digit_recognizer.data.formats import N_CLASSES
from digit_recognizer.models.entry import Model
from digit_recognizer.params.fields import Count, Positive, section

if TYPE_CHECKING:  # scikit-learn is imported where used: check_params reads LrParams only
    from sklearn.base import ClassifierMixin


@section
class LrParams:
    pixels: Literal["scaled", "raw"]  # scaled: [0, 1]; raw: the notebook's 0..255
    max_iter: Count
    C: Positive
    refit_full: bool


MODEL = Model("lr", "logistic regression", "train_lr", LrParams, "lr.joblib", curves=False)


def build_model(params: LrParams) -> Any:
    """LogisticRegression (lbfgs); for raw pixels, behind a scale to 0..255 and a rounding."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    model = LogisticRegression(solver="lbfgs", max_iter=params.max_iter, C=params.C)
    if params.pixels == "scaled":
        return model
    return Pipeline(
        [
            ("to_0_255", FunctionTransformer(partial(np.multiply, 255))),
            ("rounded", FunctionTransformer(np.rint)),
            ("lr", model),
        ]
    )


def logistic_regression(model: Any) -> Any:
    """The LogisticRegression itself, of a bare model or of its raw-pixel Pipeline."""
    return model[-1] if hasattr(model, "steps") else model


def class_probabilities(model: ClassifierMixin, x: np.ndarray) -> np.ndarray:
    """predict_proba as (N, 10), with zero columns for digits absent from the training rows."""
    proba = np.zeros((len(x), N_CLASSES), dtype=np.float32)
    proba[:, model.classes_] = model.predict_proba(x)
    return proba
