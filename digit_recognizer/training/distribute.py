"""Training on several devices or workers with tf.distribute: the CNN stages' `distribute`.

- none: one device, Keras `fit` (the default).
- mirrored: MirroredStrategy over every GPU, or over `cpu_replicas` logical CPU devices when
  there is none; Keras `fit`.
- multi_worker: MultiWorkerMirroredStrategy across the processes TF_CONFIG describes, with a
  custom training step (worker_loop.py; Keras 3 `fit` fails under this strategy,
  keras-team/keras#20585). Only the chief writes the stage's outputs.

The batch size in params.yaml is per replica: a step takes `batch_size` x replicas digits
and the learning rate is kept, as in TensorFlow's "Distributed training with Keras" tutorial.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from digit_recognizer.console import PipelineError, log
from digit_recognizer.models.network import DistributedFitParams
from digit_recognizer.predict.tta import NO_VIEWS, Views
from digit_recognizer.training.fit import fit
from digit_recognizer.training.inputs import SplitData, TrainingPaths
from digit_recognizer.training.outputs import Refit, save_keras_model, save_keras_outputs
from digit_recognizer.training.worker_loop import fit_across_workers

TF_CONFIG = "TF_CONFIG"
# a folder where each worker but the chief saves its trained model (NAME-worker-INDEX.keras),
# to compare with the chief's; unset, those workers write nothing
WORKER_MODELS = "DIGITS_WORKER_MODELS"


@dataclass(frozen=True)
class Trained:
    """A trained network (on one device, to save and predict with) and how it was trained."""

    model: Any
    history: pd.DataFrame
    distribute: str = "none"
    replicas: int = 1
    workers: int = 1
    task: tuple[str, int] = ("worker", 0)  # this process's task (type, index) in its cluster
    chief: bool = True
    strategy: Any = None  # multi_worker: the strategy, for the workers' last meeting


def tf_config() -> dict[str, Any]:
    """TF_CONFIG as TensorFlow defines it: JSON with `cluster` (task type -> addresses) and
    `task` (`type`, `index`); a one-line error when it is missing or malformed."""
    text = os.environ.get(TF_CONFIG)
    if not text:
        raise PipelineError(
            f"{TF_CONFIG} is not set: distribute: multi_worker needs it on every worker "
            "(python -m digit_recognizer.training.workers N -- COMMAND sets it for local workers)"
        )
    try:
        config = json.loads(text)
        task, cluster = config["task"], config["cluster"]
        task_type, index = task["type"], task["index"]
        cluster[task_type][index]
    except (ValueError, TypeError, KeyError, IndexError) as err:
        raise PipelineError(
            f"{TF_CONFIG}: expected JSON with cluster (task type -> list of host:port) and "
            f"task (type, index) naming one of them ({type(err).__name__}: {err})"
        ) from err
    return config


def is_chief(config: dict[str, Any]) -> bool:
    """The chief task, or worker 0 when the cluster has no chief (TensorFlow's convention)."""
    task_type, index = config["task"]["type"], config["task"]["index"]
    if task_type == "chief":
        return True
    return task_type == "worker" and index == 0 and "chief" not in config["cluster"]


def make_strategy(params: DistributedFitParams) -> Any:
    """The tf.distribute strategy `params.distribute` names (not `none`).

    Logical CPU devices must be made before TensorFlow starts its runtime: call this before
    building a model or running any operation.
    """
    import tensorflow as tf

    if params.distribute == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()  # reads TF_CONFIG itself
    if tf.config.list_physical_devices("GPU"):
        return tf.distribute.MirroredStrategy()
    cpu = tf.config.list_physical_devices("CPU")[0]
    devices = [tf.config.LogicalDeviceConfiguration()] * params.cpu_replicas
    tf.config.set_logical_device_configuration(cpu, devices)
    return tf.distribute.MirroredStrategy([d.name for d in tf.config.list_logical_devices("CPU")])


def train(
    keras: Any,
    build: Callable[[Any, Any], Any],
    data: SplitData,
    params: DistributedFitParams,
    lr_decay: float = 1.0,
    max_epoch_rows: int | None = None,
    live: Path | None = None,
) -> Trained:
    """Build the network with `build(keras, params)` and train it as `params.distribute` says;
    `lr_decay`, `max_epoch_rows` and `live` (the per-epoch metrics, written by the chief) as
    training.fit.fit has them.

    Under a strategy the model is built inside its scope with the global batch size and one
    batch per call into TensorFlow (Keras 3 fails under MirroredStrategy with more); the
    trained weights and optimizer state are then copied into a model built outside it,
    whose `predict_on_batch` returns one row per digit (the mirrored one returns one per
    replica and digit).
    """
    if params.distribute == "none":
        model = build(keras, params)
        return Trained(model, fit(model, data, params, lr_decay, max_epoch_rows, live))
    config = tf_config() if params.distribute == "multi_worker" else None
    strategy = make_strategy(params)
    replicas = strategy.num_replicas_in_sync
    run_params = replace(params, batch_size=params.batch_size * replicas, steps_per_execution=1)
    log(f"{params.distribute}: {replicas} replicas in sync, {run_params.batch_size} per step")
    with strategy.scope():
        model = build(keras, run_params)
    if config is None:
        history = fit(model, data, run_params, lr_decay, max_epoch_rows, live)
        copy = one_device_copy(keras, build, params, model)
        return Trained(copy, history, params.distribute, replicas)
    chief = is_chief(config)
    history = fit_across_workers(
        strategy, model, data, run_params, lr_decay, chief, max_epoch_rows, live if chief else None
    )
    task = (config["task"]["type"], int(config["task"]["index"]))
    workers = sum(len(addresses) for addresses in config["cluster"].values())
    copy = one_device_copy(keras, build, params, model)
    return Trained(copy, history, params.distribute, replicas, workers, task, chief, strategy)


def one_device_copy(keras: Any, build: Callable[[Any, Any], Any], params: Any, model: Any) -> Any:
    """A model built outside any strategy holding `model`'s weights and optimizer state."""
    copy = build(keras, params)
    copy.set_weights(model.get_weights())
    copy.optimizer.build(copy.trainable_variables)
    for target, source in zip(copy.optimizer.variables, model.optimizer.variables, strict=True):
        target.assign(keras.ops.convert_to_numpy(source))
    return copy


def save_trained(
    name: str,
    trained: Trained,
    data: SplitData,
    paths: TrainingPaths,
    section: str,
    extra_metrics: dict[str, Any] | None = None,
    views: Views = NO_VIEWS,
    refit: Refit | None = None,
) -> None:
    """The chief (or the only process) writes the stage's outputs (outputs.py): its metrics
    with `extra_metrics`, its predictions with test-time augmentation's `views`, its model
    and test predictions from `refit` with refit_full (training/fit.py: full_refit). With
    `distribute` other than none, the metrics also record the strategy and how many replicas
    and workers trained the model.

    Another worker writes nothing, unless DIGITS_WORKER_MODELS names a folder: it then
    saves its model there as NAME-worker-INDEX.keras. With multi_worker, every worker then
    waits for the others, so that none exits while the chief still writes (the chief would
    report it as crashed).
    """
    task_type, index = trained.task
    folder = os.environ.get(WORKER_MODELS)
    if trained.chief:
        extra = dict(extra_metrics or {})
        if trained.distribute != "none":
            extra |= {
                "distribute": trained.distribute,
                "replicas": trained.replicas,
                "workers": trained.workers,
            }
        model, history = trained.model, trained.history
        save_keras_outputs(name, model, data, history, paths, section, extra, views, refit)
    elif folder:
        save_keras_model(trained.model, Path(folder) / f"{name}-{task_type}-{index}.keras")
    if trained.strategy is not None:
        wait_for_workers(trained.strategy)
    if not trained.chief:
        log(f"{name}: {task_type} {index} done; the chief wrote the outputs")


def wait_for_workers(strategy: Any) -> None:
    """Return once every worker has called this: a sum over all replicas (a collective)."""
    import tensorflow as tf

    @tf.function
    def meet() -> Any:
        return strategy.reduce("SUM", strategy.run(lambda: tf.constant(1.0)), axis=None)

    meet()
