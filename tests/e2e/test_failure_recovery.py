"""Nothing lost, through the real `dvc` CLI in a project copy (tiny params, up to train_lr).

A bad param stops `dvc repro` in check_params, before DVC removes any stage's outputs: every
earlier output stays byte-identical. A bad input file stops the stage that reads it, after DVC
removed that stage's outputs; putting the file back and `dvc repro` restores them from DVC's
run-cache without running the stage, as the error line says. A fetch stopped by SIGTERM or
SIGKILL leaves nothing behind once the recovery `dvc repro` has run.
"""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import time
from typing import Any

import pytest
from dvc_project import DELETE, stages_run, with_overrides
from dvc_runs import DvcProject, all_output, make_dvc_project
from kaggle_files import write_kaggle_csvs
from stage_runs import TINY_PARAMS, describe

from digit_recognizer.console import RESTORE_HINT

pytestmark = pytest.mark.e2e

TARGET = "train_lr"  # and every stage before it: no network is trained here
OUTPUT_FOLDERS = ("data", "models", "metrics")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> DvcProject:
    project = make_dvc_project(tmp_path_factory.mktemp("recovery") / "project")
    project.dvc("repro", TARGET)
    return project


def outputs(project: DvcProject) -> dict[str, bytes]:
    """Every file the stages wrote, by path (data/external holds inputs only)."""
    return {
        path.relative_to(project.root).as_posix(): path.read_bytes()
        for folder in OUTPUT_FOLDERS
        for path in sorted((project.root / folder).rglob("*"))
        if path.is_file() and "external" not in path.parts
    }


def error_lines(output: str, stage: str) -> list[str]:
    assert "Traceback" not in output, output
    return [line for line in output.splitlines() if line.startswith(f"{stage}: error: ")]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"train_lr.C": -1}, "train_lr.C must be a finite number > 0, got -1"),
        ({"train_lr.C": math.nan}, "train_lr.C must be a finite number > 0, got nan"),
        ({"foo_bar": 1}, "unknown key foo_bar (allowed: "),
        ({"train_cnn.epochs": 0}, "train_cnn.epochs must be an integer >= 1, got 0"),
        ({"evaluate": DELETE}, "missing section 'evaluate:'"),
        ({"cnn_aug_seeds": [2, 2]}, "cnn_aug_seeds must be a list of distinct integers"),
    ],
    ids=["negative-C", "nan-C", "unknown-top-level-key", "zero-epochs", "no-section", "seeds"],
)
def test_a_bad_param_changes_no_output(
    project: DvcProject, overrides: dict[str, Any], message: str
) -> None:
    before = outputs(project)
    project.write_params(with_overrides(TINY_PARAMS, overrides))
    try:
        result = project.dvc("repro", TARGET, ok=False)
        output = all_output(result)
        lines = error_lines(output, "check_params")
        assert len(lines) == 1 and message in lines[0], describe(result)
        assert lines[0].startswith("check_params: error: params.yaml: ")
        assert stages_run(output) == ["check_params"], describe(result)
        assert outputs(project) == before
    finally:
        project.write_params(TINY_PARAMS)
    assert stages_run(all_output(project.dvc("repro", TARGET))) in ([], ["check_params"])
    assert outputs(project) == before


def test_a_good_param_change_reruns_only_its_readers(project: DvcProject) -> None:
    before = outputs(project)
    project.write_params(with_overrides(TINY_PARAMS, {"train_lr.C": 0.5}))
    result = project.dvc("repro", TARGET)
    assert stages_run(all_output(result)) == ["check_params", "train_lr"], describe(result)
    after = outputs(project)
    assert after["data/params_checked.txt"] == before["data/params_checked.txt"]
    changed = {path for path in before if after.get(path) != before[path]}
    assert changed == {"models/lr.joblib", "data/predictions/lr.npz", "metrics/models/lr.json"}

    project.write_params(TINY_PARAMS)  # back: the run-cache has the earlier results
    result = project.dvc("repro", TARGET)
    assert "Stage 'train_lr' is cached - skipping run" in result.stdout, describe(result)
    assert outputs(project) == before


