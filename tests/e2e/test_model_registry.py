"""The model registry as docs/registry.md uses it, with the real `gto` and `dvc`: the models
named in dvc.yaml's `artifacts:` are released with `gto register` and `gto assign`, pushed to
a bare git remote and a shared-folder DVC remote, and fetched by `dvc artifacts get` into an
empty folder (no clone, no training), where `digits predict` uses them as the project does.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from dvc_runs import DvcProject, copy_dvc_project
from stage_runs import describe

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory, reproduced: DvcProject) -> DvcProject:
    """The reproduced project with its results committed and pushed to `origin` (bare) and a
    shared-folder DVC remote, the ensemble and its members released as v1.0.0 in `prod`."""
    top = tmp_path_factory.mktemp("registry")
    project = copy_dvc_project(reproduced, top / "project")
    project.run("git", "init", "-q", "--bare", "-b", "main", str(top / "origin.git"))
    project.git("remote", "add", "origin", str(top / "origin.git"))
    project.dvc("remote", "add", "--default", "shared", str(top / "dvc-remote"))
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "results, and the team's DVC remote")
    project.dvc("push", "-q")
    members = json.loads((project.root / "models" / "ensemble.json").read_text())["members"]
    for name in ("ensemble", *members):
        project.run("gto", "register", name, "--version", "v1.0.0")
        project.run("gto", "assign", name, "--version", "v1.0.0", "--stage", "prod")
    project.git("push", "-q", "origin", "main", "--tags")
    project.members = members  # type: ignore[attr-defined]
    return project


def run_in(project: DvcProject, folder: Path, *command: str) -> subprocess.CompletedProcess:
    result = subprocess.run(list(command), cwd=folder, env=project.env, capture_output=True,
                            text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, describe(result)
    return result


def predictions(project: DvcProject, folder: Path, model: str) -> list[dict]:
    csv = project.root / "data" / "raw" / "test.csv"
    out = run_in(project, folder, "digits", "predict", "--model", model, "--json", str(csv))
    return [json.loads(line) | {"model": None} for line in out.stdout.splitlines()]


def test_every_trained_model_is_a_named_artifact(released: DvcProject) -> None:
    shown = released.run("dvc", "artifacts", "get", "--help")  # the command exists
    assert shown.returncode == 0
    listed = released.run("gto", "show", "--json").stdout
    registry = json.loads(listed)
    for name in ("ensemble", *released.members):  # type: ignore[attr-defined]
        assert registry[name]["version"] == "v1.0.0", listed
        assert registry[name]["stage"]["prod"] == "v1.0.0", listed


def test_artifacts_get_fetches_the_prod_model_without_a_clone(
    released: DvcProject, tmp_path: Path
) -> None:
    origin = released.git("remote", "get-url", "origin").stdout.strip()
    empty = tmp_path / "serving"
    empty.mkdir()
    for name in ("ensemble", *released.members):  # type: ignore[attr-defined]
        run_in(released, empty, "dvc", "artifacts", "get", origin, name, "--stage", "prod")
    fetched = sorted(path.name for path in empty.iterdir())
    members = [f"{name}.keras" for name in released.members]  # type: ignore[attr-defined]
    assert fetched == sorted(["ensemble.json", *members])
    for name in fetched:
        assert (empty / name).read_bytes() == (released.root / "models" / name).read_bytes()

    # the fetched ensemble, its members beside it, predicts as the project's own
    ours = predictions(released, released.root, "ensemble")
    assert predictions(released, empty, str(empty / "ensemble.json")) == ours
