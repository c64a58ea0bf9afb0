"""The strong CNN: 3x3 convolutions with batch norm, augmented digits, a decaying learning rate."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from digit_recognizer.data.formats import IMAGE_SIDE, N_CLASSES
from digit_recognizer.models.batch_norm import fused_batch_normalization
from digit_recognizer.models.entry import Model
from digit_recognizer.models.network import CnnFitParams, compile_model
from digit_recognizer.params.fields import Count, Counts, Fraction, section


@section
class CnnAugParams(CnnFitParams):
    filters: Counts  # one block per entry, its convolutions' filters
    convs_per_block: Count  # 3x3 convolutions (batch norm, relu) per block
    pooling: Literal["max", "strided"]  # a block's end: 2x2 max-pool | stride-2 conv
    dropout: Fraction  # after each block and the dense layer
    dense_units: Count
    batch_norm_momentum: Fraction  # of its moving averages
    rotation: Annotated[float, Field(ge=0.0, le=180.0)]  # augmentation: up to this many degrees
    zoom: Fraction  # up to this fraction in or out
    shift: Fraction  # up to this fraction of the side
    lr_decay: Annotated[float, Field(gt=0.0, le=1.0)]  # learning rate x this each epoch
    max_epoch_rows: Count | None  # an epoch's rows at most; null: all
    max_epoch_val_rows: Count | None  # checked after each epoch


MODEL = Model(
    "cnn_aug", "strong CNN (augmented)", "train_cnn_aug", CnnAugParams, "cnn_aug.keras", curves=True
)
# trained again once per seed of `cnn_aug_seeds` (params.yaml), for the ensemble: dvc.yaml's
# stage SEED_STAGE@SEED writes the model seed_model_name(SEED), not registered itself
SEED_STAGE = "train_cnn_aug_seed"


def seed_model_name(seed: int) -> str:
    """The name of the strong CNN trained with an extra seed (an ensemble member)."""
    return f"cnn_aug_s{seed}"


def augmentation(keras: Any, params: CnnAugParams) -> list[Any]:
    """Random rotation, zoom and shift of each training digit (black fill); 0 turns one off.

    Keras applies them in training only: at prediction (training=False) they pass images
    through unchanged.
    """
    layers, fill = keras.layers, {"fill_mode": "constant", "fill_value": 0.0}
    found = []
    if params.rotation:
        found.append(layers.RandomRotation(params.rotation / 360, **fill))
    if params.zoom:
        found.append(layers.RandomZoom(params.zoom, **fill))
    if params.shift:
        found.append(layers.RandomTranslation(params.shift, params.shift, **fill))
    return found


def build_model(keras: Any, params: CnnAugParams) -> Any:
    """Augmentation; per block: convolutions (3x3, batch norm, relu), then max-pool or a
    stride-2 convolution, then dropout; Dense (batch norm, relu), dropout; softmax.

    Batch norm runs in TensorFlow's fused kernel (batch_norm.py), saved as Keras' own layer.
    """
    layers = keras.layers
    batch_norm = fused_batch_normalization(keras)

    def conv(count: int, strides: int = 1) -> list[Any]:
        return [
            layers.Conv2D(count, 3, strides=strides, padding="same", use_bias=False),
            batch_norm(momentum=params.batch_norm_momentum),
            layers.Activation("relu"),
        ]

    stack = [keras.Input((IMAGE_SIDE, IMAGE_SIDE, 1)), *augmentation(keras, params)]
    for count in params.filters:
        for _ in range(params.convs_per_block):
            stack += conv(count)
        stack += conv(count, strides=2) if params.pooling == "strided" else [layers.MaxPool2D()]
        stack.append(layers.Dropout(params.dropout))
    stack += [
        layers.Flatten(),
        layers.Dense(params.dense_units, use_bias=False),
        batch_norm(momentum=params.batch_norm_momentum),
        layers.Activation("relu"),
        layers.Dropout(params.dropout),
        layers.Dense(N_CLASSES, activation="softmax", dtype="float32"),
    ]
    return compile_model(keras, keras.Sequential(stack, name="cnn_aug"), params)
