"""The committed page template `dvc plots show` and `dvc plots diff` fill in (.dvc/config).

It is committed, so a clone set up with pip alone draws its charts offline; these tests keep
it what the generator writes, so it cannot go stale when vl-convert-python changes.
"""

from __future__ import annotations

import configparser
import subprocess

import pytest
from stage_runs import PROJECT

from digit_recognizer.evaluation.plots_page import offline_template

TEMPLATE = PROJECT / ".dvc" / "plots" / "offline.html"
REWRITE = "python -m digit_recognizer.evaluation.plots_page .dvc/plots/offline.html"


def test_dvc_config_points_at_the_committed_template() -> None:
    config = configparser.ConfigParser()
    config.read(PROJECT / ".dvc" / "config")
    assert PROJECT / ".dvc" / config["plots"]["html_template"] == TEMPLATE
    assert TEMPLATE.is_file(), f"missing: {TEMPLATE}; write it with `{REWRITE}` and commit it"


def test_committed_template_is_what_the_generator_writes() -> None:
    committed = TEMPLATE.read_text(encoding="utf-8")  # as DVC reads it
    assert committed == offline_template(), f"stale: rewrite it with `{REWRITE}` and commit it"
    assert "{plot_divs}" in committed  # DVC refuses a template without it


def test_template_is_not_git_ignored() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "--no-index", str(TEMPLATE.relative_to(PROJECT))],
        cwd=PROJECT,
        capture_output=True,
    )
    if ignored.returncode == 128:
        pytest.skip("not a git checkout")
    assert ignored.returncode == 1, "a .gitignore leaves the template out of clones"
