"""fetch: the bundled, folder (plain or zipped) and kaggle sources, and bad input files.

A bad file must stop fetch with one line naming the file (and line and column where there is
one) and leave the outputs of the previous good fetch byte-identical.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import (
    InProcessRunner,
    StageRunner,
    params_with,
    snapshot,
    stage_error,
    write_kaggle_csvs,
    write_params,
    write_zip,
)

from stages.common import PIXEL_COLUMNS, TRAIN_HEADER, PipelineError, read_digits_csv

OUT_FILES = ("train.csv", "test.csv", "answers.csv")
FETCH_ARGS = ("--folder", "ext", "--out", "raw", "--metrics", "metrics/fetch.json")


def fetch(runner: StageRunner | InProcessRunner, ok: bool | None = True, **env: str | None):
    if isinstance(runner, InProcessRunner):
        assert not env
        return runner("fetch", *FETCH_ARGS)
    return runner("fetch", *FETCH_ARGS, ok=ok, **env)


def outputs(folder: Path) -> list[Path]:
    return [folder / "raw" / name for name in OUT_FILES] + [folder / "metrics" / "fetch.json"]


def metrics(folder: Path) -> dict:
    return json.loads((folder / "metrics" / "fetch.json").read_text())["fetch"]


# --------------------------------------------------------------------------- bundled


@pytest.fixture(scope="module")
def bundled_fetch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One bundled fetch with the real test_size (1000), shared by the tests below."""
    root = tmp_path_factory.mktemp("bundled")
    runner = StageRunner(root)
    runner.params(params_with({"fetch.test_size": 1000}))
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
    assert metrics(bundled_fetch) == {
        "train_rows": 4000,
        "test_rows": 1000,
        "answer_key_rows": 1000,
    }
    # the files pass the stages' own checker
    read_digits_csv(raw / "train.csv", labelled=True)
    read_digits_csv(raw / "test.csv", labelled=False)


