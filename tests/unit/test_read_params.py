"""read_params gives each stage a frozen dataclass of its checked params."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from dvc_project import write_params
from stage_runs import TINY_PARAMS, tiny_params

from digit_recognizer.models.cnn import CnnParams
from digit_recognizer.models.mlp import MlpParams
from digit_recognizer.params.reading import read_params
from digit_recognizer.params.sections import SampleParams


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp working directory holding TINY_PARAMS as params.yaml."""
    write_params(tmp_path, TINY_PARAMS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_params_are_a_frozen_dataclass(in_tmp: Path) -> None:
    params = read_params(CnnParams, "train_cnn")
    assert dataclasses.is_dataclass(params) and isinstance(params, CnnParams)
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.epochs = 5  # type: ignore[misc]
    assert params.epochs == TINY_PARAMS["train_cnn"]["epochs"]


def test_int_list_gives_a_tuple(in_tmp: Path) -> None:
    cnn = read_params(CnnParams, "train_cnn")
    assert cnn.filters == (4, 8) and isinstance(cnn.filters, tuple)
    mlp = read_params(MlpParams, "train_mlp")
    assert mlp.layers == (32, 16)
    assert hash(cnn) == hash(read_params(CnnParams, "train_cnn"))  # hashable: no lists inside


def test_fields_match_the_section(in_tmp: Path) -> None:
    """Every key of the section becomes a field (the KerasFitParams base ones included)."""
    cnn = read_params(CnnParams, "train_cnn")
    expected = {
        k: tuple(v) if isinstance(v, list) else v for k, v in TINY_PARAMS["train_cnn"].items()
    }
    assert dataclasses.asdict(cnn) == expected
    assert cnn.conv_activation is None and cnn.jit_compile is False


def test_top_level_params_come_from_the_top_of_the_file(in_tmp: Path) -> None:
    params = read_params(SampleParams, "sample")
    assert params.sample_fraction == TINY_PARAMS["sample_fraction"]
    assert params.seed == TINY_PARAMS["sample"]["seed"]


def test_ints_where_floats_are_expected_become_floats(in_tmp: Path) -> None:
    write_params(in_tmp, tiny_params({"sample_fraction": 1, "train_cnn.learning_rate": 1}))
    assert type(read_params(SampleParams, "sample").sample_fraction) is float
    assert type(read_params(CnnParams, "train_cnn").learning_rate) is float
