"""The Kaggle loop end to end, with the real `kaggle` client and no network: `dvc exp run -S
fetch.source=kaggle` downloads the competition through a stand-in of the API on 127.0.0.1
(tests/kaggle_standin.py, reached through HTTPS_PROXY), `digits kaggle submit` submits the
chosen model's file and records its public score, and a fresh clone shows that score
beside the experiment with `digits kaggle scores`.

The stand-in serves the reproduced project's own train.csv and test.csv, so only fetch and
submit run again, and it scores against the bundled answer key, so the public score must be
the chosen model's answer-key accuracy from the first run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from dvc_project import stages_run
from dvc_runs import DvcProject, all_output, copy_dvc_project
from kaggle_standin import StandIn

pytestmark = pytest.mark.e2e

COMPETITION = "digit-recognizer"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, reproduced: DvcProject) -> DvcProject:
    project = copy_dvc_project(reproduced, tmp_path_factory.mktemp("kaggle-loop") / "project")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "baseline run")
    return project


@pytest.fixture(scope="module")
def kaggle(project: DvcProject, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    raw = project.root / "data" / "raw"
    answers = pd.read_csv(raw / "answers.csv")["Label"].to_numpy()
    server = StandIn(tmp_path_factory.mktemp("kaggle-standin"))
    server.add_competition(COMPETITION, raw / "train.csv", raw / "test.csv", answers)
    project.env = {key: value for key, value in project.env.items()
                   if not key.startswith("KAGGLE_")}  # fmt: skip
    project.env |= server.env() | {"KAGGLE_CONFIG_DIR": str(server.folder / "config")}
    yield server
    server.close()


def test_download_submit_and_scores_through_the_real_client(
    project: DvcProject, kaggle: StandIn, tmp_path: Path
) -> None:
    first_board = json.loads((project.root / "metrics" / "leaderboard.json").read_text())

    run = project.dvc("exp", "run", "-n", "from-kaggle", "-S", "fetch.source=kaggle")
    assert set(stages_run(all_output(run))) == {"check_params", "fetch", "submit"}, run.stdout
    assert "POST /v1/competitions.CompetitionApiService/DownloadDataFiles" in kaggle.calls
    raw = project.root / "data" / "raw"
    assert (raw / "answers.csv").read_text() == "ImageId,Label\n"  # Kaggle's carry no answer key
    board = json.loads((project.root / "metrics" / "leaderboard.json").read_text())
    assert set(board) == {"chosen", "val"}  # so no answer-key accuracy
    submission = pd.read_csv(project.root / "data" / "submission" / "submission.csv")
    test_ids = range(1, len(pd.read_csv(raw / "test.csv")) + 1)
    assert submission["ImageId"].tolist() == list(test_ids)
    chosen = board["chosen"]

    submitted = project.run("digits", "kaggle", "submit", "--message", "e2e")
    commit = project.git("rev-parse", "--short=7", "HEAD").stdout.strip()
    description = f"{chosen} (experiment from-kaggle, commit {commit}): e2e"
    assert kaggle.submissions[0]["description"] == description
    file = project.root / "data" / "submission" / "submission.csv"
    assert list(kaggle.uploads.values())[-1] == file.read_bytes()
    public = float(kaggle.submissions[0]["publicScore"])
    assert public == pytest.approx(first_board["test"][chosen], abs=1e-5)
    assert f"kaggle: public score {public:.5f}" in submitted.stdout

    scores = project.run("digits", "kaggle", "scores").stdout.splitlines()
    row = ["from-kaggle", commit, chosen, f"{board['val'][chosen]:.4f}", "-", f"{public:.4f}"]
    assert scores[1].split()[2:] == [*row, "complete"], scores

    project.git("add", "metrics/kaggle.json")
    project.git("commit", "-q", "-m", "Kaggle score of from-kaggle")
    clone = tmp_path / "clone"
    project.git("clone", "-q", str(project.root), str(clone))
    offline = project.run("sh", "-c", f"cd {clone} && digits kaggle scores --offline")
    assert offline.stdout.splitlines() == scores
