"""params.yaml read into a stage's checked section, and the params a stage's `--help` lists.

    params = read_params(SplitParams, "split")

Every field must be present in the section and pass its check (fields.py); a key in the
section that is no field (a misspelling) is refused. Errors are one line naming the key and
what was expected.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any, TypeVar

import yaml

from digit_recognizer.console import PipelineError
from digit_recognizer.params.fields import PARAMS_FILE

Section = TypeVar("Section")


def stage_parser(description: str, section_type: type, section: str) -> argparse.ArgumentParser:
    """A stage's argument parser whose `--help` ends with the params it reads."""
    return argparse.ArgumentParser(
        description=description,
        epilog=params_help(section_type, section),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def params_help(section_type: type, section: str) -> str:
    """The params a stage reads, one line each with what is allowed: for its `--help`."""
    lines = [f"params ({PARAMS_FILE}, section {section}; dvc exp run -S KEY=VALUE):"]
    for field in dataclasses.fields(section_type):
        key = field.name if field.metadata["top_level"] else f"{section}.{field.name}"
        lines.append(f"  {key:<32} {field.metadata['check'].allowed}")
    return "\n".join(lines)


def load_params_file(path: Path = PARAMS_FILE) -> dict[str, Any]:
    """Parse params.yaml into a mapping, with a one-line error when it is not one."""
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise PipelineError(f"{path}: file not found (run from the project root)") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise PipelineError(f"{path}:{where}: not valid YAML") from None
    if not isinstance(data, dict):
        raise PipelineError(f"{path}: expected a mapping of params at the top level")
    return data


def top_level_keys(section_type: type) -> set[str]:
    """The top-level keys of params.yaml that a section's type also reads."""
    return {f.name for f in dataclasses.fields(section_type) if f.metadata["top_level"]}


def refuse_unknown_keys(data: dict[str, Any], known: set[str]) -> None:
    """Refuse a top-level key of params.yaml that no stage reads (a misspelling, say)."""
    unknown = sorted(map(str, set(data) - known))
    if unknown:
        allowed = ", ".join(sorted(known))
        raise PipelineError(f"{PARAMS_FILE}: unknown key {unknown[0]} (allowed: {allowed})")


def read_params(section_type: type[Section], section: str) -> Section:
    """Read `section` of params.yaml (and the top-level keys the type asks for), checked."""
    data = load_params_file()
    values = data.get(section)
    if not isinstance(values, dict):
        raise PipelineError(f"{PARAMS_FILE}: missing section '{section}:' (a mapping of params)")
    fields = dataclasses.fields(section_type)  # type: ignore[arg-type]
    in_section = [f for f in fields if not f.metadata["top_level"]]
    unknown = sorted(set(values) - {f.name for f in in_section})
    if unknown:
        allowed = ", ".join(sorted(f.name for f in in_section))
        raise PipelineError(
            f"{PARAMS_FILE}: unknown key {section}.{unknown[0]} (allowed: {allowed})"
        )
    checked = {}
    for field in in_section:
        if field.name not in values:
            raise PipelineError(f"{PARAMS_FILE}: missing key {section}.{field.name}")
        checked[field.name] = field.metadata["check"](f"{section}.{field.name}", values[field.name])
    for field in fields:
        if field.metadata["top_level"]:
            if field.name not in data:
                raise PipelineError(f"{PARAMS_FILE}: missing top-level key {field.name}")
            checked[field.name] = field.metadata["check"](field.name, data[field.name])
    return section_type(**checked)
