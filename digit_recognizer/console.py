"""What a stage prints: progress lines, and one line for an error the user can fix."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType

QUIET_VARIABLE = "DIGITS_QUIET"  # set to 1 to silence progress lines (errors still print)
VERBOSE_VARIABLE = "DIGITS_VERBOSE"  # set to 1 for the full traceback of an error
DVC_STAGE_VARIABLE = "DVC_STAGE"  # DVC sets it for the command of the stage it runs
RESTORE_HINT = (
    "(put back what changed and `dvc repro` restores this stage's outputs from DVC's run-cache)"
)


class PipelineError(Exception):
    """A problem the user can fix (bad params or bad input); reported as one line."""


def run(main: Callable[[], None], restore_hint: bool = True) -> None:
    """Run a stage's `main()`; a problem the user can fix ends it with one line on stderr,
    `STAGE: error: ...`, and exit code 1 (the traceback too with DIGITS_VERBOSE=1).

    Under `dvc repro`, DVC removed the stage's outputs before running it; the line then ends
    with RESTORE_HINT, unless `restore_hint` is False (a stage whose outputs DVC keeps).

    Such problems are PipelineError and the operating system's errors (a missing file, a
    folder where a file was expected, no space left, a read-only disk...). SIGTERM stops the
    stage as Ctrl-C does, so that its temporary files are removed on the way out.
    """
    signal.signal(signal.SIGTERM, _stop)
    try:
        main()
    except (PipelineError, OSError) as err:
        if os.environ.get(VERBOSE_VARIABLE) == "1":
            raise
        hint = restore_hint and bool(os.environ.get(DVC_STAGE_VARIABLE))
        message = f"{_one_line(err)} {RESTORE_HINT}" if hint else _one_line(err)
        print(f"{Path(sys.argv[0]).stem}: error: {message}", file=sys.stderr)
        sys.exit(1)


def _one_line(err: Exception) -> str:
    """The message of an error, on one line; an OSError names its file."""
    if isinstance(err, OSError) and err.strerror:
        where = f"{err.filename}: " if err.filename else ""
        return f"{where}{err.strerror}" + (f" [errno {err.errno}]" if err.errno else "")
    return " ".join(str(err).split())


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def log(message: str) -> None:
    """Print a progress line, unless DIGITS_QUIET=1."""
    if os.environ.get(QUIET_VARIABLE) != "1":
        print(message, flush=True)
