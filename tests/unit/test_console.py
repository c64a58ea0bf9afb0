"""Progress lines print unless DIGITS_QUIET=1 (running under pytest does not silence them),
and a PipelineError becomes one `STAGE: error: MESSAGE` line and exit code 1."""

from __future__ import annotations

import sys

import pytest

from digit_recognizer.console import (
    DVC_STAGE_VARIABLE,
    QUIET_VARIABLE,
    RESTORE_HINT,
    PipelineError,
    log,
    run,
)


def test_log_prints_under_pytest(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(QUIET_VARIABLE, raising=False)
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "tests/unit/test_console.py::x (call)")
    log("fetch: 10 rows")
    assert capsys.readouterr().out == "fetch: 10 rows\n"


@pytest.mark.parametrize(("value", "shown"), [("1", False), ("0", True), ("", True)])
def test_log_is_silenced_only_by_digits_quiet_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str, shown: bool
) -> None:
    monkeypatch.setenv(QUIET_VARIABLE, value)
    log("split: 3 rows")
    assert capsys.readouterr().out == ("split: 3 rows\n" if shown else "")


def test_run_reports_a_pipeline_error_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def main() -> None:
        raise PipelineError("params.yaml: something is wrong")

    monkeypatch.setattr(sys, "argv", ["/somewhere/stages/split.py"])
    with pytest.raises(SystemExit) as exit_:
        run(main)
    assert exit_.value.code == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", "split: error: params.yaml: something is wrong\n")


def test_run_lets_other_errors_through() -> None:
    def main() -> None:
        raise ValueError("a bug, with its traceback")

    with pytest.raises(ValueError, match="a bug"):
        run(main)


@pytest.mark.parametrize(
    ("dvc_stage", "restore_hint", "hinted"),
    [("sample", True, True), (None, True, False), ("fetch", False, False)],
    ids=["under-dvc", "by-hand", "outputs-kept"],
)
def test_under_dvc_the_line_says_how_to_restore(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    dvc_stage: str | None,
    restore_hint: bool,
    hinted: bool,
) -> None:
    """DVC removed the stage's outputs before running it: the line ends with how to get them
    back (tests/e2e/test_failure_recovery.py checks that DVC does restore them)."""

    def main() -> None:
        raise PipelineError("data/raw/train.csv: line 3, column pixel1: expected ...")

    if dvc_stage is None:
        monkeypatch.delenv(DVC_STAGE_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(DVC_STAGE_VARIABLE, dvc_stage)
    monkeypatch.setattr(sys, "argv", ["stages/sample.py"])
    with pytest.raises(SystemExit):
        run(main, restore_hint=restore_hint)
    err = capsys.readouterr().err
    assert err.startswith("sample: error: data/raw/train.csv: line 3, column pixel1: expected")
    assert err.endswith(f" {RESTORE_HINT}\n" if hinted else "expected ...\n")
    assert err.count("\n") == 1
