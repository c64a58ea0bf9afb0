"""evaluate reads each network's per-epoch history from DVCLive's files through read_history:
a broken or missing file is one line naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from digit_recognizer.console import PipelineError
from digit_recognizer.evaluation.history import read_history
from digit_recognizer.training.live import EpochLog

ROWS = [
    {"loss": 2.2, "accuracy": 0.19, "val_loss": 1.9, "val_accuracy": 0.51},
    {"loss": 1.5, "accuracy": 0.59, "val_loss": 1.2, "val_accuracy": 0.63},
]


def write_live(folder: Path) -> Path:
    """Two epochs written as the training stages write them (DVCLive)."""
    log = EpochLog(folder)
    for epoch, row in enumerate(ROWS, start=1):
        log.log(epoch, row)
    log.end()
    return folder / "plots" / "metrics" / "eval" / "accuracy.tsv"


def test_a_good_history_is_read_and_dvclive_wrote_no_timestamp(tmp_path: Path) -> None:
    write_live(tmp_path / "cnn")
    history = read_history(tmp_path / "cnn")
    assert list(history.columns) == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy"]
    assert history["epoch"].tolist() == [1, 2]
    assert list(history["val_accuracy"]) == [0.51, 0.63]
    assert (tmp_path / "cnn" / "metrics.json").read_text().count("step") == 1
    tsv = (tmp_path / "cnn" / "plots" / "metrics" / "train" / "loss.tsv").read_text()
    assert tsv == "step\tloss\n1\t2.2\n2\t1.5\n"  # no timestamp column: the same bytes each run
    assert not (tmp_path / "dvc.yaml").exists() and not (tmp_path / "cnn" / "dvc.yaml").exists()


@pytest.mark.parametrize(
    "text",
    ["", "step\taccuracy\n", "step\tacc\n1\t0.5\n2\t0.6\n", "step\taccuracy\n1\t0.5\n2\tnan\n",
     "step\taccuracy\n1\t0.5\n2\thigh\n", "step\taccuracy\n1\t0.5\n3\t0.6\n",
     '"unterminated\n1\t2\n'],
    ids=["empty", "header-only", "missing-column", "nan", "text", "other-epochs", "bad-quote"],
)  # fmt: skip
def test_a_broken_history_is_one_line_naming_the_file(tmp_path: Path, text: str) -> None:
    path = write_live(tmp_path / "cnn")
    path.write_text(text)
    with pytest.raises(PipelineError, match=f"^{path}: ") as caught:
        read_history(tmp_path / "cnn")
    assert "\n" not in str(caught.value)


def test_a_missing_or_binary_history_file(tmp_path: Path) -> None:
    path = write_live(tmp_path / "cnn")
    path.write_bytes(b"step\taccuracy\n\xff\xfe\x00garbage")
    with pytest.raises(PipelineError, match=f"^{path}: "):
        read_history(tmp_path / "cnn")
    path.unlink()
    with pytest.raises(PipelineError, match=f"^{path}: not found"):
        read_history(tmp_path / "cnn")
