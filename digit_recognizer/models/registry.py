"""Every model of the pipeline, in one list: what evaluate scores, submit writes, predict loads.

To add a model: its file in this folder (params dataclass and build function), an entry here,
its params.yaml section and its dvc.yaml stage; tests/unit/test_registry.py checks that the
three agree. Which models the ensemble averages is `ensemble.models` in params.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass

from digit_recognizer.console import PipelineError


@dataclass(frozen=True)
class Model:
    """A model by name: data/predictions/NAME.npz, metrics/models/NAME.json, models/FILE."""

    name: str
    title: str  # in pictures and plot titles
    stage: str  # the dvc.yaml stage that writes it; its params.yaml section has the same name
    file: str  # in models/: .keras (Keras), .joblib (scikit-learn), .json (an ensemble's members)
    curves: bool  # a network: per-epoch history and learning curves


MODELS = (
    Model("lr", "logistic regression", "train_lr", "lr.joblib", curves=False),
    Model("mlp", "dense network", "train_mlp", "mlp.keras", curves=True),
    Model("cnn", "CNN", "train_cnn", "cnn.keras", curves=True),
    Model("cnn_aug", "strong CNN (augmented)", "train_cnn_aug", "cnn_aug.keras", curves=True),
    Model("ensemble", "ensemble", "ensemble", "ensemble.json", curves=False),
)
NAMES = tuple(model.name for model in MODELS)
# cnn_aug again once per seed of `cnn_aug_seeds` (params.yaml): stage SEED_STAGE@SEED
SEED_STAGE = "train_cnn_aug_seed"


def seed_model_name(seed: int) -> str:
    """The name of the strong CNN trained with an extra seed (an ensemble member)."""
    return f"cnn_aug_s{seed}"


def find(name: str) -> Model:
    """The registered model `name`; a one-line error listing the names otherwise."""
    for model in MODELS:
        if model.name == name:
            return model
    raise PipelineError(f"unknown model {name!r} (expected one of {', '.join(NAMES)})")
