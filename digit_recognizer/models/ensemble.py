"""The ensemble: a weighted mean of several trained models' class probabilities, no retraining.

Its candidates are `ensemble.models` (params.yaml). With `selection: greedy` the weights are
chosen on the validation split by forward selection with replacement (Caruana et al., 2004:
"Ensemble selection from libraries of models"); with `mean` every candidate weighs the same.
The stage records the members and their weights in models/ensemble.json.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import AfterValidator, Field

from digit_recognizer.evaluation.scores import accuracy_and_loss
from digit_recognizer.models.entry import Model
from digit_recognizer.params.fields import Count, list_of, section

ModelName = Annotated[  # data/predictions/NAME.npz
    str, Field(pattern=r"^[A-Za-z0-9_.-]+$", description="a model name (letters, digits, _.-)")
]


def not_ensemble(names: tuple[str, ...]) -> tuple[str, ...]:
    if "ensemble" in names:
        raise ValueError("the ensemble cannot average itself")
    return names


@section
class EnsembleParams:
    models: Annotated[  # the candidates: data/predictions/NAME.npz each
        list_of(ModelName),
        AfterValidator(not_ensemble),
        Field(description="a list of model names, not ensemble"),
    ]
    selection: Literal["greedy", "mean"]  # greedy: weights picked on validation; mean: equal
    rounds: Count  # greedy: picks made, with replacement (a weight is a count of picks)


MODEL = Model("ensemble", "ensemble", "ensemble", EnsembleParams, "ensemble.json", curves=False)


def greedy_picks(val_probas: list[np.ndarray], y_val: np.ndarray, rounds: int) -> list[int]:
    """How many times forward selection picks each candidate: each round adds the one that
    gives the mean of the picks so far the best validation accuracy (then the lowest log loss,
    then the first listed); the counts after the best round are kept. The first round picks
    the best candidate alone, so the ensemble never scores below it on validation."""
    picks = [0] * len(val_probas)
    total = np.zeros_like(val_probas[0], dtype=np.float64)
    best: tuple[float, float] | None = None
    kept: list[int] = []  # set in the first round, which always improves on nothing
    for picked in range(1, rounds + 1):
        scores = []
        for proba in val_probas:
            accuracy, loss = accuracy_and_loss(y_val, (total + proba) / picked)
            scores.append((accuracy, -loss))
        choice = max(range(len(val_probas)), key=lambda i: (scores[i], -i))
        picks[choice] += 1
        total += val_probas[choice]
        if best is None or scores[choice] > best:
            best, kept = scores[choice], list(picks)
    return kept


def weights_of(
    params: EnsembleParams, val_probas: list[np.ndarray], y_val: np.ndarray
) -> list[int]:
    """Each candidate's weight, as a count: its greedy picks, or 1 each for `mean`."""
    if params.selection == "mean":
        return [1] * len(val_probas)
    return greedy_picks(val_probas, y_val, params.rounds)
