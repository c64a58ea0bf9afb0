"""Bad params.yaml values give a one-line error naming the key, and exit code 1.

Each stage's `main` is called in-process through the same `run` wrapper a command line uses
(tests/stages/test_params_cli.py runs the main cases as real subprocesses).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from dvc_project import DELETE, write_params
from stage_runs import (
    DVC_YAML,
    REAL_PARAMS,
    TINY_PARAMS,
    InProcessRunner,
    dvc_yaml_args,
    expect_key_error,
    stage_error,
    tiny_params,
)

# Each stage's command line as in dvc.yaml; params are checked before any input is read, so
# the paths need not exist. A matrix stage (train_cnn_aug_seed) runs another stage's script
# (train_cnn_aug, with --seed), whose checks cover it.
STAGE_ARGS: dict[str, list[str]] = {
    stage: dvc_yaml_args(stage)
    for stage, spec in DVC_YAML["stages"].items()
    if "matrix" not in spec
}
# Stages with a section of their own in params.yaml.
SECTIONED = [s for s in STAGE_ARGS if s in (DVC_YAML["stages"][s].get("params") or [])]


def test_dvc_yaml_params_exist_in_params_yaml() -> None:
    """Every param dvc.yaml lists for a stage is in params.yaml (and so in TINY_PARAMS)."""
    for stage, spec in DVC_YAML["stages"].items():
        for entry in spec.get("params") or []:
            if stage == "check_params":  # the whole file: `params.yaml:` with no keys
                assert entry == {"params.yaml": None}, entry
                continue
            assert isinstance(entry, str), (stage, entry)
            node = TINY_PARAMS
            for key in entry.split("."):
                assert key in node, f"{stage}: param {entry} not in params.yaml"
                node = node[key]
    assert {"fetch", "sample", "split", "train_lr", "train_mlp", "train_cnn"} <= set(SECTIONED)
    assert {"train_cnn_aug", "ensemble"} <= set(SECTIONED)


@pytest.mark.parametrize(
    ("stage", "key", "overrides"),
    [
        ("fetch", "fetch.source", {"fetch.source": True}),
        ("fetch", "fetch.test_size", {"fetch.test_size": "many"}),
        ("fetch", "fetch.test_size", {"fetch.test_size": 0}),
        ("fetch", "fetch.seed", {"fetch.seed": -1}),
        ("fetch", "fetch.competition", {"fetch.competition": ""}),
        ("sample", "sample_fraction", {"sample_fraction": -0.5}),
        ("sample", "sample_fraction", {"sample_fraction": True}),
        ("sample", "sample_fraction", {"sample_fraction": None}),
        ("sample", "sample_fraction", {"sample_fraction": float("nan")}),
        ("sample", "sample_fraction", {"sample_fraction": DELETE}),
        ("sample", "sample.seed", {"sample.seed": 1.5}),
        ("split", "split.validation_fraction", {"split.validation_fraction": 1}),
        ("split", "split.validation_fraction", {"split.validation_fraction": 0.0}),
        ("split", "split.stratify", {"split.stratify": "yes"}),
        ("train_lr", "train_lr.pixels", {"train_lr.pixels": "normalised"}),
        ("train_lr", "train_lr.C", {"train_lr.C": 0}),
        ("train_lr", "train_lr.max_iter", {"train_lr.max_iter": 0}),
        ("train_mlp", "train_mlp.layers", {"train_mlp.layers": []}),
        ("train_mlp", "train_mlp.layers", {"train_mlp.layers": 32}),
        ("train_mlp", "train_mlp.learning_rate", {"train_mlp.learning_rate": -0.1}),
        ("train_mlp", "train_mlp.activation", {"train_mlp.activation": None}),
        ("train_cnn", "train_cnn.epochs", {"train_cnn.epochs": 0}),
        ("train_cnn", "train_cnn.epochs", {"train_cnn.epochs": 2.5}),
        ("train_cnn", "train_cnn.epochs", {"train_cnn.epochs": "20"}),
        ("train_cnn", "train_cnn.batch_size", {"train_cnn.batch_size": 0}),
        ("train_cnn", "train_cnn.dropout", {"train_cnn.dropout": 1.0}),
        ("train_cnn", "train_cnn.jit_compile", {"train_cnn.jit_compile": "no"}),
        ("train_mlp", "train_mlp.steps_per_execution", {"train_mlp.steps_per_execution": 0}),
        ("train_cnn", "train_cnn.filters", {"train_cnn.filters": [32, 0]}),
        ("train_cnn", "train_cnn.filters", {"train_cnn.filters": [32, True]}),
        ("train_cnn", "train_cnn.conv_activation", {"train_cnn.conv_activation": 3}),
        ("train_cnn_aug", "train_cnn_aug.pooling", {"train_cnn_aug.pooling": "average"}),
        ("train_cnn_aug", "train_cnn_aug.lr_decay", {"train_cnn_aug.lr_decay": 0}),
        ("train_cnn_aug", "train_cnn_aug.rotation", {"train_cnn_aug.rotation": -5}),
        ("train_cnn_aug", "train_cnn_aug.zoom", {"train_cnn_aug.zoom": 1}),
        ("ensemble", "ensemble.models", {"ensemble.models": []}),
    ],
    ids=lambda v: None if isinstance(v, dict) else str(v),
)
def test_bad_value_names_the_key(
    call_stage: InProcessRunner, stage: str, key: str, overrides: dict[str, Any]
) -> None:
    write_params(call_stage.cwd, tiny_params(overrides))
    expect_key_error(call_stage(stage, *STAGE_ARGS[stage]), stage, key)


@pytest.mark.parametrize("stage", SECTIONED)
def test_missing_section(call_stage: InProcessRunner, stage: str) -> None:
    write_params(call_stage.cwd, tiny_params({stage: DELETE}))
    message = stage_error(call_stage(stage, *STAGE_ARGS[stage]), stage)
    assert message == f"params.yaml: missing section '{stage}:' (a mapping of params)"


@pytest.mark.parametrize("stage", SECTIONED)
def test_misspelt_key(call_stage: InProcessRunner, stage: str) -> None:
    """A key no stage reads (here a misspelling beside the real keys) is refused."""
    write_params(call_stage.cwd, tiny_params({f"{stage}.sead": 1}))
    message = expect_key_error(call_stage(stage, *STAGE_ARGS[stage]), stage, f"{stage}.sead")
    assert "unknown key" in message


@pytest.mark.parametrize("stage", SECTIONED)
def test_missing_key(call_stage: InProcessRunner, stage: str) -> None:
    first = next(iter(TINY_PARAMS[stage]))
    write_params(call_stage.cwd, tiny_params({f"{stage}.{first}": DELETE}))
    message = stage_error(call_stage(stage, *STAGE_ARGS[stage]), stage)
    assert message == f"params.yaml: missing key {stage}.{first}"


def test_section_that_is_not_a_mapping(call_stage: InProcessRunner) -> None:
    write_params(call_stage.cwd, tiny_params({"fetch": "bundled"}))
    message = stage_error(call_stage("fetch", *STAGE_ARGS["fetch"]), "fetch")
    assert "missing section 'fetch:'" in message


def test_params_file_missing(call_stage: InProcessRunner) -> None:
    (call_stage.cwd / "params.yaml").unlink()
    message = stage_error(call_stage("sample", *STAGE_ARGS["sample"]), "sample")
    assert message.startswith("params.yaml: file not found")


def test_params_file_not_yaml(call_stage: InProcessRunner) -> None:
    (call_stage.cwd / "params.yaml").write_text("sample: {seed: 5}\nfetch: [unclosed\n")
    message = stage_error(call_stage("fetch", *STAGE_ARGS["fetch"]), "fetch")
    assert message.startswith("params.yaml: line ") and "not valid YAML" in message


def test_params_file_not_a_mapping(call_stage: InProcessRunner) -> None:
    (call_stage.cwd / "params.yaml").write_text("- just\n- a list\n")
    message = stage_error(call_stage("split", *STAGE_ARGS["split"]), "split")
    assert "mapping" in message


@pytest.mark.parametrize("stage", [s for s in SECTIONED if s != "fetch"])
def test_real_params_yaml_passes_the_params_check(call_stage: InProcessRunner, stage: str) -> None:
    """With the committed params.yaml each stage gets past its params check and stops only
    at its first missing input (nothing has been fetched in this empty folder)."""
    write_params(call_stage.cwd, REAL_PARAMS)
    message = stage_error(call_stage(stage, *STAGE_ARGS[stage]), stage)
    assert not message.startswith("params.yaml"), message
    assert "not found" in message, message


@pytest.mark.parametrize("stage", SECTIONED)
def test_help_lists_the_params_the_stage_reads(call_stage: InProcessRunner, stage: str) -> None:
    """`python -m stages.NAME --help` ends with every key of its section and what it allows."""
    result = call_stage(stage, "--help")
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split("params (params.yaml")[1]
    keys = [f"{stage}.{key}" for key in REAL_PARAMS[stage]]
    keys += [key for key in DVC_YAML["stages"][stage]["params"] if "." not in key and key != stage]
    for key in keys:
        assert re.search(rf"^  {re.escape(key)} +\S", listed, re.MULTILINE), (key, listed)
