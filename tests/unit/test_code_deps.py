"""dvc.yaml lists, for each stage, the project code it runs, and the package stays by topic.

The stage's script and every `digit_recognizer` module it imports, directly or through other
project modules, found by parsing the imports (ast), must be listed, by file or through its
sub-package; a file or sub-package listed must be imported. So editing a module reruns the
stages that use it: CSV validation only the stages that read CSVs, the fit loop only the
networks.
"""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
LIBRARY = "digit_recognizer"
DVC_YAML = yaml.safe_load((PROJECT / "dvc.yaml").read_text())
MAX_LINES = 250
REGISTRY = PROJECT / LIBRARY / "models" / "registry.py"
KERAS_CODE = re.compile(r"\bimport keras\b|\bkeras\.|tensorflow")


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

    The registry imports every module of its folder (it finds each model's `MODEL` there), so
    what imports it depends on all of them. Empty `__init__.py` files hold no code, so they are
    left out.
    """
    found, todo = {script}, [script]
    while todo:
        path = todo.pop()
        imported = {module_path(name) for name in imported_modules(path)}
        if path == REGISTRY:
            imported |= set(REGISTRY.parent.glob("*.py"))
        for path in imported - found - {None}:
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
    """The .py files a stage's deps name, by file or through a folder (a sub-package)."""
    found: set[str] = set()
    for dep in stage.get("deps") or []:
        path = PROJECT / dep
        if dep.endswith(".py"):
            found.add(dep)
        elif path.is_dir() and dep.startswith(("digit_recognizer", "stages")):
            found |= {
                f.relative_to(PROJECT).as_posix()
                for f in path.rglob("*.py")
                if f.read_text().strip()
            }
    return found


def stages_listing(module: str) -> set[str]:
    """The stages whose deps cover `module` (dvc.yaml path)."""
    return {name for name, stage in DVC_YAML["stages"].items() if module in listed_code(stage)}


@pytest.mark.parametrize("name", list(DVC_YAML["stages"]))
def test_stage_lists_the_code_it_imports(name: str) -> None:
    stage = DVC_YAML["stages"][name]
    expected = code_deps(stage_script(stage["cmd"]))
    listed = listed_code(stage)
    assert expected <= listed, f"{name}: dvc.yaml does not list {sorted(expected - listed)}"
    for dep in stage["deps"]:
        if dep.startswith(("digit_recognizer", "stages")):
            covered = {m for m in expected if m == dep or m.startswith(dep + "/")}
            assert covered, f"{name}: dvc.yaml lists {dep}, which the stage does not import"


def test_editing_csv_validation_or_the_fit_loop_reruns_only_their_stages() -> None:
    # and check_params, through the data folder the models import (its output never changes)
    assert stages_listing("digit_recognizer/data/kaggle_csv.py") == {
        "check_params", "fetch", "sample", "reshape", "submit"
    }  # fmt: skip
    networks = {"train_mlp", "train_cnn", "train_cnn_aug", "train_cnn_aug_seed"}
    assert stages_listing("digit_recognizer/training/fit.py") == networks
    # and what reads the registry, which imports every model file
    readers = {"check_params", "evaluate", "submit"}
    assert stages_listing("digit_recognizer/models/cnn.py") == {"train_cnn", *readers}


def test_the_walk_follows_imports_through_library_modules() -> None:
    """train_cnn imports training.fit, which imports training.inputs, which imports files."""
    deps = code_deps(PROJECT / "stages" / "train_cnn.py")
    assert {"digit_recognizer/training/fit.py", "digit_recognizer/files.py"} <= deps
    assert "digit_recognizer/data/kaggle_csv.py" not in deps


def test_data_stages_do_not_depend_on_keras_code() -> None:
    for name in ("fetch", "sample", "split", "reshape", "train_lr"):
        script = stage_script(DVC_YAML["stages"][name]["cmd"])
        for dep in code_deps(script):
            text = (PROJECT / dep).read_text()
            assert not KERAS_CODE.search(text), (name, dep)  # a .keras file name is no code


def test_the_package_is_by_topic_small_and_named() -> None:
    folders = [PROJECT / LIBRARY, *(p.parent for p in (PROJECT / LIBRARY).glob("*/__init__.py"))]
    assert {f.name for f in folders} >= {"data", "models", "training", "evaluation", "predict"}
    for folder in folders:
        modules = [m for m in folder.glob("*.py") if m.name != "__init__.py"]
        assert len(modules) <= 10, folder
        for module in modules:
            assert module.stem not in {"common", "utils", "helpers", "misc"}, module
            assert len(module.read_text().splitlines()) <= MAX_LINES, module


def test_nothing_imports_a_stage_script() -> None:
    for folder in (LIBRARY, "stages", "bench"):
        for path in (PROJECT / folder).rglob("*.py"):
            imported = imported_modules(path)
            assert not any(n == "stages" or n.startswith("stages.") for n in imported), path
