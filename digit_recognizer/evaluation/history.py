"""The networks' per-epoch history files (epoch, loss, accuracy, val_loss, val_accuracy)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from digit_recognizer.console import PipelineError

HISTORY_COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy")


def read_history(path: Path) -> pd.DataFrame:
    """A network's history CSV (one row per epoch, HISTORY_COLUMNS, finite numbers), checked."""
    try:
        history = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError) as err:  # pandas' parser and empty-file errors
        raise PipelineError(f"{path}: not a history CSV ({' '.join(str(err).split())})") from err
    missing = [column for column in HISTORY_COLUMNS if column not in history.columns]
    values = history.reindex(columns=HISTORY_COLUMNS).apply(pd.to_numeric, errors="coerce")
    if missing or history.empty or not np.isfinite(values.to_numpy(dtype=float)).all():
        raise PipelineError(
            f"{path}: expected one row per epoch with numbers in {', '.join(HISTORY_COLUMNS)} "
            "(an edited or stale file? rerun its training stage)"
        )
    return history
