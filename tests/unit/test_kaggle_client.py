"""The Kaggle loop with the real, unpatched `kaggle` client against a stand-in on 127.0.0.1
(tests/kaggle_standin.py, reached through HTTPS_PROXY): fetch's download, `digits kaggle
submit` and `digits kaggle scores`, and each way they can fail, with one line and nothing
changed.

`submit` runs in a small DVC project whose one stage writes submit's files, so that
`dvc status` is real; the whole pipeline through the stand-in, with a named experiment, is
in tests/e2e/test_kaggle_loop.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dvc_project import init_repo, write_params
from fetch_runs import fetch, outputs
from kaggle_files import ORDER, real_digits, write_kaggle_csvs
from kaggle_standin import StandIn
from stage_runs import InProcessRunner, snapshot, stage_error, subprocess_env, tiny_params

from digit_recognizer.cli import main as digits
from digit_recognizer.models.registry import NAMES

COMPETITION = "digit-recognizer"
N_TRAIN, N_TEST = 60, 15


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    folder = tmp_path_factory.mktemp("kaggle")
    train, test = write_kaggle_csvs(folder / "files", n_train=N_TRAIN, n_test=N_TEST)
    answers = real_digits()[0][ORDER[N_TRAIN : N_TRAIN + N_TEST]]
    server = StandIn(folder)
    server.add_competition(COMPETITION, train, test, answers)
    with pytest.MonkeyPatch.context() as monkeypatch:
        # the first `import kaggle` logs in: do it here, where the stand-in answers
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(folder / "config"))
        with open(os.devnull, "w") as quiet, pytest.MonkeyPatch.context() as out:
            out.setattr(sys, "stdout", quiet)
            import kaggle  # noqa: F401
    yield server
    server.close()


@pytest.fixture
def kaggle(standin: StandIn, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> StandIn:
    """The stand-in, well-behaved, with this process's kaggle client pointed at it."""
    for key in [k for k in os.environ if k.startswith("KAGGLE_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path / "kaggle-config"))
    for key, value in standin.env().items():
        monkeypatch.setenv(key, value)
    standin.competitions[COMPETITION].rules_accepted = True
    standin.reject, standin.scoring = None, True
    standin.stall.clear()
    standin.calls.clear()
    yield standin
    standin.stall.clear()


# How each failure is set up, and what its line says.
FAILURES = {
    "no credentials": (
        {"KAGGLE_API_TOKEN": None},
        "no Kaggle credentials: run `kaggle auth login`",
    ),
    "bad token": ({"KAGGLE_API_TOKEN": "KGAT_wrong"}, "Kaggle refused the credentials (HTTP 401"),
    "rules not accepted": ({}, "Kaggle refused access to 'digit-recognizer' (HTTP 403): accept"),
    "unknown competition": ({}, "no competition 'no-such-competition' on Kaggle (HTTP 404)"),
    "connection refused": ({}, "could not connect to api.kaggle.com; check the network"),
    "timeout": ({}, "no answer from api.kaggle.com in 1 s"),
}


def fail_as(kaggle: StandIn, monkeypatch: pytest.MonkeyPatch, case: str) -> str:
    """Make the stand-in (or the way to it) fail as `case`; return the competition to ask."""
    env, _ = FAILURES[case]
    for key, value in env.items():
        if value is None:
            monkeypatch.delenv(key)
        else:
            monkeypatch.setenv(key, value)
    if case == "rules not accepted":
        kaggle.competitions[COMPETITION].rules_accepted = False
    if case == "connection refused":
        closed = kaggle.env(proxy="http://127.0.0.1:9")  # the discard port: nothing listens
        monkeypatch.setenv("HTTPS_PROXY", closed["HTTPS_PROXY"])
        monkeypatch.setenv("https_proxy", closed["HTTPS_PROXY"])
    if case == "timeout":
        kaggle.stall.set()
    return "no-such-competition" if case == "unknown competition" else COMPETITION


# --------------------------------------------------------------------------- fetch


def kaggle_params(root: Path, competition: str = COMPETITION, timeout: float = 30) -> None:
    write_params(
        root,
        tiny_params(
            {"fetch.source": "kaggle", "fetch.competition": competition, "fetch.timeout": timeout}
        ),
    )


def test_fetch_downloads_the_competition_files(
    kaggle: StandIn, call_stage: InProcessRunner
) -> None:
    kaggle_params(call_stage.cwd)
    result = fetch(call_stage)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # nothing of the client's printing
    files = kaggle.folder / "files"
    for name in ("train.csv", "test.csv"):
        assert (call_stage.cwd / "raw" / name).read_bytes() == (files / name).read_bytes()
    assert (call_stage.cwd / "raw" / "answers.csv").read_text() == "ImageId,Label\n"
    assert kaggle.calls[0] == "POST /v1/security.OAuthService/IntrospectToken"  # the login
    assert kaggle.calls[-2:] == [
        "POST /v1/competitions.CompetitionApiService/DownloadDataFiles",
        f"GET /files/{COMPETITION}.zip",
    ]


@pytest.mark.parametrize("case", FAILURES)
def test_fetch_fails_with_one_line_and_keeps_the_files(
    kaggle: StandIn, call_stage: InProcessRunner, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    kaggle_params(call_stage.cwd)
    assert fetch(call_stage).returncode == 0
    before = snapshot(outputs(call_stage.cwd))
    kaggle_params(call_stage.cwd, fail_as(kaggle, monkeypatch, case), timeout=1)
    message = stage_error(fetch(call_stage), "fetch")
    competition = "no-such-competition" if case == "unknown competition" else COMPETITION
    assert message.startswith(f"kaggle: download of '{competition}': "), message
    assert FAILURES[case][1] in message, message
    assert snapshot(outputs(call_stage.cwd)) == before


# --------------------------------------------------------------------------- submit


def submit_files(folder: Path) -> None:
    """What the project's submit stage writes: CSVs per model and a leaderboard; lr.csv has
    too few rows, for Kaggle to reject when it scores it."""
    answers = real_digits()[0][ORDER[N_TRAIN : N_TRAIN + N_TEST]]
    labels = answers.copy()
    labels[:3] = (labels[:3] + 1) % 10  # three wrong: a score of 12 / 15
    (folder / "submission").mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame({"ImageId": np.arange(1, N_TEST + 1), "Label": labels})
    for name in ("submission", *NAMES):
        frame.to_csv(folder / "submission" / f"{name}.csv", index=False)
    frame.head(5).to_csv(folder / "submission" / "lr.csv", index=False)
    board = {"chosen": "cnn", "val": dict.fromkeys(NAMES, 0.5), "test": dict.fromkeys(NAMES, 0.8)}
    board["val"]["cnn"] = 0.9
    (folder / "leaderboard.json").write_text(json.dumps(board))


COPY = (
    "import os, shutil; shutil.copytree('made/submission', 'data/submission'); "
    "os.makedirs('metrics', exist_ok=True); "
    "shutil.copy('made/leaderboard.json', 'metrics/leaderboard.json')"
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git + DVC project whose one stage, `submit`, puts submit's files in place (from
    made/); reproduced and committed on main."""
    root = tmp_path_factory.mktemp("workspace")
    env = subprocess_env(DVC_NO_ANALYTICS="1")
    init_repo(root, env)
    write_params(root, tiny_params())
    submit_files(root / "made")
    (root / "dvc.yaml").write_text(
        f'stages:\n  submit:\n    cmd: python -c "{COPY}"\n    deps: [made]\n'
        "    outs: [data/submission]\n    metrics: [metrics/leaderboard.json: {cache: false}]\n"
    )
    for command in (["dvc", "init", "-q"], ["dvc", "repro", "-q"], ["git", "add", "-A"],
                    ["git", "commit", "-q", "-m", "reproduced"]):  # fmt: skip
        subprocess.run([sys.executable, "-m", *command] if command[0] == "dvc" else command,
                       cwd=root, env=env, check=True, capture_output=True)  # fmt: skip
    return root


@pytest.fixture
def in_workspace(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(workspace)
    return workspace


def run_digits(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = digits(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def head(root: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short=7", "HEAD"], cwd=root, capture_output=True, text=True
    ).stdout.strip()


def test_submit_records_the_public_score_beside_the_experiment(
    kaggle: StandIn, in_workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded = tmp_path / "kaggle.json"
    code, out, err = run_digits(capsys, "kaggle", "submit", "--record", str(recorded),
                                "--message", "first try")  # fmt: skip
    assert (code, err) == (0, ""), err
    commit = head(in_workspace)
    description = f"cnn (experiment main, commit {commit}): first try"
    assert kaggle.submissions[0]["description"] == description
    ref = kaggle.submissions[0]["ref"]
    assert out.splitlines() == [
        f"kaggle: submitted data/submission/submission.csv as {ref}: {description}",
        "kaggle: public score 0.80000",
        f"kaggle: recorded in {recorded} (commit it to keep it with the experiment)",
    ]
    (entry,) = json.loads(recorded.read_text())["submissions"]
    assert entry["ref"] == ref and entry["public_score"] == 0.8 and entry["status"] == "complete"
    assert (entry["experiment"], entry["commit"], entry["model"]) == ("main", commit, "cnn")
    assert (entry["validation"], entry["answer_key"]) == (0.9, 0.8)

    code, out, _ = run_digits(capsys, "kaggle", "scores", "--offline", "--record", str(recorded))
    header, row = out.splitlines()
    assert header.split() == ["submitted", "experiment", "commit", "model", "validation",
                              "answer", "key", "public", "status"]  # fmt: skip
    assert row.split()[2:] == ["main", commit, "cnn", "0.9000", "0.8000", "0.8000", "complete"]


def test_scores_fetches_a_score_that_came_later(
    kaggle: StandIn, in_workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kaggle.scoring = False
    recorded = tmp_path / "kaggle.json"
    code, out, _ = run_digits(capsys, "kaggle", "submit", "data/submission/cnn.csv",
                              "--wait", "0", "--record", str(recorded))  # fmt: skip
    assert code == 0
    assert "not scored yet; `digits kaggle scores` records the score later" in out
    assert json.loads(recorded.read_text())["submissions"][0]["status"] == "pending"
    kaggle.score_pending(COMPETITION)
    code, out, _ = run_digits(capsys, "kaggle", "scores", "--record", str(recorded))
    assert code == 0 and out.splitlines()[1].split()[-2:] == ["0.8000", "complete"], out
    assert json.loads(recorded.read_text())["submissions"][0]["public_score"] == 0.8


@pytest.mark.parametrize("case", [*FAILURES, "rejected", "scored as an error"])
def test_submit_fails_with_one_line_and_records_nothing(
    kaggle: StandIn,
    in_workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    recorded = tmp_path / "kaggle.json"
    recorded.write_text('{"submissions": []}\n')
    file = "data/submission/lr.csv" if case == "scored as an error" else "data/submission/cnn.csv"
    competition = COMPETITION
    if case == "rejected":
        kaggle.reject = "Submission file is too large"
    elif case in FAILURES:
        competition = fail_as(kaggle, monkeypatch, case)
    submitted = len(kaggle.submissions)
    code, out, err = run_digits(capsys, "kaggle", "submit", file, "--competition", competition,
                                "--timeout", "1", "--record", str(recorded))  # fmt: skip
    assert code == 1 and len(err.splitlines()) == 1, err
    if case == "scored as an error":
        assert err.startswith("digits: error: kaggle: Kaggle rejected submission "), err
        assert err.rstrip().endswith("Submission must have 2 columns and 15 rows"), err
    else:
        assert err.startswith(f"digits: error: kaggle: submit of {file} to '{competition}': ")
        expected = "Kaggle refused it (HTTP 400): Submission file is too large"
        assert (expected if case == "rejected" else FAILURES[case][1]) in err, err
        assert len(kaggle.submissions) == submitted
    assert recorded.read_text() == '{"submissions": []}\n'


def test_submit_refuses_an_out_of_date_submission(
    kaggle: StandIn, in_workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = in_workspace / "data" / "submission" / "cnn.csv"
    good = csv.read_bytes()
    try:
        csv.write_bytes(good.replace(b",", b",1", 1))  # hand-edited after `dvc repro`
        code, _, err = run_digits(capsys, "kaggle", "submit", str(csv.relative_to(in_workspace)),
                                  "--record", str(tmp_path / "kaggle.json"))  # fmt: skip
    finally:
        csv.write_bytes(good)
    assert code == 1 and "the submission is out of date" in err, err
    assert kaggle.calls == [] and not (tmp_path / "kaggle.json").exists()
