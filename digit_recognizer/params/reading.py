"""params.yaml read into a stage's checked section, and the params a stage's `--help` lists.

    params = read_params(SplitParams, "split")

Every field must be present in the section and allowed by its type (fields.py); a key in the
section that is no field (a misspelling) is refused. Errors are one line naming the key and
what was expected.
"""

from __future__ import annotations

import argparse
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

from digit_recognizer.console import PipelineError
from digit_recognizer.params.fields import PARAMS_FILE, allowed

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
    for name, schema in field_schemas(section_type).items():
        lines.append(f"  {_key(section_type, section, name):<32} {allowed(schema)}")
    return "\n".join(lines)


@cache
def field_schemas(section_type: type) -> dict[str, dict[str, Any]]:
    """Each field's JSON schema, in field order."""
    return pydantic.TypeAdapter(section_type).json_schema()["properties"]


def _key(section_type: type, section: str | None, name: str) -> str:
    """A field's key as params.yaml and `dvc exp run -S` spell it."""
    return name if name in top_level_keys(section_type) else f"{section}.{name}"


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
    return set(getattr(section_type, "TOP_LEVEL", ()))


def refuse_unknown_keys(data: dict[str, Any], known: set[str]) -> None:
    """Refuse a top-level key of params.yaml that no stage reads (a misspelling, say)."""
    unknown = sorted(map(str, set(data) - known))
    if unknown:
        allowed = ", ".join(sorted(known))
        raise PipelineError(f"{PARAMS_FILE}: unknown key {unknown[0]} (allowed: {allowed})")


def read_params(section_type: type[Section], section: str | None) -> Section:
    """Read `section` of params.yaml (and the top-level keys the type asks for), checked; with
    `section` None, a type all of whose fields are top-level keys."""
    data = load_params_file()
    top = top_level_keys(section_type)
    in_section = [name for name in field_schemas(section_type) if name not in top]
    values: dict[str, Any] = {}
    if section is not None:
        values = data.get(section)  # type: ignore[assignment]
        if not isinstance(values, dict):
            raise PipelineError(
                f"{PARAMS_FILE}: missing section '{section}:' (a mapping of params)"
            )
        unknown = sorted(set(values) - set(in_section))
        if unknown:
            allowed = ", ".join(sorted(in_section))
            raise PipelineError(
                f"{PARAMS_FILE}: unknown key {section}.{unknown[0]} (allowed: {allowed})"
            )
    given = {}
    for name in field_schemas(section_type):
        found = data if name in top else values
        if name not in found:
            where = "top-level key" if name in top else "key"
            key = _key(section_type, section, name)
            raise PipelineError(f"{PARAMS_FILE}: missing {where} {key}")
        given[name] = found[name]
    try:
        return section_type(**given)
    except pydantic.ValidationError as err:
        raise _one_line(err, section_type, section, given) from None


def _one_line(
    err: pydantic.ValidationError, section_type: type, section: str | None, given: dict
) -> PipelineError:
    """The first error: the key (and list index), what is allowed there, and what it got."""
    name, *path = err.errors()[0]["loc"]
    schema, value = field_schemas(section_type)[name], given[name]
    key = _key(section_type, section, name)
    for index in path:
        if isinstance(index, int):  # an item of a list
            schema, key, value = schema["items"], f"{key}[{index}]", value[index]
    return PipelineError(f"{PARAMS_FILE}: {key} must be {allowed(schema)}, got {value!r}")
