"""training.fit.epoch_steps: how many batches an epoch of the strong CNN takes (max_epoch_rows)."""

from __future__ import annotations

from pathlib import Path

import pytest
from dvc_project import write_params
from stage_runs import tiny_params

from digit_recognizer.models.cnn_aug import CnnAugParams
from digit_recognizer.params.reading import read_params
from digit_recognizer.training.fit import epoch_steps


@pytest.fixture
def params(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CnnAugParams:
    """train_cnn_aug's tiny params with batch 32 and 16 batches per call into TensorFlow."""
    batches = {"train_cnn_aug.batch_size": 32, "train_cnn_aug.steps_per_execution": 16}
    write_params(tmp_path, tiny_params(batches))
    monkeypatch.chdir(tmp_path)
    return read_params(CnnAugParams, "train_cnn_aug")


@pytest.mark.parametrize("rows, limit", [(3000, None), (3000, 3000), (2999, 3000), (10, 3000)])
def test_one_pass_when_the_rows_fit(params: CnnAugParams, rows: int, limit: int | None) -> None:
    assert epoch_steps(rows, params, limit) is None


@pytest.mark.parametrize(
    "limit, steps",
    [(3000, 96), (512, 16), (513, 32), (1, 16)],  # whole calls of 16 batches of 32 rows
)
def test_epochs_cut_to_whole_calls(params: CnnAugParams, limit: int, steps: int) -> None:
    assert epoch_steps(31_500, params, limit) == steps
