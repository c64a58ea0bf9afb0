"""While `dvc exp run` trains a network, DVCLive's files grow epoch by epoch: read mid-run."""

from __future__ import annotations

import contextlib
import json
import subprocess
import time

import pytest
from dvc_runs import DvcProject, copy_dvc_project
from stage_runs import describe

pytestmark = pytest.mark.e2e

EPOCHS = 40
LIVE = "metrics/live/cnn"


def test_a_running_experiment_writes_each_epoch(
    tmp_path_factory: pytest.TempPathFactory, reproduced: DvcProject
) -> None:
    project = copy_dvc_project(reproduced, tmp_path_factory.mktemp("live") / "project")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "baseline run")
    curve = project.root / LIVE / "plots" / "metrics" / "eval" / "accuracy.tsv"
    summary = project.root / LIVE / "metrics.json"
    baseline = curve.read_text()  # the committed run's epochs
    running = subprocess.Popen(
        ["dvc", "exp", "run", "-n", "long-cnn", "-S", f"train_cnn.epochs={EPOCHS}"],
        cwd=project.root,
        env=project.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: list[int] = []  # epochs in the curve file, each time it changed during the run
    steps: set[int] = set()
    try:
        while running.poll() is None:
            if curve.exists():
                text = curve.read_text()
                rows = len(text.splitlines()) - 1  # below the header
                # the baseline run's file stays until DVCLive starts anew with epoch 1
                if text != baseline and rows > 0 and (not seen or rows != seen[-1]):
                    seen.append(rows)
                    with contextlib.suppress(OSError, ValueError, KeyError):  # mid-write
                        steps.add(json.loads(summary.read_text())["step"])
            time.sleep(0.05)
    finally:
        output = running.communicate(timeout=600)[0]
    assert running.returncode == 0, output
    mid_run = [rows for rows in seen if 0 < rows < EPOCHS]
    assert len(mid_run) >= 3, (seen, output)  # read while the stage was still training
    assert seen == sorted(seen), seen  # one more row each epoch
    assert any(0 < step < EPOCHS for step in steps), steps  # the summary moved with them
    assert len(curve.read_text().splitlines()) == EPOCHS + 1
    assert json.loads(summary.read_text())["step"] == EPOCHS
    shown = project.dvc("exp", "show", "--json")
    assert f"{LIVE}/metrics.json" in shown.stdout and "long-cnn" in shown.stdout, describe(shown)
