"""train_cnn: the notebook's small CNN (two 5x5 convolutions, max-pooling, dropout 0.4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from digit_recognizer.console import run
from digit_recognizer.distribute import DistributedFitParams, save_trained, train
from digit_recognizer.keras_fit import ACTIVATIONS, compile_model, keras_backend
from digit_recognizer.mnist import IMAGE_SIDE, N_CLASSES
from digit_recognizer.params import choice, int_list, integer, number, optional, param, read_params
from digit_recognizer.training import load_split_data, parse_training_paths


@dataclass(frozen=True)
class CnnParams(DistributedFitParams):
    filters: tuple[int, ...] = param(int_list(1))  # one convolution block per entry
    kernel_size: int = param(integer(1))
    conv_activation: str | None = param(optional(choice(*ACTIVATIONS)))  # null: the notebook's
    dropout: float = param(number(0.0, 1.0, high_open=True))
    dense_units: int = param(integer(1))


def build_model(keras: Any, params: CnnParams) -> Any:
    """Per filter count: Conv2D (same padding) -> MaxPool -> Dropout; then Dense, softmax.

    The notebook's convolutions have no activation; `conv_activation: null` keeps that.
    """
    layers = keras.layers
    model = keras.Sequential([keras.Input((IMAGE_SIDE, IMAGE_SIDE, 1))], name="cnn")
    for count in params.filters:
        model.add(
            layers.Conv2D(
                count, params.kernel_size, padding="same", activation=params.conv_activation
            )
        )
        model.add(layers.MaxPool2D())
        model.add(layers.Dropout(params.dropout))
    model.add(layers.Flatten())
    model.add(layers.Dense(params.dense_units, activation="relu"))
    model.add(layers.Dropout(params.dropout))
    model.add(layers.Dense(N_CLASSES, activation="softmax", dtype="float32"))
    return compile_model(keras, model, params)


def main() -> None:
    paths = parse_training_paths(__doc__, CnnParams, "train_cnn")
    params = read_params(CnnParams, "train_cnn")
    data = load_split_data(paths.features, paths.split)

    keras = keras_backend(params.seed, params.precision)
    trained = train(keras, build_model, data, params)  # on the devices `distribute` names
    save_trained("cnn", trained, data, paths, section="train_cnn")


if __name__ == "__main__":
    run(main)
