"""Copies of this project driven with the real `git` and `dvc`, for the tests and the benchmark.

A copy holds the code and the DVC/git config (no data, outputs, lock or history); it is made
a git repository with an identity, as `dvc exp run` needs. The helpers read dvc.yaml's stage
graph to say which stages a change may rerun, and DVC's output to say which ran.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

CODE_FOLDERS = ("stages", "digit_recognizer")
CONFIG_FILES = (
    "Makefile",
    "dvc.yaml",
    "params.yaml",
    "pyproject.toml",
    ".dvc/config",
    ".dvc/.gitignore",
    ".dvc/plots/series.json",
    ".dvc/plots/offline.html",
    ".dvc/plots/.gitattributes",
    ".dvcignore",
    ".gitignore",
    "data/external/README.md",
)
DELETE = object()  # with_overrides: remove this key
RAN = re.compile(r"Running stage '([^']+)'")
# Reruns on any change of params.yaml or of the stages' code, but its output's bytes never
# change, so no stage after it reruns because it did.
CHECK_STAGE = "check_params"


def copy_project(source: Path, destination: Path) -> None:
    """Copy the project's code and config from the checkout `source` into `destination`."""
    for folder in CODE_FOLDERS:
        shutil.copytree(
            source / folder,
            destination / folder,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    for name in CONFIG_FILES:
        if (source / name).exists():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, destination / name)
    (destination / "data" / "external").mkdir(parents=True, exist_ok=True)


def init_repo(root: Path, env: dict[str, str]) -> None:
    """`git init` on branch main, with a local identity and no signing."""
    for args in (
        ["init", "-q", "-b", "main"],
        ["config", "user.name", "digit-recognizer tests"],
        ["config", "user.email", "tests@localhost"],
        ["config", "commit.gpgsign", "false"],
    ):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def commit_all(root: Path, env: dict[str, str], message: str) -> None:
    """Stage everything and commit it."""
    for args in (["add", "-A"], ["commit", "-q", "-m", message]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def read_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def resolved_dvc_yaml(root: Path) -> dict[str, Any]:
    """root/dvc.yaml with its stages as DVC resolves them with root/params.yaml: a `matrix`
    stage becomes one stage per value, named as DVC names it (`train_cnn_aug_seed@2`), with
    `${item.*}` filled in; the other stages and sections are as written. So the graph helpers
    of `dvc_project` see the stages DVC reports in `dvc status` and `Running stage`."""
    from dvc.parsing import DataResolver
    from dvc.repo import Repo

    written = read_yaml(root / "dvc.yaml")
    with Repo(str(root)) as repo:
        stages = DataResolver(repo, str(root), written).resolve()["stages"]
    return {**written, "stages": stages}


def write_params(root: Path, params: dict[str, Any]) -> Path:
    """Write `params` as root/params.yaml (key order kept)."""
    path = root / "params.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


def with_overrides(
    params: dict[str, Any], overrides: dict[str, Any], new_keys: bool = True
) -> dict[str, Any]:
    """A deep copy of `params` with dotted keys set (`{"train_cnn.epochs": 1}`).

    The value DELETE removes the key or section. With new_keys=False, every overridden key
    must already exist (KeyError otherwise).
    """
    result = copy.deepcopy(params)
    for dotted, value in overrides.items():
        *parents, last = dotted.split(".")
        node = result
        for key in parents:
            node = node[key]
        if not new_keys and last not in node:
            raise KeyError(f"{dotted} is not in params.yaml")
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return result


def _paths(entries: list[Any] | None) -> list[str]:
    """Paths of a dvc.yaml deps/outs list (plain strings or one-key mappings)."""
    found: list[str] = []
    for entry in entries or []:
        found.extend([entry] if isinstance(entry, str) else list(entry))
    return [path.rstrip("/") for path in found]


def _overlap(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def stage_graph(dvc_yaml: dict[str, Any]) -> dict[str, set[str]]:
    """For each stage of dvc.yaml, the stages that directly consume one of its outputs."""
    stages = dvc_yaml["stages"]
    outs = {
        name: _paths(s.get("outs")) + _paths(s.get("metrics")) + _paths(s.get("plots"))
        for name, s in stages.items()
    }
    return {
        producer: {
            consumer
            for consumer, s in stages.items()
            if consumer != producer
            and any(_overlap(d, o) for d in _paths(s.get("deps")) for o in outs[producer])
        }
        for producer in stages
    }


def downstream(dvc_yaml: dict[str, Any], start: Iterable[str]) -> set[str]:
    """`start` and every stage that depends on them, directly or not (not through
    CHECK_STAGE, whose output never changes)."""
    graph = stage_graph(dvc_yaml)
    found: set[str] = set()
    todo = list(start)
    while todo:
        stage = todo.pop()
        if stage not in found:
            found.add(stage)
            todo.extend(graph[stage] if stage != CHECK_STAGE else ())
    return found


def stages_depending_on(dvc_yaml: dict[str, Any], path: str) -> set[str]:
    """Stages that list `path` (or a folder holding it) among their deps."""
    return {
        name
        for name, s in dvc_yaml["stages"].items()
        if any(_overlap(dep, path) for dep in _paths(s.get("deps")))
    }


def stages_reading_param(dvc_yaml: dict[str, Any], key: str) -> set[str]:
    """Stages whose `params:` list covers the dotted param `key` (its section or the key, or
    the whole file: `params.yaml:` with no keys)."""

    def names(entries: list[Any]) -> list[str]:
        found = []
        for entry in entries:
            if isinstance(entry, str):
                found.append(entry)
            elif isinstance(entry, dict):  # {other.yaml: [keys]} or {params.yaml: [keys]}
                for file, keys in entry.items():
                    if Path(file).name == "params.yaml":
                        found.extend([key] if keys is None else keys)
        return found

    return {
        name
        for name, s in dvc_yaml["stages"].items()
        if any(key == p or key.startswith(p + ".") for p in names(s.get("params") or []))
    }


def stages_run(output: str) -> list[str]:
    """Names of the stages DVC said it ran, in order."""
    return RAN.findall(output)
