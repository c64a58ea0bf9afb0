"""train_lr: the notebook's logistic regression (lbfgs, multinomial), scored on the split.

Like the notebook, the model kept for the submission is refit on all sampled rows
(`refit_full`), while the metrics come from the train/validation split.
"""

from __future__ import annotations

import os

# lbfgs's steps go through OpenBLAS, which picks its kernels by CPU when it loads: AVX-512
# ones (SkylakeX) on some x86 machines and AVX2 ones (Haswell) on others, which round
# differently (77 or 79 iterations here). Its AVX2 kernels, on every x86-64 CPU with AVX2,
# make the model the same bytes across them (docs/reliability.md). Set before NumPy loads.
os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")

import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

from digit_recognizer.console import log, run  # noqa: E402
from digit_recognizer.data.predictions import save_predictions  # noqa: E402
from digit_recognizer.evaluation.scores import accuracy_and_loss  # noqa: E402
from digit_recognizer.files import atomic_paths, save_json  # noqa: E402
from digit_recognizer.models.lr import (  # noqa: E402
    LrParams,
    build_model,
    class_probabilities,
    logistic_regression,
)
from digit_recognizer.params.reading import read_params  # noqa: E402
from digit_recognizer.training.inputs import (  # noqa: E402
    load_split_data,
    parse_training_paths,
    save_timings,
)


def main() -> None:
    import joblib
    from sklearn.exceptions import ConvergenceWarning

    paths = parse_training_paths(__doc__.splitlines()[0], LrParams, "train_lr", live=False)
    params = read_params(LrParams, "train_lr")
    data = load_split_data(paths.features, paths.split)

    x_train, x_val, x_test = (data.x(part) for part in ("train", "val", "test"))
    y_train, y_val = data.y_train, data.y_val

    model = build_model(params)  # for raw pixels, it scales the [0, 1] features itself
    regression = logistic_regression(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported as n_iter instead
        start = time.perf_counter()
        model.fit(x_train, y_train)
        fit_seconds = time.perf_counter() - start
        val_proba = class_probabilities(model, x_val)
        iterations = int(regression.n_iter_[0])
        if params.refit_full:
            y_all = np.concatenate([y_train, y_val])
            # Start lbfgs from the split's solution: the same convex optimum, reached in a
            # fraction of the iterations (unless the split's model lacks a digit).
            regression.set_params(warm_start=np.array_equal(np.unique(y_all), model.classes_))
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
            "params": int(regression.coef_.size + regression.intercept_.size),
            "iterations": iterations,
        },
    )
    save_timings(paths.timings, fit_seconds, len(y_train) * iterations, epoch_seconds=())


if __name__ == "__main__":
    run(main)
