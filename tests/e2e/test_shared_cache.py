"""A shared DVC remote: what one clone trained, another pulls instead of retraining.

Clone A runs the pipeline, commits, and pushes data, models and the run-cache to a remote (a
local directory, as `make remote` configures); a fresh clone B pulls them, and `dvc repro`
then runs no stage.
"""

from __future__ import annotations

import pytest
from dvc_runs import DvcProject, make_dvc_project

from digit_recognizer.dvc_project import stages_run

pytestmark = pytest.mark.e2e


def test_a_fresh_clone_pulls_instead_of_retraining(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    remote = tmp_path_factory.mktemp("remote") / "dvc-cache"
    first = make_dvc_project(tmp_path_factory.mktemp("a") / "project")
    first.dvc("remote", "add", "--default", "shared", str(remote))  # what `make remote` runs
    first.dvc("repro")
    first.git("add", "-A")
    first.git("commit", "-q", "-m", "results and the shared remote")
    first.dvc("push", "--run-cache")
    assert any(remote.rglob("*")), "nothing was pushed"

    clone_root = tmp_path_factory.mktemp("b") / "project"
    first.run("git", "clone", "-q", str(first.root), str(clone_root))
    second = DvcProject(clone_root, clone_root.parent / "site-cache")
    second.dvc("pull", "--run-cache")
    assert "up to date" in second.dvc("status").stdout
    rerun = second.dvc("repro")
    assert stages_run(rerun.stdout + rerun.stderr) == [], rerun.stdout
    assert second.git("status", "--porcelain").stdout == ""
    for model in ("lr.joblib", "mlp.keras", "cnn.keras"):
        assert (clone_root / "models" / model).read_bytes() == (
            first.root / "models" / model
        ).read_bytes()
