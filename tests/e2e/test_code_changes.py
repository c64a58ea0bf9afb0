"""Editing project code reruns exactly the stages that run that code, through the real CLI.

dvc.yaml lists each stage's script and the `digit_recognizer` modules it imports (checked by
tests/unit/test_code_deps.py); here a comment appended to a copied module must make
`dvc status` report the stages listing it, and `dvc repro` rerun those (and at most what
follows them), never a stage that does not run that code. One module-scoped project, a
copy of the tier's reproduced one; each test edits a file and reruns (cheap stages), or
edits it and takes the edit back (the networks: `dvc status` says what would rerun), leaving
it up to date for the next.
"""

from __future__ import annotations

import json

import pytest
from dvc_project import downstream, stages_depending_on, stages_run
from dvc_runs import DvcProject, all_output, copy_dvc_project
from stage_runs import describe

pytestmark = pytest.mark.e2e

UP_TO_DATE = "Data and pipelines are up to date."
EDIT = "# edited by tests/e2e/test_code_changes.py\n"


def training(dvc_yaml: dict) -> set[str]:
    """The training stages, the strong CNN's seeds (`train_cnn_aug_seed@SEED`) included."""
    return {name for name in dvc_yaml["stages"] if name.startswith("train_")}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, reproduced: DvcProject) -> DvcProject:
    return copy_dvc_project(reproduced, tmp_path_factory.mktemp("code-changes") / "project")


def edit(project: DvcProject, path: str) -> set[str]:
    """Append a comment line to the copy's `path`; return the stages `dvc status` reports."""
    assert UP_TO_DATE in project.dvc("status").stdout  # nothing pending before the edit
    file = project.root / path
    file.write_text(file.read_text() + EDIT)
    return set(json.loads(project.dvc("status", "--json").stdout))


def restore(project: DvcProject, path: str) -> None:
    """The copy's `path` as it was before `edit`; DVC then finds every stage up to date."""
    file = project.root / path
    file.write_text(file.read_text().removesuffix(EDIT))
    assert UP_TO_DATE in project.dvc("status").stdout


def repro(project: DvcProject) -> set[str]:
    """`dvc repro`; the stages it ran (each at most once), after which all is up to date."""
    result = project.dvc("repro")
    ran = stages_run(all_output(result))
    assert len(ran) == len(set(ran)), describe(result)
    assert UP_TO_DATE in project.dvc("status").stdout
    return set(ran)


def test_first_repro_ran_every_stage(project: DvcProject) -> None:
    ran = stages_run(all_output(project.first_repro))
    assert sorted(ran) == sorted(project.dvc_yaml()["stages"]), describe(project.first_repro)


def test_csv_reader_change_reruns_the_csv_reading_stages_only(project: DvcProject) -> None:
    dvc_yaml = project.dvc_yaml()
    module = "digit_recognizer/data/kaggle_csv.py"
    listing = stages_depending_on(dvc_yaml, module)
    assert {"fetch", "sample", "reshape"} <= listing
    assert listing.isdisjoint(training(dvc_yaml))

    assert edit(project, module) == listing
    ran = repro(project)
    # fetch, sample and reshape write the same bytes again, so nothing after them reruns
    assert listing <= ran <= downstream(dvc_yaml, listing)
    assert {"fetch", "sample", "reshape"} <= ran
    assert ran.isdisjoint(training(dvc_yaml)), ran


def test_keras_code_change_reruns_the_networks_only(project: DvcProject) -> None:
    dvc_yaml = project.dvc_yaml()
    module = "digit_recognizer/training/fit.py"
    networks = training(dvc_yaml) - {"train_lr"}
    assert {"train_mlp", "train_cnn", "train_cnn_aug", "train_cnn_aug_seed@2"} <= networks
    listing = networks
    assert stages_depending_on(dvc_yaml, module) == listing

    assert edit(project, module) == listing  # what `dvc repro` would run first
    restore(project, module)  # running it: test_cnn_script_change_reruns_train_cnn_and_...


def test_cnn_script_change_reruns_train_cnn_and_at_most_what_follows(
    project: DvcProject,
) -> None:
    dvc_yaml = project.dvc_yaml()
    assert edit(project, "stages/train_cnn.py") == {"train_cnn"}
    ran = repro(project)
    assert "train_cnn" in ran
    assert ran <= downstream(dvc_yaml, {"train_cnn"}), ran


def test_strong_cnn_script_change_reruns_every_seed_of_it(project: DvcProject) -> None:
    """train_cnn_aug.py runs in train_cnn_aug and in each stage of the seeds' matrix."""
    dvc_yaml = project.dvc_yaml()
    seeds = {name for name in dvc_yaml["stages"] if name.startswith("train_cnn_aug_seed@")}
    assert len(seeds) == len(project.read_params()["cnn_aug_seeds"]) >= 1
    listing = {"train_cnn_aug", *seeds}
    assert edit(project, "stages/train_cnn_aug.py") == listing
    restore(project, "stages/train_cnn_aug.py")
