"""A stand-in for the Kaggle API on 127.0.0.1, for the real, unpatched `kaggle` client.

The client always calls https://api.kaggle.com. It gets here through `HTTPS_PROXY`: a proxy
that answers `CONNECT`, ends TLS with a certificate of a test CA (trustme; the client trusts
it through `REQUESTS_CA_BUNDLE`) and serves the calls this project makes: the token check,
the competition's files, a submission's upload and creation, the submissions list. A
submission is scored on the answer key the test gives it, as Kaggle scores the public part.
Switches make it fail the ways Kaggle can: rules not accepted (403), a rejected submission,
no answer at all.
"""

from __future__ import annotations

import io
import json
import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import trustme

API_HOST = "api.kaggle.com"
TOKEN = "KGAT_standin_token"
USER = "standin-user"
SERVICE = "/v1/competitions.CompetitionApiService/"


@dataclass
class Competition:
    """A competition the stand-in knows: its zip, the test labels it scores with."""

    zip_bytes: bytes
    answers: np.ndarray
    rules_accepted: bool = True


@dataclass
class StandIn:
    """What the stand-in holds and how it misbehaves; `env()` points a client at it."""

    folder: Path
    competitions: dict[str, Competition] = field(default_factory=dict)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    reject: str | None = None  # set: CreateSubmission answers 400 with this message
    scoring: bool = True  # False: new submissions stay pending (`score_pending` scores them)
    calls: list[str] = field(default_factory=list)  # "METHOD path" of every request seen
    stall: threading.Event = field(default_factory=threading.Event)  # set: never answer
    closing: threading.Event = field(default_factory=threading.Event)
    uploads: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ca = trustme.CA()
        self.ca_file = self.folder / "kaggle-test-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(API_HOST).configure_cert(self.tls)
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), ProxyHandler)
        self.server.daemon_threads = True
        self.server.standin = self  # type: ignore[attr-defined]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def env(self, token: str | None = TOKEN, proxy: str | None = None) -> dict[str, str]:
        """Variables that send the kaggle client here, logged in with `token`."""
        url = proxy or self.proxy
        env = {"HTTPS_PROXY": url, "https_proxy": url, "NO_PROXY": "", "no_proxy": ""}
        env["REQUESTS_CA_BUNDLE"] = str(self.ca_file)
        if token is not None:
            env["KAGGLE_API_TOKEN"] = token
        return env

    def add_competition(
        self, name: str, train: Path, test: Path, answers: np.ndarray, rules_accepted: bool = True
    ) -> None:
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as bundle:
            bundle.write(train, "train.csv")
            bundle.write(test, "test.csv")
            bundle.writestr("sample_submission.csv", "ImageId,Label\n")
        self.competitions[name] = Competition(buffer.getvalue(), answers, rules_accepted)

    def score_pending(self, competition: str) -> None:
        """Score the submissions left pending, as Kaggle does a little later."""
        for submission in self.submissions:
            if submission["status"] == "PENDING":
                data = submission.pop("data")
                submission |= score(data, self.competitions[competition].answers)

    def close(self) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


class ProxyHandler(socketserver.StreamRequestHandler):
    """`CONNECT api.kaggle.com:443`, then TLS, then the API on the same connection."""

    rbufsize = 0  # read the CONNECT request only: the TLS bytes after it belong to TLS

    def handle(self) -> None:
        standin: StandIn = self.server.standin  # type: ignore[attr-defined]
        request = self.rfile.readline().decode("latin-1").split()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        if len(request) < 2 or request[0] != "CONNECT" or not request[1].startswith(API_HOST):
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        try:
            tls = standin.tls.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return
        ApiHandler(tls, self.client_address, self.server)


