"""Start N local workers for `distribute: multi_worker` and wait for them.

    python -m digit_recognizer.training.workers N --stage train_cnn  # its dvc.yaml command
    python -m digit_recognizer.training.workers N -- COMMAND [ARGS...]  # any command

Each worker runs the same command in this directory with its own TF_CONFIG: a cluster of N
workers on free 127.0.0.1 ports, and its task (worker 0 is the chief). When one worker
fails, the others are stopped (they would wait for it forever); the exit code is the first
failure's, or 0. DIGITS_WORKER_MODELS=DIR makes each worker but the chief save its model in
DIR too (distribute.py), to compare weights with the chief's.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import yaml

POLL_SECONDS = 0.2


def free_ports(count: int) -> list[int]:
    """`count` distinct TCP ports free on 127.0.0.1 now (held open together while chosen)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def tf_configs(ports: list[int]) -> list[dict[str, Any]]:
    """TF_CONFIG of each worker of a cluster with one worker per port on 127.0.0.1."""
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    return [{"cluster": cluster, "task": {"type": "worker", "index": i}} for i in range(len(ports))]


def run_workers(count: int, command: list[str]) -> int:
    """Run `command` as `count` local workers; return 0, or the first failure's exit code."""
    processes = [
        subprocess.Popen(command, env={**os.environ, "TF_CONFIG": json.dumps(config)})
        for config in tf_configs(free_ports(count))
    ]
    try:
        while True:
            codes = [process.poll() for process in processes]
            failed = [code for code in codes if code not in (None, 0)]
            if failed or all(code == 0 for code in codes):
                return failed[0] if failed else 0
            time.sleep(POLL_SECONDS)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            process.wait()


def stage_command(stage: str, dvc_yaml: Path = Path("dvc.yaml")) -> list[str]:
    """The command dvc.yaml runs for `stage`, as a list of words."""
    stages = yaml.safe_load(dvc_yaml.read_text()).get("stages", {})
    if stage not in stages or "cmd" not in stages[stage]:
        sys.exit(f"workers: error: {dvc_yaml}: no stage {stage!r} with a cmd")
    return shlex.split(stages[stage]["cmd"])


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m digit_recognizer.training.workers",
        usage="%(prog)s N (--stage NAME | -- COMMAND [ARGS...])",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("count", type=int, metavar="N", help="number of local workers")
    parser.add_argument("--stage", help="run this dvc.yaml stage's command")
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args, command = parser.parse_args(argv[:split]), argv[split + 1 :]
    if args.count < 1 or bool(args.stage) == bool(command):
        parser.error("give N >= 1 and either --stage NAME or -- COMMAND")
    sys.exit(run_workers(args.count, stage_command(args.stage) if args.stage else command))


if __name__ == "__main__":
    main()
