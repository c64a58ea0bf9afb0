"""Bad params.yaml values through the real command line: a one-line error naming the key,
and a non-zero exit code (the many variations run in-process in tests/unit/test_params.py).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import yaml
from dvc_project import DELETE
from kaggle_files import write_kaggle_csvs
from stage_runs import StageRunner, dvc_yaml_args, expect_key_error, stage_error, tiny_params

pytestmark = pytest.mark.training


@pytest.mark.parametrize(
    ("stage", "key", "overrides", "shown"),
    [
        ("fetch", "fetch.source", {"fetch.source": "nope"}, "'nope'"),
        ("sample", "sample_fraction", {"sample_fraction": 0}, r"0(\.0)?"),
        ("sample", "sample_fraction", {"sample_fraction": 1.5}, r"1\.5"),
        ("sample", "sample_fraction", {"sample_fraction": "half"}, "'half'"),
        ("train_cnn", "train_cnn.epochs", {"train_cnn.epochs": -1}, "-1"),
    ],
    ids=["unknown-source", "fraction-0", "fraction-1.5", "fraction-string", "epochs-negative"],
)
def test_bad_value_cli(
    run_stage: StageRunner, stage: str, key: str, overrides: dict[str, Any], shown: str
) -> None:
    run_stage.params(tiny_params(overrides))
    message = expect_key_error(run_stage(stage, *dvc_yaml_args(stage), ok=False), stage, key)
    assert re.search(f"got {shown}$", message), message


def test_unknown_source_lists_the_allowed_ones(run_stage: StageRunner) -> None:
    run_stage.params(tiny_params({"fetch.source": "nope"}))
    message = stage_error(run_stage("fetch", *dvc_yaml_args("fetch"), ok=False), "fetch")
    for source in ("bundled", "kaggle", "folder"):
        assert source in message


def test_misspelt_key_cli(run_stage: StageRunner) -> None:
    run_stage.params(tiny_params({"train_cnn.epoch": 3, "train_cnn.epochs": DELETE}))
    result = run_stage("train_cnn", *dvc_yaml_args("train_cnn"), ok=False)
    message = expect_key_error(result, "train_cnn", "train_cnn.epoch")
    assert "unknown key train_cnn.epoch (" in message, message
    assert "epochs" in message  # the allowed keys are listed


def test_missing_section_cli(run_stage: StageRunner) -> None:
    run_stage.params(tiny_params({"split": DELETE}))
    message = stage_error(run_stage("split", *dvc_yaml_args("split"), ok=False), "split")
    assert message == "params.yaml: missing section 'split:' (a mapping of params)"


@pytest.mark.parametrize("text", ["1", "1.0"])
def test_sample_fraction_one_as_dvc_writes_it(run_stage: StageRunner, text: str) -> None:
    """`dvc exp run -S sample_fraction=1` writes the integer 1; it means all rows."""
    write_kaggle_csvs(run_stage.cwd / "data" / "raw", n_train=60, n_test=10)
    params = yaml.safe_dump(tiny_params({"sample_fraction": DELETE}), sort_keys=False)
    (run_stage.cwd / "params.yaml").write_text(f"sample_fraction: {text}\n{params}")
    loaded = yaml.safe_load((run_stage.cwd / "params.yaml").read_text())["sample_fraction"]
    assert type(loaded) is (int if text == "1" else float)
    result = run_stage("sample", *dvc_yaml_args("sample"))
    assert result.stderr == ""
    rows = np.load(run_stage.cwd / "data" / "sample" / "rows.npy")
    assert sorted(rows.tolist()) == list(range(60))
