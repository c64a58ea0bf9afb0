"""Calls to the Kaggle API through the official `kaggle` package, each one with a deadline, and
every failure as one line that says what to do."""

from __future__ import annotations

import contextlib
import io
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from digit_recognizer.console import PipelineError

if TYPE_CHECKING:
    from kaggle.api.kaggle_api_extended import KaggleApi

API_HOST = "api.kaggle.com"  # the kaggle client always talks to it (through HTTPS_PROXY if set)
CREDENTIAL_FILES = ("credentials.json", "access_token", "kaggle.json")  # in ~/.kaggle
NO_CREDENTIALS = (
    "no Kaggle credentials: run `kaggle auth login`, or set KAGGLE_API_TOKEN or save your "
    "token to ~/.kaggle/access_token (or kaggle.json)"
)
T = TypeVar("T")


def credentials_present() -> bool:
    """True if any credential the kaggle package reads is set up: `kaggle auth login`'s
    credentials.json, a token (variable or file), or the older kaggle.json / variables."""
    config = Path(os.environ.get("KAGGLE_CONFIG_DIR", Path.home() / ".kaggle"))
    return bool(
        os.environ.get("KAGGLE_API_TOKEN")
        or (os.environ.get("KAGGLE_USERNAME") and os.environ.get("KAGGLE_KEY"))
        or any((config / name).is_file() for name in CREDENTIAL_FILES)
    )


def require_credentials(what: str) -> None:
    """Stop with one line when no credential is set up, before anything else is done."""
    if not credentials_present():
        raise PipelineError(f"kaggle: {what}: {NO_CREDENTIALS}")


def kaggle_call(what: str, competition: str, action: Callable[[KaggleApi], T], timeout: float) -> T:
    """Authenticate and run `action(api)`, waiting at most `timeout` seconds in all.

    The client sets no timeout of its own, so it runs in a daemon thread that is abandoned
    when the deadline passes. What it prints (`import kaggle` prints a long help text when it
    cannot authenticate) is kept off stdout. Any failure becomes a PipelineError,
    `kaggle: WHAT: REASON`.
    """
    require_credentials(what)
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            from kaggle.api.kaggle_api_extended import KaggleApi

            api = KaggleApi()
            api.authenticate()
            outcome["value"] = action(api)
        except BaseException as err:  # SystemExit too: the client exits when it cannot log in
            outcome["error"] = err

    worker = threading.Thread(target=work, name="kaggle", daemon=True)
    with contextlib.redirect_stdout(io.StringIO()):
        worker.start()
        worker.join(timeout)
    if worker.is_alive():
        raise PipelineError(
            f"kaggle: {what}: no answer from {API_HOST} in {timeout:g} s; try again later"
        )
    if "error" in outcome:
        raise PipelineError(f"kaggle: {what}: {reason(outcome['error'], competition)}") from None
    return outcome["value"]


def reason(err: BaseException, competition: str) -> str:
    """Why a call failed, in words a competitor can act on."""
    import requests

    response = getattr(err, "response", None)
    status = getattr(response, "status_code", None)
    said = " ".join(str(err).split())
    if isinstance(err, SystemExit):
        return f"Kaggle did not accept the credentials; {NO_CREDENTIALS}"
    if status == 401:
        return (
            "Kaggle refused the credentials (HTTP 401: a wrong or expired token); "
            "run `kaggle auth login` or set a new KAGGLE_API_TOKEN"
        )
    if status == 403:
        return (
            f"Kaggle refused access to '{competition}' (HTTP 403): accept the competition's "
            f"rules at https://www.kaggle.com/competitions/{competition}/rules with this account"
        )
    if status == 404:
        return f"no competition '{competition}' on Kaggle (HTTP 404); check its name"
    if status == 400:
        return f"Kaggle refused it (HTTP 400): {said}"
    if status is not None:
        return f"Kaggle answered HTTP {status}: {said}"
    if isinstance(err, requests.exceptions.ConnectionError):
        return f"could not connect to {API_HOST}; check the network (and HTTPS_PROXY, if set)"
    if isinstance(err, requests.exceptions.Timeout):
        return f"no answer from {API_HOST}; try again later"
    return said or type(err).__name__


def download_competition(competition: str, folder: Path, timeout: float) -> Path:
    """Download the competition's zip into `folder`; return its path."""
    kaggle_call(
        f"download of '{competition}'",
        competition,
        lambda api: api.competition_download_files(competition, path=str(folder), quiet=True),
        timeout,
    )
    zips = sorted(folder.glob("*.zip"))
    if not zips:
        raise PipelineError(f"kaggle: the download of '{competition}' gave no zip file")
    return zips[0]
