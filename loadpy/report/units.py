"""Human formatting of the report's numbers, each with its unit: never `1.085e+04`.

One function per kind of quantity (a duration in ms, a count, a per-second rate, a fraction,
bytes), and `metric_value` choosing among them from a metric's type and what it contains,
the way k6's summary does (time metrics in ms/s, data metrics in kB/MB, rates as percentages).
"""

from __future__ import annotations

import math
from typing import Any

from loadpy.metrics.selectors import split_metric_name

DASH = "-"

# What a metric is, for metrics whose results file carries no `units` (files written before
# the field existed): the built-ins k6 defines, by name.
_BUILTIN_TYPES: dict[str, tuple[str, str]] = {
    "http_reqs": ("counter", "default"),
    "iterations": ("counter", "default"),
    "dropped_iterations": ("counter", "default"),
    "data_sent": ("counter", "data"),
    "data_received": ("counter", "data"),
    "http_req_failed": ("rate", "default"),
    "checks": ("rate", "default"),
    "vus": ("gauge", "default"),
    "vus_max": ("gauge", "default"),
    "iteration_duration": ("trend", "time"),
    "group_duration": ("trend", "time"),
}


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _trim(text: str) -> str:
    """12.50 -> 12.5, 3.00 -> 3 (fixed decimals without the noise)."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def number(value: Any) -> str:
    """A plain quantity: 0, 0.25, 12.5, 850, 10,850, 1,234,567 (thousands separated)."""
    if not _finite(value):
        return DASH
    if value == int(value) or abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return _trim(f"{value:.1f}")
    if abs(value) >= 1:
        return _trim(f"{value:.2f}")
    decimals = 2 - math.floor(math.log10(abs(value)))  # three significant digits, in plain decimals
    return _trim(f"{value:.{decimals}f}")


def count(value: Any) -> str:
    """A count of things: always whole, thousands separated."""
    return f"{value:,.0f}" if _finite(value) else DASH


def duration_ms(value: Any) -> str:
    """A duration given in ms: 850µs, 12.35ms, 1.25s, 2m5s (k6's summary units)."""
    if not _finite(value):
        return DASH
    if value == 0:
        return "0s"
    if abs(value) < 1:
        return f"{_trim(f'{value * 1000:.2f}')}µs"
    if abs(value) < 1000:
        return f"{_trim(f'{value:.2f}')}ms"
    if abs(value) < 60_000:
        return f"{_trim(f'{value / 1000:.2f}')}s"
    return clock(value / 1000)


def clock(seconds: float) -> str:
    """A time of the run or a time-axis label: 0.5s, 30s, 1m30s, 2h5m."""
    if not _finite(seconds):
        return DASH
    if abs(seconds) < 10 and seconds != round(seconds):
        return f"{_trim(f'{seconds:.1f}')}s"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m{secs}s" if secs else f"{minutes}m"
    return f"{secs}s"


def per_second(value: Any) -> str:
    """A rate in events per second: 0.5/s, 123.4/s, 10,850/s."""
    return f"{number(value)}/s" if _finite(value) else DASH


def percent(part: Any, whole: Any) -> str:
    """part/whole as a percentage with two decimals; '-' when there is nothing to divide."""
    if not (_finite(part) and _finite(whole)) or not whole:
        return DASH
    return fraction(part / whole)


def fraction(value: Any) -> str:
    """A rate metric's value (0..1) as a percentage: 0.0123 -> 1.23%."""
    return f"{value * 100:.2f}%" if _finite(value) else DASH


def data_size(value: Any) -> str:
    """Bytes in k6's decimal units: 512 B, 1.2 kB, 35 MB."""
    if not _finite(value):
        return DASH
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(value) >= size:
            return f"{_trim(f'{value / size:.1f}')} {unit}"
    return f"{value:.0f} B"


def data_rate(value: Any) -> str:
    return f"{data_size(value)}/s" if _finite(value) else DASH


def metric_kind(name: str, units: dict[str, Any] | None) -> tuple[str, str]:
    """(type, contains) of a metric or submetric `name` (counter/gauge/rate/trend, default/time/data)."""
    base = split_metric_name(name)[0]
    known = (units or {}).get(base)
    if isinstance(known, dict):
        return str(known.get("type", "")), str(known.get("contains", "default"))
    if base in _BUILTIN_TYPES:
        return _BUILTIN_TYPES[base]
    if base.startswith("http_req_"):
        return "trend", "time"
    return "", "default"


def metric_value(name: str, stat: str, value: Any, units: dict[str, Any] | None) -> str:
    """One summary statistic of metric `name` (`count`, `rate`, `avg`, `p(95)`, `value` ...)
    formatted with the metric's unit."""
    mtype, contains = metric_kind(name, units)
    if stat in ("passes", "fails", "count"):
        return data_size(value) if contains == "data" and stat == "count" else count(value)
    if mtype == "rate":  # a Rate metric's value/rate: the share of true samples
        return fraction(value)
    if stat == "rate":  # a counter's rate is per second
        return data_rate(value) if contains == "data" else per_second(value)
    if contains == "time":
        return duration_ms(value)
    if contains == "data":
        return data_size(value)
    return number(value)
