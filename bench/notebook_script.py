"""The seed notebook as one plain script: the baseline the DVC pipeline is benchmarked against.

Written the way a user would turn the notebook into a script: pandas, scikit-learn and Keras
with default TensorFlow settings (no oneDNN switch, no XLA, numpy arrays into `fit`). Same
models, epochs and batch size as the notebook; logistic regression on raw 0..255 pixels.
It writes one Kaggle submission per model and a JSON report: wall seconds per part, training
images/s of the two networks, validation accuracies.

    python bench/notebook_script.py --train train.csv --test test.csv --out-dir out \
        --report report.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from tensorflow import keras

IMAGE_SIZE = 28
BATCH_SIZE = 32


class TrainTimer(keras.callbacks.Callback):
    """Seconds spent on the training part of each epoch (validation excluded).

    Measured exactly as the pipeline measures its `images_per_second`, so the two compare.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.start = self.train_end = time.perf_counter()

    def on_test_begin(self, logs: dict | None = None) -> None:
        self.train_end = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        end = self.train_end if self.train_end > self.start else time.perf_counter()
        self.seconds.append(end - self.start)


def write_submission(path: Path, labels: np.ndarray) -> None:
    """Kaggle's `ImageId,Label` file."""
    frame = pd.DataFrame({"ImageId": np.arange(1, len(labels) + 1), "Label": labels})
    frame.to_csv(path, index=False)


def fit_network(
    model: Any,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    epochs: int,
) -> dict[str, float]:
    """The notebook's `model.fit(...)` with validation data; return accuracy and speed."""
    timer = TrainTimer()
    start = time.perf_counter()
    history = model.fit(
        x_train,
        y_train,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        validation_data=(x_val, y_val),
        verbose=2,
        callbacks=[timer],
    )
    fit_seconds = time.perf_counter() - start
    train_seconds = sum(timer.seconds)
    return {
        "val_accuracy": round(float(history.history["val_accuracy"][-1]), 6),
        "fit_seconds": round(fit_seconds, 3),
        "train_seconds": round(train_seconds, 3),
        "images_per_second": round(len(x_train) * epochs / train_seconds, 1),
        "train_rows": len(x_train),
        "epochs": epochs,
    }


def logistic_regression(
    X: pd.DataFrame,
    y: pd.Series,
    X_train: pd.DataFrame,
    X_test: pd.DataFrame,
    y_train: pd.Series,
    y_test: pd.Series,
    test: pd.DataFrame,
    out: Path,
) -> dict[str, float]:
    """The notebook's logistic regression on raw pixels, scored, refit on all sampled rows."""
    lr = LogisticRegression(solver="lbfgs", max_iter=10000)
    start = time.perf_counter()
    lr.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    result = {
        "val_accuracy": round(float(lr.score(X_test, y_test)), 6),
        "fit_seconds": round(fit_seconds, 3),
        "iterations": int(lr.n_iter_[0]),
    }
    lr.fit(X, y)
    write_submission(out / "submission_lr.csv", lr.predict(test))
    return result


def dense_net(layers: list[int]) -> Any:
    """The notebook's feed-forward network (Keras 3 spelling: keras.Input, no input_dim)."""
    model = keras.Sequential([keras.Input((IMAGE_SIZE * IMAGE_SIZE,))])
    for units in layers:
        model.add(keras.layers.Dense(units, activation="relu"))
    model.add(keras.layers.Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def cnn() -> Any:
    """The notebook's CNN: two 5x5 convolutions without activation, pooling, dropout 0.4."""
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1)),
            layers.Conv2D(filters=32, padding="same", kernel_size=5),
            layers.MaxPool2D(),
            layers.Dropout(rate=0.4),
            layers.Conv2D(filters=64, padding="same", kernel_size=5),
            layers.MaxPool2D(),
            layers.Dropout(rate=0.4),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(rate=0.4),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def validation_digest(X_test: pd.DataFrame, y_test: pd.Series) -> str:
    """sha256 of the validation rows (labels then pixels, uint8, in order): same split check."""
    digest = hashlib.sha256(y_test.to_numpy(np.uint8).tobytes())
    digest.update(X_test.to_numpy(np.uint8).tobytes())
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, required=True, help="Kaggle train.csv")
    parser.add_argument("--test", type=Path, required=True, help="Kaggle test.csv")
    parser.add_argument("--out-dir", type=Path, required=True, help="for the submission CSVs")
    parser.add_argument("--report", type=Path, required=True, help="JSON report to write")
    parser.add_argument("--sample-fraction", type=float, default=0.1)
    parser.add_argument("--mlp-epochs", type=int, default=5)
    parser.add_argument("--cnn-epochs", type=int, default=20)
    parser.add_argument(
        "--mlp-layers",
        type=lambda text: [int(units) for units in text.split(",")],
        default=[784, 2500, 2000, 1500, 1000, 500],
        help="hidden layer sizes, comma-separated",
    )
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}

    start = time.perf_counter()
    train = pd.read_csv(args.train)
    test = pd.read_csv(args.test)
    smaller_sample = train.sample(frac=args.sample_fraction, random_state=5)
    X = smaller_sample.drop("label", axis="columns")
    y = smaller_sample["label"]
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=2)
    seconds["load"] = time.perf_counter() - start

    start = time.perf_counter()
    lr = logistic_regression(X, y, X_train, X_test, y_train, y_test, test, args.out_dir)
    seconds["lr"] = time.perf_counter() - start

    start = time.perf_counter()
    X_train_nn = X_train.values / 255
    X_test_nn = X_test.values / 255
    y_train_cat = keras.utils.to_categorical(y_train.values, 10)
    y_test_cat = keras.utils.to_categorical(y_test.values, 10)
    model = dense_net(args.mlp_layers)
    mlp = fit_network(model, X_train_nn, y_train_cat, X_test_nn, y_test_cat, args.mlp_epochs)
    labels = np.argmax(model.predict(test.values / 255, verbose=0), axis=1)
    write_submission(args.out_dir / "submission_mlp.csv", labels)
    seconds["mlp"] = time.perf_counter() - start

    start = time.perf_counter()
    X_train_cnn = np.expand_dims(X_train_nn.reshape(-1, IMAGE_SIZE, IMAGE_SIZE), axis=3)
    X_test_cnn = np.expand_dims(X_test_nn.reshape(-1, IMAGE_SIZE, IMAGE_SIZE), axis=3)
    model = cnn()
    cnn_result = fit_network(
        model, X_train_cnn, y_train_cat, X_test_cnn, y_test_cat, args.cnn_epochs
    )
    test_images = np.expand_dims((test.values / 255).reshape(-1, IMAGE_SIZE, IMAGE_SIZE), axis=3)
    labels = np.argmax(model.predict(test_images, verbose=0), axis=1)
    write_submission(args.out_dir / "submission_cnn.csv", labels)
    seconds["cnn"] = time.perf_counter() - start

    report = {
        "seconds": {part: round(value, 3) for part, value in seconds.items()},
        "lr": lr,
        "mlp": mlp,
        "cnn": cnn_result,
        "rows": {"sample": len(X), "train": len(X_train), "val": len(X_test), "test": len(test)},
        "validation_sha256": validation_digest(X_test, y_test),
    }
    args.report.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
