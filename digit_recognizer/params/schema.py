"""All of params.yaml: every section's type, and the check of the whole file that runs first."""

from __future__ import annotations

from typing import ClassVar

from digit_recognizer.evaluation.leaderboard import SubmitParams
from digit_recognizer.models.registry import MODELS
from digit_recognizer.params.fields import SeedList, section
from digit_recognizer.params.reading import (
    load_params_file,
    read_params,
    refuse_unknown_keys,
    top_level_keys,
)
from digit_recognizer.params.sections import (
    EvaluateParams,
    FetchParams,
    SampleParams,
    SplitParams,
)

SECTIONS: dict[str, type] = {
    "fetch": FetchParams,
    "sample": SampleParams,
    "split": SplitParams,
    **{model.stage: model.params for model in MODELS},  # each model's, in its model file
    "evaluate": EvaluateParams,
    "submit": SubmitParams,
}


@section
class MatrixParams:
    """The top-level lists that dvc.yaml's matrix stages read."""

    cnn_aug_seeds: SeedList  # train_cnn_aug_seed: one strong CNN per extra seed
    TOP_LEVEL: ClassVar = ("cnn_aug_seeds",)


MATRIX_KEYS = MatrixParams.TOP_LEVEL


def check_params_file() -> None:
    """Check all of params.yaml: no unknown top-level key, every section and its keys."""
    data = load_params_file()
    known = set(SECTIONS) | set(MATRIX_KEYS)
    for section_type in SECTIONS.values():
        known |= top_level_keys(section_type)
    refuse_unknown_keys(data, known)
    for name, section_type in SECTIONS.items():
        read_params(section_type, name)
    read_params(MatrixParams, None)
