"""The bad-input matrix: every stage after fetch, given a broken input file, stops with one line
naming the file (and line, column, row or key) and changes no byte of any output.

One small workspace is built per module, in-process, as dvc.yaml lays it out: fetch (a folder
of 200 + 60 real digits), sample (all rows), split (half of them for validation), reshape,
train_lr, the other models' predictions as copies of lr's, ensemble and submit.
Each case copies it, breaks one input, runs one stage through the same `run` wrapper as the
command line, and compares every file before and after. (fetch's own bad inputs are in
test_fetch_errors.py; the prediction-file checks are also tested on their own in
test_reliability.py.)
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from dvc_project import write_params
from kaggle_files import write_kaggle_csvs
from stage_runs import (
    InProcessRunner,
    dvc_yaml_args,
    in_process_runner,
    snapshot,
    stage_error,
    tiny_params,
)

from digit_recognizer.models.registry import NAMES

ENSEMBLED = ("cnn_aug", "cnn_aug_s2", "cnn_aug_s3", "cnn")  # TINY_PARAMS' ensemble.models
BUILT_BY = ("fetch", "sample", "split", "reshape", "train_lr", "ensemble", "submit")

Break = Callable[[Path], object]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("workspace")
    write_kaggle_csvs(root / "data" / "external", n_train=200, n_test=60)
    with in_process_runner(root) as call:
        overrides = {"fetch.source": "folder", "sample_fraction": 1.0}
        write_params(root, tiny_params({**overrides, "split.validation_fraction": 0.5}))
        for stage in BUILT_BY:
            if stage == "ensemble":  # the networks' predictions: lr's, under their names
                predictions = root / "data" / "predictions"
                for name in {*ENSEMBLED, *NAMES} - {"lr", "ensemble"}:
                    shutil.copyfile(predictions / "lr.npz", predictions / f"{name}.npz")
            result = call(stage, *dvc_yaml_args(stage))
            assert result.returncode == 0, (stage, result.stderr)
        yield root


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- how to break


def set_cell(path: str, line: int, column: int, value: str) -> Break:
    """Set the cell of a CSV at `line` (from 1, the header included) and field `column`."""

    def edit(root: Path) -> None:
        lines = (root / path).read_text().splitlines(keepends=True)
        cells = lines[line - 1].rstrip("\n").split(",")
        cells[column] = value
        lines[line - 1] = ",".join(cells) + "\n"
        (root / path).write_text("".join(lines))

    return edit


def write_bytes(path: str, data: bytes) -> Break:
    return lambda root: (root / path).write_bytes(data)


def make_folder(path: str) -> Break:
    def edit(root: Path) -> None:
        (root / path).unlink()
        (root / path).mkdir()

    return edit


def remove(path: str) -> Break:
    return lambda root: (root / path).unlink()


def edit_bytes(path: str, change: Callable[[bytes], bytes]) -> Break:
    return lambda root: (root / path).write_bytes(change((root / path).read_bytes()))


def keep_lines(path: str, count: int) -> Break:
    """Keep the first `count` lines (the header is line 1)."""
    return edit_bytes(path, lambda data: b"".join(data.splitlines(keepends=True)[:count]))


def save_array(path: str, make: Callable[[np.ndarray], np.ndarray]) -> Break:
    """Replace a .npy with `make(old array)`."""

    def edit(root: Path) -> None:
        old = np.load(root / path)
        with open(root / path, "wb") as handle:  # np.save(path) would add a second .npy
            np.save(handle, make(old))

    return edit


def predictions(name: str, change: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]):
    """Rewrite data/predictions/NAME.npz with `change({"val": ..., "test": ...})` (np.savez,
    so that keys can go missing)."""

    def edit(root: Path) -> None:
        path = root / "data" / "predictions" / f"{name}.npz"
        with np.load(path) as data:
            arrays = change({key: data[key].copy() for key in ("val", "test")})
        with open(path, "wb") as handle:
            np.savez(handle, **arrays)

    return edit


def nan_row(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    arrays["test"][4] = np.nan
    return arrays


def val_97(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {**arrays, "val": arrays["val"][:97]}


def answers(text: Callable[[int], str]) -> Break:
    """Write data/raw/answers.csv as text(rows of test.csv)."""

    def edit(root: Path) -> None:
        rows = len((root / "data" / "raw" / "test.csv").read_text().splitlines()) - 1
        (root / "data" / "raw" / "answers.csv").write_text(text(rows))

    return edit


def answer_rows(rows: int, label: int = 3) -> str:
    body = "".join(f"{i},{label if i == 2 else i % 10}\n" for i in range(1, rows + 1))
    return "ImageId,Label\n" + body


TRAIN, TEST = "data/raw/train.csv", "data/raw/test.csv"
SPLIT, SAMPLE, FLAT = "data/split", "data/sample", "data/features/flat"
PREDICTIONS, ANSWERS = "data/predictions", "data/raw/answers.csv"
NOT_ARRAY = "not a NumPy array file (a stale or edited file?"
NOT_PREDICTIONS = "not a predictions file with val and test"
BOM = b"\xef\xbb\xbf"  # as Excel's "CSV UTF-8" starts a file

# (id, stage, how to break its input, what the one line must hold after "STAGE: error: ")
CASES: list[tuple[str, str, Break, str]] = [
    # sample reads data/raw/train.csv: a hand edit gets the full check
    ("pixel-300", "sample", set_cell(TRAIN, 3, 101, "300"),
     f"{TRAIN}: line 3, column pixel100: expected an integer 0..255, got '300'"),
    ("bom-and-pixel-300", "sample",
     lambda r: (set_cell(TRAIN, 3, 101, "300")(r), edit_bytes(TRAIN, BOM.__add__)(r)),
     f"{TRAIN}: line 3, column pixel100: expected an integer 0..255, got '300'"),
    ("negative-pixel", "sample", set_cell(TRAIN, 5, 1, "-1"),
     f"{TRAIN}: line 5, column pixel0: expected an integer 0..255, got '-1'"),
    ("label-42", "sample", set_cell(TRAIN, 2, 0, "42"),
     f"{TRAIN}: line 2, column label: expected an integer 0..9, got '42'"),
    ("nan-cell", "sample", set_cell(TRAIN, 4, 7, "NaN"),
     f"{TRAIN}: line 4, column pixel6: expected an integer 0..255, got 'NaN'"),
    ("empty-cell", "sample", set_cell(TRAIN, 4, 7, ""),
     f"{TRAIN}: line 4, column pixel6: expected an integer 0..255, got an empty cell"),
    ("float-cell", "sample", set_cell(TRAIN, 6, 9, "1.5"),
     f"{TRAIN}: line 6, column pixel8: expected an integer 0..255, got '1.5'"),
    ("text-cell", "sample", set_cell(TRAIN, 6, 9, "x"),
     f"{TRAIN}: line 6, column pixel8: expected an integer 0..255, got 'x'"),
    ("short-row", "sample", edit_bytes(TRAIN, lambda d: d.replace(b",0\n", b"\n", 1)),
     "784 fields, expected 785"),
    ("non-utf8-row", "sample", edit_bytes(TRAIN, lambda d: d[:-40] + b"\xff" + d[-39:]),
     f"{TRAIN}: not UTF-8 text"),
    ("zero-byte-train", "sample", write_bytes(TRAIN, b""),
     f"{TRAIN}: empty file (expected the header label,pixel0,...,pixel783)"),
    ("header-only-train", "sample", keep_lines(TRAIN, 1),
     f"{TRAIN}: no data rows after the header"),
    ("test-file-as-train", "sample", lambda r: shutil.copyfile(r / TEST, r / TRAIN),
     f"{TRAIN}: line 1: missing column label"),
    ("train-folder", "sample", make_folder(TRAIN), f"{TRAIN}: Is a directory [errno 21]"),
    ("train-missing", "sample", remove(TRAIN), f"{TRAIN}: not found (run the fetch stage"),
    # split reads data/sample
    ("sample-pixels-missing", "split", remove(f"{SAMPLE}/pixels.npy"),
     f"{SAMPLE}/pixels.npy: not found"),
    ("sample-labels-garbage", "split", write_bytes(f"{SAMPLE}/labels.npy", b"garbage"),
     f"{SAMPLE}/labels.npy: {NOT_ARRAY}"),
    ("sample-labels-empty", "split", write_bytes(f"{SAMPLE}/labels.npy", b""),
     f"{SAMPLE}/labels.npy: {NOT_ARRAY}"),
    ("sample-rows-mismatch", "split", save_array(f"{SAMPLE}/labels.npy", lambda a: a[:-3]),
     "split: cannot split"),
    # reshape reads data/raw/test.csv and the split's pixels
    ("train-file-as-test", "reshape", lambda r: shutil.copyfile(r / TRAIN, r / TEST),
     f"{TEST}: line 1: test file must not have a label column"),
    ("test-pixel-256", "reshape", set_cell(TEST, 3, 0, "256"),
     f"{TEST}: line 3, column pixel0: expected an integer 0..255, got '256'"),
    ("test-missing", "reshape", remove(TEST), f"{TEST}: not found"),
    ("split-pixels-garbage", "reshape", write_bytes(f"{SPLIT}/x_val.npy", b"\x93NUMPY junk"),
     f"{SPLIT}/x_val.npy: {NOT_ARRAY}"),
    ("split-pixels-narrow", "reshape", save_array(f"{SPLIT}/x_train.npy", lambda a: a[:, :700]),
     f"{SPLIT}/x_train.npy: shape (100, 700), expected (rows, 784)"),
    # train_lr reads the flat features and the split's labels
    ("features-missing", "train_lr", remove(f"{FLAT}/val.npy"), f"{FLAT}/val.npy: not found"),
    ("features-garbage", "train_lr", write_bytes(f"{FLAT}/test.npy", b"PK\x03\x04"),
     f"{FLAT}/test.npy: {NOT_ARRAY}"),
    ("labels-garbage", "train_lr", write_bytes(f"{SPLIT}/y_train.npy", b"not numpy"),
     f"{SPLIT}/y_train.npy: {NOT_ARRAY}"),
    # ensemble reads the models' predictions
    ("ensemble-garbage", "ensemble", write_bytes(f"{PREDICTIONS}/cnn.npz", b"garbage"),
     f"{PREDICTIONS}/cnn.npz: {NOT_PREDICTIONS}"),
    ("ensemble-missing-key", "ensemble", predictions("cnn_aug_s2", lambda a: {"val": a["val"]}),
     f"{PREDICTIONS}/cnn_aug_s2.npz: {NOT_PREDICTIONS}"),
    ("ensemble-nan-row", "ensemble", predictions("cnn_aug", nan_row),
     f"{PREDICTIONS}/cnn_aug.npz: test row 5 is not probabilities summing to 1"),
    ("ensemble-97-val-rows", "ensemble", predictions("cnn", val_97),
     f"{PREDICTIONS}/cnn.npz: 97 val rows, expected 100"),
    ("ensemble-missing-file", "ensemble", remove(f"{PREDICTIONS}/cnn_aug_s3.npz"),
     f"{PREDICTIONS}/cnn_aug_s3.npz: not found"),
    # submit reads every model's predictions, test.csv, the split and the answer key
    ("submit-garbage", "submit", write_bytes(f"{PREDICTIONS}/lr.npz", b"\x00" * 64),
     f"{PREDICTIONS}/lr.npz: {NOT_PREDICTIONS}"),
    ("submit-missing-key", "submit", predictions("mlp", lambda a: {"val": a["val"]}),
     f"{PREDICTIONS}/mlp.npz: {NOT_PREDICTIONS}"),
    ("submit-nan-row", "submit", predictions("cnn", nan_row),
     f"{PREDICTIONS}/cnn.npz: test row 5 is not probabilities summing to 1"),
    ("submit-97-val-rows", "submit", predictions("cnn", val_97),
     f"{PREDICTIONS}/cnn.npz: 97 val rows, expected 100 like the split"),
    ("submit-9-classes", "submit", predictions("ensemble", lambda a: {**a, "val": a["val"][:, :9]}),
     f"{PREDICTIONS}/ensemble.npz: val has shape (100, 9), expected (rows, 10)"),
    ("submit-sum-not-1", "submit", predictions("cnn_aug", lambda a: {**a, "val": a["val"] * 2}),
     f"{PREDICTIONS}/cnn_aug.npz: val row 1 is not probabilities summing to 1"),
    ("submit-predictions-missing", "submit", remove(f"{PREDICTIONS}/lr.npz"),
     f"{PREDICTIONS}/lr.npz: not found"),
    ("submit-test-rows-changed", "submit", keep_lines(TEST, 51),
     "60 rows, expected one per test image (50)"),  # fewer test images than predictions
    ("submit-test-folder", "submit", make_folder(TEST), f"{TEST}: Is a directory [errno 21]"),
    ("submit-y-val-missing", "submit", remove(f"{SPLIT}/y_val.npy"),
     f"{SPLIT}/y_val.npy: not found"),
    ("answers-500-rows", "submit", answers(lambda rows: answer_rows(500)),
     f"{ANSWERS}: 500 rows, expected one per test image"),
    ("answers-label-42", "submit", answers(lambda rows: answer_rows(rows, label=42)),
     f"{ANSWERS}: row 2 (ImageId 2): Label 42, expected 0..9"),
    ("answers-zero-byte", "submit", write_bytes(ANSWERS, b""),
     f"{ANSWERS}: not a CSV with the header ImageId,Label"),
    ("answers-not-integers", "submit", answers(lambda rows: answer_rows(rows) + "x,y\n"),
     f"{ANSWERS}: ImageId and Label must be integers"),
    ("answers-wrong-header", "submit", answers(lambda n: answer_rows(n).replace("Label", "Digit")),
     f"{ANSWERS}: header must be ImageId,Label"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("stage", "break_it", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_input_is_one_line_and_changes_nothing(
    workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stage: str,
    break_it: Break,
    expected: str,
) -> None:
    root = tmp_path / "ws"
    shutil.copytree(workspace, root)
    break_it(root)
    before = snapshot(files(root))
    monkeypatch.chdir(root)
    monkeypatch.setenv("DIGITS_QUIET", "1")
    monkeypatch.delenv("DVC_STAGE", raising=False)
    result = InProcessRunner(root, monkeypatch)(stage, *dvc_yaml_args(stage))
    assert "Traceback" not in result.stderr
    message = stage_error(result, stage)
    assert expected in message, message
    assert snapshot(files(root)) == before
    assert not [p for p in files(root) if p.name.startswith(".") and p.name != ".gitignore"]


@pytest.mark.parametrize("case", ["answers-500-rows", "answers-label-42"])
def test_a_bad_answer_key_stops_submit_before_any_submission_is_written(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    root = tmp_path / "ws"
    shutil.copytree(workspace, root)
    shutil.rmtree(root / "data" / "submission")
    next(c for c in CASES if c[0] == case)[2](root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("DIGITS_QUIET", "1")
    result = InProcessRunner(root, monkeypatch)("submit", *dvc_yaml_args("submit"))
    assert stage_error(result, "submit").startswith(f"{ANSWERS}: ")
    assert not (root / "data" / "submission").exists()


def test_the_matrix_is_large_enough() -> None:
    """Issue 11 asks for at least 40 bad inputs (fetch's own are in test_fetch_errors.py)."""
    assert len(CASES) >= 40 and len({case[0] for case in CASES}) == len(CASES)


def test_the_workspace_is_good(workspace: Path) -> None:
    """Every case starts from outputs all stages accepted: submissions and a leaderboard."""
    assert (workspace / "data" / "submission" / "submission.csv").is_file()
    assert len(np.load(workspace / SPLIT / "y_val.npy")) == 100  # so that 97 rows are stale
    assert (workspace / "metrics" / "leaderboard.json").is_file()
