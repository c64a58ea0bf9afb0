"""The notebook's small CNN (two 5x5 convolutions, max-pooling, dropout 0.4)."""

from __future__ import annotations

from typing import Any, Literal

from digit_recognizer.data.formats import IMAGE_SIDE, N_CLASSES
from digit_recognizer.models.entry import Model
from digit_recognizer.models.network import ACTIVATIONS, CnnFitParams, compile_model
from digit_recognizer.params.fields import Count, Counts, Fraction, section


@section
class CnnParams(CnnFitParams):
    filters: Counts  # one convolution block per entry
    kernel_size: Count
    conv_activation: Literal[ACTIVATIONS] | None  # null: the notebook's (none)
    dropout: Fraction
    dense_units: Count


MODEL = Model("cnn", "CNN", "train_cnn", CnnParams, "cnn.keras", curves=True)


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
