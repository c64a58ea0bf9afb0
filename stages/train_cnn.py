"""train_cnn: the notebook's small CNN (two 5x5 convolutions, max-pooling, dropout 0.4)."""

from __future__ import annotations

from digit_recognizer.console import run
from digit_recognizer.models.cnn import CnnParams, build_model
from digit_recognizer.params.reading import read_params
from digit_recognizer.predict.tta import Views
from digit_recognizer.training.distribute import save_trained, train
from digit_recognizer.training.fit import full_refit
from digit_recognizer.training.inputs import load_split_data, parse_training_paths
from digit_recognizer.training.keras_setup import keras_backend


def main() -> None:
    paths = parse_training_paths(__doc__, CnnParams, "train_cnn")
    params = read_params(CnnParams, "train_cnn")
    data = load_split_data(paths.features, paths.split)

    keras = keras_backend(params.seed, params.precision, "cnn")
    refit = full_refit(keras, build_model, data, params, "train_cnn")  # None: refit_full off
    trained = train(keras, build_model, data, params, live=paths.live)  # where `distribute` says
    views = Views(params.tta, params.tta_seed)
    save_trained("cnn", trained, data, paths, "train_cnn", views=views, refit=refit)


if __name__ == "__main__":
    run(main)
