"""train_lr: the notebook's logistic regression (lbfgs, multinomial), scored on the split.

Like the notebook, the model kept for the submission is refit on all sampled rows
(`refit_full`), while the metrics come from the train/validation split.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from digit_recognizer.console import log, run
from digit_recognizer.files import atomic_paths, save_json
from digit_recognizer.metrics import accuracy_and_loss
from digit_recognizer.mnist import N_CLASSES
from digit_recognizer.params import boolean, choice, integer, param, positive, read_params
from digit_recognizer.predictions import save_predictions
from digit_recognizer.training import load_split_data, parse_training_paths, save_timings

if TYPE_CHECKING:  # scikit-learn is imported where used: check_params imports this module
    from sklearn.linear_model import LogisticRegression  # for its params only


@dataclass(frozen=True)
class LrParams:
    pixels: str = param(choice("scaled", "raw"))  # scaled: [0, 1]; raw: the notebook's 0..255
    max_iter: int = param(integer(1))
    C: float = param(positive())
    refit_full: bool = param(boolean)


def class_probabilities(model: LogisticRegression, x: np.ndarray) -> np.ndarray:
    """predict_proba as (N, 10), with zero columns for digits absent from the training rows."""
    proba = np.zeros((len(x), N_CLASSES), dtype=np.float32)
    proba[:, model.classes_] = model.predict_proba(x)
    return proba


def main() -> None:
    import joblib
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    paths = parse_training_paths(__doc__.splitlines()[0], LrParams, "train_lr", history=False)
    params = read_params(LrParams, "train_lr")
    data = load_split_data(paths.features, paths.split)

    x_train, x_val, x_test = (data.x(part) for part in ("train", "val", "test"))
    if params.pixels == "raw":  # the notebook fitted 0..255 pixels: slower to converge
        x_train, x_val, x_test = (np.rint(x * 255) for x in (x_train, x_val, x_test))
    y_train, y_val = data.y_train, data.y_val

    model = LogisticRegression(solver="lbfgs", max_iter=params.max_iter, C=params.C)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported as n_iter instead
        start = time.perf_counter()
        model.fit(x_train, y_train)
        fit_seconds = time.perf_counter() - start
        val_proba = class_probabilities(model, x_val)
        iterations = int(model.n_iter_[0])
        if params.refit_full:
            y_all = np.concatenate([y_train, y_val])
            # Start lbfgs from the split's solution: the same convex optimum, reached in a
            # fraction of the iterations (unless the split's model lacks a digit).
            model.set_params(warm_start=np.array_equal(np.unique(y_all), model.classes_))
            model.fit(np.concatenate([x_train, x_val]), y_all)
    accuracy, loss = accuracy_and_loss(y_val, val_proba)
    log(f"train_lr: {fit_seconds:.2f}s, {iterations} iterations, val_accuracy {accuracy:.4f}")

    with atomic_paths(paths.model) as (tmp,):
        joblib.dump(model, tmp)
    save_predictions(paths.predictions, val_proba, class_probabilities(model, x_test))
    save_json(
        paths.metrics,
        {
            "val_accuracy": round(accuracy, 6),
            "val_loss": round(loss, 6),
            "params": int(model.coef_.size + model.intercept_.size),
            "iterations": iterations,
        },
    )
    save_timings(paths.timings, fit_seconds, len(y_train) * iterations, epoch_seconds=())


if __name__ == "__main__":
    run(main)