def test_a_bad_input_file_is_restored_from_the_run_cache(project: DvcProject) -> None:
    """A hand-edited data/raw/train.csv (pixel 300) stops `sample` with one line ending in the
    hint; DVC removed sample's outputs; with the file back, `dvc repro` restores them."""
    before = outputs(project)
    train = project.root / "data" / "raw" / "train.csv"
    original = train.read_bytes()
    lines = original.decode().splitlines(keepends=True)
    cells = lines[2].split(",")
    cells[101] = "300"  # line 3, column pixel100
    train.write_text("".join([*lines[:2], ",".join(cells), *lines[3:]]))

    result = project.dvc("repro", "-s", "sample", ok=False)
    assert error_lines(all_output(result), "sample") == [
        "sample: error: data/raw/train.csv: line 3, column pixel100: "
        f"expected an integer 0..255, got '300' {RESTORE_HINT}"
    ], describe(result)
    assert not (project.root / "metrics" / "sample.json").exists()  # DVC removed it first

    train.write_bytes(original)
    result = project.dvc("repro", "-s", "sample")
    assert "Stage 'sample' is cached - skipping run, checking out outputs" in result.stdout, (
        describe(result)
    )
    assert outputs(project) == before
    assert re.search(r"up to date", project.dvc("status", TARGET).stdout)


def test_a_refused_fetch_keeps_every_output(project: DvcProject) -> None:
    """fetch's outputs, metrics/fetch.json included, are `persist`: DVC does not remove them
    and the refused file replaces nothing, so there is nothing to restore (and no hint)."""
    before = outputs(project)
    external = project.root / "data" / "external"
    write_kaggle_csvs(external, n_train=30, n_test=5)
    (external / "test.csv").write_text("pixel0\n1\n")
    project.write_params(with_overrides(TINY_PARAMS, {"fetch.source": "folder"}))
    try:
        result = project.dvc("repro", TARGET, ok=False)
        lines = error_lines(all_output(result), "fetch")
        assert lines == [
            "fetch: error: data/external/test.csv: line 1: missing column pixel1 "
            "(expected header pixel0,...,pixel783 (no label column))"
        ], describe(result)
        assert outputs(project) == before
    finally:
        project.write_params(TINY_PARAMS)
        for name in ("train.csv", "test.csv"):
            (external / name).unlink()
    assert stages_run(all_output(project.dvc("repro", TARGET))) in ([], ["check_params"])


# --------------------------------------------------------------------------- signals


def signal_when(project: DvcProject, pattern: str, signum: int, *args: str) -> None:
    """Start `dvc ARGS`; once a path matching `pattern` exists in the project, send `signum`
    to DVC and the stage it runs (one process group), as a user's kill or the OOM killer."""
    process = subprocess.Popen(
        ["dvc", *args],
        cwd=project.root,
        env=project.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    try:
        while not list(project.root.glob(pattern)):
            assert process.poll() is None, f"dvc {args} ended before {pattern} appeared"
            assert time.monotonic() < deadline, pattern
            time.sleep(0.005)
        os.killpg(process.pid, signum)
    finally:
        process.wait(timeout=120)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_fetch_stopped_by_a_signal_leaves_nothing_after_the_recovery(
    project: DvcProject, signum: int
) -> None:
    """fetch (kaggle_scale) writes its scratch in data/.raw.*: SIGTERM removes it on the way
    out; after a SIGKILL, the recovery `dvc repro` (which reruns fetch: its params changed)
    does. Then every stage is up to date and no temporary file is left anywhere."""
    scale = {"fetch.source": "kaggle_scale", "fetch.scale_train_rows": 2000}
    project.write_params(with_overrides(TINY_PARAMS, {**scale, "fetch.scale_test_rows": 300}))
    try:
        signal_when(project, "data/.raw.*", signum, "repro", TARGET)
        if signum == signal.SIGTERM:
            assert not list(project.root.glob("data/.raw.*"))
        project.dvc("repro", TARGET)
        assert "up to date" in project.dvc("status", TARGET).stdout
        assert temporaries(project) == []
    finally:
        project.write_params(TINY_PARAMS)
    project.dvc("repro", TARGET)


def temporaries(project: DvcProject) -> list[str]:
    """Files or folders named like the stages' temporaries (`.NAME.*`) under the outputs."""
    return [
        path.relative_to(project.root).as_posix()
        for folder in OUTPUT_FOLDERS
        for path in (project.root / folder).rglob(".*")
        if path.name != ".gitignore"
    ]
