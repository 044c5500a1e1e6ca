"""Byte-exact renderings of Go values as k6 writes them (pure functions, no I/O).

k6's JSON output is produced by easyjson: floats with strconv 'g' shortest, strings
with HTML characters escaped, times as RFC3339 with trimmed nanoseconds.
"""

from __future__ import annotations

import math
import re
import time
from decimal import Decimal
from itertools import repeat
from operator import add, mod, sub, truediv
from typing import Any

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


# orjson writes these values unlike Go: exponents (Go writes 2 digits at least), null (NaN, ±Inf), false and
# true hold a letter; 0 < |v| < 1e-4 is 0.0000d (Go: de-05); |v| >= 1e6 has 7 digits or more before its
# point (Go: d.ddde+06), found by _BIG after a comma.
_NOT_GO_TEXTS = (b"e", b"n", b"0.0000")
_BIG = re.compile(rb",-?\d{7}")


def go_floats(values: list[Any]) -> list[bytes]:
    """`go_float` of every value, as UTF-8: formatted at once in C by orjson (the shortest digits, as
    Go), then the few texts that differ by go_float."""
    if not values:
        return []
    import orjson  # here: go_float's importers (k6lib.gofmt, every VU) must not pay orjson's ~8 ms import

    try:
        body = orjson.dumps(values)[1:-1]
    except TypeError:  # an int past 64 bits: repr (_BIG holds for it)
        body = ",".join(map(repr, values)).encode()
    # a whole number has ".0", which Go omits (a shortest form has no other trailing zero)
    texts = (body + b",").replace(b".0,", b",").split(b",")
    texts.pop()
    odd: list[int] = []  # where in body an odd text is: C-level searches, a Python step per odd text only
    for needle in _NOT_GO_TEXTS:
        at = body.find(needle)
        while at >= 0:
            odd.append(at)
            at = body.find(needle, at + 1)
    # max() over a NaN (orjson's null) can miss a big value: search for them all then; else one pass when
    # no value is negative (a C comparison a value: the costliest step of this function)
    if b"n" in body or max(values) >= 1e6 or (b"-" in body and min(values) <= -1e6):
        odd.extend(found.start() for found in _BIG.finditer(b"," + body))  # the comma's, one before the text
    if odd:
        odd.sort()
        index = start = 0
        for at in odd:
            index += body.count(b",", start, at)  # the text holding body[at]
            start = at
            texts[index] = go_float(values[index]).encode()
    return texts


def rfc3339_nanos(origin: int, ns: list[int], suffix: bytes) -> list[bytes]:
    """`Rfc3339Nano` of each time (`origin` + ns, origin a whole multiple of 10 s), each followed by
    `suffix`, as UTF-8, formatted in C passes: the seconds' last digit and the fraction make one number
    below 10 (ns mod 10 s / 1e9, exact to the nanosecond: a correctly rounded quotient of two exact
    doubles) whose shortest digits orjson writes with the fraction's trailing zeros trimmed, as Go's;
    the rest is one strftime per 10 s."""
    rests = list(map(mod, ns, repeat(10**10)))
    blocks = list(map(sub, ns, rests))
    heads = {
        block: time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((origin + block) // 10**9))[:-1].encode()
        for block in set(blocks)
    }
    numbers = list(map(truediv, rests, repeat(1e9)))
    import orjson  # (see go_floats)

    body = orjson.dumps(numbers)[1:-1]
    # "2.0" is a whole second, which Go writes without a fraction ("...:42Z"); the suffix goes on in the
    # same pass (it may hold commas: it is split on NUL, which no number holds)
    ends = (body + b",").replace(b".0,", b",").replace(b",", b"Z" + suffix + b"\0").split(b"\0")
    texts = list(map(add, map(heads.__getitem__, blocks), ends))
    if b"e" in body or b"0.0000" in body:  # below 0.0001 s into a 10-s block: orjson's exponent or 0.0000d
        single = Rfc3339Nano()
        for index, number in enumerate(numbers):
            if number < 1e-4:
                texts[index] = single(origin + ns[index]).encode() + suffix
    return texts


def go_float_fixed(value: float) -> str:
    """strconv.FormatFloat(value, 'f', -1, 64): shortest round-trip digits, never an exponent
    (InfluxDB line protocol and StatsD lines)."""
    text = repr(float(value))
    if "e" in text:
        text = format(Decimal(text), "f")
    return text[:-2] if text.endswith(".0") else text
