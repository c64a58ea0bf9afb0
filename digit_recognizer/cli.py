"""`digits`: the trained models on your own files, their export, and the submission loop with
Kaggle.

digits predict seven.png scans/ test.csv       (digit_recognizer/predict/cli.py)
digits export --model cnn --format onnx OUT    (digit_recognizer/export/cli.py)
digits kaggle submit | scores                  (digit_recognizer/kaggle/cli.py)
digits demo                                    (digit_recognizer/demo/cli.py)
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from digit_recognizer.console import PipelineError
from digit_recognizer.demo import cli as demo_cli
from digit_recognizer.export import cli as export_cli
from digit_recognizer.kaggle import cli as kaggle_cli
from digit_recognizer.predict import cli as predict_cli

PROGRAM = "digits"


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (`digits predict: error: ...`, exit code 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog=PROGRAM, description="Digit Recognizer models on your own files.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    predict_cli.add_command(commands)
    kaggle_cli.add_command(commands)
    export_cli.add_command(commands)
    demo_cli.add_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """The `digits` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        commands = {
            "predict": predict_cli.predict,
            "export": export_cli.run,
            "kaggle": kaggle_cli.run,
            "demo": demo_cli.run,
        }
        return commands[args.command](args)
    except PipelineError as err:
        print(f"{PROGRAM}: error: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `digits predict DIR | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
