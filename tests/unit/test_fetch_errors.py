"""fetch's quick error paths, in-process, and the CSV and zip readers it uses.

A bad file must stop fetch with one line naming the file (and line and column where there is
one) and leave the outputs of the previous good fetch byte-identical. The main cases run
through the real command line in tests/stages/test_fetch.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from dvc_project import write_params
from fetch_runs import fetch, good_folder_fetch, refuses_and_keeps_outputs
from kaggle_files import edit_cell, edit_line, write_kaggle_csvs, write_zip
from stage_runs import InProcessRunner, in_process_runner, stage_error, tiny_params

from digit_recognizer.console import PipelineError
from digit_recognizer.data.competition_files import extract_competition_zip
from digit_recognizer.data.kaggle_csv import read_digits_csv
from digit_recognizer.kaggle.client import credentials_present


@pytest.mark.parametrize("test_size", [5, 4995])
def test_bundled_test_size_out_of_range(call_stage: InProcessRunner, test_size: int) -> None:
    write_params(call_stage.cwd, tiny_params({"fetch.test_size": test_size}))
    message = stage_error(fetch(call_stage), "fetch")
    assert "fetch.test_size" in message and str(test_size) in message
    assert not (call_stage.cwd / "raw").exists()


# --------------------------------------------------------------------------- folder


@pytest.fixture
def folder_call(call_stage: InProcessRunner) -> InProcessRunner:
    """In-process fetch with the folder source, for the quick error paths."""
    write_params(call_stage.cwd, tiny_params({"fetch.source": "folder"}))
    return call_stage


def test_folder_source_with_an_empty_folder(folder_call: InProcessRunner) -> None:
    (folder_call.cwd / "ext").mkdir()
    message = stage_error(fetch(folder_call), "fetch")
    assert message.startswith("ext: no train.csv/test.csv")


def test_folder_source_without_test_csv(folder_call: InProcessRunner) -> None:
    write_kaggle_csvs(folder_call.cwd / "ext", n_train=50, n_test=10)
    (folder_call.cwd / "ext" / "test.csv").unlink()
    message = stage_error(fetch(folder_call), "fetch")
    assert message == "ext/test.csv: file not found"


def test_zip_without_test_csv(folder_call: InProcessRunner) -> None:
    train, _ = write_kaggle_csvs(folder_call.cwd / "files", n_train=50, n_test=10)
    write_zip(folder_call.cwd / "ext" / "digit-recognizer.zip", {"train.csv": train.read_bytes()})
    message = stage_error(fetch(folder_call), "fetch")
    assert message.startswith("ext/digit-recognizer.zip: no test.csv inside")


def test_not_a_zip(folder_call: InProcessRunner) -> None:
    (folder_call.cwd / "ext").mkdir()
    (folder_call.cwd / "ext" / "digit-recognizer.zip").write_text("<html>login</html>")
    message = stage_error(fetch(folder_call), "fetch")
    assert message == "ext/digit-recognizer.zip: not a valid zip file"


def test_extract_competition_zip(tmp_path: Path) -> None:
    train, test = write_kaggle_csvs(tmp_path / "files", n_train=40, n_test=10)
    archive = write_zip(
        tmp_path / "digit-recognizer.zip",
        {
            "train.csv": train.read_bytes(),
            "test.csv": test.read_bytes(),
            "sample_submission.csv": b"ImageId,Label\n1,0\n",
        },
    )
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    got_train, got_test = extract_competition_zip(archive, scratch)
    assert (got_train, got_test) == (scratch / "train.csv", scratch / "test.csv")
    assert got_train.read_bytes() == train.read_bytes()
    assert got_test.read_bytes() == test.read_bytes()

    missing = write_zip(tmp_path / "partial.zip", {"test.csv": test.read_bytes()})
    with pytest.raises(PipelineError, match=r"partial\.zip: no train\.csv inside"):
        extract_competition_zip(missing, scratch)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(PipelineError, match="not a valid zip file"):
        extract_competition_zip(broken, scratch)


# --------------------------------------------------------------------------- bad input

# More of the kinds tests/stages/test_fetch.py runs through the command line, in the test
# file and elsewhere in a row: (file to break, how, expected start of the message)
MORE_BAD_INPUTS: dict[str, tuple[str, Callable[[str], str], str]] = {
    "negative-pixel-in-test": (
        "test.csv",
        lambda t: edit_cell(t, 2, "pixel0", "-1"),
        "ext/test.csv: line 2, column pixel0: expected an integer 0..255, got '-1'",
    ),
    "fraction-in-test": (
        "test.csv",
        lambda t: edit_cell(t, 7, "pixel783", "12.5"),
        "ext/test.csv: line 7, column pixel783: expected an integer 0..255, got '12.5'",
    ),
    "first-bad-cell-in-file-order": (
        "train.csv",
        lambda t: edit_cell(edit_cell(t, 5, "pixel1", "300"), 3, "pixel700", "y"),
        "ext/train.csv: line 3, column pixel700: expected an integer 0..255, got 'y'",
    ),
    "columns-swapped": (
        "train.csv",
        lambda t: t.replace("pixel1,pixel2,", "pixel2,pixel1,", 1),
        "ext/train.csv: line 1: column 3 is 'pixel2', expected 'pixel1'",
    ),
    "empty-file": (
        "train.csv",
        lambda t: "",
        "ext/train.csv: empty file (expected the header label,pixel0,...,pixel783)",
    ),
}


@pytest.fixture(scope="module")
def good_fetch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A good folder fetch (once per module, in-process): the input files and what it wrote."""
    with in_process_runner(tmp_path_factory.mktemp("good-fetch")) as runner:
        return good_folder_fetch(runner)


