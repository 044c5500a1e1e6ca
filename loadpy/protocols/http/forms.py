"""Form bodies as k6 encodes a JS object body: Go's `url.Values` (keys sorted, an array repeats its
key per element) with every value printed by Go's `fmt` `%v` (true, <nil>, map[a:1], 1e+21)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote_plus

__all__ = ["form_encode", "go_value"]

_INT64 = 1 << 63


def form_encode(fields: Mapping[Any, Any]) -> bytes:
    """`a=x&a=y&n=%3Cnil%3E&t=true`: what k6 sends for `{t: true, a: ['x', 'y'], n: null}`."""
    pairs: list[str] = []
    for key, value in sorted(((str(k), v) for k, v in fields.items()), key=lambda kv: kv[0]):
        escaped = quote_plus(key, safe="")
        for item in value if isinstance(value, list | tuple) else (value,):
            pairs.append(f"{escaped}={quote_plus(go_value(item), safe='')}")
    return "&".join(pairs).encode("ascii")


def go_value(value: Any) -> str:
    """A JS value (as Python sees it) printed the way Go's `fmt.Sprint` prints what goja exports."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, Mapping):
        items = sorted((str(k), go_value(v)) for k, v in value.items())  # fmt sorts map keys
        return "map[" + " ".join(f"{k}:{v}" for k, v in items) + "]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    return str(value)


def _go_float(value: float) -> str:
    """goja exports an integral number as int64; any other float prints as Go's shortest %g
    (exponent form below 1e-4 and from 1e6 on: 1.2345675e+06, 1e-05, 1e+21)."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < _INT64:
        return str(int(value))
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    exp10 = len(text) + exponent - 1
    prefix = "-" if sign else ""
    if exp10 < -4 or exp10 >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    return prefix + format(Decimal(repr(abs(value))), "f")
