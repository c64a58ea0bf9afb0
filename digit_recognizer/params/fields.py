"""What a param allows: each stage declares its section as a frozen dataclass of checked fields.

    @dataclass(frozen=True)
    class SplitParams:
        validation_fraction: float = param(number(0.0, 1.0, low_open=True, high_open=True))
        seed: int = param(random_seed())

A check takes the dotted key and the value from params.yaml and returns the value (a list as a
tuple), or raises a one-line PipelineError naming the key, what is allowed, and what it got.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from digit_recognizer.console import PipelineError

PARAMS_FILE = Path("params.yaml")
SEED_MAX = 2**32 - 1

Check = Callable[[str, Any], Any]


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
