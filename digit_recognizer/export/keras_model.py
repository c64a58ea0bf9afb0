"""A Keras model's inference graph, as a SavedModel (TensorFlow Serving) or an ONNX file.

Both take a batch of 28x28x1 float32 images in [0, 1], named `images`, and return the 10 class
probabilities, named `probabilities`, whatever input shape the model was trained on.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from digit_recognizer.console import PipelineError
from digit_recognizer.data.formats import IMAGE_SIDE
from digit_recognizer.predict.loading import Classifier, first_line

IMAGE_SHAPE = (IMAGE_SIDE, IMAGE_SIDE, 1)
INPUT_NAME, OUTPUT_NAME = "images", "probabilities"
AUGMENTATION_PREFIX = "Random"  # RandomRotation, RandomZoom, RandomTranslation, ...
SIGNATURE = "serving_default"  # the SavedModel signature TensorFlow Serving calls


def inference_model(keras: Any, model: Any) -> tuple[Any, int]:
    """The model as it predicts, on the trained model's own layers (so its weights): images in,
    probabilities out, a Reshape in front for a model of flat pixels, and the `Random*`
    augmentation layers of a Sequential model left out (they pass images through unchanged at
    inference, but tf2onnx cannot convert their ops). Returns (model, layers left out).
    """
    images = keras.Input(IMAGE_SHAPE, name=INPUT_NAME)
    shape = tuple(model.inputs[0].shape[1:])
    x = images if shape == IMAGE_SHAPE else keras.layers.Reshape(shape)(images)
    layers = model.layers if isinstance(model, keras.Sequential) else [model]
    kept = [layer for layer in layers if not type(layer).__name__.startswith(AUGMENTATION_PREFIX)]
    for layer in kept:
        x = layer(x)
    rebuilt = keras.Model(images, {OUTPUT_NAME: x}, name=model.name)
    rebuilt(np.zeros((1, *IMAGE_SHAPE), np.float32))  # Keras exports only a model once called
    return rebuilt, len(layers) - len(kept)


def write_saved_model(model: Any, folder: Path) -> None:
    """Keras' `model.export`: a SavedModel whose `serving_default` signature is the model."""
    model.export(str(folder), format="tf_saved_model", verbose=False)


def write_onnx(model: Any, path: Path) -> None:
    """Keras' `model.export` to ONNX (through tf2onnx); tf2onnx's errors become the message.

    Keras exports only float32 models to ONNX: a mixed_bfloat16 CNN converts to a file that
    onnxruntime refuses (ONNX's Conv takes no bfloat16), so such a model is refused first.
    """
    policies = sorted({layer.dtype_policy.name for layer in model.layers} - {"float32"})
    if policies:
        raise PipelineError(
            f"its layers compute in {', '.join(policies)}; ONNX needs a float32 model "
            "(train it with precision: float32)"
        )
    with tf2onnx_errors() as errors, warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # Keras' numpy 2 patch of tf2onnx
        try:
            model.export(str(path), format="onnx", verbose=False)
        except ImportError:
            raise PipelineError(
                "tf2onnx is not installed (pip install 'digit-recognizer[export]')"
            ) from None
        except Exception as err:  # noqa: BLE001 (tf2onnx raises many kinds)
            errors.append(first_line(err))
    if errors:
        raise PipelineError(f"tf2onnx could not convert it: {'; '.join(errors[-2:])}")


@contextmanager
def tf2onnx_errors() -> Iterator[list[str]]:
    """tf2onnx's error lines while converting (it logs unsupported ops and writes the file
    anyway, one that onnxruntime refuses); nothing of its logging reaches the terminal."""
    errors: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR:
                errors.append(first_line(Exception(record.getMessage())))

    logger = logging.getLogger("tf2onnx")
    handler, propagate = Collect(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield errors
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def trained_classifier(model: Any) -> Classifier:
    """The trained Keras model's own probabilities of (N, 28, 28) images (at inference, so
    with its augmentation layers passing images through)."""
    shape = tuple(model.inputs[0].shape[1:])

    def classify(images: np.ndarray) -> np.ndarray:
        x = images.reshape(len(images), *shape).astype(np.float32)
        return np.asarray(model.predict_on_batch(x), dtype=np.float32)

    return classify


def saved_model_classifier(folder: Path) -> Classifier:
    """A SavedModel's `serving_default` signature, loaded by TensorFlow as TF Serving does."""
    import tensorflow as tf

    serve = tf.saved_model.load(str(folder)).signatures[SIGNATURE]

    def classify(images: np.ndarray) -> np.ndarray:
        x = tf.constant(images.reshape(len(images), *IMAGE_SHAPE).astype(np.float32))
        return serve(**{INPUT_NAME: x})[OUTPUT_NAME].numpy()

    return classify
