"""Fixtures of the stage tests: real-digit data prepared by sample, split and reshape."""

from __future__ import annotations

from pathlib import Path

import pytest
from kaggle_files import write_kaggle_csvs
from stage_commands import N_TEST_CSV, N_TRAIN_CSV, PREPARED_PARAMS, reshape, sample, split
from stage_runs import StageRunner, tiny_params


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """raw/{train,test}.csv of real digits, then sample, split and reshape as in dvc.yaml."""
    root = tmp_path_factory.mktemp("prepared")
    runner = StageRunner(root)
    runner.params(tiny_params(PREPARED_PARAMS))
    write_kaggle_csvs(root / "raw", n_train=N_TRAIN_CSV, n_test=N_TEST_CSV)
    sample(runner, root / "raw" / "train.csv")
    split(runner, root / "sample")
    reshape(runner)
    return root
