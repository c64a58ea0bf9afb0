"""Typed, checked params: each stage declares its section as a frozen dataclass.

    @dataclass(frozen=True)
    class SplitParams:
        validation_fraction: float = param(number(0.0, 1.0, low_open=True, high_open=True))
        seed: int = param(random_seed())

    params = read_params(SplitParams, "split")

Every field must be present in the section and pass its check; a key in the section that is
no field (a misspelling) is refused. Errors are one line naming the key and what was expected.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from digit_recognizer.console import PipelineError

PARAMS_FILE = Path("params.yaml")
SEED_MAX = 2**32 - 1

Check = Callable[[str, Any], Any]
Section = TypeVar("Section")


def param(check: Check, top_level: bool = False) -> Any:
    """A dataclass field read from the stage's section (or, top_level, from the file's top)."""
    return dataclasses.field(metadata={"check": check, "top_level": top_level})


def _expecting(allowed: str, check: Check) -> Check:
    """`check`, labelled with what it allows (for errors and for `--help`)."""
    check.allowed = allowed  # type: ignore[attr-defined]
    return check


def _bad(key: str, allowed: str, value: Any) -> PipelineError:
    return PipelineError(f"{PARAMS_FILE}: {key} must be {allowed}, got {value!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def integer(minimum: int = 0, maximum: int | None = None) -> Check:
    """An int >= minimum (and <= maximum, if given; booleans refused)."""
    allowed = f"an integer >= {minimum}" if maximum is None else f"an integer {minimum}..{maximum}"

    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise _bad(key, allowed, value)
        if maximum is not None and value > maximum:
            raise _bad(key, allowed, value)
        return value

    return _expecting(allowed, check)


def random_seed() -> Check:
    """A random seed, within what NumPy, scikit-learn and Keras all take (32 bits)."""
    return integer(0, SEED_MAX)


def number(low: float, high: float, low_open: bool = False, high_open: bool = False) -> Check:
    """A float between low and high (ends excluded when *_open); DVC's `-S key=1` ints are cast."""

    interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    allowed = f"a number in {interval}"

    def check(key: str, value: Any) -> float:
        ok = _is_number(value) and (value > low if low_open else value >= low)
        ok = ok and (value < high if high_open else value <= high)
        if not ok:
            raise _bad(key, allowed, value)
        return float(value)

    return _expecting(allowed, check)


def positive() -> Check:
    """A float > 0."""

    def check(key: str, value: Any) -> float:
        if not _is_number(value) or not math.isfinite(value) or value <= 0:
            raise _bad(key, "a finite number > 0", value)
        return float(value)

    return _expecting("a finite number > 0", check)


def boolean(key: str, value: Any) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise _bad(key, "true or false", value)
    return value


boolean.allowed = "true or false"  # type: ignore[attr-defined]


def choice(*options: Any) -> Check:
    """One of the given values."""

    allowed = "one of " + ", ".join(map(str, options))

    def check(key: str, value: Any) -> Any:
        if value not in options or isinstance(value, bool) != isinstance(options[0], bool):
            raise _bad(key, allowed, value)
        return value

    return _expecting(allowed, check)


def int_list(minimum: int = 1, min_length: int = 1) -> Check:
    """A list of at least min_length ints, each >= minimum; returned as a tuple."""

    allowed = f"a list of at least {min_length} integers >= {minimum}"

    def check(key: str, value: Any) -> tuple[int, ...]:
        if (
            not isinstance(value, list)
            or len(value) < min_length
            or any(isinstance(v, bool) or not isinstance(v, int) or v < minimum for v in value)
        ):
            raise _bad(key, allowed, value)
        return tuple(value)

    return _expecting(allowed, check)


def seed_list(key: str, value: Any) -> tuple[int, ...]:
    """A list of at least one distinct random seed; returned as a tuple."""
    if not isinstance(value, list) or not value:
        raise _bad(key, seed_list.allowed, value)  # type: ignore[attr-defined]
    seeds = tuple(random_seed()(f"{key}[{i}]", v) for i, v in enumerate(value))
    if len(set(seeds)) < len(seeds):
        raise _bad(key, seed_list.allowed, value)  # type: ignore[attr-defined]
    return seeds


seed_list.allowed = f"a list of distinct integers 0..{SEED_MAX}"  # type: ignore[attr-defined]


def optional(inner: Check) -> Check:
    """`null` or what `inner` allows."""

    def check(key: str, value: Any) -> Any:
        return None if value is None else inner(key, value)

    return _expecting(f"null or {inner.allowed}", check)  # type: ignore[attr-defined]


def text(key: str, value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value:
        raise _bad(key, "a non-empty string", value)
    return value


text.allowed = "a non-empty string"  # type: ignore[attr-defined]


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
