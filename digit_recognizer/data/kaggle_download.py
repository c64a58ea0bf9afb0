"""The competition files: downloaded with the kaggle package, or unpacked from its zip."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import zipfile
from pathlib import Path

from digit_recognizer.console import PipelineError

CREDENTIAL_FILES = ("credentials.json", "access_token", "kaggle.json")  # in ~/.kaggle


def kaggle_credentials_present() -> bool:
    """True if any credential the kaggle package reads is set up: `kaggle auth login`'s
    credentials.json, a token (variable or file), or the older kaggle.json / variables."""
    config = Path(os.environ.get("KAGGLE_CONFIG_DIR", Path.home() / ".kaggle"))
    return bool(
        os.environ.get("KAGGLE_API_TOKEN")
        or (os.environ.get("KAGGLE_USERNAME") and os.environ.get("KAGGLE_KEY"))
        or any((config / name).is_file() for name in CREDENTIAL_FILES)
    )


def download_competition(competition: str, folder: Path) -> Path:
    """Download the competition zip into `folder` with the kaggle package; return its path."""
    if not kaggle_credentials_present():
        raise PipelineError(
            "source 'kaggle' needs Kaggle credentials: run `kaggle auth login`, or set "
            "KAGGLE_API_TOKEN or save your token to ~/.kaggle/access_token (or kaggle.json); "
            "or download the files by hand and use source 'folder'"
        )
    chatter = io.StringIO()  # `import kaggle` authenticates and prints on failure
    try:
        with contextlib.redirect_stdout(chatter):
            from kaggle.api.kaggle_api_extended import KaggleApi

            api = KaggleApi()
            api.authenticate()
            api.competition_download_files(competition, path=str(folder), quiet=True)
    except (Exception, SystemExit) as err:
        reason = (str(err) or type(err).__name__).strip().splitlines()[0]
        raise PipelineError(
            f"kaggle: could not download competition '{competition}' ({reason}); check the "
            "network, your credentials, and that you accepted the competition rules"
        ) from None
    zips = sorted(folder.glob("*.zip"))
    if not zips:
        raise PipelineError(f"kaggle: download of '{competition}' produced no zip file")
    return zips[0]


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
