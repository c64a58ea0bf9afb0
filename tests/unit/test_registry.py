"""The one list of models (models/registry.py) agrees with params.yaml and dvc.yaml."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from stage_runs import DVC_YAML, REAL_PARAMS

from digit_recognizer.models.cnn_aug import SEED_STAGE, seed_model_name
from digit_recognizer.models.registry import MODELS, NAMES
from digit_recognizer.params.schema import SECTIONS

STAGES = DVC_YAML["stages"]
PROJECT = Path(__file__).resolve().parents[2]


def flag(stage: dict, name: str) -> str:
    """The value dvc.yaml's command gives `--name`."""
    words = shlex.split(stage["cmd"])
    return words[words.index(f"--{name}") + 1]


def outs(stage: dict) -> set[str]:
    return {entry if isinstance(entry, str) else next(iter(entry)) for entry in stage["outs"]}


def test_every_model_has_its_stage_section_and_outputs() -> None:
    for model in MODELS:
        stage = STAGES[model.stage]
        assert model.stage in SECTIONS and model.stage in REAL_PARAMS, model.stage
        assert model.stage in stage["params"], model.stage  # it reads its own section
        assert flag(stage, "model") == f"models/{model.file}"
        assert f"models/{model.file}" in outs(stage)
        predictions = f"data/predictions/{model.name}.npz"
        assert predictions in outs(stage) and flag(stage, "metrics").endswith(f"/{model.name}.json")
        live = f"metrics/live/{model.name}/plots"
        assert (live in outs(stage)) == model.curves, model.name


def test_evaluate_and_submit_read_every_model_and_the_plots_show_each() -> None:
    """evaluate and submit depend on the folders every model writes into, so a new model
    needs no line there; the confusion matrices are one folder, the learning curves name
    each network."""
    for stage in ("evaluate", "submit"):
        assert flag(STAGES[stage], "predictions") == "data/predictions", stage
        assert "data/predictions" in STAGES[stage]["deps"], stage
    assert flag(STAGES["evaluate"], "live") == "metrics/live"
    assert "metrics/live" in STAGES["evaluate"]["deps"]
    lives = {f"metrics/live/{m.name}/plots" for m in MODELS if m.curves}
    plots = {name: spec for entry in DVC_YAML["plots"] if isinstance(entry, dict)
             for name, spec in entry.items()}  # fmt: skip
    assert plots["plots/confusion"]["template"] == "confusion"  # each model's file in it
    assert flag(STAGES["evaluate"], "confusion") == "plots/confusion"
    for curve in ("learning_curves_accuracy", "learning_curves_loss"):
        assert {f.split("/plots/metrics/")[0] + "/plots" for f in plots[curve]["y"]} == lives


def test_the_ensemble_members_are_models_that_dvc_yaml_feeds_it() -> None:
    seeds = REAL_PARAMS["cnn_aug_seeds"]
    trained = {*NAMES, *(seed_model_name(seed) for seed in seeds)} - {"ensemble"}
    members = REAL_PARAMS["ensemble"]["models"]
    assert set(members) <= trained
    member_files = {f"data/predictions/{name}.npz" for name in members}
    ensemble_deps = {d for d in STAGES["ensemble"]["deps"] if d.startswith("data/predictions/")}
    assert ensemble_deps == member_files
    seed_stage = STAGES[SEED_STAGE]
    assert seed_stage["matrix"] == {"seed": "${cnn_aug_seeds}"}
    assert "models/cnn_aug_s${item.seed}.keras" in outs(seed_stage)


def test_every_trained_model_is_an_artifact_at_its_stage_output() -> None:
    """dvc.yaml's `artifacts:` names each registered model and each extra seed of the strong
    CNN, at the file its stage writes, as a model with a description and labels."""
    seeds = {seed_model_name(seed): f"models/{seed_model_name(seed)}.keras"
             for seed in REAL_PARAMS["cnn_aug_seeds"]}  # fmt: skip
    expected = {model.name: f"models/{model.file}" for model in MODELS} | seeds
    artifacts = DVC_YAML["artifacts"]
    assert {name: entry["path"] for name, entry in artifacts.items()} == expected
    for model in MODELS:
        assert artifacts[model.name]["path"] in outs(STAGES[model.stage])
    for entry in artifacts.values():
        assert entry["type"] == "model" and entry["desc"] and entry["labels"], entry


def test_a_new_model_file_is_registered_with_its_params_section(tmp_path: Path) -> None:
    """A model file with its `MODEL` is all the package needs: the registry lists it, the
    params check reads its section, submit.model accepts its name."""
    package = tmp_path / "digit_recognizer"
    shutil.copytree(PROJECT / "digit_recognizer", package, ignore=shutil.ignore_patterns("*.pyc"))
    (package / "models" / "tiny.py").write_text(
        "from digit_recognizer.models.entry import Model\n"
        "from digit_recognizer.params.fields import Count, section\n\n\n"
        "@section\nclass TinyParams:\n    units: Count\n\n\n"
        'MODEL = Model("tiny", "tiny net", "train_tiny", TinyParams, "tiny.keras", curves=True)\n'
    )
    listed = subprocess.run(
        [sys.executable, "-c", "from digit_recognizer.models.registry import NAMES; "
         "from digit_recognizer.params.schema import SECTIONS; "
         "from digit_recognizer.evaluation.leaderboard import SubmitParams; "
         "print(' '.join(NAMES)); print(SECTIONS['train_tiny'].__name__); "
         "print(SubmitParams(model='tiny').model)"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True, text=True, check=True,
    ).stdout.split("\n")  # fmt: skip
    assert listed[:3] == ["cnn cnn_aug ensemble lr mlp tiny", "TinyParams", "tiny"]
