"""Fixtures shared by the test folders: real digits, stage runners and a DVC project copy.

The code they use lives in named modules beside this file (`stage_runs`, `kaggle_files`,
`fetch_runs`, `dvc_runs`), importable because pyproject puts tests/ on pytest's pythonpath.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dvc_project import write_params
from dvc_runs import DvcProject, make_dvc_project
from kaggle_files import real_digits
from stage_runs import TINY_PARAMS, InProcessRunner, StageRunner

from digit_recognizer.console import QUIET_VARIABLE


@pytest.fixture(scope="session")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 real bundled digits: (labels uint8 (5000,), pixels uint8 (5000, 784))."""
    return real_digits()


@pytest.fixture
def run_stage(tmp_path: Path) -> StageRunner:
    """A StageRunner (subprocess, quiet) in a fresh temp dir, with TINY_PARAMS written."""
    runner = StageRunner(tmp_path)
    runner.params()
    return runner


@pytest.fixture
def call_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> InProcessRunner:
    """Like `run_stage` but in-process: much faster (no fresh imports) for the many params
    checks; exit code and stderr are what `run` produces. TINY_PARAMS is written first, the
    working directory is the temp dir, and progress lines are off (DIGITS_QUIET=1)."""
    write_params(tmp_path, TINY_PARAMS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(QUIET_VARIABLE, "1")
    return InProcessRunner(tmp_path, monkeypatch)


@pytest.fixture
def dvc_project(tmp_path: Path) -> DvcProject:
    """A fresh DVC project copy (tiny params, nothing run yet) in a temp git repo."""
    return make_dvc_project(tmp_path / "project")
