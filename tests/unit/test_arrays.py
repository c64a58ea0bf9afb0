"""Arrays read back from earlier stages: load_array and read_rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from digit_recognizer.console import PipelineError
from digit_recognizer.files import load_array
from digit_recognizer.training.outputs import read_rows


def test_read_rows_reads_memory_mapped_rows_from_the_file(tmp_path: Path) -> None:
    array = np.arange(7 * 3 * 2, dtype=np.float32).reshape(7, 3, 2)
    np.save(tmp_path / "a.npy", array)
    mapped = load_array(tmp_path / "a.npy")
    for start, rows in ((0, 7), (2, 3), (6, 1)):
        expected = array[start : start + rows]
        np.testing.assert_array_equal(read_rows(mapped, start, rows), expected)
        np.testing.assert_array_equal(read_rows(array, start, rows), expected)
    np.save(tmp_path / "f.npy", np.asfortranarray(array[:, :, 0]))
    fortran = load_array(tmp_path / "f.npy")
    np.testing.assert_array_equal(read_rows(fortran, 4, 3), array[4:7, :, 0])


def test_load_array_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match=r"missing\.npy: not found \(run the stage"):
        load_array(tmp_path / "missing.npy")
