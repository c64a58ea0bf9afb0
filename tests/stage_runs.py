"""Running stages as the tests do: tiny params, a subprocess or in-process runner, their errors.

Stages run through their real command lines (`python -m stages.NAME ...`) in a subprocess
(`StageRunner`), so exit codes and stderr are what a user or DVC would see; the many quick
error paths call `main()` in this process through the same `run` wrapper (`InProcessRunner`).
Both run quietly (DIGITS_QUIET=1) unless told otherwise.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from dvc_project import read_yaml, with_overrides, write_params

from digit_recognizer.console import QUIET_VARIABLE, run

PROJECT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent  # the venv pytest runs in: its python and dvc
DVC_YAML: dict[str, Any] = read_yaml(PROJECT / "dvc.yaml")
REAL_PARAMS: dict[str, Any] = read_yaml(PROJECT / "params.yaml")

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
    "train_cnn_aug.filters": [4, 8],
    "train_cnn_aug.dense_units": 16,
    "train_cnn_aug.epochs": 3,  # one or two leave batch norm's averages behind
    "train_cnn_aug.jit_compile": False,
    "cnn_aug_seeds": [2, 3],  # the ensemble stage's deps in dvc.yaml name these two
    "ensemble.models": ["cnn_aug", "cnn_aug_s2", "cnn_aug_s3", "cnn"],
    # every candidate a member, so a retrained network always moves the ensemble (greedy picks
    # among tiny networks are noise; tests/unit/test_ensemble.py runs the stage with greedy)
    "ensemble.selection": "mean",
}
TINY_PARAMS: dict[str, Any] = with_overrides(REAL_PARAMS, TINY_OVERRIDES, new_keys=False)

STAGE_ERROR = re.compile(r"^(?P<stage>\w+): error: (?P<message>.+)$")


def tiny_params(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """A deep copy of TINY_PARAMS with dotted-key overrides (see `with_overrides`)."""
    return with_overrides(TINY_PARAMS, overrides or {})


def dvc_yaml_args(stage: str) -> list[str]:
    """The arguments dvc.yaml gives `python -m stages.STAGE`."""
    words = shlex.split(DVC_YAML["stages"][stage]["cmd"])
    assert words[:3] == ["python", "-m", f"stages.{stage}"], words
    return words[3:]


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


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
    """Assert a stage failed the way `digit_recognizer.console.run` reports; return the message.

    Exit code 1 and exactly one line on stderr: `STAGE: error: MESSAGE`.
    """
    assert result.returncode == 1, describe(result)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected a one-line error\n{describe(result)}"
    match = STAGE_ERROR.match(lines[0])
    assert match and match["stage"] == stage, describe(result)
    return match["message"]


def expect_key_error(result: Any, stage: str, key: str) -> str:
    """Assert a one-line params.yaml error naming `key`; return the message."""
    message = stage_error(result, stage)
    assert message.startswith("params.yaml: "), message
    assert key in message, message
    return message


class StageRunner:
    """Runs `python -m stages.NAME ARGS` in `cwd`, with `params.yaml` written there.

    Progress lines are off (DIGITS_QUIET=1) unless a call passes DIGITS_QUIET=None.
    """

    def __init__(self, cwd: Path, pythonpath: Path = PROJECT) -> None:
        self.cwd = cwd
        self.pythonpath = pythonpath

    def params(self, params: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
        """Write params.yaml (TINY_PARAMS by default; dotted keys as `key__sub=value`)."""
        dotted = {k.replace("__", "."): v for k, v in overrides.items()}
        params = with_overrides(TINY_PARAMS if params is None else params, dotted)
        write_params(self.cwd, params)
        return params

    def __call__(
        self, stage: str, *args: str | Path, ok: bool | None = True, **env: str | None
    ) -> subprocess.CompletedProcess:
        """Run a stage; ok=True asserts success, ok=False asserts failure, None checks nothing."""
        env = {QUIET_VARIABLE: "1", **env}
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
    """What an in-process run saw: exit code and captured output, like a CompletedProcess."""

    def __init__(self, args: list[str], returncode: int, stdout: str, stderr: str) -> None:
        self.args, self.returncode, self.stdout, self.stderr = args, returncode, stdout, stderr


class InProcessRunner:
    """Calls `stages.NAME.main` in this process through `console.run`, in `cwd`.

    `monkeypatch` sets sys.argv (and, by the fixtures, the working directory and
    DIGITS_QUIET); output is captured from sys.stdout and sys.stderr.
    """

    def __init__(self, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.cwd, self._monkeypatch = cwd, monkeypatch

    def __call__(self, stage: str, *args: str | Path) -> InProcessResult:
        module = importlib.import_module(f"stages.{stage}")
        argv = [str(module.__file__), *map(str, args)]
        self._monkeypatch.setattr(sys, "argv", argv)
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                run(module.main)
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        return InProcessResult(argv, code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def in_process_runner(cwd: Path) -> Any:
    """An InProcessRunner in `cwd` (TINY_PARAMS written, quiet) outside a test function, for
    module-scoped fixtures; everything it changed is undone on exit."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        write_params(cwd, TINY_PARAMS)
        monkeypatch.chdir(cwd)
        monkeypatch.setenv(QUIET_VARIABLE, "1")
        yield InProcessRunner(cwd, monkeypatch)
