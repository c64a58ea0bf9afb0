"""The fetch stage as the tests run it, and the check that a refused input changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dvc_project import write_params
from kaggle_files import write_kaggle_csvs
from stage_runs import InProcessRunner, StageRunner, read_json, snapshot, stage_error, tiny_params

OUT_FILES = ("train.csv", "test.csv", "answers.csv")
FETCH_ARGS = ("--folder", "ext", "--out", "raw", "--metrics", "metrics/fetch.json")

# kind: (file to break, how, expected start of the message after "fetch: error: ")
BadInput = tuple[str, Callable[[str], str], str]


def fetch(runner: StageRunner | InProcessRunner, ok: bool | None = True, **env: str | None):
    if isinstance(runner, InProcessRunner):
        assert not env
        return runner("fetch", *FETCH_ARGS)
    return runner("fetch", *FETCH_ARGS, ok=ok, **env)


def outputs(folder: Path) -> list[Path]:
    return [folder / "raw" / name for name in OUT_FILES] + [folder / "metrics" / "fetch.json"]


def fetch_metrics(folder: Path) -> dict:
    return read_json(folder / "metrics" / "fetch.json")["fetch"]


def good_folder_fetch(runner: StageRunner | InProcessRunner) -> dict[str, bytes]:
    """A good folder fetch in the runner's folder: the input files and what it wrote."""
    root = runner.cwd
    write_params(root, tiny_params({"fetch.source": "folder"}))
    write_kaggle_csvs(root / "ext", n_train=40, n_test=12)
    result = fetch(runner)
    assert result.returncode == 0, result.stderr
    files = {f"ext/{name}": (root / "ext" / name).read_bytes() for name in OUT_FILES[:2]}
    for path in outputs(root):
        files[str(path.relative_to(root))] = path.read_bytes()
    return files


def refuses_and_keeps_outputs(
    runner: StageRunner | InProcessRunner, good_fetch: dict[str, bytes], bad_input: BadInput
) -> str:
    """Lay out a good fetch's inputs and outputs, break one input, fetch: it must fail with
    one line starting as expected and leave every output byte-identical; return the line."""
    runner_cwd = runner.cwd
    write_params(runner_cwd, tiny_params({"fetch.source": "folder"}))
    for name, content in good_fetch.items():  # the good inputs and the good run's outputs
        (runner_cwd / name).parent.mkdir(parents=True, exist_ok=True)
        (runner_cwd / name).write_bytes(content)
    before = snapshot(outputs(runner_cwd))
    assert all(before.values())

    file, break_it, expected = bad_input
    bad = runner_cwd / "ext" / file
    bad.write_text(break_it(bad.read_text()))
    message = stage_error(fetch(runner, ok=False), "fetch")

    assert message.startswith(expected), message
    assert snapshot(outputs(runner_cwd)) == before
    leftovers = [p.name for p in (runner_cwd / "raw").iterdir() if p.name not in OUT_FILES]
    assert leftovers == []  # no temporary files left behind
    return message