def test_bundled_source_is_reproducible(bundled_fetch: Path, run_stage: StageRunner) -> None:
    run_stage.params(params_with({"fetch.test_size": 1000}))
    fetch(run_stage)
    for first, second in zip(outputs(bundled_fetch), outputs(run_stage.cwd), strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


@pytest.mark.parametrize("test_size", [5, 4995])
def test_bundled_test_size_out_of_range(call_stage: InProcessRunner, test_size: int) -> None:
    write_params(call_stage.cwd, params_with({"fetch.test_size": test_size}))
    message = stage_error(fetch(call_stage), "fetch")
    assert "fetch.test_size" in message and str(test_size) in message
    assert not (call_stage.cwd / "raw").exists()


# --------------------------------------------------------------------------- folder


@pytest.fixture
def folder_run(run_stage: StageRunner) -> StageRunner:
    run_stage.params(params_with({"fetch.source": "folder"}))
    return run_stage


@pytest.fixture
def folder_call(call_stage: InProcessRunner) -> InProcessRunner:
    """In-process fetch with the folder source, for the quick error paths."""
    write_params(call_stage.cwd, params_with({"fetch.source": "folder"}))
    return call_stage


def test_folder_source_copies_the_files(folder_run: StageRunner) -> None:
    train, test = write_kaggle_csvs(folder_run.cwd / "ext", n_train=120, n_test=30)
    fetch(folder_run)
    raw = folder_run.cwd / "raw"
    assert (raw / "train.csv").read_bytes() == train.read_bytes()
    assert (raw / "test.csv").read_bytes() == test.read_bytes()
    assert (raw / "answers.csv").read_text() == "ImageId,Label\n"  # no answer key
    assert metrics(folder_run.cwd) == {"train_rows": 120, "test_rows": 30, "answer_key_rows": 0}


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
    assert metrics(folder_run.cwd)["train_rows"] == 80
    assert sorted(p.name for p in (folder_run.cwd / "ext").iterdir()) == ["digit-recognizer.zip"]


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


# --------------------------------------------------------------------------- kaggle


def test_kaggle_source_without_credentials(run_stage: StageRunner, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    run_stage.params(params_with({"fetch.source": "kaggle"}))
    no_kaggle = {key: None for key in os.environ if key.startswith("KAGGLE_")}
    result = fetch(run_stage, ok=False, HOME=str(home), **no_kaggle)
    message = stage_error(result, "fetch")
    assert "credentials" in message
    assert "KAGGLE_API_TOKEN" in message
    assert result.stdout == ""  # the kaggle package's long authentication text is not shown
    assert not (run_stage.cwd / "raw").exists()


def test_extract_competition_zip(tmp_path: Path) -> None:
    from stages.fetch import extract_competition_zip

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


def edit_cell(text: str, line: int, column: str, value: str) -> str:
    """Replace one cell (line numbers as in an editor: the header is line 1)."""
    lines = text.splitlines()
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    return "\n".join(lines) + "\n"


def drop_column(text: str, column: str) -> str:
    rows = [line.split(",") for line in text.splitlines()]
    index = rows[0].index(column)
    return "".join(",".join(r[:index] + r[index + 1 :]) + "\n" for r in rows)


def edit_line(text: str, line: int, change: Callable[[list[str]], list[str]]) -> str:
    lines = text.splitlines()
    lines[line - 1] = ",".join(change(lines[line - 1].split(",")))
    return "\n".join(lines) + "\n"


def add_label_column(text: str) -> str:
    lines = text.splitlines()
    return "".join(("label," if i == 0 else "3,") + line + "\n" for i, line in enumerate(lines))


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
# More of the same kinds, in the test file and elsewhere in a row: run in-process (same `run`
# wrapper, no interpreter start-up) to keep the suite fast.
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
    "empty-file": ("train.csv", lambda t: "", "ext/train.csv: line 1: missing column label"),
}


@pytest.fixture(scope="module")
def good_fetch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A good folder fetch (once per module): the input files and what it wrote."""
    root = tmp_path_factory.mktemp("good-fetch")
    runner = StageRunner(root)
    runner.params(params_with({"fetch.source": "folder"}))
    write_kaggle_csvs(root / "ext", n_train=40, n_test=12)
    fetch(runner)
    files = {f"ext/{name}": (root / "ext" / name).read_bytes() for name in OUT_FILES[:2]}
    for path in outputs(root):
        files[str(path.relative_to(root))] = path.read_bytes()
    return files


def refuses_and_keeps_outputs(
    runner: StageRunner | InProcessRunner,
    good_fetch: dict[str, bytes],
    bad_input: tuple[str, Callable[[str], str], str],
) -> str:
    runner_cwd = runner.cwd
    write_params(runner_cwd, params_with({"fetch.source": "folder"}))
    for name, content in good_fetch.items():  # the good inputs and the good run's outputs
        (runner_cwd / name).parent.mkdir(parents=True, exist_ok=True)
        (runner_cwd / name).write_bytes(content)
    before = snapshot(outputs(runner_cwd))
    assert all(before.values())

    file, break_it, expected = bad_input
    bad = runner_cwd / "ext" / file
    bad.write_text(break_it(bad.read_text()))
    message = stage_error(fetch(runner, ok=False), "fetch")

    assert message.startswith(expected), message
    assert snapshot(outputs(runner_cwd)) == before
    leftovers = [p.name for p in (runner_cwd / "raw").iterdir() if p.name not in OUT_FILES]
    assert leftovers == []  # no temporary files left behind
    return message


@pytest.mark.parametrize("kind", list(BAD_INPUTS))
def test_bad_input_is_refused_and_outputs_kept(
    run_stage: StageRunner, good_fetch: dict[str, bytes], kind: str
) -> None:
    message = refuses_and_keeps_outputs(run_stage, good_fetch, BAD_INPUTS[kind])
    if kind == "too-many-fields":
        assert "line 3" in message, message


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


def test_outputs_have_the_usual_file_mode(folder_run: StageRunner) -> None:
    write_kaggle_csvs(folder_run.cwd / "ext", n_train=20, n_test=5)
    fetch(folder_run)
    umask = os.umask(0)
    os.umask(umask)
    for path in outputs(folder_run.cwd):
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path


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
