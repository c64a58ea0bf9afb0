"""The training loop of `distribute: multi_worker`: one custom step per global batch.

Keras 3 `fit` fails under MultiWorkerMirroredStrategy (keras-team/keras#20585), so the step
is written out, as in TensorFlow's "Custom training loop with Keras and
MultiWorkerMirroredStrategy" tutorial: each worker reads its shard of every global batch
(AutoShardPolicy.DATA, as the data are in-memory arrays), each replica computes its
gradients, the strategy sums them across workers, and every worker applies the same update.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from digit_recognizer.console import log
from digit_recognizer.models.network import KerasFitParams
from digit_recognizer.training.fit import (
    HISTORY_COLUMNS,
    batches,
    epoch_learning_rate,
    epoch_line,
    epoch_steps,
    release_freed_memory,
)
from digit_recognizer.training.inputs import SplitData
from digit_recognizer.training.live import EpochLog

LOGGED = HISTORY_COLUMNS[1:5]  # loss, accuracy, val_loss, val_accuracy


def fit_across_workers(
    strategy: Any,
    model: Any,
    data: SplitData,
    params: KerasFitParams,
    lr_decay: float,
    report: bool,
    max_epoch_rows: int | None = None,
    live: Path | None = None,
) -> pd.DataFrame:
    """Train `model` (built in `strategy`'s scope) for `params.epochs`; return the history.

    `params.batch_size` is the global batch. The history has the columns and meaning of
    `fit`'s: mean loss and accuracy over the epoch's training digits, then over the validation
    digits, the training seconds and the digits trained on. With `report`, an epoch line is
    logged as `fit` does; DVCLive writes each epoch to `live` (given to the chief only). The
    learning rate of epoch e (from 0) is `learning_rate * lr_decay **
    e`; an epoch is at most `max_epoch_rows` rows, as in `fit`; a NaN loss ends training after
    that epoch.
    """
    import keras
    import tensorflow as tf

    optimizer = model.optimizer

    def totals(labels: Any, proba: Any) -> tuple[Any, Any]:
        """Per-digit losses, and [loss sum, correct digits, digits] of a replica's batch."""
        losses = keras.losses.sparse_categorical_crossentropy(labels, proba)
        predicted = tf.argmax(proba, axis=1, output_type=tf.int32)
        correct = tf.reduce_sum(tf.cast(tf.equal(predicted, labels), tf.float32))
        count = tf.cast(tf.size(labels), tf.float32)
        return losses, tf.stack([tf.reduce_sum(losses), correct, count])

    def train_replica(images: Any, labels: Any) -> Any:
        with tf.GradientTape() as tape:
            losses, sums = totals(labels, model(images, training=True))
            loss = tf.nn.compute_average_loss(losses, global_batch_size=params.batch_size)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        return sums

    def val_replica(images: Any, labels: Any) -> Any:
        return totals(labels, model(images, training=False))[1]

    @tf.function
    def train_step(iterator: Any) -> Any:
        return strategy.reduce("SUM", strategy.run(train_replica, args=next(iterator)), axis=None)

    @tf.function
    def val_step(iterator: Any) -> Any:
        return strategy.reduce("SUM", strategy.run(val_replica, args=next(iterator)), axis=None)

    # statistics a layer updates from its own batches (batch norm's moving mean and variance)
    # differ between workers: each saw its shard
    statistics = [v for v in model.non_trainable_variables if "float" in str(v.dtype)]

    @tf.function
    def statistics_step() -> None:
        local = strategy.run(lambda: [tf.identity(v.value) for v in statistics])
        for variable, values in zip(statistics, local, strict=True):
            variable.assign(strategy.reduce("MEAN", values, axis=None))

    steps = epoch_steps(len(data.y_train), params, max_epoch_rows)
    x, y = data.x("train"), data.y_train
    train = sharded(
        strategy, batches(x, y, params.batch_size, params.seed, endless=steps is not None)
    )
    endless = iter(train) if steps is not None else None  # one stream over all epochs
    train_steps = steps or math.ceil(len(y) / params.batch_size)
    val_x, val_y = data.epoch_validation()
    val = sharded(strategy, batches(val_x, val_y, params.batch_size))
    val_steps = math.ceil(len(val_y) / params.batch_size)
    rows = []
    epochs = EpochLog(live)
    for epoch in range(params.epochs):
        if lr_decay != 1.0:
            optimizer.learning_rate = epoch_learning_rate(params.learning_rate, lr_decay, epoch)
        start = time.perf_counter()
        iterator = iter(train) if endless is None else endless
        loss, correct, count = run_epoch(train_step, iterator, train_steps)
        if statistics:
            statistics_step()  # the mean over the workers, the same on every worker
        seconds = round(time.perf_counter() - start, 4)
        val_loss, val_correct, val_count = run_epoch(val_step, iter(val), val_steps)
        row = {
            "epoch": epoch + 1,
            "loss": loss / count,
            "accuracy": correct / count,
            "val_loss": val_loss / val_count,
            "val_accuracy": val_correct / val_count,
            "seconds": seconds,
            "images": int(count),
        }
        rows.append(row)
        epochs.log(epoch + 1, row)
        if report:
            log(epoch_line(epoch + 1, params.epochs, seconds, {k: row[k] for k in LOGGED}))
        if not math.isfinite(row["loss"]):
            break
    epochs.end()
    release_freed_memory()
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


def sharded(strategy: Any, dataset: Any) -> Any:
    """`dataset` (of global batches) split across the workers by data, then their replicas."""
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return strategy.experimental_distribute_dataset(dataset.with_options(options))


def run_epoch(step: Any, iterator: Any, steps: int) -> list[float]:
    """Run `step` `steps` times on `iterator` (of global batches); return the summed totals.

    Every worker runs the same number of steps (a step is a collective operation), counted
    from the rows rather than from the end of a worker's shard.
    """
    total = np.zeros(3)
    for _ in range(steps):
        total += step(iterator).numpy()
    return [float(value) for value in total]
