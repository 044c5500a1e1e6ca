"""k6 duration values: Go duration strings ("1m30s", "500ms", "1.5s", "2h", "1d") or bare
numbers, which k6 reads as milliseconds. Parsed to float seconds."""

from __future__ import annotations

import re

from loadpy.errors import ConfigError

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}
_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h|d)")


def parse_duration(value: object, *, key: str | None = None) -> float:
    """Seconds for a k6 duration option; raises ConfigError naming `key` when invalid."""
    if isinstance(value, bool):
        raise ConfigError(f'invalid duration {value!r}: expected a string like "30s" or milliseconds', key=key)
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ConfigError(f"invalid duration {value!r}: must be a finite number of milliseconds", key=key)
        if value < 0:
            raise ConfigError(f"invalid duration {value!r}: must not be negative", key=key)
        return float(value) / 1000.0
    if not isinstance(value, str):
        raise ConfigError(f'invalid duration {value!r}: expected a string like "30s"', key=key)
    text = value.strip()
    if text in ("0", ""):
        if text == "":
            raise ConfigError('invalid duration "": expected a string like "30s"', key=key)
        return 0.0
    sign = 1.0
    if text[0] in "+-":
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    pos = 0
    total = 0.0
    for match in _PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(text) or pos == 0:
        if re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
            hint = f'missing unit in duration "{value}" (write "{text}s" or "{text}ms")'
            raise ConfigError(f"invalid duration {value!r}: {hint}", key=key)
        raise ConfigError(f'invalid duration "{value}": expected e.g. "30s", "1m30s", "500ms"', key=key)
    if total == float("inf"):
        raise ConfigError(f'invalid duration "{value}": out of range', key=key)
    if sign < 0 and total > 0:
        raise ConfigError(f'invalid duration "{value}": must not be negative', key=key)
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
