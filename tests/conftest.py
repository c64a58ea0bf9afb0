"""Shared fixtures: real-digit Kaggle CSVs, tiny params, a stage runner and a DVC project copy.

Stages are exercised through their real command lines (`python -m stages.NAME ...`) in a
subprocess (`run_stage`), so exit codes and stderr are what a user or DVC would see; the many
quick error paths call `main()` in-process through the same `run` wrapper (`call_stage`).
The pipeline tests copy the project into a temp git repo and run the real `dvc` CLI.
"""

from __future__ import annotations

import copy
import functools
import importlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent  # the venv pytest runs in: its python and dvc
if str(PROJECT) not in sys.path:  # in-process tests import `stages` from this checkout
    sys.path.insert(0, str(PROJECT))

from stages.common import PIXEL_COLUMNS, TRAIN_HEADER  # noqa: E402
from stages.fetch import bundled_digits  # noqa: E402

REAL_PARAMS: dict[str, Any] = yaml.safe_load((PROJECT / "params.yaml").read_text())

# Sizes that run in seconds. TINY_PARAMS is params.yaml with these replaced, so it keeps every
# key the stages expect (sections added to params.yaml later come along unchanged).
TINY_OVERRIDES: dict[str, Any] = {
    "sample_fraction": 0.25,
    "fetch.source": "bundled",
    "fetch.test_size": 200,
    "train_lr.pixels": "scaled",
    "train_lr.max_iter": 200,
    "train_mlp.layers": [32, 16],
    "train_mlp.epochs": 1,
    "train_mlp.jit_compile": False,
    "train_cnn.filters": [4, 8],
    "train_cnn.dense_units": 16,
    "train_cnn.epochs": 2,
    "train_cnn.jit_compile": False,
}

STAGE_ERROR = re.compile(r"^(?P<stage>\w+): error: (?P<message>.+)$")


DELETE = object()  # params_with: remove this key


def params_with(
    overrides: dict[str, Any] | None = None, base: dict | None = None, new_keys: bool = True
) -> dict[str, Any]:
    """A deep copy of TINY_PARAMS (or `base`) with dotted-key overrides.

    `{"train_cnn.epochs": -1}` sets a value; the value `DELETE` removes the key or section.
    With new_keys=False, every overridden key must already exist.
    """
    params = copy.deepcopy(TINY_PARAMS if base is None else base)
    for dotted, value in (overrides or {}).items():
        *parents, last = dotted.split(".")
        node = params
        for key in parents:
            node = node[key]
        assert new_keys or last in node, f"{dotted} is not in params.yaml"
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return params


TINY_PARAMS: dict[str, Any] = params_with(TINY_OVERRIDES, base=REAL_PARAMS, new_keys=False)


def write_params(folder: Path, params: dict[str, Any]) -> Path:
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


# --------------------------------------------------------------------------- real digits


@functools.cache
def _digits() -> tuple[np.ndarray, np.ndarray]:
    labels, pixels = bundled_digits()
    labels.setflags(write=False)
    pixels.setflags(write=False)
    return labels, pixels


@pytest.fixture(scope="session")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 real bundled digits: (labels uint8 (5000,), pixels uint8 (5000, 784))."""
    return _digits()


# The bundled digits come sorted by class; tests take them in this fixed shuffled order so
# that any slice holds every digit.
_ORDER = np.random.default_rng(20240601).permutation(5000)


def write_kaggle_csvs(
    folder: Path, n_train: int = 300, n_test: int = 50, offset: int = 0
) -> tuple[Path, Path]:
    """Write Kaggle-format train.csv / test.csv made of real bundled digits (all classes).

    Train rows are digits offset..offset+n_train of a fixed shuffle, test rows the n_test
    after them.
    """
    labels, pixels = _digits()
    assert offset + n_train + n_test <= len(labels)
    folder.mkdir(parents=True, exist_ok=True)
    train_rows = _ORDER[offset : offset + n_train]
    test_rows = _ORDER[offset + n_train : offset + n_train + n_test]
    train = pd.DataFrame(
        np.column_stack([labels[train_rows], pixels[train_rows]]).astype(np.int64),
        columns=TRAIN_HEADER,
    )
    test = pd.DataFrame(pixels[test_rows].astype(np.int64), columns=PIXEL_COLUMNS)
    train_path, test_path = folder / "train.csv", folder / "test.csv"
    train.to_csv(train_path, index=False)
    test.to_csv(test_path, index=False)
    return train_path, test_path


def write_zip(archive: Path, members: dict[str, bytes]) -> Path:
    """A zip holding the given member names and contents."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, content in members.items():
            bundle.writestr(name, content)
    return archive


