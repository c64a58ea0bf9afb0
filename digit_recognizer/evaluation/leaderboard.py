"""The model of submission.csv: the best on the validation split, or the one params name."""

from __future__ import annotations

from typing import Literal

from digit_recognizer.models.registry import NAMES
from digit_recognizer.params.fields import section


@section
class SubmitParams:
    model: Literal[("best", *NAMES)]  # the model of submission.csv


def chosen_model(requested: str, val_accuracy: dict[str, float]) -> str:
    """`requested`, or for `best` the highest validation accuracy (the first by name on a tie)."""
    return max(NAMES, key=val_accuracy.__getitem__) if requested == "best" else requested
