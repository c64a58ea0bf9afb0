"""Bad params.yaml values give a one-line error naming the key, and a non-zero exit code."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import yaml
from conftest import (
    DELETE,
    REAL_PARAMS,
    TINY_PARAMS,
    StageRunner,
    params_with,
    stage_error,
    write_kaggle_csvs,
)

# Each stage's command line as in dvc.yaml; params are checked before any input is read, so
# the paths need not exist.
STAGE_ARGS: dict[str, list[str]] = {
    "fetch": ["--folder", "ext", "--out", "raw", "--metrics", "m/fetch.json"],
    "sample": ["--train", "raw/train.csv", "--out", "sample", "--metrics", "m/sample.json"],
    "split": ["--sample", "sample", "--out", "split", "--metrics", "m/split.json"],
    "train_lr": [
        "--features", "flat", "--split", "split", "--model", "lr.joblib",
        "--predictions", "lr.npz", "--metrics", "m/lr.json",
    ],  # fmt: skip
    "train_mlp": [
        "--features", "flat", "--split", "split", "--model", "mlp.keras",
        "--predictions", "mlp.npz", "--metrics", "m/mlp.json", "--history", "mlp.csv",
    ],  # fmt: skip
    "train_cnn": [
        "--features", "images", "--split", "split", "--model", "cnn.keras",
        "--predictions", "cnn.npz", "--metrics", "m/cnn.json", "--history", "cnn.csv",
    ],  # fmt: skip
}


def keys(tree: dict[str, Any], prefix: str = "") -> set[str]:
    found = set()
    for key, value in tree.items():
        found.add(prefix + key)
        if isinstance(value, dict):
            found |= keys(value, f"{prefix}{key}.")
    return found


def test_tiny_params_have_the_same_keys_as_params_yaml() -> None:
    """TINY_PARAMS must track params.yaml, or every stage would reject it."""
    assert keys(TINY_PARAMS) == keys(REAL_PARAMS)


def fails_naming(run_stage: StageRunner, stage: str, key: str, **overrides: Any) -> str:
    run_stage.params(params_with(overrides))
    message = stage_error(run_stage(stage, *STAGE_ARGS[stage], ok=False), stage)
    assert key in message, message
    assert "params.yaml" in message, message
    return message


@pytest.mark.parametrize(
    ("stage", "key", "overrides"),
    [
        ("fetch", "fetch.source", {"fetch.source": "nope"}),
        ("fetch", "fetch.test_size", {"fetch.test_size": "many"}),
        ("fetch", "fetch.seed", {"fetch.seed": -1}),
        ("sample", "sample_fraction", {"sample_fraction": 0}),
        ("sample", "sample_fraction", {"sample_fraction": 1.5}),
        ("sample", "sample_fraction", {"sample_fraction": "half"}),
        ("sample", "sample_fraction", {"sample_fraction": -0.5}),
        ("sample", "sample_fraction", {"sample_fraction": True}),
        ("sample", "sample_fraction", {"sample_fraction": DELETE}),
        ("split", "split.validation_fraction", {"split.validation_fraction": 1}),
        ("split", "split.stratify", {"split.stratify": "yes"}),
        ("train_lr", "train_lr.pixels", {"train_lr.pixels": "normalised"}),
        ("train_lr", "train_lr.C", {"train_lr.C": 0}),
        ("train_mlp", "train_mlp.layers", {"train_mlp.layers": []}),
        ("train_mlp", "train_mlp.learning_rate", {"train_mlp.learning_rate": -0.1}),
        ("train_cnn", "train_cnn.epochs", {"train_cnn.epochs": -1}),
        ("train_cnn", "train_cnn.epochs", {"train_cnn.epochs": 0}),
        ("train_cnn", "train_cnn.epochs", {"train_cnn.epochs": 2.5}),
        ("train_cnn", "train_cnn.dropout", {"train_cnn.dropout": 1.0}),
        ("train_cnn", "train_cnn.jit_compile", {"train_cnn.jit_compile": "no"}),
        ("train_cnn", "train_cnn.filters", {"train_cnn.filters": [32, 0]}),
    ],
    ids=lambda v: None if isinstance(v, dict) else str(v),
)
def test_bad_value_names_the_key(
    run_stage: StageRunner, stage: str, key: str, overrides: dict[str, Any]
) -> None:
    fails_naming(run_stage, stage, key, **overrides)


def test_unknown_source_lists_the_allowed_ones(run_stage: StageRunner) -> None:
    message = fails_naming(run_stage, "fetch", "fetch.source", **{"fetch.source": "nope"})
    assert "'nope'" in message
    for source in ("bundled", "kaggle", "folder"):
        assert source in message


def test_misspelt_key_is_an_error(run_stage: StageRunner) -> None:
    params = params_with({"train_cnn.epoch": 3, "train_cnn.epochs": DELETE})
    run_stage.params(params)
    message = stage_error(run_stage("train_cnn", *STAGE_ARGS["train_cnn"], ok=False), "train_cnn")
    assert "unknown key train_cnn.epoch (" in message, message


def test_misspelt_key_is_an_error_even_beside_the_right_one(run_stage: StageRunner) -> None:
    run_stage.params(params_with({"train_cnn.epoch": 3}))
    message = stage_error(run_stage("train_cnn", *STAGE_ARGS["train_cnn"], ok=False), "train_cnn")
    assert "unknown key train_cnn.epoch" in message, message


@pytest.mark.parametrize("stage", [s for s in STAGE_ARGS if s != "sample"] + ["sample"])
def test_missing_section(run_stage: StageRunner, stage: str) -> None:
    run_stage.params(params_with({stage: DELETE}))
    message = stage_error(run_stage(stage, *STAGE_ARGS[stage], ok=False), stage)
    assert f"'{stage}:'" in message and "missing section" in message, message


def test_missing_key_in_a_section(run_stage: StageRunner) -> None:
    run_stage.params(params_with({"split.seed": DELETE}))
    message = stage_error(run_stage("split", *STAGE_ARGS["split"], ok=False), "split")
    assert "missing key split.seed" in message


def test_section_that_is_not_a_mapping(run_stage: StageRunner) -> None:
    run_stage.params(params_with({"fetch": "bundled"}))
    message = stage_error(run_stage("fetch", *STAGE_ARGS["fetch"], ok=False), "fetch")
    assert "'fetch:'" in message


def test_params_file_missing(run_stage: StageRunner) -> None:
    (run_stage.cwd / "params.yaml").unlink()
    message = stage_error(run_stage("sample", *STAGE_ARGS["sample"], ok=False), "sample")
    assert "params.yaml" in message and "not found" in message


def test_params_file_not_yaml(run_stage: StageRunner) -> None:
    (run_stage.cwd / "params.yaml").write_text("fetch: [unclosed\nsample: {seed: 5}\n")
    message = stage_error(run_stage("fetch", *STAGE_ARGS["fetch"], ok=False), "fetch")
    assert "params.yaml" in message and "YAML" in message


def test_params_file_not_a_mapping(run_stage: StageRunner) -> None:
    (run_stage.cwd / "params.yaml").write_text("- just\n- a list\n")
    message = stage_error(run_stage("split", *STAGE_ARGS["split"], ok=False), "split")
    assert "mapping" in message


@pytest.mark.parametrize("text", ["1", "1.0"])
def test_sample_fraction_one_as_dvc_writes_it(run_stage: StageRunner, text: str) -> None:
    """`dvc exp run -S sample_fraction=1` writes the integer 1; it means all rows."""
    write_kaggle_csvs(run_stage.cwd / "raw", n_train=60, n_test=10)
    params = yaml.safe_dump(params_with({"sample_fraction": DELETE}), sort_keys=False)
    (run_stage.cwd / "params.yaml").write_text(f"sample_fraction: {text}\n{params}")
    assert yaml.safe_load((run_stage.cwd / "params.yaml").read_text())["sample_fraction"] == (
        1 if text == "1" else 1.0
    )
    result = run_stage("sample", *STAGE_ARGS["sample"])
    assert result.stderr == ""
    rows = np.load(run_stage.cwd / "sample" / "rows.npy")
    assert sorted(rows.tolist()) == list(range(60))


@pytest.mark.parametrize("stage", list(STAGE_ARGS))
def test_real_params_yaml_passes_every_params_check(run_stage: StageRunner, stage: str) -> None:
    """With the committed params.yaml a stage gets past its params check (here it then stops
    at a missing input, or, for fetch, succeeds on the bundled digits)."""
    run_stage.params(REAL_PARAMS)
    result = run_stage(stage, *STAGE_ARGS[stage], ok=None)
    if result.returncode != 0:
        message = stage_error(result, stage)
        assert "params.yaml" not in message and "not found" in message, message
    else:
        assert stage == "fetch"
