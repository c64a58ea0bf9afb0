"""The README's walkthrough, run as written, in order, in a fresh clone (tiny params).

A copy of the tier's reproduced project commits its results, as this repository does; a fresh
`git clone` of it then runs `dvc repro` (what `make repro` runs) from scratch, in another
folder, which must reproduce the committed results byte for byte: git stays clean (dvc.lock,
metrics, histories, pictures) and its DVC cache holds the same objects, models included.
Then every shell block of the README marked `<!-- walkthrough -->`: branch, commit, `dvc
metrics diff main`, `git checkout main && dvc checkout`, experiments, the queue. It ends with
git clean and DVC up to date.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from dvc_runs import DvcProject, copy_dvc_project
from stage_runs import PROJECT, describe

pytestmark = pytest.mark.e2e

MARKER = re.compile(r"<!-- walkthrough[^>]*-->\s*```bash\n(.*?)```", re.DOTALL)


def walkthrough_blocks() -> list[str]:
    return MARKER.findall((PROJECT / "README.md").read_text())


def objects(project: DvcProject) -> set[str]:
    """The DVC cache's objects (files/md5/...), not its run cache or temporary files."""
    cache = project.root / ".dvc" / "cache" / "files"
    return {p.relative_to(cache).as_posix() for p in cache.rglob("*") if p.is_file()}


def test_the_readme_marks_its_walkthrough() -> None:
    blocks = walkthrough_blocks()
    assert len(blocks) >= 3
    text = "\n".join(blocks)
    for command in (
        "git checkout -b",
        "dvc metrics diff main",
        "git checkout main && dvc checkout",
    ):
        assert command in text


def test_walkthrough_in_a_fresh_clone(
    tmp_path_factory: pytest.TempPathFactory, reproduced: DvcProject
) -> None:
    origin = copy_dvc_project(reproduced, tmp_path_factory.mktemp("origin") / "project")
    origin.git("add", "-A")
    origin.git("commit", "-q", "-m", "pipeline results")

    clone_root = tmp_path_factory.mktemp("clone") / "project"
    origin.run("git", "clone", "-q", str(origin.root), str(clone_root))
    clone = DvcProject(clone_root, clone_root.parent / "site-cache")
    clone.git("config", "user.name", "README reader")
    clone.git("config", "user.email", "reader@localhost")

    clone.dvc("repro")  # make repro
    assert clone.git("status", "--porcelain").stdout == "", "the fresh clone's repro differs"
    assert objects(clone) == objects(origin)  # the same bytes, so the same hashes
    assert (clone_root / "timings" / "cnn.json").exists()  # timings: written, not in git

    for number, block in enumerate(walkthrough_blocks(), start=1):
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            cwd=clone_root,
            env=clone.env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert result.returncode == 0, f"README walkthrough block {number}\n{describe(result)}"

    assert clone.git("rev-parse", "--abbrev-ref", "HEAD").stdout.strip() == "main"
    assert clone.git("status", "--porcelain").stdout == ""
    assert "up to date" in clone.dvc("status").stdout
    shown = clone.dvc("exp", "show", "--csv").stdout
    for name in ("full-data", "relu", "dropout-0.3"):
        assert name in shown
    assert "full-data" in clone.git("branch", "--list").stdout
    # the top-level param `-S sample_fraction=1` set: the experiment sampled every row
    shown_json = json.loads(clone.dvc("exp", "show", "--json").stdout)
    full = [exp for baseline in shown_json for exp in baseline.get("experiments") or []
            if exp.get("name") == "full-data"]  # fmt: skip
    data = full[0]["revs"][0]["data"]
    assert data["params"]["params.yaml"]["data"]["sample_fraction"] == 1
    train_rows = data["metrics"]["metrics/fetch.json"]["data"]["fetch"]["train_rows"]
    assert data["metrics"]["metrics/sample.json"]["data"]["sample"]["rows"] == train_rows
