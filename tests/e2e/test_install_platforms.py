"""pyproject.toml's dependencies resolve to wheels on Linux x86-64 and aarch64, macOS arm64 and
Windows (Python 3.11), with TensorFlow from the `cpu` extra (and the `dev` and `export` extras,
as `make setup` installs them), as `pip` would install them there.

pip evaluates environment markers for the machine it runs on, even with `--platform`, so the
markers are evaluated here for each target and pip resolves the selected requirements with
`--only-binary=:all:` for that platform's wheel tags. Needs the package index (PyPI).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from stage_runs import PROJECT

pytestmark = pytest.mark.e2e

PYTHON = {"python_version": "3.11", "python_full_version": "3.11.9", "implementation_name":
          "cpython", "platform_python_implementation": "CPython", "extra": ""}  # fmt: skip
PLATFORMS = {
    "linux-x86_64": (
        {"sys_platform": "linux", "platform_machine": "x86_64", "platform_system": "Linux"},
        [f"manylinux_2_{minor}_x86_64" for minor in (28, 27, 17)] + ["manylinux2014_x86_64"],
    ),
    "linux-aarch64": (
        {"sys_platform": "linux", "platform_machine": "aarch64", "platform_system": "Linux"},
        [f"manylinux_2_{minor}_aarch64" for minor in (28, 27, 17)] + ["manylinux2014_aarch64"],
    ),
    "macos-arm64": (
        {"sys_platform": "darwin", "platform_machine": "arm64", "platform_system": "Darwin"},
        [f"macosx_{major}_0_arm64" for major in (14, 13, 12, 11)],
    ),
    "windows-amd64": (
        {"sys_platform": "win32", "platform_machine": "AMD64", "platform_system": "Windows"},
        ["win_amd64"],
    ),
}
# pure-Python packages published as source only: built once into a local wheel, as pip would
# build them on any platform
SOURCE_ONLY = ["antlr4-python3-runtime==4.9.3"]


def requirements_for(environment: dict[str, str], extras: list[str]) -> list[str]:
    """pyproject's requirements (and those of `extras`) whose markers hold in `environment`."""
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    texts = project["dependencies"] + [
        text for extra in extras for text in project["optional-dependencies"][extra]
    ]
    selected = []
    for text in texts:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate(PYTHON | environment):
            requirement.marker = None
            selected.append(str(requirement))
    return selected


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheelhouse")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder)]
        + SOURCE_ONLY,
        check=True,
        capture_output=True,
    )
    return folder


def resolve(requirements: list[str], tags: list[str], wheelhouse: Path, target: Path) -> str:
    """pip's dry run for those wheel tags; returns its error lines ('' when it resolved)."""
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed"]
    command += ["--quiet", "--find-links", str(wheelhouse), "--target", str(target)]
    command += ["--python-version", "3.11", "--only-binary=:all:"]
    for tag in tags:
        command += ["--platform", tag]
    result = subprocess.run(command + requirements, capture_output=True, text=True, timeout=600)
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    return "" if result.returncode == 0 else "\n".join(errors) or result.stderr[-2000:]


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_cpu_install_resolves(platform: str, wheelhouse: Path, tmp_path: Path) -> None:
    environment, tags = PLATFORMS[platform]
    requirements = requirements_for(environment, ["cpu", "dev", "export"])  # as make setup
    assert sum(r.startswith("tensorflow") for r in requirements) == 1, requirements
    assert resolve(requirements, tags, wheelhouse, tmp_path) == ""


def test_gpu_install_resolves_on_linux(wheelhouse: Path, tmp_path: Path) -> None:
    """The gpu extra alone brings TensorFlow (with NVIDIA's libraries): no tensorflow-cpu to
    remove first."""
    environment, tags = PLATFORMS["linux-x86_64"]
    requirements = requirements_for(environment, ["gpu"])
    assert [r for r in requirements if r.startswith("tensorflow")] == [
        "tensorflow[and-cuda]==2.21.0"
    ]
    assert resolve(requirements, tags, wheelhouse, tmp_path) == ""
