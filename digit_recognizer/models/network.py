"""What every network shares: the params of its training and how it is compiled."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from digit_recognizer.params.fields import Count, Positive, Seed, section

ACTIVATIONS = (
    "relu", "elu", "selu", "gelu", "silu", "swish", "mish", "leaky_relu", "relu6",
    "tanh", "sigmoid", "softplus", "softsign", "linear",
)  # fmt: skip
PRECISIONS = ("float32", "mixed_bfloat16", "auto")  # training/precision.py
STRATEGIES = ("none", "mirrored", "multi_worker")  # training/distribute.py


@section
class KerasFitParams:
    """Params every Keras training stage reads; a network's own params type extends it."""

    seed: Seed
    epochs: Count
    batch_size: Count
    learning_rate: Positive
    jit_compile: bool
    steps_per_execution: Count
    precision: Literal[PRECISIONS]  # auto: mixed_bfloat16 where it pays
    refit_full: bool  # then train again on every sampled row for the model and test predictions


@section
class DistributedFitParams(KerasFitParams):
    """KerasFitParams plus where to train: one device, mirrored replicas or several workers."""

    distribute: Literal[STRATEGIES]
    cpu_replicas: Count  # mirrored without a GPU: logical CPU devices made


@section
class CnnFitParams(DistributedFitParams):
    """DistributedFitParams plus test-time augmentation, for the networks of 28x28 images:
    their validation and test probabilities average the plain digits and `tta` views, each
    turned and shifted a little (predict/tta.py), the same views for every digit."""

    tta: Annotated[int, Field(ge=0)]  # views besides the plain digits; 0: none
    tta_seed: Seed  # which views


def compile_model(keras: Any, model: Any, params: KerasFitParams) -> Any:
    """Adam and crossentropy, as the notebook; sparse integer labels (the same loss as one-hot).

    `steps_per_execution` batches run per call into TensorFlow: the same updates in the same
    order (bit-identical weights), less overhead.
    """
    model.compile(
        optimizer=keras.optimizers.Adam(params.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=params.jit_compile,
        steps_per_execution=params.steps_per_execution,
    )
    return model
