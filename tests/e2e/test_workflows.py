"""The DVC workflows the README and docs/ promise, through the real `dvc` CLI, tiny params.

One module-scoped project: `dvc repro` down to a Kaggle submission, `dvc plots show`, a
branch with another param compared by `dvc metrics diff`, `dvc exp run -S` listed by
`dvc exp show`, and `make compare`.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from dvc_project import downstream, stages_reading_param, stages_run
from dvc_runs import DvcProject, all_output, copy_dvc_project
from headless_chromium import rendered_dom
from stage_runs import PROJECT, TINY_PARAMS, describe, tiny_params

from digit_recognizer.models.registry import NAMES
from digit_recognizer.training.hardware import cpu_kind

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, reproduced: DvcProject) -> DvcProject:
    project = copy_dvc_project(reproduced, tmp_path_factory.mktemp("workflows") / "project")
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "baseline run")
    return project


def check_submission(path: Path, test_rows: int) -> pd.DataFrame:
    frame = pd.read_csv(path)
    assert list(frame.columns) == ["ImageId", "Label"]
    assert len(frame) == test_rows
    assert frame["ImageId"].tolist() == list(range(1, test_rows + 1))
    assert frame["Label"].between(0, 9).all()
    return frame


def test_repro_ends_with_valid_submissions_and_a_leaderboard(project: DvcProject) -> None:
    test_rows = TINY_PARAMS["fetch"]["test_size"]
    folder = project.root / "data" / "submission"
    for name in (*NAMES, "submission"):
        check_submission(folder / f"{name}.csv", test_rows)

    metrics = json.loads(project.dvc("metrics", "show", "--json").stdout)
    workspace = metrics[""]["data"]  # the workspace
    board = workspace["metrics/leaderboard.json"]["data"]
    val = {name: workspace[f"metrics/models/{name}.json"]["data"]["val_accuracy"] for name in
           NAMES}  # fmt: skip
    assert board["chosen"] == max(val, key=val.get)  # submit.model: best
    assert board["val"] == val
    chosen = pd.read_csv(folder / "submission.csv")
    assert chosen.equals(pd.read_csv(folder / f"{board['chosen']}.csv"))
    answers = pd.read_csv(project.root / "data" / "raw" / "answers.csv")
    for name in NAMES:
        mine = pd.read_csv(folder / f"{name}.csv")["Label"]
        assert board["test"][name] == pytest.approx((mine == answers["Label"]).mean())
    evaluation = workspace["metrics/evaluate.json"]["data"]["evaluate"]
    for name in NAMES:
        assert evaluation[name]["accuracy"] == pytest.approx(val[name])
        assert set(evaluation[name]["per_class"]) == {str(d) for d in range(10)}


def test_plots_show_writes_a_page_naming_every_plot(project: DvcProject) -> None:
    project.dvc("plots", "show", "-o", str(project.root.parent / "page"))
    html = (project.root.parent / "page" / "index.html").read_text()
    declared = project.dvc_yaml()["plots"]
    names = [entry if isinstance(entry, str) else next(iter(entry)) for entry in declared]
    assert {"plots/images", "plots/confusion"} <= set(names)  # folders: every file in each
    for name in names:
        assert name.split("/")[-1] in html, name
    for name in NAMES:
        assert f"plots/confusion/{name}.csv" in html, name
    pictures = sorted(p.name for p in (project.root / "plots" / "images").glob("*.png"))
    assert {f"mistakes_{name}.png" for name in NAMES} <= set(pictures), pictures
    for picture in pictures:
        assert f"plots/images/{picture}" in html, picture
    for image in (project.root.parent / "page" / "static").iterdir():
        assert image.stat().st_size > 1000
    for csv in ("plots/confusion/cnn.csv", "metrics/live/mlp/plots/metrics/eval/accuracy.tsv"):
        assert (project.root / csv).exists()


def test_plots_page_draws_every_chart_offline(project: DvcProject, tmp_path: Path) -> None:
    """The page loads no script from the network, and in a real headless Chromium with the
    network switched off every interactive chart draws, titled, with labelled axes."""
    page = tmp_path / "page"
    project.dvc("plots", "show", "-o", str(page))
    html = (page / "index.html").read_text()
    assert not re.search(r"<script[^>]+src=", html), "a script is loaded from elsewhere"
    declared = [entry for entry in project.dvc_yaml()["plots"] if isinstance(entry, dict)]
    dom = rendered_dom(page / "index.html", tmp_path / "profile")
    drawn = re.findall(r'class="marks" width="(\d+)" height="(\d+)"', dom)
    charts = len(declared) - 1 + len(NAMES)  # the confusion folder: one chart per model
    assert len(drawn) == charts, (len(drawn), charts, dom[:2000])
    assert all(int(w) > 100 and int(h) > 100 for w, h in drawn), drawn
    for entry in declared:
        ((plot, spec),) = entry.items()
        titles = [spec["title"]] if "title" in spec else [f"{plot}/{n}.csv" for n in NAMES]
        for text in (*titles, spec["x_label"], spec["y_label"]):
            assert f">{text}<" in dom, text  # drawn as SVG text, not raw ids
    series = re.findall(r">(?:mlp|cnn|cnn_aug): (?:validation )?(?:accuracy|loss)<", dom)
    assert len(set(series)) == 12  # a legend entry (and colour) per network and series


def test_metrics_diff_between_branches(project: DvcProject) -> None:
    project.git("checkout", "-q", "-b", "relu-cnn")
    project.write_params(tiny_params({"train_cnn.conv_activation": "relu"}))
    rerun = project.dvc("repro")
    # the ensemble averages cnn too; check_params reruns on any change of params.yaml
    expected = downstream(project.dvc_yaml(), {"check_params", "train_cnn"})
    assert expected == {"check_params", "train_cnn", "ensemble", "evaluate", "submit"}
    assert set(stages_run(rerun.stdout)) == expected, describe(rerun)
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "relu convolutions")

    diff = json.loads(project.dvc("metrics", "diff", "main", "--json").stdout)
    assert "val_loss" in diff["metrics/models/cnn.json"], diff
    # models that were not retrained do not differ (no timings in the metrics)
    for name in ("lr", "mlp", "cnn_aug", "cnn_aug_s2"):
        assert f"metrics/models/{name}.json" not in diff, diff
    assert "val_loss" in diff["metrics/models/ensemble.json"], diff
    table = project.dvc("metrics", "diff", "main", "relu-cnn").stdout
    assert "metrics/models/cnn.json" in table and "val_loss" in table

    project.git("checkout", "-q", "main")
    project.dvc("checkout")
    assert project.dvc("status").stdout.strip() == "Data and pipelines are up to date."
    assert project.git("status", "--porcelain").stdout == ""


def test_exp_run_and_exp_show(project: DvcProject) -> None:
    """`dvc exp run -S submit.model=cnn` reruns what reads it, nothing else; params.yaml keeps
    the value; `dvc exp show` lists the experiment with its params and metrics. (The README
    walkthrough runs `-S sample_fraction=1`, a top-level key, and checks its experiment.)"""
    dvc_yaml = project.dvc_yaml()
    run = project.dvc("exp", "run", "-n", "pick-cnn", "-S", "submit.model=cnn")
    ran = set(stages_run(all_output(run)))
    assert ran == downstream(dvc_yaml, stages_reading_param(dvc_yaml, "submit.model"))
    assert ran == {"check_params", "submit"}, describe(run)
    assert project.read_params()["submit"]["model"] == "cnn"
    assert "up to date" in project.dvc("status").stdout
    shown = project.dvc("exp", "show", "--json").stdout
    experiments = [
        exp
        for baseline in json.loads(shown)
        for exp in baseline.get("experiments") or []
        if exp.get("name") == "pick-cnn"
    ]
    assert experiments, shown[:2000]
    data = experiments[0]["revs"][0]["data"]
    assert data["params"]["params.yaml"]["data"]["submit"]["model"] == "cnn"
    assert data["metrics"]["metrics/leaderboard.json"]["data"]["chosen"] == "cnn"
    assert "val_accuracy" in data["metrics"]["metrics/models/cnn.json"]["data"]
    csv = project.dvc("exp", "show", "--csv").stdout
    assert "pick-cnn" in csv


def compare_commands() -> list[str]:
    """The recipe of `make compare`, with the Makefile's variables filled in."""
    makefile = (PROJECT / "Makefile").read_text()
    keep = re.search(r"^COMPARE_KEEP := (.+)$", makefile, re.MULTILINE)[1]
    recipe = re.search(r"^compare:.*\n((?:\t.+\n)+)", makefile, re.MULTILINE)[1]
    return [
        line.strip().replace("$(COMPARE_KEEP)", keep).replace("$$", "$")
        for line in recipe.splitlines()
    ]


