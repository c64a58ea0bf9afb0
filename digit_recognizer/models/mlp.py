"""The notebook's 6-layer dense network (784-2500-2000-1500-1000-500, softmax)."""

from __future__ import annotations

from typing import Any, Literal

from digit_recognizer.data.formats import N_CLASSES, N_PIXELS
from digit_recognizer.models.entry import Model
from digit_recognizer.models.network import ACTIVATIONS, KerasFitParams, compile_model
from digit_recognizer.params.fields import Counts, section


@section
class MlpParams(KerasFitParams):
    layers: Counts  # hidden Dense layers' units
    activation: Literal[ACTIVATIONS]


MODEL = Model("mlp", "dense network", "train_mlp", MlpParams, "mlp.keras", curves=True)


def build_model(keras: Any, params: MlpParams) -> Any:
    """Dense layers of `params.layers` units, then a 10-way softmax."""
    model = keras.Sequential([keras.Input((N_PIXELS,))], name="mlp")
    for units in params.layers:
        model.add(keras.layers.Dense(units, activation=params.activation))
    model.add(keras.layers.Dense(N_CLASSES, activation="softmax", dtype="float32"))
    return compile_model(keras, model, params)
