"""No traceback for inputs a user can cause, no silent garbage, nothing left behind on SIGTERM.

Each case: one line naming the file or key and what was expected, a non-zero exit, and no
earlier output replaced.
"""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from dvc_project import write_params
from fetch_runs import fetch
from kaggle_files import write_kaggle_csvs
from stage_runs import PROJECT, InProcessRunner, dvc_yaml_args, stage_error, tiny_params

from digit_recognizer.console import PipelineError
from digit_recognizer.data.kaggle_csv import count_data_rows, read_digits_csv
from digit_recognizer.data.predictions import load_predictions, save_predictions
from digit_recognizer.files import save_json


@pytest.fixture
def folder_call(call_stage: InProcessRunner) -> InProcessRunner:
    write_params(call_stage.cwd, tiny_params({"fetch.source": "folder"}))
    write_kaggle_csvs(call_stage.cwd / "ext", n_train=40, n_test=12)
    return call_stage


# --------------------------------------------------------------------------- CSV files


def test_byte_order_mark_and_trailing_blank_lines_are_accepted(tmp_path: Path) -> None:
    """Excel's "CSV UTF-8" starts with a BOM; editors leave blank lines at the end. Every
    reader counts the same rows as pandas and Kaggle do."""
    train, test = write_kaggle_csvs(tmp_path, n_train=30, n_test=12)
    train.write_bytes(b"\xef\xbb\xbf" + train.read_bytes())
    test.write_bytes(test.read_bytes() + b"\n\n")
    labels, _ = read_digits_csv(train, labelled=True)
    _, pixels = read_digits_csv(test, labelled=False)
    assert len(labels) == 30 and len(pixels) == 12
    assert count_data_rows(test) == 12


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (lambda p: p.write_text(p.read_text().replace(",0,", ",NaN,", 1)), "got 'NaN'"),
        (lambda p: p.write_bytes(p.read_bytes()[:-30] + b"\xff" + p.read_bytes()[-29:]), "UTF-8"),
        (lambda p: (p.unlink(), p.mkdir()), "ext/train.csv: a folder, expected a CSV file"),
    ],
    ids=["nan-literal", "non-utf8-byte-in-a-row", "folder"],
)
def test_bad_train_csv_is_one_line(folder_call: InProcessRunner, break_it, expected) -> None:
    break_it(folder_call.cwd / "ext" / "train.csv")
    message = stage_error(fetch(folder_call), "fetch")
    assert expected in message, message
    assert not (folder_call.cwd / "raw").exists()


# --------------------------------------------------------------------------- params


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("train_cnn.learning_rate", math.nan),
        ("train_cnn.learning_rate", math.inf),
        ("train_mlp.learning_rate", -math.inf),
        ("train_lr.C", math.nan),
        ("train_cnn.seed", 2**32),
        ("sample.seed", 2**40),
        ("split.seed", -1),
    ],
)
def test_non_finite_or_out_of_range_params(call_stage: InProcessRunner, key: str, value) -> None:
    stage = key.split(".")[0]
    write_params(call_stage.cwd, tiny_params({key: value}))
    message = stage_error(call_stage(stage, *dvc_yaml_args(stage)), stage)
    assert message.startswith(f"params.yaml: {key} must be "), message


# --------------------------------------------------------------------------- outputs


def test_metrics_are_strict_json(tmp_path: Path) -> None:
    path = tmp_path / "metrics.json"
    path.write_text('{"val_loss": 0.3}\n')
    with pytest.raises(PipelineError, match="not a finite number"):
        save_json(path, {"val_loss": math.nan})
    assert json.loads(path.read_text()) == {"val_loss": 0.3}  # the earlier file is kept


def good_proba(rows: int) -> np.ndarray:
    return np.full((rows, 10), 0.1, dtype=np.float32)


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        (lambda p: p.write_bytes(b"not a zip at all"), "not a predictions file with val and test"),
        (lambda p: np.savez(p, val=good_proba(3)), "not a predictions file with val and test"),
        (lambda p: np.savez(p, val=good_proba(3), test=good_proba(2)[:, :9]), "shape (2, 9)"),
        (
            lambda p: save_predictions(p, good_proba(3), np.where(np.eye(4, 10), np.nan, 0.1)),
            "test row 1 is not probabilities summing to 1",
        ),
        (
            lambda p: save_predictions(p, good_proba(3) * 2, good_proba(2)),
            "val row 1 is not probabilities summing to 1",
        ),
    ],
    ids=["garbage", "missing-key", "wrong-shape", "nan-row", "not-summing-to-1"],
)
def test_prediction_files_are_checked_before_use(tmp_path: Path, write, expected) -> None:
    path = tmp_path / "cnn.npz"
    write(path)
    with pytest.raises(PipelineError) as caught:
        load_predictions(path)
    assert str(caught.value).startswith(f"{path}: ") and expected in str(caught.value)