def test_compare_fits_in_120_columns(project: DvcProject) -> None:
    """`make compare` shows every experiment's scores, one row each, in a 120-column terminal:
    even where the terminal is wider nothing is cut (…) and no line is longer."""
    commands = compare_commands()
    assert len(commands) == 3 and commands[0].startswith("dvc exp show")
    outputs = []
    for command in commands:
        result = subprocess.run(
            command, shell=True, cwd=project.root, env={**project.env, "COLUMNS": "1000"},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, describe(result)
        lines = result.stdout.splitlines()
        assert max(len(line.rstrip()) for line in lines) <= 120, result.stdout
        assert "…" not in result.stdout, result.stdout
        outputs.append(result.stdout)
    table, models, cpus = outputs
    header, *rows = cpus.splitlines()
    assert header == "Experiment,rev,metrics/models/cnn_aug.json:cpu", cpus
    assert f",workspace,{cpu_kind()}" in rows, cpus  # the kind of CPU that trained it
    assert "pick-cnn" in table
    for column in ("chosen", "val.cnn_aug", "val.ensemble", "test.cnn", "test.ensemble"):
        assert column in table.split(), table
    rows = [line.split()[0] for line in models.splitlines()[1:]]
    files = sorted(
        f"metrics/models/{p.name}" for p in (project.root / "metrics" / "models").iterdir()
    )
    assert rows == files, models
    assert {f"metrics/models/{name}.json" for name in NAMES} <= set(rows), models