@pytest.mark.parametrize("kind", list(MORE_BAD_INPUTS))
def test_more_bad_input_in_process(
    call_stage: InProcessRunner, good_fetch: dict[str, bytes], kind: str
) -> None:
    refuses_and_keeps_outputs(call_stage, good_fetch, MORE_BAD_INPUTS[kind])


def test_binary_file_is_refused(folder_call: InProcessRunner) -> None:
    write_kaggle_csvs(folder_call.cwd / "ext", n_train=20, n_test=5)
    (folder_call.cwd / "ext" / "train.csv").write_bytes(b"\xff\xfe\x00\x01" * 100)
    message = stage_error(fetch(folder_call), "fetch")
    assert message.startswith("ext/train.csv: ")


def test_check_reads_crlf_and_bom_free_kaggle_files(tmp_path: Path) -> None:
    """Windows line ends (a file saved on Windows) are accepted."""
    train, _ = write_kaggle_csvs(tmp_path, n_train=10, n_test=2)
    crlf = tmp_path / "crlf.csv"
    crlf.write_bytes(train.read_bytes().replace(b"\n", b"\r\n"))
    labels, pixels = read_digits_csv(crlf, labelled=True)
    expected_labels, expected_pixels = read_digits_csv(train, labelled=True)
    assert np.array_equal(labels, expected_labels) and np.array_equal(pixels, expected_pixels)


# --------------------------------------------------------------------------- fixed defects


def test_one_field_too_many_on_every_row_is_refused(folder_call: InProcessRunner) -> None:
    train, _ = write_kaggle_csvs(folder_call.cwd / "ext", n_train=20, n_test=5)
    lines = train.read_text().splitlines()
    train.write_text(lines[0] + "\n" + "".join(f"{line},7\n" for line in lines[1:]))
    result = fetch(folder_call)
    assert result.returncode == 1, "accepted; labels downstream would all be pixel0 (0)"
    message = stage_error(result, "fetch")
    assert message.startswith("ext/train.csv: line 2"), message


def test_one_field_too_many_on_the_first_data_line_names_that_line(
    folder_call: InProcessRunner,
) -> None:
    train, _ = write_kaggle_csvs(folder_call.cwd / "ext", n_train=20, n_test=5)
    train.write_text(edit_line(train.read_text(), 2, lambda cells: [*cells, "0"]))
    message = stage_error(fetch(folder_call), "fetch")
    assert "line 2" in message, message


# --------------------------------------------------------------------------- answer key


def answer_key(labels: list[object], ids: list[int] | None = None) -> str:
    ids = list(range(1, len(labels) + 1)) if ids is None else ids
    return "ImageId,Label\n" + "".join(
        f"{i},{label}\n" for i, label in zip(ids, labels, strict=True)
    )


def test_folder_source_takes_an_answer_key(folder_call: InProcessRunner, digits) -> None:
    """A labelled test set in the folder (answers.csv) is copied: submit scores against it."""
    write_kaggle_csvs(folder_call.cwd / "ext", n_train=50, n_test=10)
    key = folder_call.cwd / "ext" / "answers.csv"
    key.write_text(answer_key([3] * 10))
    result = fetch(folder_call)
    assert result.returncode == 0, result.stderr
    assert (folder_call.cwd / "raw" / "answers.csv").read_bytes() == key.read_bytes()
    assert '"answer_key_rows": 10' in (folder_call.cwd / "metrics" / "fetch.json").read_text()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (answer_key([3] * 9), "ext/answers.csv: 9 rows, expected one per test image (10)"),
        (answer_key([3] * 9 + [42]), "ext/answers.csv: row 10 (ImageId 10): Label 42, expected"),
        (answer_key([3] * 9 + ["x"]), "ext/answers.csv: ImageId and Label must be integers"),
        (answer_key([3] * 10, ids=list(range(10))), "ext/answers.csv: ImageId must run 1..10"),
        ("Id,Digit\n1,3\n", "ext/answers.csv: header must be ImageId,Label"),
        ("", "ext/answers.csv: not a CSV with the header ImageId,Label"),
    ],
    ids=["short", "label-42", "letter", "ids-from-0", "header", "empty"],
)
def test_bad_answer_key_is_refused(
    folder_call: InProcessRunner, content: str, expected: str
) -> None:
    write_kaggle_csvs(folder_call.cwd / "ext", n_train=50, n_test=10)
    (folder_call.cwd / "ext" / "answers.csv").write_text(content)
    message = stage_error(fetch(folder_call), "fetch")
    assert message.startswith(expected), message
    assert not (folder_call.cwd / "raw").exists()


def test_credentials_json_of_kaggle_auth_login_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kaggle auth login` stores its login in ~/.kaggle/credentials.json."""
    for key in [k for k in os.environ if k.startswith("KAGGLE_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path))
    assert not credentials_present()
    (tmp_path / "credentials.json").write_text("{}")
    assert credentials_present()
