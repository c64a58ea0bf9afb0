"""train_mlp: the notebook's 6-layer dense network (784-2500-2000-1500-1000-500, softmax)."""

from __future__ import annotations

from digit_recognizer.console import run
from digit_recognizer.models.mlp import MlpParams, build_model
from digit_recognizer.params.reading import read_params
from digit_recognizer.training.fit import fit, full_refit
from digit_recognizer.training.inputs import load_split_data, parse_training_paths
from digit_recognizer.training.keras_setup import keras_backend
from digit_recognizer.training.outputs import save_keras_outputs


def main() -> None:
    paths = parse_training_paths(__doc__, MlpParams, "train_mlp")
    params = read_params(MlpParams, "train_mlp")
    data = load_split_data(paths.features, paths.split)

    keras = keras_backend(params.seed, params.precision, "mlp")
    refit = full_refit(keras, build_model, data, params, "train_mlp")  # None: refit_full off
    model = build_model(keras, params)
    history = fit(model, data, params, live=paths.live)
    save_keras_outputs("mlp", model, data, history, paths, "train_mlp", refit=refit)


if __name__ == "__main__":
    run(main)
