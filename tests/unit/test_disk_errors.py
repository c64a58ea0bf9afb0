"""A full disk and a read-only disk, for real: a small tmpfs mounted under the test's folder.

Each case: one line naming the path, exit code 1, the earlier output byte-identical and no
temporary file left. Mounting needs root (or CAP_SYS_ADMIN); elsewhere the tests skip, saying
so. (Root ignores file permissions, so a read-only mount, not chmod, makes a read-only disk.)
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from dvc_project import write_params
from kaggle_files import write_kaggle_csvs
from stage_commands import sample
from stage_runs import InProcessRunner, snapshot, stage_error, tiny_params


def mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)


@pytest.fixture
def disk(call_stage: InProcessRunner) -> Iterator[Path]:
    """A 256 KiB tmpfs at `disk/` in the stage's folder, unmounted afterwards."""
    where = call_stage.cwd / "disk"
    where.mkdir()
    mounted = mount("-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where))
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True, timeout=30)


@pytest.fixture
def sampled(call_stage: InProcessRunner, disk: Path) -> dict[str, bytes | None]:
    """sample's earlier outputs (100 of 400 rows) on the small disk; their bytes by path."""
    write_kaggle_csvs(call_stage.cwd / "raw", n_train=400, n_test=5)
    assert sample(call_stage, Path("raw/train.csv"), out="disk/sample").returncode == 0
    return snapshot(outputs(call_stage.cwd))


def outputs(root: Path) -> list[Path]:
    return sorted(p for p in (root / "disk").rglob("*") if p.is_file()) + [root / "m/sample.json"]


def test_no_space_left(call_stage: InProcessRunner, sampled: dict[str, bytes | None]) -> None:
    """All 400 rows (313 KB of pixels) do not fit: the write fails half-way."""
    write_params(call_stage.cwd, tiny_params({"sample_fraction": 1.0}))
    result = sample(call_stage, Path("raw/train.csv"), out="disk/sample")
    message = stage_error(result, "sample")
    assert message.startswith("disk/sample: ") and "written (disk full?)" in message, message
    assert snapshot(outputs(call_stage.cwd)) == sampled  # no temporary file either


def test_read_only_disk(
    call_stage: InProcessRunner, disk: Path, sampled: dict[str, bytes | None]
) -> None:
    remounted = mount("-o", "remount,ro", str(disk))
    assert remounted.returncode == 0, remounted.stderr
    write_params(call_stage.cwd, tiny_params({"sample_fraction": 0.5}))
    message = stage_error(sample(call_stage, Path("raw/train.csv"), out="disk/sample"), "sample")
    assert "disk/sample/.pixels." in message and message.endswith(
        ": Read-only file system [errno 30]"
    ), message
    assert snapshot(outputs(call_stage.cwd)) == sampled


def test_a_full_disk_while_writing_json(tmp_path: Path, disk: Path) -> None:
    """Python's own failed write names no file either: the line names the output."""
    from digit_recognizer.files import save_json

    (disk / "metrics.json").write_text('{"rows": 1}\n')
    with pytest.raises(OSError) as caught:
        save_json(disk / "metrics.json", {"rows": "x" * 300_000})
    assert caught.value.filename == str(disk / "metrics.json")
    assert caught.value.errno == 28
    assert sorted(p.name for p in disk.iterdir()) == ["metrics.json"]
    assert (disk / "metrics.json").read_text() == '{"rows": 1}\n'
