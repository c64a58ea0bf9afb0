"""fetch through its real command line: the bundled, folder (plain or zipped) and kaggle
sources, and bad input files.

A bad file must stop fetch with one line naming the file (and line and column where there is
one) and leave the outputs of the previous good fetch byte-identical. Quicker variations of
the error paths run in-process in tests/unit/test_fetch_errors.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fetch_runs import (
    OUT_FILES,
    fetch,
    fetch_metrics,
    good_folder_fetch,
    outputs,
    refuses_and_keeps_outputs,
)
from kaggle_files import (
    add_label_column,
    drop_column,
    edit_cell,
    edit_line,
    write_kaggle_csvs,
    write_zip,
)
from stage_runs import StageRunner, stage_error, tiny_params

from digit_recognizer.data.formats import PIXEL_COLUMNS, TRAIN_HEADER
from digit_recognizer.data.kaggle_csv import read_digits_csv

pytestmark = pytest.mark.training

# --------------------------------------------------------------------------- bundled


@pytest.fixture(scope="module")
def bundled_fetch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One bundled fetch with the real test_size (1000), shared by the tests below."""
    root = tmp_path_factory.mktemp("bundled")
    runner = StageRunner(root)
    runner.params(tiny_params({"fetch.test_size": 1000}))
    assert fetch(runner).stderr == ""
    return root


def test_bundled_source(bundled_fetch: Path, digits) -> None:
    raw = bundled_fetch / "raw"
    train = pd.read_csv(raw / "train.csv")
    test = pd.read_csv(raw / "test.csv")
    answers = pd.read_csv(raw / "answers.csv")
    assert list(train.columns) == TRAIN_HEADER
    assert list(test.columns) == PIXEL_COLUMNS  # no label column
    assert list(answers.columns) == ["ImageId", "Label"]
    assert (len(train), len(test), len(answers)) == (4000, 1000, 1000)
    assert answers["ImageId"].tolist() == list(range(1, 1001))
    # stratified hold-out of 500 digits per class: 100 of each in test, 400 in train
    assert answers["Label"].value_counts().to_dict() == dict.fromkeys(range(10), 100)
    assert train["label"].value_counts().to_dict() == dict.fromkeys(range(10), 400)

    # together, train and test (with the answer key) are exactly the 5,000 bundled digits
    labels, pixels = digits
    fetched = np.concatenate(
        [train.to_numpy(), np.column_stack([answers["Label"], test.to_numpy()])]
    ).astype(np.uint8)
    bundled = np.column_stack([labels, pixels]).astype(np.uint8)
    assert sorted(map(bytes, fetched)) == sorted(map(bytes, bundled))
    assert fetch_metrics(bundled_fetch) == {
        "train_rows": 4000,
        "test_rows": 1000,
        "answer_key_rows": 1000,
    }
    # the files pass the stages' own checker
    read_digits_csv(raw / "train.csv", labelled=True)
    read_digits_csv(raw / "test.csv", labelled=False)


