"""Team and scale-out with the real `dvc`, `git` and an S3-compatible server (rclone).

One project A, a copy of the tier's reproduced one (tiny params), is pushed to a bare git
remote, `origin`. Fresh clones of origin then pull A's results from a shared folder or from
S3 (`rclone serve s3` on 127.0.0.1, on disk) and rerun nothing; S3 keys stay in the
git-ignored .dvc/config.local; experiments queued in A run two at a time in DVC's temp
workspaces, and one of them travels to a clone through `dvc exp push`/`dvc exp pull`. The
remotes are set with the Makefile's `remote` and `remote-s3` targets, as docs/team.md says.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dvc_project import stages_run
from dvc_runs import DvcProject, all_output, copy_dvc_project
from stage_runs import VENV_BIN

pytestmark = pytest.mark.e2e

KEY_ID = "digits-team-key"
SECRET = "s3cret-that-must-stay-out-of-git"
# `make -o STAMP TENSORFLOW=cpu TARGET`: the target without setting up a venv in the copy
STAMP = ".venv/.installed-cpu"
FOLDER_FILES = ("train.csv", "test.csv", "answers.csv")


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # http://127.0.0.1:PORT
    root: Path  # a bucket is a folder here


@pytest.fixture(scope="module")
def no_machine_aws_credentials(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """DVC (botocore) sees no keys but those of .dvc/config.local: none from the environment
    or from ~/.aws. Set before the projects copy os.environ."""
    nowhere = tmp_path_factory.mktemp("aws") / "absent"
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("AWS_")]:
            patch.delenv(name)
        patch.setenv("AWS_CONFIG_FILE", str(nowhere))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere))
        yield


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """`rclone serve s3` on a free port of 127.0.0.1, storing in a temp folder; bucket `digits`."""
    root = tmp_path_factory.mktemp("s3")
    (root / "store" / "digits").mkdir(parents=True)
    log = root / "rclone.log"
    command = [str(VENV_BIN / "rclone"), "serve", "s3", "--addr", "127.0.0.1:0"]
    command += ["--auth-key", f"{KEY_ID},{SECRET}", "--config", str(root / "rclone.conf")]
    with log.open("w") as out:
        server = subprocess.Popen([*command, str(root / "store")], stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 30
        while not (
            found := re.search(r"s3 server on \[(http://127\.0\.0\.1:\d+)", log.read_text())
        ):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield S3Server(found[1], root / "store")
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def team(
    tmp_path_factory: pytest.TempPathFactory,
    no_machine_aws_credentials: None,
    reproduced: DvcProject,
) -> DvcProject:
    """Project A, reproduced and committed, its branch pushed to a bare git remote `origin`."""
    base = tmp_path_factory.mktemp("team")
    origin = base / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    first = copy_dvc_project(reproduced, base / "a")
    first.git("remote", "add", "origin", str(origin))
    commit_and_push(first, "results")
    return first


def commit_and_push(project: DvcProject, message: str) -> None:
    project.git("add", "-A")
    project.git("commit", "-q", "--allow-empty", "-m", message)
    project.git("push", "-q", "origin", "main")


def make(project: DvcProject, *args: str) -> None:
    """A Makefile target in the project copy (its venv set-up skipped: `make -o STAMP`)."""
    project.run("make", "--no-print-directory", "-o", STAMP, "TENSORFLOW=cpu", *args)


def fresh_clone(first: DvcProject, name: str) -> DvcProject:
    """A clone of origin in a new folder, with its own DVC site cache."""
    origin = first.git("remote", "get-url", "origin").stdout.strip()
    root = first.root.parent / name
    first.run("git", "clone", "-q", origin, str(root))
    return DvcProject(root, root.parent / f"{name}-site-cache")


def use_s3(project: DvcProject, s3: S3Server) -> None:
    """docs/team.md's S3 set-up: the remote (committed) and its keys (--local)."""
    make(project, "remote-s3", "URL=s3://digits/dvc-cache", f"ENDPOINT={s3.endpoint}")
    set_keys(project)


