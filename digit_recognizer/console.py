"""What a stage prints: progress lines, and one line for an error the user can fix."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

QUIET_VARIABLE = "DIGITS_QUIET"  # set to 1 to silence progress lines (errors still print)


class PipelineError(Exception):
    """A problem the user can fix (bad params or bad input); reported as one line."""


def run(main: Callable[[], None]) -> None:
    """Run a stage's `main()`; a PipelineError becomes `STAGE: error: ...` and exit code 1."""
    try:
        main()
    except PipelineError as err:
        stage = Path(sys.argv[0]).stem
        print(f"{stage}: error: {err}", file=sys.stderr)
        sys.exit(1)


def log(message: str) -> None:
    """Print a progress line, unless DIGITS_QUIET=1."""
    if os.environ.get(QUIET_VARIABLE) != "1":
        print(message, flush=True)
