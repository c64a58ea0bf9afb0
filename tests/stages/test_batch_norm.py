"""The strong CNN's fused batch norm against Keras' own layer: same outputs, moving averages as
TensorFlow's kernel keeps them, saved as Keras' own BatchNormalization."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from digit_recognizer.models.batch_norm import fused_batch_normalization
from digit_recognizer.training.keras_setup import keras_backend

MOMENTUM = 0.9
IMAGES = np.random.default_rng(0).normal(2.0, 3.0, (8, 6, 6, 4)).astype(np.float32)


@pytest.fixture(scope="module")
def keras() -> Any:
    return keras_backend(0)


def built_pair(keras: Any, shape: tuple[int, ...]) -> tuple[Any, Any]:
    """A fused layer and Keras' own, built for `shape`, with the same (fresh) weights."""
    fused = fused_batch_normalization(keras)(momentum=MOMENTUM)
    plain = keras.layers.BatchNormalization(momentum=MOMENTUM)
    for layer in (fused, plain):
        layer.build(shape)
    return fused, plain


def test_training_normalises_as_keras_and_keeps_the_unbiased_variance(keras: Any) -> None:
    fused, plain = built_pair(keras, IMAGES.shape)
    np.testing.assert_allclose(
        fused(IMAGES, training=True), plain(IMAGES, training=True), atol=2e-6
    )
    np.testing.assert_allclose(fused.moving_mean.numpy(), plain.moving_mean.numpy(), atol=1e-6)
    values = IMAGES.size // IMAGES.shape[-1]  # per channel: 8 images x 6 x 6
    keras_update = plain.moving_variance.numpy() - MOMENTUM  # (1 - momentum) x biased variance
    np.testing.assert_allclose(
        fused.moving_variance.numpy() - MOMENTUM, keras_update * values / (values - 1), rtol=1e-5
    )


def test_inference_uses_the_moving_averages(keras: Any) -> None:
    fused, plain = built_pair(keras, IMAGES.shape)
    plain.set_weights(fused.get_weights())
    before = fused.get_weights()
    np.testing.assert_allclose(
        fused(IMAGES, training=False), plain(IMAGES, training=False), atol=1e-5
    )
    for kept, now in zip(before, fused.get_weights(), strict=True):
        np.testing.assert_array_equal(kept, now)


def test_a_frozen_layer_normalises_with_its_moving_averages_in_training(keras: Any) -> None:
    fused, _ = built_pair(keras, IMAGES.shape)
    fused.trainable = False
    before = fused.get_weights()
    np.testing.assert_array_equal(fused(IMAGES, training=True), fused(IMAGES, training=False))
    for kept, now in zip(before, fused.get_weights(), strict=True):
        np.testing.assert_array_equal(kept, now)


def test_dense_inputs_go_through_keras_own_code(keras: Any) -> None:
    rows = IMAGES.reshape(8, -1)
    fused, plain = built_pair(keras, rows.shape)
    np.testing.assert_array_equal(fused(rows, training=True), plain(rows, training=True))
    np.testing.assert_array_equal(fused.moving_variance.numpy(), plain.moving_variance.numpy())


def test_bfloat16_layers_return_bfloat16(keras: Any) -> None:
    layer = fused_batch_normalization(keras)(momentum=MOMENTUM, dtype="mixed_bfloat16")
    assert layer(IMAGES.astype("bfloat16"), training=True).dtype.name == "bfloat16"


def test_a_saved_model_loads_as_keras_own_layer(keras: Any, tmp_path: Path) -> None:
    """No custom object: the file names Keras' BatchNormalization, which any Keras loads."""
    model = keras.Sequential(
        [keras.Input(IMAGES.shape[1:]), fused_batch_normalization(keras)(momentum=MOMENTUM)]
    )
    model(IMAGES, training=True)  # moving averages away from their initial values
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert type(loaded.layers[0]) is keras.layers.BatchNormalization
    np.testing.assert_allclose(
        loaded.predict_on_batch(IMAGES), model.predict_on_batch(IMAGES), atol=1e-5
    )