def snapshot(paths: Iterable[Path]) -> dict[str, bytes | None]:
    """Bytes of each file (None if absent), to check that a failed run touched nothing."""
    return {str(p): (p.read_bytes() if p.exists() else None) for p in paths}


# --------------------------------------------------------------------------- subprocesses


def subprocess_env(**extra: str | None) -> dict[str, str]:
    """Environment for stage and dvc subprocesses: the venv first on PATH, no analytics.

    A value of None removes that variable.
    """
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["DVC_NO_ANALYTICS"] = "1"
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def describe(result: Any) -> str:
    return (
        f"command: {result.args}\nexit code: {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )


def stage_error(result: Any, stage: str) -> str:
    """Assert a stage failed the way `stages.common.run` reports; return the message.

    Exit code 1 and exactly one line on stderr: `STAGE: error: MESSAGE`.
    """
    assert result.returncode == 1, describe(result)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected a one-line error\n{describe(result)}"
    match = STAGE_ERROR.match(lines[0])
    assert match and match["stage"] == stage, describe(result)
    return match["message"]


class StageRunner:
    """Runs `python -m stages.NAME ARGS` in `cwd`, with `params.yaml` written there."""

    def __init__(self, cwd: Path, pythonpath: Path = PROJECT) -> None:
        self.cwd = cwd
        self.pythonpath = pythonpath

    def params(self, params: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
        """Write params.yaml (TINY_PARAMS by default; dotted keys as `key__sub=value`)."""
        params = params_with({k.replace("__", "."): v for k, v in overrides.items()}, params)
        write_params(self.cwd, params)
        return params

    def __call__(
        self, stage: str, *args: str | Path, ok: bool | None = True, **env: str | None
    ) -> subprocess.CompletedProcess:
        """Run a stage; ok=True asserts success, ok=False asserts failure, None checks nothing."""
        result = subprocess.run(
            [sys.executable, "-m", f"stages.{stage}", *map(str, args)],
            cwd=self.cwd,
            env=subprocess_env(PYTHONPATH=str(self.pythonpath), **env),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if ok is True:
            assert result.returncode == 0, describe(result)
        elif ok is False:
            assert result.returncode != 0, describe(result)
        return result


class InProcessResult:
    """What `call_stage` saw: exit code and captured output, like a CompletedProcess."""

    def __init__(self, args: list[str], returncode: int, stdout: str, stderr: str) -> None:
        self.args, self.returncode, self.stdout, self.stderr = args, returncode, stdout, stderr


class InProcessRunner:
    """Calls `stages.NAME.main` in this process through `stages.common.run`, in `cwd`."""

    def __init__(self, cwd: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
        self.cwd, self._monkeypatch, self._capsys = cwd, monkeypatch, capsys

    def __call__(self, stage: str, *args: str | Path) -> InProcessResult:
        from stages.common import run

        module = importlib.import_module(f"stages.{stage}")
        argv = [str(module.__file__), *map(str, args)]
        self._monkeypatch.setattr(sys, "argv", argv)
        self._capsys.readouterr()
        try:
            run(module.main)
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        out, err = self._capsys.readouterr()
        return InProcessResult(argv, code, out, err)


@pytest.fixture
def call_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> InProcessRunner:
    """Like `run_stage` but in-process: much faster (no fresh imports) for the many params
    checks; exit code and stderr are what `run` produces. TINY_PARAMS is written first."""
    write_params(tmp_path, TINY_PARAMS)
    monkeypatch.chdir(tmp_path)
    return InProcessRunner(tmp_path, monkeypatch, capsys)


@pytest.fixture
def run_stage(tmp_path: Path) -> StageRunner:
    """A StageRunner in a fresh temp dir, with TINY_PARAMS already written as params.yaml."""
    runner = StageRunner(tmp_path)
    runner.params()
    return runner


# --------------------------------------------------------------------------- dvc project

PROJECT_FILES = (
    "dvc.yaml",
    "pyproject.toml",
    ".dvc/config",
    ".dvc/.gitignore",
    ".dvcignore",
    ".gitignore",
    "data/external/README.md",
)


class DvcProject:
    """A copy of the project in a temp git repo; `project.dvc("repro")` runs the real CLI."""

    first_repro: subprocess.CompletedProcess | None = None  # set by a module fixture

    def __init__(self, root: Path, site_cache: Path) -> None:
        self.root = root
        self.env = subprocess_env(
            DVC_SITE_CACHE_DIR=str(site_cache),
            DVC_GLOBAL_CONFIG_DIR=str(site_cache.parent / "dvc-global"),
            DVC_SYSTEM_CONFIG_DIR=str(site_cache.parent / "dvc-system"),
            PYTHONPATH=None,  # stage commands must import the copied stages/
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
        return yaml.safe_load(self.params_path.read_text())

    def write_params(self, params: dict[str, Any]) -> None:
        write_params(self.root, params)

    def dvc_yaml(self) -> dict[str, Any]:
        return yaml.safe_load((self.root / "dvc.yaml").read_text())


def make_dvc_project(root: Path, params: dict[str, Any] | None = None) -> DvcProject:
    """Copy the project's code and DVC config (no data, outputs, lock or .git) into `root`.

    Then `git init`, a git identity and one commit, as `dvc exp run` needs.
    """
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        PROJECT / "stages",
        root / "stages",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    for name in PROJECT_FILES:
        source = PROJECT / name
        if source.exists():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    (root / "data" / "external").mkdir(parents=True, exist_ok=True)
    write_params(root, TINY_PARAMS if params is None else params)

    project = DvcProject(root, root.parent / f"{root.name}-site-cache")
    project.git("-c", "init.defaultBranch=main", "init", "-q")
    project.git("config", "user.name", "Test User")
    project.git("config", "user.email", "test@example.com")
    project.git("config", "commit.gpgsign", "false")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "project copy for tests")
    return project


@pytest.fixture
def dvc_project(tmp_path: Path) -> DvcProject:
    """A fresh DVC project copy (tiny params, nothing run yet) in a temp git repo."""
    return make_dvc_project(tmp_path / "project")


# --------------------------------------------------------------------------- dvc.yaml graph


def stage_graph(dvc_yaml: dict[str, Any]) -> dict[str, set[str]]:
    """For each stage of dvc.yaml, the stages that directly consume one of its outputs."""

    def paths(entries: list[Any] | None) -> list[str]:
        found = []
        for entry in entries or []:
            found.extend([entry] if isinstance(entry, str) else list(entry))
        return [p.rstrip("/") for p in found]

    def overlaps(a: str, b: str) -> bool:
        return a == b or a.startswith(b + "/") or b.startswith(a + "/")

    stages = dvc_yaml["stages"]
    outs = {
        name: paths(s.get("outs")) + paths(s.get("metrics")) + paths(s.get("plots"))
        for name, s in stages.items()
    }
    return {
        producer: {
            consumer
            for consumer, s in stages.items()
            if consumer != producer
            and any(overlaps(d, o) for d in paths(s.get("deps")) for o in outs[producer])
        }
        for producer in stages
    }


def downstream(dvc_yaml: dict[str, Any], start: Iterable[str]) -> set[str]:
    """`start` and every stage that depends on them, directly or not."""
    graph = stage_graph(dvc_yaml)
    found, todo = set(), list(start)
    while todo:
        stage = todo.pop()
        if stage not in found:
            found.add(stage)
            todo.extend(graph[stage])
    return found


def stages_reading_param(dvc_yaml: dict[str, Any], key: str) -> set[str]:
    """Stages whose `params:` list covers the dotted param `key` (a section or the key)."""

    def names(entries: list[Any]) -> list[str]:
        found = []
        for entry in entries:
            if isinstance(entry, str):
                found.append(entry)
            elif isinstance(entry, dict):  # {other.yaml: [keys]} or {params.yaml: [keys]}
                for file, keys in entry.items():
                    if Path(file).name == "params.yaml":
                        found.extend(keys or [])
        return found

    return {
        name
        for name, s in dvc_yaml["stages"].items()
        if any(key == p or key.startswith(p + ".") for p in names(s.get("params") or []))
    }


RAN = re.compile(r"Running stage '([^']+)'")


def stages_run(output: str) -> set[str]:
    """Names of the stages DVC said it ran."""
    return set(RAN.findall(output))
