"""`digits demo`: a local page to draw or upload a digit and see what a trained model reads.

    digits demo [--model NAME|PATH] [--host 127.0.0.1] [--port 7860] [--save-inputs DIR]

The model loads before the server starts, so a missing one stops the command with one line
naming the stage to run. Gradio (the `demo` extra) is imported only here, when the page starts.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from typing import Any

from digit_recognizer.console import PipelineError
from digit_recognizer.models.registry import NAMES
from digit_recognizer.predict.loading import chosen_model, load_model

NEEDS_EXTRA = "digits demo needs the demo extra: pip install -e '.[demo]'"
DEFAULT_HOST = "127.0.0.1"  # this machine only; --host 0.0.0.0 serves the network
DEFAULT_PORT = 7860


def add_command(commands: Any) -> None:
    """`demo` and its options, on the `digits` parser's sub-commands."""
    demo = commands.add_parser(
        "demo",
        help="open a local page to draw or upload a digit and see the model's top 3",
        description="Serve a page (offline, on this machine by default) where you draw a digit "
        "or upload a picture and see a trained model's three likeliest digits.",
    )
    demo.add_argument(
        "--model",
        help=f"{', '.join(NAMES)} or a .keras/.joblib file shown first "
        "(default: the model submit chose, from --leaderboard)",
    )
    demo.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind ({DEFAULT_HOST})")
    demo.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT})")
    demo.add_argument(
        "--save-inputs", type=Path, metavar="DIR", help="write each picture received as a PNG"
    )
    demo.add_argument("--models-dir", type=Path, default=Path("models"), metavar="DIR")
    demo.add_argument(
        "--leaderboard", type=Path, default=Path("metrics/leaderboard.json"), metavar="FILE"
    )


def run(args: argparse.Namespace) -> int:
    """Load the first model, then serve the page until interrupted."""
    if importlib.util.find_spec("gradio") is None:
        raise PipelineError(NEEDS_EXTRA)
    name = args.model if args.model is not None else chosen_model(args.leaderboard)
    first = load_model(name, args.models_dir)
    if args.save_inputs is not None:
        try:
            args.save_inputs.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise PipelineError(f"{args.save_inputs}: cannot create ({err.strerror})") from None
    from digit_recognizer.demo.app import serve

    serve(first, args.models_dir, args.host, args.port, args.save_inputs)
    return 0
