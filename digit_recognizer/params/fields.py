"""What a param allows: each section is a pydantic dataclass whose field types say it.

    @section
    class SplitParams:
        validation_fraction: Annotated[float, Field(gt=0.0, lt=1.0)]
        seed: Seed
        stratify: bool

A bad value is refused with one line naming the key, what is allowed and what it got
(reading.py).

Types are strict (a bool is no number, 1.5 no integer, "1" nothing but a string) except that
an int is taken where a float is asked (DVC's `-S key=1`); lists become tuples. What a field
allows, in words, comes from its JSON schema: for the one-line errors and for `--help`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pydantic
from pydantic import AfterValidator, Field, Strict

PARAMS_FILE = Path("params.yaml")
SEED_MAX = 2**32 - 1

CONFIG = pydantic.ConfigDict(strict=True, allow_inf_nan=False, extra="forbid")
Count = Annotated[int, Field(ge=1)]
Seed = Annotated[int, Field(ge=0, le=SEED_MAX)]
Positive = Annotated[float, Field(gt=0)]  # finite, as every float here
Fraction = Annotated[float, Field(ge=0.0, lt=1.0)]  # a dropout, a momentum: [0, 1)
Text = Annotated[str, Field(min_length=1)]


def list_of(item: Any = Count, min_length: int = 1) -> Any:
    """A list of at least min_length `item`s (a tuple once read)."""
    return Annotated[tuple[item, ...], Field(min_length=min_length), Strict(False)]


Counts = list_of(Count)


def distinct(values: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(set(values)) < len(values):
        raise ValueError("repeated")
    return values


SeedList = Annotated[
    list_of(Seed),
    AfterValidator(distinct),
    Field(description=f"a list of distinct integers 0..{SEED_MAX}"),
]


def section(cls: type) -> Any:
    """`cls` as a frozen pydantic dataclass of checked params. A `TOP_LEVEL` class variable
    names the fields read from the top of params.yaml rather than from the section."""
    return pydantic.dataclasses.dataclass(frozen=True, config=CONFIG)(cls)


def allowed(schema: dict[str, Any]) -> str:
    """What a field's JSON schema allows, in words: "an integer >= 1", "one of a, b"..."""
    if "description" in schema:
        return schema["description"]
    if "anyOf" in schema:
        (inner,) = [s for s in schema["anyOf"] if s != {"type": "null"}]
        return f"null or {allowed(inner)}"
    if "enum" in schema or "const" in schema:
        return "one of " + ", ".join(map(str, schema.get("enum", [schema.get("const")])))
    kind = schema.get("type")
    if kind == "boolean":
        return "true or false"
    if kind == "string":
        return "a non-empty string" if schema.get("minLength") else "a string"
    if kind == "array":
        items = allowed(schema["items"]).replace("an integer", "integers", 1)
        return f"a list of at least {schema.get('minItems', 0)} {items}"
    low, high = schema.get("minimum"), schema.get("maximum")
    if kind == "integer":
        return f"an integer {low}..{high}" if high is not None else f"an integer >= {low}"
    low_open, high_open = "exclusiveMinimum" in schema, "exclusiveMaximum" in schema
    low = schema.get("exclusiveMinimum", low)
    high = schema.get("exclusiveMaximum", high)
    if high is None:
        return f"a finite number {'>' if low_open else '>='} {low}"
    return f"a number in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
