"""dvc.yaml lists, for each stage, exactly the project code it runs.

The stage's script and every `digit_recognizer` module it imports, directly or through other
project modules, found by parsing the imports (ast); no module it does not import. So editing
a module reruns the stages that use it and no others.
"""

from __future__ import annotations

import ast
import shlex
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
LIBRARY = "digit_recognizer"
DVC_YAML = yaml.safe_load((PROJECT / "dvc.yaml").read_text())
MAX_LINES = 250


def module_path(dotted: str) -> Path | None:
    """The project file of a module name (`stages.fetch`, `digit_recognizer.files`), if any."""
    base = PROJECT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(path: Path) -> set[str]:
    """Names of the modules `path` imports (absolute imports; `from a import b` gives a, a.b)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def code_deps(script: Path) -> set[str]:
    """The script and the project files it imports, directly or not, as dvc.yaml paths.

    Empty package `__init__.py` files hold no code, so they are left out.
    """
    found, todo = {script}, [script]
    while todo:
        for name in imported_modules(todo.pop()):
            path = module_path(name)
            if path and path not in found:
                found.add(path)
                todo.append(path)
    return {p.relative_to(PROJECT).as_posix() for p in found if p.read_text().strip()}


def stage_script(command: str) -> Path:
    words = shlex.split(command)
    assert words[:2] == ["python", "-m"], command
    path = module_path(words[2])
    assert path is not None, command
    return path


def listed_code(stage: dict) -> set[str]:
    return {d for d in stage.get("deps") or [] if d.endswith(".py")}


@pytest.mark.parametrize("name", list(DVC_YAML["stages"]))
def test_stage_lists_exactly_the_code_it_imports(name: str) -> None:
    stage = DVC_YAML["stages"][name]
    expected = code_deps(stage_script(stage["cmd"]))
    listed = listed_code(stage)
    assert listed == expected, (
        f"{name}: dvc.yaml lists but the code does not import {sorted(listed - expected)}; "
        f"the code imports but dvc.yaml does not list {sorted(expected - listed)}"
    )


def test_the_walk_follows_imports_through_library_modules() -> None:
    """train_cnn imports keras_fit, which imports training, which imports files."""
    deps = code_deps(PROJECT / "stages" / "train_cnn.py")
    assert {"digit_recognizer/keras_fit.py", "digit_recognizer/files.py"} <= deps
    assert "digit_recognizer/kaggle_csv.py" not in deps


def test_data_stages_do_not_depend_on_keras_code() -> None:
    for name in ("fetch", "sample", "split", "reshape", "train_lr", "submit"):
        for dep in listed_code(DVC_YAML["stages"][name]):
            text = (PROJECT / dep).read_text()
            assert "keras" not in text and "tensorflow" not in text, (name, dep)


def test_library_modules_are_small_and_named() -> None:
    modules = sorted((PROJECT / LIBRARY).glob("*.py"))
    assert len(modules) >= 8
    for module in modules:
        assert module.stem not in {"common", "utils", "helpers", "misc"}, module
        assert len(module.read_text().splitlines()) <= MAX_LINES, module
