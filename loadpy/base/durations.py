"""k6 duration values, parsed exactly as k6 does (types.ParseExtendedDuration), to float seconds.

A string is, in this order: a number Go's strconv.ParseFloat reads ("1500", "1_500", "1e3",
"0x1p3") = milliseconds; a Go time.ParseDuration string ("1m30s", ".5s", "+2h"); or whole days
before the rest ("1d12h"). No whitespace anywhere. A bare number (JSON/YAML) is milliseconds.
Whatever k6 would wrap around int64 nanoseconds (it does, silently) is refused here.
"""

from __future__ import annotations

import math
import re

from loadpy.base.schema import Invalid
from loadpy.errors import ConfigError

MAX_NS = 2**63 - 1  # Go's time.Duration
_UNIT_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9}
_UNIT_NS["h"] = 3600 * 10**9
_DIGITS = r"[0-9](?:_?[0-9])*"  # Go allows "_" between digits
_DECIMAL = re.compile(rf"[+-]?(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?")
_HEX = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+")
_SPECIAL = re.compile(r"[+-]?(?:inf|infinity)|nan", re.IGNORECASE)
_INT = re.compile(r"[+-]?[0-9]+")


def parse_duration(value: object, *, key: str | None = None) -> float:
    """Seconds for a k6 duration option; Invalid (a ConfigError, naming `key` when given) when invalid."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        shown = "true" if value is True else "false" if value is False else repr(value)
        raise Invalid((), f'invalid duration {shown}: expected a string like "30s" or milliseconds', key=key)
    try:
        ns = _milliseconds_ns(float(value)) if not isinstance(value, str) else _extended_ns(value)
    except _GoError as exc:
        # k6's words (Go's), led by the value when they quote only a part of it ("ten seconds" -> "s")
        lead = "" if _show(value) in exc.message else f"invalid duration {_show(value)}: "
        raise Invalid((), lead + exc.message, key=key) from None
    if ns < 0:
        raise Invalid((), f"invalid duration {_show(value)}: must not be negative", key=key)
    return ns / 1e9


class _GoError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_go_duration(text: str, *, key: str | None = None) -> float:
    """Seconds for a setting Go reads with time.ParseDuration (extensions' env settings such as
    K6_WEB_DASHBOARD_PERIOD): a unit is required, unlike k6 options; Go's message when invalid."""
    try:
        ns = _go_duration_ns(text)
    except _GoError as exc:
        raise ConfigError(exc.message, key=key) from None
    if ns < 0:
        raise ConfigError(f"invalid duration {_show(text)}: must not be negative", key=key)
    return ns / 1e9


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _milliseconds_ns(ms: float, text: str | None = None) -> int:
    shown = f'"{text}"' if text is not None else repr(ms)
    if not math.isfinite(ms) or abs(ms) * 1e6 > MAX_NS:
        raise _GoError(f"invalid duration {shown}: out of range (at most {MAX_NS // 10**6} milliseconds)")
    return int(ms * 1e6)


def _go_float(text: str) -> float | None:
    """strconv.ParseFloat(text, 64), or None where Go's would fail."""
    if _DECIMAL.fullmatch(text) or _SPECIAL.fullmatch(text):
        return float(text)
    if _HEX.fullmatch(text):
        return float.fromhex(text)
    return None


def _extended_ns(text: str) -> int:
    number = _go_float(text)
    if number is not None:  # no unit: milliseconds
        return _milliseconds_ns(number, text)
    d_at = text.find("d")
    if d_at < 0:
        return _go_duration_ns(text)
    hours = 0
    if d_at + 1 < len(text):
        hours = _go_duration_ns(text[d_at + 1 :], whole=text)
        if hours < 0:
            raise _GoError(f"invalid time format '{text[d_at + 1 :]}'")
    days_text = text[:d_at]
    if not _INT.fullmatch(days_text):
        raise _GoError(f'strconv.ParseInt: parsing "{days_text}": invalid syntax')
    days = int(days_text)
    total = days * 86400 * 10**9 + (-hours if days < 0 else hours)
    if abs(total) > MAX_NS:
        raise _GoError(f'invalid duration "{text}": out of range')
    return total


def _go_duration_ns(text: str, whole: str | None = None) -> int:
    """time.ParseDuration(text) in nanoseconds, with Go's messages."""
    quoted = f'"{text}"'
    invalid = _GoError(f"time: invalid duration {quoted}")
    rest = text
    negative = False
    if rest[:1] in ("-", "+"):
        negative = rest[0] == "-"
        rest = rest[1:]
    if rest == "0":
        return 0
    if rest == "":
        raise invalid
    total = 0
    while rest:
        if not (rest[0] == "." or "0" <= rest[0] <= "9"):
            raise invalid
        whole_digits = re.match(r"[0-9]*", rest).group()  # type: ignore[union-attr]
        rest = rest[len(whole_digits) :]
        fraction = ""
        if rest[:1] == ".":
            fraction = re.match(r"[0-9]*", rest[1:]).group()  # type: ignore[union-attr]
            rest = rest[1 + len(fraction) :]
            if not whole_digits and not fraction:
                raise invalid
        elif not whole_digits:
            raise invalid
        unit_len = 0
        while unit_len < len(rest) and not (rest[unit_len] == "." or "0" <= rest[unit_len] <= "9"):
            unit_len += 1
        if unit_len == 0:
            raise _GoError(f"time: missing unit in duration {quoted}")
        unit = rest[:unit_len]
        rest = rest[unit_len:]
        if unit not in _UNIT_NS:
            raise _GoError(f'time: unknown unit "{unit}" in duration {quoted}')
        scale = _UNIT_NS[unit]
        value = int(whole_digits or "0")
        if value > 2**63 // scale:
            raise invalid
        part = value * scale
        if fraction:
            part += int(int(fraction[:18]) * (scale / 10 ** len(fraction[:18])))
        total += part
        if total > 2**63:
            raise invalid
    if negative:
        return -total
    if total > MAX_NS:
        raise invalid
    return total


def format_duration(seconds: float) -> str:
    """Go's time.Duration.String() for a number of seconds: "10m0s", "1m30s", "500ms", "0s"."""
    ns = round(seconds * 1e9)
    if ns == 0:
        return "0s"
    neg = ns < 0
    ns = abs(ns)
    if ns < 1_000_000_000:
        if ns < 1_000:
            out = f"{ns}ns"
        elif ns < 1_000_000:
            out = f"{_trim(ns / 1e3)}µs"
        else:
            out = f"{_trim(ns / 1e6)}ms"
        return ("-" if neg else "") + out
    hours, rem = divmod(ns, 3_600_000_000_000)
    minutes, rem = divmod(rem, 60_000_000_000)
    secs = _trim(rem / 1e9)
    out = ""
    if hours:
        out += f"{hours}h"
    if hours or minutes:
        out += f"{minutes}m"
    out += f"{secs}s"
    return ("-" if neg else "") + out


def _trim(value: float) -> str:
    text = f"{value:.9f}".rstrip("0").rstrip(".")
    return text or "0"
