"""train_cnn_aug: a strong CNN (3x3 convolutions with batch norm, augmented digits, decaying rate).

dvc.yaml runs it once with `train_cnn_aug.seed` (model cnn_aug) and once per extra seed of
`cnn_aug_seeds` with `--seed` (models cnn_aug_sSEED), for the ensemble stage to average.
"""

from __future__ import annotations

from dataclasses import replace

from digit_recognizer.console import run
from digit_recognizer.models.cnn_aug import CnnAugParams, build_model
from digit_recognizer.params.reading import read_params
from digit_recognizer.predict.tta import Views
from digit_recognizer.training.distribute import save_trained, train
from digit_recognizer.training.fit import full_refit
from digit_recognizer.training.hardware import cpu_kind
from digit_recognizer.training.inputs import load_split_data, parse_training_paths
from digit_recognizer.training.keras_setup import keras_backend

SECTION = "train_cnn_aug"


def main() -> None:
    paths = parse_training_paths(__doc__, CnnAugParams, SECTION, seed=True)
    params = read_params(CnnAugParams, SECTION)
    if paths.seed is not None:  # one of dvc.yaml's extra seeds
        params = replace(params, seed=paths.seed)
    data = load_split_data(paths.features, paths.split, params.max_epoch_val_rows)

    keras = keras_backend(params.seed, params.precision, "cnn_aug")
    schedule = (params.lr_decay, params.max_epoch_rows)
    refit = full_refit(keras, build_model, data, params, SECTION, *schedule)  # None: off
    trained = train(keras, build_model, data, params, *schedule, paths.live)
    # its float32 numbers differ between kinds of CPU (docs/results.md#which-cpu): say which
    extra, views = {"cpu": cpu_kind()}, Views(params.tta, params.tta_seed)
    save_trained(paths.model.stem, trained, data, paths, SECTION, extra, views, refit)


if __name__ == "__main__":
    run(main)