# --------------------------------------------------------------------------- environment


def run_python(code: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
    )


def test_os_errors_are_one_line_and_verbose_shows_the_traceback(tmp_path: Path) -> None:
    code = (
        "import sys; sys.argv = ['stages/example.py']\n"
        "from digit_recognizer.console import run\n"
        f"run(lambda: open({str(tmp_path)!r} + '/missing/file.csv'))\n"
    )
    quiet = run_python(code)
    out, err = quiet.communicate(timeout=60)
    assert quiet.returncode == 1
    assert (
        err == f"example: error: {tmp_path}/missing/file.csv: No such file or directory [errno 2]\n"
    )
    verbose = run_python(code, DIGITS_VERBOSE="1")
    _, err = verbose.communicate(timeout=60)
    assert verbose.returncode == 1 and "Traceback" in err


def test_sigterm_during_an_atomic_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    """DVC (or a user's kill) stops a stage with SIGTERM: the stage unwinds as on Ctrl-C, its
    temporary files are removed and the earlier output stays."""
    out = tmp_path / "models" / "model.keras"
    out.parent.mkdir()
    out.write_text("the earlier model")
    code = (
        "import sys, time; from pathlib import Path; sys.argv = ['stages/example.py']\n"
        "from digit_recognizer.console import run\n"
        "from digit_recognizer.files import atomic_paths\n"
        "def main():\n"
        f"    with atomic_paths(Path({str(out)!r})) as (tmp,):\n"
        "        tmp.write_text('half'); print('writing', flush=True); time.sleep(60)\n"
        "run(main)\n"
    )
    process = run_python(code)
    assert process.stdout.readline() == "writing\n"
    time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert sorted(p.name for p in out.parent.iterdir()) == ["model.keras"]
    assert out.read_text() == "the earlier model"


@pytest.mark.parametrize("folder", [False, True], ids=["file", "folder"])
def test_sigterm_just_after_a_temporary_is_made_removes_it(tmp_path: Path, folder: bool) -> None:
    """The stop lands in the call that made the temporary, before the call returns (as a
    user's kill can, on a busy machine, the moment the temporary appears): it is removed."""
    out = tmp_path / "data" / "raw"
    out.parent.mkdir()
    code = (
        "import os, signal, sys; from pathlib import Path; sys.argv = ['stages/example.py']\n"
        "from digit_recognizer.console import run\n"
        "from digit_recognizer.files import temporary_beside\n"
        f"made = os.mkdir if {folder} else os.open\n"
        "def stopped_once_made(*args, **kwargs):\n"
        "    result = made(*args, **kwargs); os.kill(os.getpid(), signal.SIGTERM)\n"
        "    return result\n"
        "setattr(os, made.__name__, stopped_once_made)\n"
        "def main():\n"
        f"    with temporary_beside(Path({str(out)!r}), folder={folder}):\n"
        "        print('not stopped')\n"
        "run(main)\n"
    )
    process = run_python(code)
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM and stdout == ""
    assert list(out.parent.iterdir()) == []


def test_what_a_killed_run_left_is_removed_by_the_next(tmp_path: Path) -> None:
    """SIGKILL cannot be caught: the next write of the same output removes the leftovers."""
    out = tmp_path / "models" / "model.keras"
    code = (
        "import sys, time; from pathlib import Path\n"
        "from digit_recognizer.files import atomic_paths\n"
        f"with atomic_paths(Path({str(out)!r})) as (tmp,):\n"
        "    tmp.write_text('half'); (tmp.parent / '.model.abc').mkdir()\n"
        "    print('writing', flush=True); time.sleep(60)\n"
    )
    process = run_python(code)
    assert process.stdout.readline() == "writing\n"
    process.kill()
    process.communicate(timeout=60)
    assert len(list(out.parent.iterdir())) == 2  # a temporary file and a folder left behind
    from digit_recognizer.files import atomic_paths

    with atomic_paths(out) as (tmp,):
        tmp.write_text("whole")
    assert [p.name for p in out.parent.iterdir()] == ["model.keras"]
    assert out.read_text() == "whole"


def test_fetch_keeps_its_scratch_beside_the_output(folder_call: InProcessRunner) -> None:
    """A killed fetch's scratch folder (data/.raw.*) is removed by the next fetch."""
    leftover = folder_call.cwd / ".raw.killed"
    leftover.mkdir()
    (leftover / "train.csv").write_text("half")
    result = fetch(folder_call)
    assert result.returncode == 0, result.stderr
    assert not leftover.exists()
