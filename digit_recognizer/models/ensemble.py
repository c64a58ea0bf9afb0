"""The ensemble: the mean of several trained models' class probabilities, without retraining.

Its members are `ensemble.models` (params.yaml); the stage records them in models/ensemble.json.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from digit_recognizer.console import PipelineError
from digit_recognizer.params.fields import PARAMS_FILE, param

MODEL_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def model_names(key: str, value: Any) -> tuple[str, ...]:
    """A list of at least one model name (file names without .npz), not this stage's own."""
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and MODEL_NAME.match(v) and v != "ensemble" for v in value)
    ):
        raise PipelineError(f"{PARAMS_FILE}: {key} must be {model_names.allowed}, got {value!r}")
    return tuple(value)


model_names.allowed = "a list of model names, not ensemble"  # type: ignore[attr-defined]


@dataclass(frozen=True)
class EnsembleParams:
    models: tuple[str, ...] = param(model_names)  # averaged: data/predictions/NAME.npz each
