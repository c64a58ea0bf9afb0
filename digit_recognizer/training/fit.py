"""The training loop the networks share: tf.data batches, epochs, learning-rate decay, NaN stop."""

from __future__ import annotations

import ctypes
import math
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from digit_recognizer.console import log
from digit_recognizer.models.network import KerasFitParams
from digit_recognizer.training.inputs import SplitData
from digit_recognizer.training.live import epoch_logger

HISTORY_COLUMNS = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds", "images"]


def fit(
    model: Any,
    data: SplitData,
    params: KerasFitParams,
    lr_decay: float = 1.0,
    max_epoch_rows: int | None = None,
    live: Path | None = None,
) -> pd.DataFrame:
    """Train on the split through a tf.data pipeline; return the per-epoch history, which
    DVCLive writes to `live` after each epoch (live.py).

    The arrays become tensors once; tf.data (autotuning off) shuffles row indices and gathers
    whole batches, which is faster than handing numpy arrays to `fit` on a 2-core CPU and keeps
    no second copy of the images in a shuffle buffer. With `lr_decay` below 1, the learning
    rate of epoch e (from 0) is `params.learning_rate * lr_decay ** e`; at 1 (the default)
    it stays constant and nothing is added to the training loop. With more training rows than
    `max_epoch_rows`, an epoch is that many rows of an endless reshuffled stream
    (`epoch_steps`); otherwise it is one pass over them. A NaN loss stops training at the end
    of that batch; the history then ends with that epoch. Besides Keras' figures, the history
    holds each epoch's training seconds and how many digits it trained on (for the timings).
    """
    timer = epoch_timer(params.epochs)
    callbacks = [stop_on_nan(), timer, epoch_logger(live)]
    if lr_decay != 1.0:
        callbacks.insert(0, epoch_decay(params.learning_rate, lr_decay))
    steps = epoch_steps(len(data.y_train), params, max_epoch_rows)
    # the memory-mapped training images are referenced only while they become a tensor, so
    # their pages are released once it is built
    x, y = data.x("train"), data.y_train
    train = batches(x, y, params.batch_size, params.seed, endless=steps is not None)
    history = model.fit(
        train,
        validation_data=batches(*data.epoch_validation(), params.batch_size),
        epochs=params.epochs,
        steps_per_epoch=steps,
        shuffle=False,  # the dataset reshuffles itself each epoch
        verbose=0,
        callbacks=callbacks,
    )
    release_freed_memory()
    frame = pd.DataFrame(history.history)
    frame.insert(0, "epoch", np.arange(1, len(frame) + 1))
    frame["seconds"] = timer.train_seconds
    frame["images"] = len(y) if steps is None else steps * params.batch_size
    return frame[HISTORY_COLUMNS]


def epoch_steps(rows: int, params: KerasFitParams, max_epoch_rows: int | None) -> int | None:
    """Batches per epoch when `max_epoch_rows` cuts an epoch short of one pass over `rows`,
    else None (one pass).

    Rounded up to whole calls into TensorFlow (`steps_per_execution` batches), as Keras runs
    no partial call: at batch 32 and 16 batches a call, 3,000 rows make 96 batches.
    """
    if max_epoch_rows is None or max_epoch_rows >= rows:
        return None
    calls = math.ceil(math.ceil(max_epoch_rows / params.batch_size) / params.steps_per_execution)
    return calls * params.steps_per_execution


def batches(
    x: np.ndarray, y: np.ndarray, batch_size: int, seed: int | None = None, endless: bool = False
) -> Any:
    """A tf.data pipeline of (images, labels) batches; shuffled each epoch when given a seed.

    The arrays become tensors once; row indices are shuffled and whole batches gathered.
    `endless`: the shuffled rows repeat without end, reshuffled on each pass, for epochs of a
    set number of batches.
    """
    import tensorflow as tf

    images, labels = tf.constant(x), tf.constant(y.astype(np.int32))
    rows = tf.data.Dataset.range(len(x))
    if seed is not None:
        rows = rows.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    if endless:
        rows = rows.repeat()
    options = tf.data.Options()
    options.autotune.enabled = False
    gathered = rows.batch(batch_size).map(
        lambda index: (tf.gather(images, index), tf.gather(labels, index))
    )
    return gathered.prefetch(2).with_options(options)


def epoch_decay(learning_rate: float, rate: float) -> Any:
    """A Keras callback setting the learning rate of epoch e (from 0) to learning_rate * rate**e.

    Set at the start of each epoch, so it holds for all the batches of that epoch, however
    many run per call into TensorFlow (`steps_per_execution`).
    """
    import keras

    return keras.callbacks.LearningRateScheduler(
        lambda epoch: epoch_learning_rate(learning_rate, rate, epoch)
    )


def epoch_learning_rate(learning_rate: float, decay: float, epoch: int) -> float:
    """The learning rate of epoch `epoch` (from 0), decayed by `decay` after each epoch."""
    return learning_rate * decay**epoch


def epoch_line(epoch: int, epochs: int, seconds: float, values: dict[str, float]) -> str:
    """The progress line of an epoch (from 1): its training seconds and its figures."""
    figures = "  ".join(f"{key} {value:.4f}" for key, value in values.items())
    return f"epoch {epoch}/{epochs}  {seconds:.1f}s  {figures}"


def stop_on_nan() -> Any:
    """A Keras callback ending training after the first batch whose loss is not finite: Keras'
    TerminateOnNaN without its message, as the stage reports the divergence in one line."""
    import keras

    class StopOnNaN(keras.callbacks.Callback):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            loss = (logs or {}).get("loss")
            if loss is not None and not np.isfinite(loss):
                self.model.stop_training = True

    return StopOnNaN()


def release_freed_memory() -> None:
    """Return the heap memory that training freed to the OS, as glibc does not by itself.

    The training tensors and XLA's compiler scratch stay resident otherwise, raising the peak
    of what follows. No-op without glibc.
    """
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def epoch_timer(epochs: int) -> Any:
    """A Keras callback that times the training part of each epoch and logs an epoch line.

    Its `train_seconds` list holds one figure per epoch, validation excluded.
    """
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.train_seconds: list[float] = []

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self._start = self._train_end = time.perf_counter()

        def on_test_begin(self, logs: Any = None) -> None:
            self._train_end = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            end = self._train_end if self._train_end > self._start else time.perf_counter()
            self.train_seconds.append(round(end - self._start, 4))
            log(epoch_line(epoch + 1, epochs, self.train_seconds[-1], logs or {}))

    return EpochTimer()
