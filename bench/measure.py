"""Run a command; measure its wall seconds and peak resident memory (the bench's stage wrapper).

As a module, `run_measured` runs any command. As a script it stands in for `python`: the bench
puts a `python` shim first on PATH that runs `measure.py ARGS`, so each stage command DVC runs
(`python -m stages.NAME ...`) is run with this interpreter, and a JSON line
`{"argv": ARGS, "seconds": ..., "peak_rss_kb": ..., "returncode": ...}` is appended to the file
named by $BENCH_MEASURE_LOG. The exit code is the command's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

LOG_VARIABLE = "BENCH_MEASURE_LOG"


def run_measured(argv: list[str], **popen: Any) -> tuple[int, float, int]:
    """Run `argv` to completion; return (exit code, wall seconds, peak RSS in KiB).

    The peak is the child's ru_maxrss from wait4 (Linux: KiB; the largest of the child and
    the descendants it waited for). Keyword arguments go to subprocess.Popen.
    """
    start = time.perf_counter()
    process = subprocess.Popen(argv, **popen)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return process.returncode, seconds, usage.ru_maxrss


def main() -> None:
    """Run `python ARGS`, log its measurement, exit with its code (a signal as 128 + number)."""
    argv = sys.argv[1:]
    code, seconds, peak_kb = run_measured([sys.executable, *argv])
    record = {"argv": argv, "seconds": round(seconds, 3), "peak_rss_kb": peak_kb}
    with open(os.environ[LOG_VARIABLE], "a") as log:
        log.write(json.dumps({**record, "returncode": code}) + "\n")
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
