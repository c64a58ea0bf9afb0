"""The README stays a front page and dvc.yaml a graph one can read: the rest lives in docs/."""

from __future__ import annotations

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def test_the_readme_is_at_most_12_kb() -> None:
    assert len((PROJECT / "README.md").read_bytes()) <= 12_000


def test_dvc_yaml_is_at_most_200_lines() -> None:
    assert len((PROJECT / "dvc.yaml").read_text().splitlines()) <= 200
