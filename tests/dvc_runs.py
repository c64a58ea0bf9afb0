"""A copy of the project in a temp git repo, driven through the real `dvc` and `git` CLIs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from dvc_project import (
    commit_all,
    copy_project,
    init_repo,
    read_yaml,
    resolved_dvc_yaml,
    write_params,
)
from stage_runs import PROJECT, TINY_PARAMS, describe, subprocess_env


class DvcProject:
    """A project copy in `root`; `project.dvc("repro")` runs the real CLI there.

    Stage commands run with PYTHONPATH unset, so they import the copy's own `stages/` and
    `digit_recognizer/` (the working directory comes first on `python -m`'s path). DVC reads
    no site, global or system config of this machine.
    """

    first_repro: subprocess.CompletedProcess | None = None  # set by a module fixture

    def __init__(self, root: Path, site_cache: Path) -> None:
        self.root = root
        self.env = subprocess_env(
            DVC_SITE_CACHE_DIR=str(site_cache),
            DVC_GLOBAL_CONFIG_DIR=str(site_cache.parent / "dvc-global"),
            DVC_SYSTEM_CONFIG_DIR=str(site_cache.parent / "dvc-system"),
            PYTHONPATH=None,  # stage commands must import the copied code
            GIT_CONFIG_NOSYSTEM="1",
        )

    def run(
        self, *command: str, ok: bool | None = True, timeout: float = 600
    ) -> subprocess.CompletedProcess:
        result = subprocess.run(
            list(command),
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if ok is True:
            assert result.returncode == 0, describe(result)
        elif ok is False:
            assert result.returncode != 0, describe(result)
        return result

    def dvc(self, *args: str, ok: bool | None = True) -> subprocess.CompletedProcess:
        return self.run("dvc", *args, ok=ok)

    def git(self, *args: str, ok: bool | None = True) -> subprocess.CompletedProcess:
        return self.run("git", *args, ok=ok)

    @property
    def params_path(self) -> Path:
        return self.root / "params.yaml"

    def read_params(self) -> dict[str, Any]:
        return read_yaml(self.params_path)

    def write_params(self, params: dict[str, Any]) -> None:
        write_params(self.root, params)

    def dvc_yaml(self) -> dict[str, Any]:
        """dvc.yaml as DVC runs it: see `resolved_dvc_yaml`."""
        return resolved_dvc_yaml(self.root)


def make_dvc_project(root: Path, params: dict[str, Any] | None = None) -> DvcProject:
    """Copy the project's code and config (no data, outputs, lock or .git) into `root`, with
    `params` (TINY_PARAMS by default); then `git init` and one commit, as `dvc exp run` needs."""
    root.mkdir(parents=True, exist_ok=True)
    copy_project(PROJECT, root)
    write_params(root, TINY_PARAMS if params is None else params)
    project = DvcProject(root, root.parent / f"{root.name}-site-cache")
    init_repo(root, project.env)
    commit_all(root, project.env, "project copy for tests")
    return project


def copy_dvc_project(source: DvcProject, root: Path) -> DvcProject:
    """A copy of `source` in `root`: work tree, git history and DVC cache, as if its commands
    had run there (`first_repro` included); DVC's site cache starts empty."""
    shutil.copytree(source.root, root, symlinks=True)
    project = DvcProject(root, root.parent / f"{root.name}-site-cache")
    project.first_repro = source.first_repro
    return project


def all_output(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr
