"""What a submission comes from: the git commit, the DVC experiment, the model and its scores."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from digit_recognizer.console import PipelineError
from digit_recognizer.models.registry import NAMES

SUBMISSION = Path("data/submission/submission.csv")  # submit's file of the chosen model
LEADERBOARD = Path("metrics/leaderboard.json")


@dataclass(frozen=True)
class Origin:
    """Where a submission file comes from."""

    commit: str  # the git commit the workspace is on (short hash)
    experiment: str  # the DVC experiment whose results these are, or the branch, or "workspace"
    model: str
    validation: float | None  # the model's accuracy on the validation split
    answer_key: float | None  # and on the answer key, where the source has one

    def message(self) -> str:
        """The submission's description on Kaggle."""
        return f"{self.model} (experiment {self.experiment}, commit {self.commit})"


def git(*args: str) -> str:
    """A git command's output in the current folder; PipelineError if it fails."""
    done = subprocess.run(["git", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise PipelineError(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout.strip()


def experiment_name(head: str) -> str:
    """The DVC experiment of HEAD whose dvc.lock is the workspace's, else the branch when the
    workspace's dvc.lock is committed, else "workspace" (results not saved anywhere)."""
    lock = git("hash-object", "dvc.lock")
    refs = git("for-each-ref", "--format=%(refname)", f"refs/exps/{head[:2]}/{head[2:]}/")
    for ref in refs.splitlines():
        if git("rev-parse", f"{ref}:dvc.lock") == lock:
            return ref.rsplit("/", 1)[-1]
    committed = subprocess.run(
        ["git", "rev-parse", "HEAD:dvc.lock"], capture_output=True, text=True
    ).stdout.strip()
    if committed == lock:
        branch = git("rev-parse", "--abbrev-ref", "HEAD")
        return branch if branch != "HEAD" else head[:7]
    return "workspace"


def check_up_to_date() -> None:
    """Refuse a submission whose pipeline has changed since it was made (`dvc status`)."""
    done = subprocess.run(
        [sys.executable, "-m", "dvc", "status", "--json", "submit"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise PipelineError(f"dvc status: {done.stderr.strip().splitlines()[-1:]}")
    if json.loads(done.stdout or "{}"):
        raise PipelineError(
            "the submission is out of date (`dvc status submit` lists changes): run "
            "`dvc repro` first, so that its scores are the submitted file's"
        )


def origin(file: Path, leaderboard: Path) -> Origin:
    """The commit, experiment and model of `file`, with the model's scores from `leaderboard`."""
    try:
        board = json.loads(leaderboard.read_text())
    except FileNotFoundError:
        raise PipelineError(f"{leaderboard}: not found; run `dvc repro` first") from None
    except ValueError:
        raise PipelineError(f"{leaderboard}: not valid JSON; run `dvc repro`") from None
    model = board.get("chosen") if file.name == SUBMISSION.name else file.stem
    if model not in NAMES:
        raise PipelineError(
            f"{file}: not a file of submit (submission.csv, or one of "
            f"{', '.join(f'{name}.csv' for name in NAMES)} in data/submission)"
        )
    head = git("rev-parse", "HEAD")
    return Origin(
        commit=head[:7],
        experiment=experiment_name(head),
        model=model,
        validation=board.get("val", {}).get(model),
        answer_key=board.get("test", {}).get(model),
    )
