"""The competition files in a folder: Kaggle's train.csv and test.csv, or its zip unpacked."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from digit_recognizer.console import PipelineError


def extract_competition_zip(archive: Path, folder: Path) -> tuple[Path, Path]:
    """Unpack train.csv and test.csv from the competition zip (members found by file name)."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = {Path(name).name: name for name in bundle.namelist()}
            found = []
            for wanted in ("train.csv", "test.csv"):
                if wanted not in members:
                    raise PipelineError(
                        f"{archive}: no {wanted} inside (expected the digit-recognizer files "
                        "train.csv, test.csv, sample_submission.csv)"
                    )
                with bundle.open(members[wanted]) as src, open(folder / wanted, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                found.append(folder / wanted)
    except zipfile.BadZipFile:
        raise PipelineError(f"{archive}: not a valid zip file") from None
    return found[0], found[1]


def folder_answer_key(folder: Path) -> Path | None:
    """`folder`/answers.csv (ImageId,Label for test.csv's rows) when the user has one."""
    answers = folder / "answers.csv"
    return answers if answers.exists() else None


def folder_files(folder: Path, scratch: Path) -> tuple[Path, Path, Path | None]:
    """train.csv + test.csv from `folder`, or unpacked into `scratch` from the competition zip
    found there; returns (train, test, the zip or None)."""
    train, test = folder / "train.csv", folder / "test.csv"
    if train.exists() or test.exists():
        return train, test, None
    archives = sorted(folder.glob("*.zip"))
    if archives:
        return *extract_competition_zip(archives[0], scratch), archives[0]
    raise PipelineError(
        f"{folder}: no train.csv/test.csv (or digit-recognizer.zip) here; put Kaggle's files "
        "in this folder or choose another fetch.source"
    )