class ApiHandler(BaseHTTPRequestHandler):
    """The few Kaggle API calls, as JSON over POST, plus the file download and upload URLs."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def standin(self) -> StandIn:
        return self.server.standin  # type: ignore[attr-defined]

    def answer(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def fail(self, status: int, message: str) -> None:
        self.answer(status, {"code": status, "message": message})

    def arrived(self) -> bytes | None:
        """Record the call and read its body; with `stall` set, hold it until the stand-in
        closes and give None (no answer)."""
        self.standin.calls.append(f"{self.command} {self.path}")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.standin.stall.is_set():
            self.standin.closing.wait()
            self.close_connection = True
            return None
        return body

    def logged_in(self) -> bool:
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        if token == TOKEN:
            return True
        self.fail(401, "Unauthenticated")
        return False

    def do_GET(self) -> None:
        if self.arrived() is None:
            return None
        name = self.path.removeprefix("/files/").removesuffix(".zip")
        if not self.path.startswith("/files/") or name not in self.standin.competitions:
            return self.fail(404, "Not found")
        data = self.standin.competitions[name].zip_bytes
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Last-Modified", "Mon, 30 Jun 2025 12:00:00 GMT")
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self) -> None:
        body = self.arrived()
        if body is None:
            return None
        token = self.path.removeprefix("/upload/")
        if token not in self.standin.uploads:
            return self.answer(404)
        self.standin.uploads[token] = body
        self.answer(200, {})

    def do_POST(self) -> None:
        body = self.arrived()
        if body is None:
            return None
        request = json.loads(body or b"{}")
        if self.path == "/v1/security.OAuthService/IntrospectToken":
            if request.get("token") != TOKEN:
                return self.fail(401, "Unauthenticated")
            return self.answer(200, {"active": True, "username": USER})
        if not self.path.startswith(SERVICE):
            return self.fail(404, "Not found")
        if not self.logged_in():
            return None
        name = request.get("competitionName", "")
        competition = self.standin.competitions.get(name)
        if competition is None:
            return self.fail(404, "Competition not found")
        method = self.path.removeprefix(SERVICE)
        if not competition.rules_accepted and method != "ListSubmissions":
            return self.fail(403, "You must accept this competition's rules first")
        handler = {
            "DownloadDataFiles": self.download,
            "StartSubmissionUpload": self.start_upload,
            "CreateSubmission": self.create_submission,
            "ListSubmissions": self.list_submissions,
            "GetSubmissionLimits": lambda _c, _r: self.answer(200, {"numAllowedNow": 5}),
        }.get(method)
        if handler is None:
            return self.fail(404, f"not in the stand-in: {method}")
        return handler(competition, request)

    def download(self, competition: Competition, request: dict[str, Any]) -> None:
        url = f"https://{API_HOST}/files/{request['competitionName']}.zip"
        self.answer(302, headers={"Location": url})

    def start_upload(self, competition: Competition, request: dict[str, Any]) -> None:
        token = f"blob-{len(self.standin.uploads) + 1}"
        self.standin.uploads[token] = b""
        self.answer(200, {"token": token, "createUrl": f"https://{API_HOST}/upload/{token}"})

    def create_submission(self, competition: Competition, request: dict[str, Any]) -> None:
        if self.standin.reject is not None:
            return self.fail(400, self.standin.reject)
        data = self.standin.uploads.get(request.get("blobFileTokens", ""))
        if data is None:
            return self.fail(400, "Unknown upload")
        ref = 50_000_000 + len(self.standin.submissions) + 1
        submission = {
            "ref": ref,
            "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "description": request.get("submissionDescription", ""),
            "fileName": "submission.csv",
            "submittedBy": USER,
        }
        if self.standin.scoring:
            submission |= score(data, competition.answers)
        else:
            submission |= {"status": "PENDING", "data": data}
        self.standin.submissions.insert(0, submission)
        self.answer(200, {"message": "Successfully submitted to Digit Recognizer", "ref": ref})

    def list_submissions(self, competition: Competition, request: dict[str, Any]) -> None:
        listed = [{k: v for k, v in s.items() if k != "data"} for s in self.standin.submissions]
        self.answer(200, {"submissions": listed})


def score(data: bytes, answers: np.ndarray) -> dict[str, Any]:
    """Kaggle's scoring of a digit-recognizer submission: accuracy, or an error."""
    try:
        frame = pd.read_csv(io.BytesIO(data))
        labels = frame["Label"].to_numpy()
        assert list(frame.columns) == ["ImageId", "Label"] and len(labels) == len(answers)
    except (ValueError, KeyError, AssertionError):
        return {"status": "ERROR", "errorDescription": "Submission must have 2 columns and "
                f"{len(answers)} rows"}  # fmt: skip
    return {"status": "COMPLETE", "publicScore": f"{np.mean(labels == answers):.5f}"}