def set_keys(project: DvcProject) -> None:
    project.dvc("remote", "modify", "--local", "shared", "access_key_id", KEY_ID)
    project.dvc("remote", "modify", "--local", "shared", "secret_access_key", SECRET)


def assert_reruns_nothing(clone: DvcProject, first: DvcProject) -> None:
    assert "up to date" in clone.dvc("status").stdout
    rerun = clone.dvc("repro")
    assert stages_run(all_output(rerun)) == [], rerun.stdout
    assert clone.git("status", "--porcelain").stdout == ""
    for model in ("lr.joblib", "mlp.keras", "cnn.keras", "cnn_aug.keras"):
        mine, theirs = (p.root / "models" / model for p in (clone, first))
        assert mine.read_bytes() == theirs.read_bytes(), model


def test_a_fresh_clone_pulls_from_a_shared_folder(team: DvcProject) -> None:
    folder = team.root.parent / "shared-folder"
    make(team, "remote", f"DIR={folder}")
    commit_and_push(team, "a shared folder as the DVC remote")
    team.dvc("push", "--run-cache")
    assert any((folder / "runs").rglob("*")), "no run-cache entry was pushed"

    clone = fresh_clone(team, "b-folder")
    clone.dvc("pull", "--run-cache")
    assert_reruns_nothing(clone, team)


@pytest.fixture(scope="module")
def s3_clone(team: DvcProject, s3: S3Server) -> DvcProject:
    """A pushes to S3; a fresh clone B sets its keys and pulls."""
    use_s3(team, s3)
    commit_and_push(team, "S3 as the DVC remote")
    team.dvc("push", "--run-cache")
    clone = fresh_clone(team, "b-s3")
    clone.dvc("pull", ok=False)  # the server refuses a clone without keys
    set_keys(clone)
    clone.dvc("pull", "--run-cache")
    return clone


def test_a_fresh_clone_pulls_from_s3(team: DvcProject, s3: S3Server, s3_clone: DvcProject) -> None:
    stored = s3.root / "digits" / "dvc-cache"
    assert any((stored / "files" / "md5").rglob("*")) and any((stored / "runs").rglob("*"))
    assert_reruns_nothing(s3_clone, team)


def assert_keys_not_in_git(project: DvcProject) -> None:
    """The keys are in .dvc/config.local (git-ignored) and in no tracked file of the worktree
    or of any commit the repository has (branches and experiments)."""
    assert SECRET in (project.root / ".dvc" / "config.local").read_text()
    assert SECRET not in (project.root / ".dvc" / "config").read_text()
    ignored = project.git("status", "--porcelain", "--ignored", ".dvc").stdout
    assert "!! .dvc/config.local" in ignored, ignored
    revisions = project.git("rev-list", "--all").stdout.split()
    for secret in (SECRET, KEY_ID):
        assert project.git("grep", "-I", secret, ok=None).returncode == 1
        assert project.git("grep", "-I", secret, *revisions, ok=None).returncode == 1


def test_s3_keys_stay_out_of_git(team: DvcProject, s3_clone: DvcProject) -> None:
    assert_keys_not_in_git(team)
    assert_keys_not_in_git(s3_clone)


