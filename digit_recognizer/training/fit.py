"""The training loop the networks share: tf.data batches, epochs, learning-rate decay, NaN stop."""

from __future__ import annotations

import ctypes
import math
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from digit_recognizer.console import PipelineError, log
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
    # the memory-mapped training images are referenced only while they become a tensor, so
    # their pages are released once it is built
    validation = batches(*data.epoch_validation(), params.batch_size)
    return train_epochs(
        model, data.x("train"), data.y_train, validation, params, lr_decay, max_epoch_rows, live
    )


def refit_on_all_rows(
    keras: Any,
    build: Callable[[Any, Any], Any],
    data: SplitData,
    params: KerasFitParams,
    epochs: int,
    lr_decay: float = 1.0,
    max_epoch_rows: int | None = None,
) -> tuple[Any, pd.DataFrame]:
    """A fresh network, seeded as the split run's, trained as `fit` trains, for `epochs` (the
    split run's) on the training and validation rows together and without validation: the
    submission's model when `refit_full` is on. Returns it and its history."""
    keras.utils.set_random_seed(params.seed)
    model = build(keras, params)
    y = np.concatenate([data.y_train, data.y_val])
    log(f"refit_full: {epochs} epochs on all {len(y)} sampled rows")
    run = replace(params, epochs=epochs)
    x = np.concatenate([data.x("train"), data.x("val")])
    return model, train_epochs(model, x, y, None, run, lr_decay, max_epoch_rows, None)


def full_refit(
    keras: Any,
    build: Callable[[Any, Any], Any],
    data: SplitData,
    params: KerasFitParams,
    section: str,
    lr_decay: float = 1.0,
    max_epoch_rows: int | None = None,
) -> Callable[[int], tuple[Any, pd.DataFrame]] | None:
    """With `refit_full` on, what refits the network after its split run (refit_on_all_rows,
    given the split run's epochs: outputs.Refit); None with it off. Call it before training:
    a network trained across devices or workers (`distribute`) cannot be refit, reported now."""
    if not params.refit_full:
        return None
    distribute = getattr(params, "distribute", "none")
    if distribute != "none":
        raise PipelineError(
            f"params.yaml: {section}.refit_full: true needs {section}.distribute: none "
            f"(got {distribute})"
        )
    return lambda epochs: refit_on_all_rows(
        keras, build, data, params, epochs, lr_decay, max_epoch_rows
    )


def train_epochs(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    validation: Any,
    params: KerasFitParams,
    lr_decay: float,
    max_epoch_rows: int | None,
    live: Path | None,
) -> pd.DataFrame:
    """`fit`'s loop on rows `x`, `y`, checking the `validation` batches (None: none) after
    each epoch; the history has no validation columns without them."""
    timer = epoch_timer(params.epochs)
    callbacks = [stop_on_nan(), timer, *([epoch_logger(live)] if live else [])]
    if lr_decay != 1.0:
        callbacks.insert(0, epoch_decay(params.learning_rate, lr_decay))
    steps = epoch_steps(len(y), params, max_epoch_rows)
    train = batches(x, y, params.batch_size, params.seed, endless=steps is not None)
    history = model.fit(
        train,
        validation_data=validation,
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
    return frame[[column for column in HISTORY_COLUMNS if column in frame]]


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
