"""The ensemble: the mean of several trained models' class probabilities, without retraining.

Its members are `ensemble.models` (params.yaml); the stage records them in models/ensemble.json.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from digit_recognizer.params.fields import list_of, section

ModelName = Annotated[  # data/predictions/NAME.npz
    str, Field(pattern=r"^[A-Za-z0-9_.-]+$", description="a model name (letters, digits, _.-)")
]


def not_ensemble(names: tuple[str, ...]) -> tuple[str, ...]:
    if "ensemble" in names:
        raise ValueError("the ensemble cannot average itself")
    return names


@section
class EnsembleParams:
    models: Annotated[  # averaged: data/predictions/NAME.npz each
        list_of(ModelName),
        AfterValidator(not_ensemble),
        Field(description="a list of model names, not ensemble"),
    ]