@pytest.fixture(scope="module")
def queued(team: DvcProject) -> dict[str, dict[str, Any]]:
    """docs/team.md's sweep in A, with a param that reruns little (`submit.model`): three
    experiments queued, run two at a time; by name, each one's `dvc exp show --json` entry.
    `folder-cnn` reads data/external (given with -C); `folder-no-copy` does not pass -C, so
    its temp workspace has no CSVs there."""
    for name in FOLDER_FILES:  # the bundled files again, as a user's own downloads
        shutil.copyfile(team.root / "data" / "raw" / name, team.root / "data" / "external" / name)
    copies = [arg for name in FOLDER_FILES for arg in ("-C", f"data/external/{name}")]
    folder = ["-S", "fetch.source=folder"]
    team.dvc("exp", "run", "--queue", "-n", "pick-mlp", "-S", "submit.model=mlp")
    team.dvc(
        "exp", "run", "--queue", "-n", "folder-cnn", *folder, "-S", "submit.model=cnn", *copies
    )
    team.dvc("exp", "run", "--queue", "-n", "folder-no-copy", *folder)
    try:
        run_queue(team, jobs=2)
    finally:
        team.dvc("queue", "stop", ok=None)
    shown = json.loads(team.dvc("exp", "show", "--json").stdout)
    return {
        exp["name"]: {"state": exp["executor"]["state"], **exp["revs"][0]}
        for row in shown
        for exp in row.get("experiments") or []
    }


def run_queue(project: DvcProject, jobs: int, timeout: float = 600) -> None:
    """`dvc queue start -j JOBS`, then wait until no experiment is Queued or Running. A worker
    that stopped with experiments still queued (treeverse/dvc#10562) for 15 s is started
    again, as docs/team.md says."""
    project.dvc("queue", "start", "-j", str(jobs))
    deadline, stalled_since = time.monotonic() + timeout, None
    while re.search(r"\b(Queued|Running)\b", status := project.dvc("queue", "status").stdout):
        assert time.monotonic() < deadline, status
        if "Running" in status or "0 active, 0 idle" not in status:
            stalled_since = None
        elif stalled_since is None:
            stalled_since = time.monotonic()
        elif time.monotonic() - stalled_since > 15:
            project.dvc("queue", "start", "-j", str(jobs))
            stalled_since = None
        time.sleep(5)


def choice_of(entry: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """An experiment's submit.model param and its metrics/leaderboard.json."""
    data = entry["data"]
    model = data["params"]["params.yaml"]["data"]["submit"]["model"]
    return model, data["metrics"]["metrics/leaderboard.json"]["data"]


def test_a_queue_runs_experiments_two_at_a_time(
    team: DvcProject, queued: dict[str, dict[str, Any]]
) -> None:
    states = {name: entry["state"] for name, entry in queued.items()}
    assert states == {"pick-mlp": "success", "folder-cnn": "success", "folder-no-copy": "failed"}
    for name in ("pick-mlp", "folder-cnn"):
        model, board = choice_of(queued[name])
        assert board["chosen"] == model == name.split("-")[1]
    ran = stages_run(team.dvc("queue", "logs", "folder-cnn").stdout)
    assert {"fetch", "submit"} <= set(ran) and "sample" not in ran, ran  # the same CSVs
    failure = team.dvc("queue", "logs", "folder-no-copy").stdout
    assert "fetch: error: data/external" in failure, failure


def test_an_experiment_travels_between_clones(
    team: DvcProject, s3: S3Server, s3_clone: DvcProject, queued: dict[str, dict[str, Any]]
) -> None:
    use_s3(team, s3)  # as s3_clone set it, whatever ran since
    team.dvc("exp", "push", "origin", "pick-mlp")  # git refs to origin, outputs to S3
    s3_clone.dvc("exp", "pull", "origin", "pick-mlp")
    s3_clone.dvc("exp", "apply", "pick-mlp")
    model, board = choice_of(queued["pick-mlp"])
    assert s3_clone.read_params()["submit"]["model"] == model
    pulled = json.loads((s3_clone.root / "metrics" / "leaderboard.json").read_text())
    assert pulled == board
    submission = s3_clone.root / "data" / "submission"  # DVC-cached: it came from S3
    assert (submission / "submission.csv").read_text() == (submission / "mlp.csv").read_text()
    assert "up to date" in s3_clone.dvc("status").stdout
    assert_keys_not_in_git(team)  # nor in the experiment's commits
    assert_keys_not_in_git(s3_clone)
