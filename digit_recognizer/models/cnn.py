"""The notebook's small CNN (two 5x5 convolutions, max-pooling, dropout 0.4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from digit_recognizer.data.formats import IMAGE_SIDE, N_CLASSES
from digit_recognizer.params.fields import choice, int_list, integer, number, optional, param
from digit_recognizer.training.keras_setup import ACTIVATIONS, DistributedFitParams, compile_model


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
