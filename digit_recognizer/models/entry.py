"""What the registry knows of a model: each model file in this folder declares its `MODEL`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Model:
    """A model by name: data/predictions/NAME.npz, metrics/models/NAME.json, models/FILE."""

    name: str
    title: str  # in pictures and plot titles
    stage: str  # the dvc.yaml stage that writes it; its params.yaml section has the same name
    params: type  # the type of that section
    file: str  # in models/: a saved network, a scikit-learn joblib, or an ensemble's json
    curves: bool  # a network: per-epoch history and learning curves
