"""A network's per-epoch metrics, written with DVCLive after every epoch while it trains.

The folder holds DVCLive's usual files: `metrics.json` (the last epoch's `train` and `eval`
loss and accuracy, and its `step`, the epoch from 1) and `plots/metrics/{train,eval}/
{loss,accuracy}.tsv` (one row per epoch so far). dvc.yaml declares them, so `dvc exp show`,
`dvc plots show` and VS Code's DVC extension show a running experiment. DVCLive writes no
dvc.yaml, saves no experiment of its own and adds no timestamp: the same training gives the
same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# the training history's columns, as DVCLive names them (train/..., eval/...)
LIVE_NAMES = {
    "loss": "train/loss",
    "accuracy": "train/accuracy",
    "val_loss": "eval/loss",
    "val_accuracy": "eval/accuracy",
}


class EpochLog:
    """DVCLive's `Live` in `folder`, one step per epoch; with no folder (a worker other than
    the chief), it writes nothing.

    DVCLive empties the folder when the first epoch ends, not before: a stage stopped by a bad
    input leaves an earlier run's files as they were. An epoch whose loss is not finite (a
    diverging network, which the stage then reports) is not written: the metrics stay JSON.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.live: Any = None

    def log(self, epoch: int, values: Mapping[str, Any]) -> None:
        """Write epoch `epoch` (from 1): its loss and accuracy, training and validation."""
        numbers = {name: float(values[key]) for key, name in LIVE_NAMES.items()}
        if self.folder is None or not all(map(math.isfinite, numbers.values())):
            return
        if self.live is None:
            from dvclive import Live

            self.live = Live(dir=str(self.folder), dvcyaml=False, save_dvc_exp=False, report=None)
        self.live.step = epoch
        for name, number in numbers.items():
            self.live.log_metric(name, number)
        self.live.next_step()

    def end(self) -> None:
        if self.live is not None:
            self.live.end()


def epoch_logger(folder: Path | None) -> Any:
    """A Keras callback writing each epoch's metrics to `folder` with DVCLive."""
    import keras

    class LiveEpochs(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.log = EpochLog(folder)

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.log.log(epoch + 1, logs or {})

        def on_train_end(self, logs: Any = None) -> None:
            self.log.end()

    return LiveEpochs()
