"""The whole pipeline through the real `dvc` CLI, in a temp git repo with tiny params.

One module-scoped project, a copy of the tier's reproduced one (its first `dvc repro`); the
tests then run in file order against it, each leaving it up to date for the next: no-op
repro, what a train_cnn param change makes pending, and a bad input file.
Expected stage sets come from dvc.yaml (its stage graph), so stages added later are covered
without edits here.
"""

from __future__ import annotations

import json

import pytest
from dvc_project import stages_reading_param, stages_run, with_overrides
from dvc_runs import DvcProject, all_output, copy_dvc_project
from kaggle_files import write_kaggle_csvs
from stage_runs import TINY_PARAMS, describe

pytestmark = pytest.mark.e2e

UP_TO_DATE = "Data and pipelines are up to date."


def out_paths(spec: dict) -> list[str]:
    found = []
    for key in ("outs", "metrics", "plots"):
        for entry in spec.get(key) or []:
            found.extend([entry] if isinstance(entry, str) else list(entry))
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, reproduced: DvcProject) -> DvcProject:
    return copy_dvc_project(reproduced, tmp_path_factory.mktemp("pipeline") / "project")


def test_fresh_copy_has_nothing_run(dvc_project: DvcProject) -> None:
    """The fixture copies code and config only: every stage is pending, no data or lock."""
    assert not (dvc_project.root / "dvc.lock").exists()
    assert not (dvc_project.root / "data" / "raw").exists()
    assert dvc_project.read_params() == TINY_PARAMS
    status = json.loads(dvc_project.dvc("status", "--json").stdout)
    assert set(status) == set(dvc_project.dvc_yaml()["stages"])
    assert dvc_project.git("status", "--porcelain").stdout == ""  # all committed


def test_repro_runs_every_stage(project: DvcProject) -> None:
    stages = project.dvc_yaml()["stages"]
    assert {"fetch", "sample", "split", "reshape", "train_lr", "train_mlp", "train_cnn"} <= set(
        stages
    )
    # the matrix stage: one stage per seed of cnn_aug_seeds, named as DVC names them
    seeds = [f"train_cnn_aug_seed@{seed}" for seed in TINY_PARAMS["cnn_aug_seeds"]]
    assert {"train_cnn_aug", *seeds, "ensemble"} <= set(stages)
    ran = stages_run(all_output(project.first_repro))
    assert sorted(ran) == sorted(stages), describe(project.first_repro)  # each stage once
    for name, spec in stages.items():
        for path in out_paths(spec):
            assert (project.root / path).exists(), f"{name}: {path} missing"
    lock = (project.root / "dvc.lock").read_text()
    for name in stages:
        assert f"\n  {name}:\n" in lock
    fetched = json.loads((project.root / "metrics" / "fetch.json").read_text())["fetch"]
    assert fetched["test_rows"] == TINY_PARAMS["fetch"]["test_size"]
    cnn = json.loads((project.root / "metrics" / "models" / "cnn.json").read_text())
    assert cnn["epochs"] == TINY_PARAMS["train_cnn"]["epochs"]


def test_second_repro_runs_nothing(project: DvcProject) -> None:
    status = project.dvc("status")
    assert UP_TO_DATE in status.stdout, describe(status)
    again = project.dvc("repro")
    assert stages_run(all_output(again)) == [], describe(again)
    assert "didn't change, skipping" in all_output(again)
    assert UP_TO_DATE in all_output(again)


def test_cnn_param_change_makes_only_train_cnn_pending(project: DvcProject) -> None:
    dvc_yaml = project.dvc_yaml()
    params = project.read_params()
    epochs = params["train_cnn"]["epochs"]
    params["train_cnn"]["epochs"] = epochs + 1
    project.write_params(params)

    status = json.loads(project.dvc("status", "--json").stdout)
    changed = stages_reading_param(dvc_yaml, "train_cnn.epochs")
    assert changed == {"check_params", "train_cnn"}  # check_params: any change of params.yaml
    assert set(status) == changed, status
    assert status["train_cnn"] == [{"changed deps": {"params.yaml": {"train_cnn": "modified"}}}]

    # what `dvc repro` then runs: test_workflows.py's test_metrics_diff_between_branches
    params["train_cnn"]["epochs"] = epochs
    project.write_params(params)
    assert UP_TO_DATE in project.dvc("status").stdout


def test_bad_train_csv_fails_and_keeps_raw_data(project: DvcProject) -> None:
    raw = project.root / "data" / "raw"
    before = {p.name: p.read_bytes() for p in sorted(raw.glob("*.csv"))}
    assert set(before) == {"train.csv", "test.csv", "answers.csv"}

    external = project.root / "data" / "external"
    train, _ = write_kaggle_csvs(external, n_train=60, n_test=10)
    lines = train.read_text().splitlines()
    cells = lines[2].split(",")
    cells[11] = "x"  # line 3, column pixel10
    lines[2] = ",".join(cells)
    train.write_text("\n".join(lines) + "\n")
    project.write_params(with_overrides(project.read_params(), {"fetch.source": "folder"}))

    result = project.dvc("repro", ok=False)
    output = all_output(result)
    errors = [line for line in output.splitlines() if line.startswith("fetch: error: ")]
    assert errors == [
        "fetch: error: data/external/train.csv: line 3, column pixel10: "
        "expected an integer 0..255, got 'x'"
    ], describe(result)
    assert stages_run(output) == ["check_params", "fetch"]
    assert {p.name: p.read_bytes() for p in sorted(raw.glob("*.csv"))} == before
    assert [p.name for p in raw.iterdir() if p.name.startswith(".")] in ([], [".gitignore"])
