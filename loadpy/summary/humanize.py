"""k6's number formatting for the text summary (summary.js humanizeValue), including the
JavaScript number semantics it relies on: `toFixed` rounds the exact binary value half-up,
and `Number.prototype.toString` prints the shortest round-trip digits without `.0`."""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from loadpy.metrics.metric import Contains, MetricType
from loadpy.summary.model import MetricSummary

_ANSI = re.compile(r"\x1b\[[0-9;]*[@-~]")
_BYTE_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_TIME_UNITS = {"s": ("s", 0.001), "ms": ("ms", 1.0), "us": ("µs", 1000.0)}


def js_str(value: float) -> str:
    """JavaScript's Number#toString for a double."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    digits_tuple = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, digits_tuple.digits))
    k = len(digits)
    n = k + int(digits_tuple.exponent)  # position of the decimal point
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        exp = n - 1
        mantissa = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
        body = f"{mantissa}e{'+' if exp >= 0 else '-'}{abs(exp)}"
    return sign + body


def to_fixed(value: float, digits: int) -> str:
    """JavaScript's Number#toFixed."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value) or abs(value) >= 1e21:
        return js_str(value)
    quantum = Decimal(1).scaleb(-digits)
    text = f"{Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP):f}"
    if text.startswith("-") and Decimal(text) == 0:
        return text  # JS keeps the sign: (-0.0000001).toFixed(2) === "-0.00"
    return text


def fixed_no_trailing_zeros(value: float, digits: int) -> str:
    """parseFloat(val.toFixed(digits)).toString()"""
    return js_str(float(to_fixed(value, digits)))


def fixed_no_trailing_zeros_trunc(value: float, digits: int) -> str:
    mult = 10.0**digits
    return fixed_no_trailing_zeros(math.trunc(mult * value) / mult, digits)


def humanize_bytes(value: float) -> str:
    if value < 10:
        return f"{js_str(value)} B"
    exp = math.floor(math.log(value) / math.log(1000))
    scaled = math.floor(value / 1000.0**exp * 10 + 0.5) / 10
    return f"{to_fixed(scaled, 1 if scaled < 10 else 0)} {_BYTE_UNITS[exp]}"


def humanize_generic_duration(ms: float) -> str:
    if ms == 0:
        return "0s"
    if ms < 0.001:
        return f"{js_str(float(math.trunc(ms * 1_000_000)))}ns"
    if ms < 1:
        return fixed_no_trailing_zeros_trunc(ms * 1000, 2) + "µs"
    if ms < 1000:
        return fixed_no_trailing_zeros_trunc(ms, 2) + "ms"
    text = fixed_no_trailing_zeros_trunc(math.fmod(ms, 60000) / 1000, 0 if ms > 60000 else 2) + "s"
    rem = math.trunc(ms / 60000)
    if rem < 1:
        return text
    text = f"{rem % 60}m{text}"
    rem = math.trunc(rem / 60)
    if rem < 1:
        return text
    return f"{rem}h{text}"


def humanize_duration(ms: float, time_unit: str | None) -> str:
    if time_unit and time_unit in _TIME_UNITS:
        unit, coef = _TIME_UNITS[time_unit]
        return to_fixed(ms * coef, 2) + unit
    return humanize_generic_duration(ms)


def humanize_value(value: float, mtype: MetricType, contains: Contains, time_unit: str | None) -> str:
    """k6's humanizeValue: rates as truncated percentages, bytes, durations or plain numbers."""
    if mtype is MetricType.RATE:
        if math.isnan(value):
            return "NaN%"
        return to_fixed(math.trunc(value * 100 * 100) / 100, 2) + "%"
    if not math.isfinite(value):
        return js_str(value)
    if contains is Contains.DATA:
        return humanize_bytes(value)
    if contains is Contains.TIME:
        return humanize_duration(value, time_unit)
    return fixed_no_trailing_zeros(value, 6)


def str_width(text: str) -> int:
    """Displayed width: NFKC code points without ANSI escape sequences (k6's strWidth)."""
    return len(unicodedata.normalize("NFKC", _ANSI.sub("", text)))


def non_trend_parts(m: MetricSummary, time_unit: str | None) -> list[str]:
    """A counter, gauge or rate metric's value columns as k6's summary prints them."""
    v = m.values

    def h(x: float) -> str:
        return humanize_value(x, m.type, m.contains, time_unit)

    if m.type is MetricType.COUNTER:
        return [h(v["count"]), h(v["rate"]) + "/s"]
    if m.type is MetricType.GAUGE:
        return [h(v["value"]), "min=" + h(v["min"]), "max=" + h(v["max"])]
    if m.type is MetricType.RATE:
        return [h(v["rate"]), f"{js_str(v['passes'])} out of {js_str(v['passes'] + v['fails'])}"]
    return ["[no data]"]
