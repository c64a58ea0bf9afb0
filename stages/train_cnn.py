"""train_cnn: the notebook's small CNN (two 5x5 convolutions, max-pooling, dropout 0.4)."""

from __future__ import annotations

from stages.common import (
    ACTIVATIONS,
    build_cnn,
    choice,
    fit_keras,
    int_list,
    integer,
    keras_backend,
    keras_params,
    load_training_data,
    number,
    optional,
    read_params,
    run,
    save_keras_results,
    training_args,
)


def main() -> None:
    args = training_args(__doc__)
    params = read_params(
        "train_cnn",
        keras_params(
            {
                "filters": int_list(1),
                "kernel_size": integer(1),
                "conv_activation": optional(choice(*ACTIVATIONS)),  # null, as in the notebook
                "dropout": number(0.0, 1.0, high_open=True),
                "dense_units": integer(1),
            }
        ),
    )
    data = load_training_data(args.features, args.split)

    keras = keras_backend(params["seed"])
    model = build_cnn(keras, params)
    history = fit_keras(model, data, params)
    save_keras_results("cnn", model, data, history, args)


if __name__ == "__main__":
    run(main)
