"""The end-to-end tier's shared start: one tiny project after its first `dvc repro`."""

from __future__ import annotations

import pytest
from dvc_runs import DvcProject, make_dvc_project


@pytest.fixture(scope="session")
def reproduced(tmp_path_factory: pytest.TempPathFactory) -> DvcProject:
    """A project copy (tiny params) after its first `dvc repro` (`first_repro`), results not
    committed. Modules start from a copy of it (`copy_dvc_project`) instead of reproducing
    it again; no test changes it."""
    project = make_dvc_project(tmp_path_factory.mktemp("reproduced") / "project")
    project.first_repro = project.dvc("repro")
    return project
