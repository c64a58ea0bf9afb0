"""Every model of the pipeline, in one list: what evaluate scores, submit writes, predict loads.

The list is the `MODEL` (a models/entry.py `Model`) of each module in this folder, in name
order. To add a model: its file here (params type, build function, `MODEL`), its params.yaml
section and its dvc.yaml stage; tests/unit/test_registry.py checks that the three agree.
Which models the ensemble weighs is `ensemble.models` in params.yaml.
"""

from __future__ import annotations

import importlib
import pkgutil

from digit_recognizer import models
from digit_recognizer.console import PipelineError
from digit_recognizer.models.entry import Model


def registered_models() -> tuple[Model, ...]:
    """The `MODEL` of every module of this folder, by name."""
    found = []
    for module in pkgutil.iter_modules(models.__path__):
        entry = getattr(importlib.import_module(f"{models.__name__}.{module.name}"), "MODEL", None)
        if isinstance(entry, Model):
            found.append(entry)
    return tuple(sorted(found, key=lambda model: model.name))


MODELS = registered_models()
NAMES = tuple(model.name for model in MODELS)


def find(name: str) -> Model:
    """The registered model `name`; a one-line error listing the names otherwise."""
    for model in MODELS:
        if model.name == name:
            return model
    raise PipelineError(f"unknown model {name!r} (expected one of {', '.join(NAMES)})")
