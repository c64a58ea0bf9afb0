"""The params sections of the data stages and of evaluate.

Each model's section lives in its model file (digit_recognizer/models/), submit's beside the
leaderboard (evaluation/leaderboard.py); schema.py lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from digit_recognizer.params.fields import (
    boolean,
    choice,
    integer,
    number,
    param,
    random_seed,
    text,
)

FETCH_SOURCES = ("bundled", "kaggle_scale", "kaggle", "folder")  # stages/fetch.py, SOURCES


@dataclass(frozen=True)
class FetchParams:
    source: str = param(choice(*FETCH_SOURCES))
    test_size: int = param(integer(1))  # bundled, kaggle_scale: digits held out for test.csv
    seed: int = param(random_seed())  # bundled, kaggle_scale
    competition: str = param(text)  # kaggle
    scale_train_rows: int = param(integer(1))  # kaggle_scale
    scale_test_rows: int = param(integer(1))  # kaggle_scale


@dataclass(frozen=True)
class SampleParams:
    seed: int = param(random_seed())
    sample_fraction: float = param(number(0.0, 1.0, low_open=True), top_level=True)


@dataclass(frozen=True)
class SplitParams:
    validation_fraction: float = param(number(0.0, 1.0, low_open=True, high_open=True))
    seed: int = param(random_seed())
    stratify: bool = param(boolean)


@dataclass(frozen=True)
class EvaluateParams:
    mistakes: int = param(integer(1))  # most confident mistakes drawn per model
    digits: int = param(integer(1))  # validation digits drawn with their labels
