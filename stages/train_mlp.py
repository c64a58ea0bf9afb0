"""train_mlp: the notebook's 6-layer dense network (784-2500-2000-1500-1000-500, softmax)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from digit_recognizer.console import run
from digit_recognizer.keras_fit import (
    ACTIVATIONS,
    KerasFitParams,
    compile_model,
    fit,
    keras_backend,
)
from digit_recognizer.keras_outputs import save_keras_outputs
from digit_recognizer.mnist import N_CLASSES, N_PIXELS
from digit_recognizer.params import choice, int_list, param, read_params
from digit_recognizer.training import load_split_data, parse_training_paths


@dataclass(frozen=True)
class MlpParams(KerasFitParams):
    layers: tuple[int, ...] = param(int_list(1))  # hidden Dense layers' units
    activation: str = param(choice(*ACTIVATIONS))


def build_model(keras: Any, params: MlpParams) -> Any:
    """Dense layers of `params.layers` units, then a 10-way softmax."""
    model = keras.Sequential([keras.Input((N_PIXELS,))], name="mlp")
    for units in params.layers:
        model.add(keras.layers.Dense(units, activation=params.activation))
    model.add(keras.layers.Dense(N_CLASSES, activation="softmax", dtype="float32"))
    return compile_model(keras, model, params)


def main() -> None:
    paths = parse_training_paths(__doc__, MlpParams, "train_mlp")
    params = read_params(MlpParams, "train_mlp")
    data = load_split_data(paths.features, paths.split)

    keras = keras_backend(params.seed, params.precision)
    model = build_model(keras, params)
    history = fit(model, data, params)
    save_keras_outputs("mlp", model, data, history, paths, section="train_mlp")


if __name__ == "__main__":
    run(main)
