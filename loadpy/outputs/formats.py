"""Byte-exact renderings of Go values as k6 writes them (pure functions, no I/O).

k6's JSON output is produced by easyjson: floats with strconv 'g' shortest, strings
with HTML characters escaped, times as RFC3339 with trimmed nanoseconds.
"""

from __future__ import annotations

import math
import time
from decimal import Decimal

# easyjson escapes control characters (\t \r \n by name), '"', '\\', HTML's < > & and U+2028/9.
_ESCAPES: dict[int, str] = {c: f"\\u{c:04x}" for c in range(0x20)}
_ESCAPES.update(
    {
        ord("\t"): "\\t",
        ord("\r"): "\\r",
        ord("\n"): "\\n",
        ord('"'): '\\"',
        ord("\\"): "\\\\",
        ord("<"): "\\u003c",
        ord(">"): "\\u003e",
        ord("&"): "\\u0026",
        0x2028: "\\u2028",
        0x2029: "\\u2029",
    }
)


def json_string(text: str) -> str:
    """A JSON string literal exactly as easyjson writes it (non-ASCII kept as UTF-8)."""
    return '"' + text.translate(_ESCAPES) + '"'


_PLAIN_ESCAPES = {k: v for k, v in _ESCAPES.items() if k not in (ord("<"), ord(">"), ord("&"))}


def json_string_plain(text: str) -> str:
    """A JSON string without HTML escaping: k6 marshals a Metric's threshold sources this way."""
    return '"' + text.translate(_PLAIN_ESCAPES) + '"'


def json_str_map(items: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> str:
    """A JSON object of string values, in the order given."""
    return "{" + ",".join(json_string(k) + ":" + json_string(v) for k, v in items) + "}"


def go_float(value: float) -> str:
    """strconv.FormatFloat(value, 'g', -1, 64): shortest round-trip digits.

    Go's 'g' with shortest precision switches to exponent form when the decimal
    exponent is < -4 or >= 6 (encoding/json would use 21; k6 writes with easyjson).
    """
    if value.__class__ is not float:
        value = float(value)
    # Fast path, nearly every sample: in [1e-4, 1e6) Python's repr is Go's shortest form
    # (the same digits, fixed notation) except that Go drops a trailing ".0".
    if 1e-4 <= value < 1e6 or -1e6 < value <= -1e-4:
        return str(int(value)) if value.is_integer() else repr(value)
    return _go_float_slow(value)


def _go_float_slow(value: float) -> str:
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = repr(value)
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    mantissa, _, exp_text = text.partition("e")
    exp = int(exp_text) if exp_text else 0
    whole, _, frac = mantissa.partition(".")
    if frac == "0":
        frac = ""
    digits = (whole + frac).lstrip("0")
    # Decimal exponent of the first significant digit.
    point = len(whole) + exp if whole != "0" else exp - (len(frac) - len(frac.lstrip("0")))
    dexp = point - 1
    digits = digits.rstrip("0") or "0"
    if dexp < -4 or dexp >= 6:
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{body}e{'-' if dexp < 0 else '+'}{abs(dexp):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


class Rfc3339Nano:
    """Formats Unix nanoseconds as Go's RFC3339Nano in UTC ("2026-11-23T22:57:29.641104514Z").

    Trailing zeros of the fraction are trimmed, as Go does. The date-time prefix is
    cached per second because consecutive samples share it.
    """

    __slots__ = ("_prefix", "_second")

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def __call__(self, ns: int) -> str:
        second, frac = divmod(ns, 1_000_000_000)
        if second != self._second:
            self._second = second
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        if frac == 0:
            return self._prefix + "Z"
        return f"{self._prefix}.{frac:09d}".rstrip("0") + "Z"


def go_float_fixed(value: float) -> str:
    """strconv.FormatFloat(value, 'f', -1, 64): shortest round-trip digits, never an exponent
    (InfluxDB line protocol and StatsD lines)."""
    text = repr(float(value))
    if "e" in text:
        text = format(Decimal(text), "f")
    return text[:-2] if text.endswith(".0") else text
