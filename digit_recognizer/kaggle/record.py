"""The submissions made with `digits kaggle submit`, kept in git (metrics/kaggle.json): each
one's experiment, commit, model and scores, with the public score Kaggle gave it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from digit_recognizer.console import PipelineError
from digit_recognizer.files import save_json

RECORD = Path("metrics/kaggle.json")
COLUMNS = ("submitted", "experiment", "commit", "model", "validation", "answer key", "public")


@dataclass(frozen=True)
class Submission:
    """One submission to Kaggle and where it came from."""

    ref: int  # Kaggle's id of the submission
    competition: str
    submitted: str  # UTC, as Kaggle dates it: 2026-12-02T20:31:05
    file: str
    experiment: str
    commit: str
    model: str
    validation: float | None
    answer_key: float | None
    status: str  # pending, complete or error, as Kaggle reports it
    public_score: float | None = None
    error: str | None = None


def load(path: Path = RECORD) -> list[Submission]:
    """The recorded submissions, oldest first (none if the file does not exist yet)."""
    if not path.exists():
        return []
    try:
        return [Submission(**entry) for entry in json.loads(path.read_text())["submissions"]]
    except (ValueError, KeyError, TypeError) as err:
        raise PipelineError(f"{path}: not a record of submissions ({err})") from None


def save(submissions: list[Submission], path: Path = RECORD) -> None:
    save_json(path, {"submissions": [asdict(entry) for entry in submissions]})


def with_scores(submissions: list[Submission], listed: list[Any]) -> list[Submission]:
    """The record updated from Kaggle's list of submissions (kaggle's ApiSubmission objects)."""
    by_ref = {int(item.ref): item for item in listed if item is not None}
    updated = []
    for entry in submissions:
        item = by_ref.get(entry.ref)
        if item is not None:
            score = item.public_score
            entry = replace(
                entry,
                status=item.status.name.lower(),
                public_score=float(score) if score not in (None, "") else None,
                error=item.error_description or None,
            )
        updated.append(entry)
    return updated


def table(submissions: list[Submission]) -> list[str]:
    """The record as aligned text lines, a header first."""

    def shown(value: float | None) -> str:
        return "-" if value is None else f"{value:.4f}"

    rows = [COLUMNS + ("status",)]
    for entry in submissions:
        public = shown(entry.public_score)
        rows.append(
            (
                entry.submitted.replace("T", " ")[:16],
                entry.experiment,
                entry.commit,
                entry.model,
                shown(entry.validation),
                shown(entry.answer_key),
                public,
                entry.status if entry.error is None else f"{entry.status}: {entry.error}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip()
        + "  "
        + row[-1]
        for row in rows
    ]