def test_bundled_source_is_reproducible(bundled_fetch: Path, run_stage: StageRunner) -> None:
    run_stage.params(tiny_params({"fetch.test_size": 1000}))
    fetch(run_stage)
    for first, second in zip(outputs(bundled_fetch), outputs(run_stage.cwd), strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_progress_lines_unless_quiet(run_stage: StageRunner) -> None:
    """Stages print progress lines under pytest too; only DIGITS_QUIET=1 silences them."""
    loud = fetch(run_stage, DIGITS_QUIET=None)
    assert loud.stdout.splitlines() == ["fetch: bundled: 4800 train rows, 200 test rows"]
    assert loud.stderr == ""
    quiet = fetch(run_stage, DIGITS_QUIET="1")
    assert quiet.stdout == "" and quiet.stderr == ""


# --------------------------------------------------------------------------- folder


@pytest.fixture
def folder_run(run_stage: StageRunner) -> StageRunner:
    run_stage.params(tiny_params({"fetch.source": "folder"}))
    return run_stage


def test_folder_source_copies_the_files(folder_run: StageRunner) -> None:
    train, test = write_kaggle_csvs(folder_run.cwd / "ext", n_train=120, n_test=30)
    fetch(folder_run)
    raw = folder_run.cwd / "raw"
    assert (raw / "train.csv").read_bytes() == train.read_bytes()
    assert (raw / "test.csv").read_bytes() == test.read_bytes()
    assert (raw / "answers.csv").read_text() == "ImageId,Label\n"  # no answer key
    assert fetch_metrics(folder_run.cwd) == {
        "train_rows": 120,
        "test_rows": 30,
        "answer_key_rows": 0,
    }


@pytest.mark.parametrize("prefix", ["", "digit-recognizer/"])
def test_folder_source_unpacks_the_competition_zip(folder_run: StageRunner, prefix: str) -> None:
    train, test = write_kaggle_csvs(folder_run.cwd / "files", n_train=80, n_test=20)
    members = {
        f"{prefix}train.csv": train.read_bytes(),
        f"{prefix}test.csv": test.read_bytes(),
        f"{prefix}sample_submission.csv": b"ImageId,Label\n"
        + b"".join(f"{i},0\n".encode() for i in range(1, 21)),
    }
    write_zip(folder_run.cwd / "ext" / "digit-recognizer.zip", members)
    fetch(folder_run)
    raw = folder_run.cwd / "raw"
    assert (raw / "train.csv").read_bytes() == train.read_bytes()
    assert (raw / "test.csv").read_bytes() == test.read_bytes()
    assert fetch_metrics(folder_run.cwd)["train_rows"] == 80
    assert sorted(p.name for p in (folder_run.cwd / "ext").iterdir()) == ["digit-recognizer.zip"]


# --------------------------------------------------------------------------- kaggle


def test_kaggle_source_without_credentials(run_stage: StageRunner, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    run_stage.params(tiny_params({"fetch.source": "kaggle"}))
    no_kaggle = {key: None for key in os.environ if key.startswith("KAGGLE_")}
    result = fetch(run_stage, ok=False, HOME=str(home), **no_kaggle)
    message = stage_error(result, "fetch")
    assert "credentials" in message
    assert "KAGGLE_API_TOKEN" in message
    assert result.stdout == ""  # the kaggle package's long authentication text is not shown
    assert not (run_stage.cwd / "raw").exists()


# --------------------------------------------------------------------------- bad input

# kind: (file to break, how, expected start of the message after "fetch: error: ")
BAD_INPUTS: dict[str, tuple[str, Callable[[str], str], str]] = {
    "missing-column": (
        "train.csv",
        lambda t: drop_column(t, "pixel5"),
        "ext/train.csv: line 1: missing column pixel5 ",
    ),
    "pixel-256": (
        "train.csv",
        lambda t: edit_cell(t, 4, "pixel300", "256"),
        "ext/train.csv: line 4, column pixel300: expected an integer 0..255, got '256'",
    ),
    "letter": (
        "train.csv",
        lambda t: edit_cell(t, 3, "pixel10", "x"),
        "ext/train.csv: line 3, column pixel10: expected an integer 0..255, got 'x'",
    ),
    "empty-cell": (
        "train.csv",
        lambda t: edit_cell(t, 5, "pixel100", ""),
        "ext/train.csv: line 5, column pixel100: expected an integer 0..255, got an empty cell",
    ),
    "header-only": (
        "train.csv",
        lambda t: t.splitlines()[0] + "\n",
        "ext/train.csv: no data rows after the header",
    ),
    "label-10": (
        "train.csv",
        lambda t: edit_cell(t, 6, "label", "10"),
        "ext/train.csv: line 6, column label: expected an integer 0..9, got '10'",
    ),
    "test-with-label": (
        "test.csv",
        add_label_column,
        "ext/test.csv: line 1: test file must not have a label column",
    ),
    "too-many-fields": (
        "train.csv",
        lambda t: edit_line(t, 3, lambda cells: [*cells, "0"]),
        "ext/train.csv: ",  # pandas' own words: "... Expected 785 fields in line 3, saw 786"
    ),
    "too-few-fields": (
        "train.csv",
        lambda t: edit_line(t, 3, lambda cells: cells[:-1]),
        "ext/train.csv: line 3",
    ),
}


@pytest.fixture(scope="module")
def good_fetch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A good folder fetch (once per module): the input files and what it wrote."""
    return good_folder_fetch(StageRunner(tmp_path_factory.mktemp("good-fetch")))


@pytest.mark.parametrize("kind", list(BAD_INPUTS))
def test_bad_input_is_refused_and_outputs_kept(
    run_stage: StageRunner, good_fetch: dict[str, bytes], kind: str
) -> None:
    message = refuses_and_keeps_outputs(run_stage, good_fetch, BAD_INPUTS[kind])
    if kind == "too-many-fields":
        assert "line 3" in message, message


# --------------------------------------------------------------------------- fixed defects


def test_outputs_have_the_usual_file_mode(folder_run: StageRunner) -> None:
    write_kaggle_csvs(folder_run.cwd / "ext", n_train=20, n_test=5)
    fetch(folder_run)
    umask = os.umask(0)
    os.umask(umask)
    for path in outputs(folder_run.cwd):
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path
    assert sorted(p.name for p in (folder_run.cwd / "raw").iterdir()) == sorted(OUT_FILES)


def test_bad_file_in_zip_is_named_after_the_zip(folder_run: StageRunner) -> None:
    train, test = write_kaggle_csvs(folder_run.cwd / "files", n_train=20, n_test=5)
    broken = edit_cell(train.read_text(), 3, "pixel10", "x")
    write_zip(
        folder_run.cwd / "ext" / "digit-recognizer.zip",
        {"train.csv": broken.encode(), "test.csv": test.read_bytes()},
    )
    message = stage_error(fetch(folder_run, ok=False), "fetch")
    assert "line 3, column pixel10" in message
    assert "digit-recognizer.zip" in message, message
