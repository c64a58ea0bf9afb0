"""evaluate reads each network's history CSV through read_history: a broken one is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from digit_recognizer.console import PipelineError
from digit_recognizer.evaluation.history import read_history

GOOD = "epoch,loss,accuracy,val_loss,val_accuracy\n1,2.2,0.19,1.9,0.51\n2,1.5,0.59,1.2,0.63\n"


def test_a_good_history_is_read(tmp_path: Path) -> None:
    path = tmp_path / "cnn.csv"
    path.write_text(GOOD)
    assert list(read_history(path)["val_accuracy"]) == [0.51, 0.63]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "epoch,loss,accuracy,val_loss,val_accuracy\n",
        GOOD.replace("val_accuracy", "val_acc"),
        GOOD.replace("0.63", "nan"),
        GOOD.replace("0.63", "high"),
        GOOD.replace("1.5,", "1.5,,", 1),
        '"unterminated\n' + GOOD,
    ],
    ids=["empty", "header-only", "missing-column", "nan", "text", "extra-cell", "bad-quote"],
)
def test_a_broken_history_is_one_line_naming_the_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "cnn.csv"
    path.write_text(text)
    with pytest.raises(PipelineError, match=f"^{path}: ") as caught:
        read_history(path)
    assert "\n" not in str(caught.value)


def test_a_history_that_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "cnn.csv"
    path.write_bytes(b"epoch,loss\n\xff\xfe\x00garbage")
    with pytest.raises(PipelineError, match=f"^{path}: "):
        read_history(path)
