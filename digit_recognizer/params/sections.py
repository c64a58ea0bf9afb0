"""The params sections of the data stages and of evaluate.

Each model's section lives in its model file (digit_recognizer/models/), submit's beside the
leaderboard (evaluation/leaderboard.py); schema.py lists them all.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from digit_recognizer.params.fields import Count, Positive, Seed, Text, section

FETCH_SOURCES = ("bundled", "kaggle_scale", "kaggle", "folder")  # stages/fetch.py, SOURCES


@section
class FetchParams:
    source: Literal[FETCH_SOURCES]
    test_size: Count  # bundled, kaggle_scale: digits held out for test.csv
    seed: Seed  # bundled, kaggle_scale
    competition: Text  # kaggle
    timeout: Positive  # kaggle: seconds the download may take
    scale_train_rows: Count  # kaggle_scale
    scale_test_rows: Count  # kaggle_scale


@section
class SampleParams:
    seed: Seed
    sample_fraction: Annotated[float, Field(gt=0.0, le=1.0)]
    TOP_LEVEL: ClassVar = ("sample_fraction",)


@section
class SplitParams:
    validation_fraction: Annotated[float, Field(gt=0.0, lt=1.0)]
    seed: Seed
    stratify: bool


@section
class EvaluateParams:
    mistakes: Count  # most confident mistakes drawn per model
    digits: Count  # validation digits drawn with their labels
