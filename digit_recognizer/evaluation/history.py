"""A network's per-epoch history, read back from the folder DVCLive wrote while it trained."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from digit_recognizer.console import PipelineError
from digit_recognizer.training.live import LIVE_NAMES

HISTORY_COLUMNS = ("epoch", *LIVE_NAMES)  # epoch, loss, accuracy, val_loss, val_accuracy


def read_history(folder: Path) -> pd.DataFrame:
    """One row per epoch with HISTORY_COLUMNS, from DVCLive's `plots/metrics/*/*.tsv` in
    `folder`; each file checked (columns `step` and its metric, the same epochs, finite)."""
    columns: dict[str, pd.Series] = {}
    epochs = None
    for column, name in LIVE_NAMES.items():
        path = folder / "plots" / "metrics" / f"{name}.tsv"
        metric = name.split("/")[-1]
        try:
            table = pd.read_csv(path, sep="\t")
        except FileNotFoundError:
            raise PipelineError(f"{path}: not found (run its training stage: dvc repro)") from None
        except (ValueError, UnicodeDecodeError) as err:  # pandas' parser and empty-file errors
            raise PipelineError(f"{path}: not a DVCLive metrics file ({err})") from None
        values = table.reindex(columns=["step", metric]).apply(pd.to_numeric, errors="coerce")
        steps = values["step"].to_numpy()
        if (
            table.empty
            or not np.isfinite(values.to_numpy(dtype=float)).all()
            or (epochs is not None and not np.array_equal(steps, epochs))
        ):
            raise PipelineError(
                f"{path}: expected one row per epoch with numbers in step, {metric}, the same "
                "epochs in every file (an edited or stale file? rerun its training stage)"
            )
        epochs = steps
        columns[column] = values[metric]
    return pd.DataFrame({"epoch": epochs.astype(int), **columns})
