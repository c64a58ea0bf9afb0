"""submit's checks: a submission Kaggle would reject is refused before anything is written."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from digit_recognizer.console import PipelineError
from digit_recognizer.data.submission import submission_frame, write_submission


def test_good_submission_is_written(tmp_path: Path) -> None:
    path = tmp_path / "submission.csv"
    write_submission(path, submission_frame(np.array([3, 0, 9])), test_rows=3)
    assert path.read_text().splitlines() == ["ImageId,Label", "1,3", "2,0", "3,9"]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (submission_frame(np.array([1, 2])), "2 rows, expected one per test image (3)"),
        (submission_frame(np.array([1, 10, 2])), "row 2 (ImageId 2): Label 10, expected 0..9"),
        (submission_frame(np.array([1, -1, 2])), "Label -1, expected 0..9"),
        (pd.DataFrame({"Id": [1, 2, 3], "Label": [1, 2, 3]}), "header must be ImageId,Label"),
        (pd.DataFrame({"ImageId": [0, 1, 2], "Label": [1, 2, 3]}), "ImageId must run 1..3"),
    ],
)
def test_bad_submission_is_refused_and_not_written(
    tmp_path: Path, frame: pd.DataFrame, message: str
) -> None:
    path = tmp_path / "submission.csv"
    path.write_text("ImageId,Label\n1,7\n2,7\n3,7\n")  # an earlier good submission
    before = path.read_bytes()
    with pytest.raises(PipelineError, match=re.escape(message)):
        write_submission(path, frame, test_rows=3)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
