"""`digits kaggle submit` and `digits kaggle scores`: the submission loop with Kaggle.

    digits kaggle submit [FILE] [--message TEXT]   submit, wait for the score, record it
    digits kaggle scores [--offline]               the recorded submissions with their scores

A submission's description on Kaggle names its model, DVC experiment and git commit. Its
public score is recorded in metrics/kaggle.json beside the validation and answer-key
accuracy of the same model: commit that file and the scores stay with the experiments.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from digit_recognizer.console import PipelineError
from digit_recognizer.kaggle import record
from digit_recognizer.kaggle.client import kaggle_call, require_credentials
from digit_recognizer.kaggle.workspace import LEADERBOARD, SUBMISSION, check_up_to_date, origin
from digit_recognizer.params.reading import read_params
from digit_recognizer.params.sections import FetchParams

UPLOAD_FAILED = "Could not submit to competition"  # the client's message when its upload fails
POLL_SECONDS = 2.0


def add_command(commands: Any) -> None:
    """`kaggle` and its two sub-commands, on the `digits` parser's sub-commands."""
    kaggle = commands.add_parser(
        "kaggle",
        help="submit to Kaggle and record the public scores beside the experiments",
        description=__doc__.splitlines()[0],
    )
    actions = kaggle.add_subparsers(dest="action", required=True, metavar="ACTION")
    submit = actions.add_parser(
        "submit",
        help="submit a submission file, wait for its public score and record it",
        description="Submit FILE (data/submission/submission.csv, the model submit chose, "
        "or data/submission/NAME.csv) with the real kaggle client; record the public score "
        f"in {record.RECORD}.",
    )
    submit.add_argument("file", nargs="?", type=Path, default=SUBMISSION, metavar="FILE")
    submit.add_argument("--message", default="", help="text added to the description")
    submit.add_argument(
        "--wait", type=float, default=120.0, metavar="S", help="seconds to wait for the score"
    )
    submit.add_argument("--leaderboard", type=Path, default=LEADERBOARD, metavar="FILE")
    scores = actions.add_parser(
        "scores",
        help="the recorded submissions with their experiments and scores",
        description=f"Update {record.RECORD} from Kaggle's list of your submissions, then "
        "print it as a table.",
    )
    scores.add_argument("--offline", action="store_true", help="print the record only")
    for action in (submit, scores):
        action.add_argument("--competition", help="default: fetch.competition in params.yaml")
        action.add_argument(
            "--timeout", type=float, default=60.0, metavar="S", help="seconds per Kaggle call"
        )
        action.add_argument("--record", type=Path, default=record.RECORD, metavar="FILE")


def run(args: argparse.Namespace) -> int:
    competition = args.competition or read_params(FetchParams, "fetch").competition
    if args.action == "submit":
        return submit(args, competition)
    return scores(args, competition)


def listed_submissions(competition: str, timeout: float) -> list[Any]:
    return kaggle_call(
        f"submissions of '{competition}'",
        competition,
        lambda api: api.competition_submissions(competition) or [],
        timeout,
    )


def submit(args: argparse.Namespace, competition: str) -> int:
    """Submit, wait up to --wait for Kaggle's score, record it; 1 if Kaggle rejected it."""
    if not args.file.is_file():
        raise PipelineError(f"{args.file}: no such file; run `dvc repro` first")
    what = f"submit of {args.file} to '{competition}'"
    source = origin(args.file, args.leaderboard)
    submissions = record.load(args.record)  # a broken record stops us before submitting
    require_credentials(what)
    check_up_to_date()
    message = source.message() + (f": {args.message}" if args.message else "")
    response = kaggle_call(
        what,
        competition,
        lambda api: api.competition_submit(str(args.file), message, competition, quiet=True),
        args.timeout,
    )
    if response.message == UPLOAD_FAILED or not response.ref:
        raise PipelineError(f"kaggle: {what}: the upload failed ({response.message})")
    print(f"kaggle: submitted {args.file} as {response.ref}: {message}")
    entry = record.Submission(
        ref=int(response.ref),
        competition=competition,
        submitted=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        file=str(args.file),
        experiment=source.experiment,
        commit=source.commit,
        model=source.model,
        validation=source.validation,
        answer_key=source.answer_key,
        status="pending",
    )
    deadline = time.monotonic() + args.wait
    while True:
        (entry,) = record.with_scores([entry], listed_submissions(competition, args.timeout))
        if entry.status != "pending" or time.monotonic() + POLL_SECONDS > deadline:
            break
        time.sleep(POLL_SECONDS)
    if entry.status == "error":
        raise PipelineError(f"kaggle: Kaggle rejected submission {entry.ref}: {entry.error}")
    record.save([*submissions, entry], args.record)
    if entry.public_score is None:
        print("kaggle: not scored yet; `digits kaggle scores` records the score later")
    else:
        print(f"kaggle: public score {entry.public_score:.5f}")
    print(f"kaggle: recorded in {args.record} (commit it to keep it with the experiment)")
    return 0


def scores(args: argparse.Namespace, competition: str) -> int:
    """Refresh the record from Kaggle (unless --offline) and print it."""
    submissions = record.load(args.record)
    if not args.offline and submissions:
        updated = record.with_scores(submissions, listed_submissions(competition, args.timeout))
        if updated != submissions:
            record.save(updated, args.record)
        submissions = updated
    if not submissions:
        print(f"no submissions recorded in {args.record} yet: `digits kaggle submit`")
        return 0
    print("\n".join(record.table(submissions)))
    return 0
