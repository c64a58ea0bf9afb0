"""Keras on TensorFlow, seeded and set up for CPUs."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from digit_recognizer.training.precision import use_precision

START_UP_NOTICES = (
    "All log messages before absl::InitializeLog() is called are written to STDERR",
    "oneDNN custom operations are on.",
)


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
