"""How Go reads the values k6 gets: what encoding/json does to an options object before k6 reads it,
done to ours the same way, and strconv.ParseFloat.

* Keys match struct fields case-insensitively (`VUs`, `Iterations`, `Executor`, `AbortOnFail`).
  k6 marshals the script's options with sorted keys, so when two spellings of one field are
  given the one last in byte order wins (`vus` over `VUs`).
* Numbers must fit the Go field: every k6 option number is an int64 (counts) or a float64 read as
  milliseconds; neither holds infinity or NaN (YAML's `.inf`/`.nan`), and an int64 stops at 2^63-1.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

INT64_MAX = 2**63 - 1


def fold_keys(raw: Mapping[Any, Any], fields: Iterable[str]) -> tuple[dict[Any, Any], dict[str, str]]:
    """(`raw` with known fields under their canonical names, {canonical: written} for renamed ones).

    Unknown keys stay as written, so the caller can still report them.
    """
    canonical = {name.lower(): name for name in fields}
    out: dict[Any, Any] = {}
    written: dict[str, str] = {}
    for key in sorted(raw, key=lambda k: str(k)):  # byte order: the last spelling of a field wins
        name = canonical.get(str(key).lower(), key) if isinstance(key, str) else key
        out[name] = raw[key]
        if name != key:
            written[name] = key
        else:
            written.pop(name, None)
    # keep the order the user wrote (it shows in `inspect` and in messages)
    order = {key: index for index, key in enumerate(raw)}
    return dict(sorted(out.items(), key=lambda item: order.get(written.get(item[0], item[0]), 0))), written


def number_problem(value: object) -> str | None:
    """Why `value` cannot be a k6 option number, or None (also for non-numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value!r} is not a number k6 options can hold (JSON has no infinity or NaN)"
    if abs(value) > INT64_MAX:
        return f"the number {value:g} is out of range (k6 options hold 64-bit integers, at most {INT64_MAX})"
    return None


def first_bad_number(value: object) -> tuple[tuple[str | int, ...], str] | None:
    """(path inside `value`, message) of the first number no k6 option can hold, or None."""
    stack: list[tuple[tuple[str | int, ...], object]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, Mapping):
            stack.extend(((*path, str(k)), v) for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(item))))
        else:
            problem = number_problem(item)
            if problem is not None:
                return path, problem
    return None


def go_json_type(value: object) -> str:
    """The JSON type name Go's messages use for `value`."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "null" if value is None else "object"


# Go's strconv.ParseFloat syntax (decimal and hex floats, inf/infinity/nan); Python's float()
# is laxer (underscores, surrounding spaces), so the syntax is checked first.
_GO_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_GO_HEX = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+")
_GO_SPECIAL = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)


def parse_go_float(text: str) -> float:
    """Parse like Go's strconv.ParseFloat; ValueError carries Go's message."""
    if _GO_DECIMAL.fullmatch(text):
        value = float(text)
    elif _GO_HEX.fullmatch(text):
        value = float.fromhex(text)
    elif _GO_SPECIAL.fullmatch(text):
        return float(text.lower().replace("infinity", "inf"))
    else:
        raise ValueError(f'strconv.ParseFloat: parsing "{text}": invalid syntax')
    if math.isinf(value):
        raise ValueError(f'strconv.ParseFloat: parsing "{text}": value out of range')
    return value
