"""Keras on TensorFlow, seeded and set up for CPUs, and the params every network reads."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from digit_recognizer.params.fields import Count, Positive, Seed, section
from digit_recognizer.training.precision import PRECISIONS, use_precision

ACTIVATIONS = (
    "relu", "elu", "selu", "gelu", "silu", "swish", "mish", "leaky_relu", "relu6",
    "tanh", "sigmoid", "softplus", "softsign", "linear",
)  # fmt: skip
START_UP_NOTICES = (
    "All log messages before absl::InitializeLog() is called are written to STDERR",
    "oneDNN custom operations are on.",
)
STRATEGIES = ("none", "mirrored", "multi_worker")  # distribute.py


@section
class KerasFitParams:
    """Params every Keras training stage reads; a stage's own params type extends it."""

    seed: Seed
    epochs: Count
    batch_size: Count
    learning_rate: Positive
    jit_compile: bool
    steps_per_execution: Count
    precision: Literal[PRECISIONS]  # auto: mixed_bfloat16 where it pays


@section
class DistributedFitParams(KerasFitParams):
    """KerasFitParams plus where to train: one device, mirrored replicas or several workers."""

    distribute: Literal[STRATEGIES]
    cpu_replicas: Count  # mirrored without a GPU: logical CPU devices made


def keras_backend(seed: int, precision: str = "float32", network: str | None = None) -> Any:
    """Import Keras on TensorFlow with this project's CPU settings, seeded, its models built
    next in `precision` (training/precision.py: float32, mixed_bfloat16, or auto, which
    depends on the `network`); return `keras`.

    TensorFlow turns oneDNN on by itself only on some CPUs and leaves it off on others, where
    it speeds the CNN up (docs/speed.md); so it is switched on here, before
    TensorFlow is imported, unless the user set TF_ENABLE_ONEDNN_OPTS.
    """
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    with _start_up_notices_dropped():
        import keras

    keras.utils.set_random_seed(seed)
    use_precision(keras, precision, network)
    return keras


@contextmanager
def _start_up_notices_dropped() -> Iterator[None]:
    """Drop TensorFlow's start-up notices from stderr; pass every other line through.

    TensorFlow logs them while its libraries load, before its log level is applied (an
    abseil limitation), so TF_CPP_MIN_LOG_LEVEL cannot hide them.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode(errors="replace").splitlines(keepends=True):
                if not any(notice in line for notice in START_UP_NOTICES):
                    sys.stderr.write(line)
            sys.stderr.flush()


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
