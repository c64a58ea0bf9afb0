"""dvc_project: params overrides, dvc.yaml's stage graph, DVC's output and
the project copy, which the tests and the benchmark share."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from dvc_project import (
    DELETE,
    copy_project,
    downstream,
    read_yaml,
    stage_graph,
    stages_depending_on,
    stages_reading_param,
    stages_run,
    with_overrides,
    write_params,
)
from stage_runs import DVC_YAML, PROJECT, REAL_PARAMS

# --------------------------------------------------------------------------- with_overrides


def test_with_overrides_sets_dotted_keys_on_a_copy() -> None:
    before = copy.deepcopy(REAL_PARAMS)
    changed = with_overrides(
        REAL_PARAMS, {"train_cnn.epochs": 1, "sample_fraction": 0.5, "train_cnn.filters": [4]}
    )
    assert changed["train_cnn"]["epochs"] == 1
    assert changed["train_cnn"]["filters"] == [4]
    assert changed["sample_fraction"] == 0.5
    assert changed["train_mlp"] == REAL_PARAMS["train_mlp"]
    assert before == REAL_PARAMS  # the input is not mutated
    changed["train_mlp"]["layers"].append(1)  # nor shared with the result
    assert before == REAL_PARAMS


def test_with_overrides_delete_removes_a_key_or_a_section() -> None:
    changed = with_overrides(REAL_PARAMS, {"train_cnn.epochs": DELETE, "split": DELETE})
    assert "epochs" not in changed["train_cnn"] and "split" not in changed
    assert "epochs" in REAL_PARAMS["train_cnn"] and "split" in REAL_PARAMS


def test_with_overrides_adds_new_keys_unless_told_not_to() -> None:
    assert with_overrides(REAL_PARAMS, {"train_cnn.epoch": 3})["train_cnn"]["epoch"] == 3
    with pytest.raises(KeyError, match=r"train_cnn\.epoch"):
        with_overrides(REAL_PARAMS, {"train_cnn.epoch": 3}, new_keys=False)
    with pytest.raises(KeyError):
        with_overrides(REAL_PARAMS, {"no_section.key": 1}, new_keys=False)
    kept = with_overrides(REAL_PARAMS, {"train_cnn.epochs": 3}, new_keys=False)
    assert kept["train_cnn"]["epochs"] == 3


def test_write_params_keeps_the_key_order(tmp_path: Path) -> None:
    path = write_params(tmp_path, REAL_PARAMS)
    assert path == tmp_path / "params.yaml"
    assert read_yaml(path) == REAL_PARAMS
    assert list(read_yaml(path)) == list(REAL_PARAMS)


# --------------------------------------------------------------------------- stage graph


def test_stage_graph_of_the_real_dvc_yaml() -> None:
    graph = stage_graph(DVC_YAML)
    assert set(graph) == set(DVC_YAML["stages"])
    assert graph["fetch"] == {"sample", "reshape", "submit"}
    assert graph["check_params"] == {"fetch"}
    assert graph["split"] >= {"reshape", "train_lr", "train_mlp", "train_cnn"}
    assert graph["evaluate"] == set() and graph["submit"] == set()


def test_downstream_on_the_real_dvc_yaml() -> None:
    after_cnn = downstream(DVC_YAML, ["train_cnn"])
    assert {"train_cnn", "evaluate", "submit"} <= after_cnn
    assert after_cnn.isdisjoint({"train_lr", "train_mlp", "fetch", "sample", "split", "reshape"})
    assert downstream(DVC_YAML, {"fetch"}) == set(DVC_YAML["stages"]) - {"check_params"}
    assert downstream(DVC_YAML, []) == set()


def test_downstream_stops_at_the_params_check() -> None:
    """Its output never changes, so nothing after it reruns because it ran."""
    assert downstream(DVC_YAML, {"check_params"}) == {"check_params"}
    assert downstream(DVC_YAML, {"check_params", "train_lr"}) == {
        "check_params",
        "train_lr",
        "evaluate",
        "submit",
    }


def test_stages_depending_on_a_file() -> None:
    assert stages_depending_on(DVC_YAML, "stages/train_cnn.py") == {"train_cnn"}
    assert stages_depending_on(DVC_YAML, "digit_recognizer/models/cnn.py") == {
        "train_cnn",
        "check_params",  # these read the registry, which imports every model file,
        "evaluate",  # through the folder digit_recognizer/models
        "submit",
    }
    assert stages_depending_on(DVC_YAML, "digit_recognizer/training/fit.py") == {
        "train_mlp",
        "train_cnn",
        "train_cnn_aug",
        "train_cnn_aug_seed",  # as written: DVC runs it as train_cnn_aug_seed@SEED
    }
    assert stages_depending_on(DVC_YAML, "data/external/train.csv") == {"fetch"}  # in a folder
    assert "train_cnn" not in stages_depending_on(DVC_YAML, "digit_recognizer/data/kaggle_csv.py")


def test_stages_reading_a_param() -> None:
    assert stages_reading_param(DVC_YAML, "train_cnn.epochs") == {"train_cnn", "check_params"}
    assert stages_reading_param(DVC_YAML, "sample_fraction") == {"sample", "check_params"}
    # check_params tracks the whole file: a key no stage reads reruns it (and it refuses it)
    assert stages_reading_param(DVC_YAML, "not_a_param") == {"check_params"}


def test_stages_run_parses_dvcs_output() -> None:
    output = (
        "'data/external.dvc' didn't change, skipping\n"
        "Running stage 'fetch':\n> python -m stages.fetch --folder data/external\n"
        "Stage 'sample' didn't change, skipping\n"
        "Running stage 'train_cnn':\n> python -m stages.train_cnn\n"
        "Updating lock file 'dvc.lock'\n"
        "Running stage 'train_cnn_aug_seed@2':\n> python -m stages.train_cnn_aug --seed 2\n"
        "Running stage 'evaluate':\n"
    )
    assert stages_run(output) == ["fetch", "train_cnn", "train_cnn_aug_seed@2", "evaluate"]
    assert stages_run("Data and pipelines are up to date.\n") == []


# --------------------------------------------------------------------------- project copy


def test_copy_project_takes_code_and_config_only(tmp_path: Path) -> None:
    copy_project(PROJECT, tmp_path)
    for folder in ("stages", "digit_recognizer"):
        names = {p.name for p in (PROJECT / folder).glob("*.py")}
        assert {p.name for p in (tmp_path / folder).glob("*.py")} == names
        assert not list((tmp_path / folder).rglob("__pycache__"))
    for name in ("dvc.yaml", "params.yaml", "pyproject.toml", ".dvc/config"):
        assert (tmp_path / name).read_bytes() == (PROJECT / name).read_bytes(), name
    assert (tmp_path / "data" / "external").is_dir()
    for absent in ("dvc.lock", ".git", "data/raw", "models", "metrics", "bench", "tests"):
        assert not (tmp_path / absent).exists(), absent
