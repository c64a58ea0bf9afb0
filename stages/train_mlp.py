"""train_mlp: the notebook's 6-layer dense network (784-2500-2000-1500-1000-500, softmax)."""

from __future__ import annotations

from stages.common import (
    ACTIVATIONS,
    build_mlp,
    choice,
    fit_keras,
    int_list,
    keras_backend,
    keras_params,
    load_training_data,
    read_params,
    run,
    save_keras_results,
    training_args,
)


def main() -> None:
    args = training_args(__doc__)
    params = read_params(
        "train_mlp", keras_params({"layers": int_list(1), "activation": choice(*ACTIVATIONS)})
    )
    data = load_training_data(args.features, args.split)

    keras = keras_backend(params["seed"])
    model = build_mlp(keras, params)
    history = fit_keras(model, data, params)
    save_keras_results("mlp", model, data, history, args)


if __name__ == "__main__":
    run(main)
