"""Every number of the report with its unit, in k6's summary style: never exponent notation."""

from __future__ import annotations

import math

import pytest

from loadpy.report import units


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0s"),
        (0.0004, "0.4µs"),
        (0.85, "850µs"),
        (12.345, "12.35ms"),
        (100, "100ms"),
        (1250, "1.25s"),
        (59_999, "60s"),
        (125_000, "2m5s"),
        (7_500_000, "2h5m"),
        (None, "-"),
        (math.nan, "-"),
        (math.inf, "-"),
    ],
)
def test_durations(ms: float | None, text: str) -> None:
    assert units.duration_ms(ms) == text


def test_counts_rates_sizes_and_shares() -> None:
    assert [units.number(v) for v in (0, 0.25, 0.000123, 12.5, 850, 10_850, 1.5e9)] == [
        "0", "0.25", "0.000123", "12.5", "850", "10,850", "1,500,000,000"
    ]  # fmt: skip
    assert units.number(4.2e-9) == "0.0000000042"  # small, still no exponent
    assert units.count(10_850.0) == "10,850"
    assert units.per_second(79.984) == "79.98/s"
    assert units.percent(20, 1600) == "1.25%" and units.percent(1, 0) == "-"
    assert units.fraction(0.0123) == "1.23%"
    assert [units.data_size(v) for v in (512, 1_234, 35_000_000, 2.5e9)] == ["512 B", "1.2 kB", "35 MB", "2.5 GB"]
    assert units.data_rate(22_000) == "22 kB/s"


def test_metric_values_take_the_metric_unit() -> None:
    custom = {"wait": {"type": "trend", "contains": "time"}, "score": {"type": "trend", "contains": "default"}}
    assert units.metric_value("http_req_duration", "p(95)", 85.5, None) == "85.5ms"
    assert units.metric_value("http_req_duration{name:home}", "avg", 1500, None) == "1.5s"
    assert units.metric_value("http_req_failed", "value", 0.0125, None) == "1.25%"
    assert units.metric_value("checks", "rate", 0.5, None) == "50.00%"
    assert units.metric_value("checks", "passes", 1580, None) == "1,580"
    assert units.metric_value("http_reqs", "rate", 2000, None) == "2,000/s"
    assert units.metric_value("data_received", "count", 88_000, None) == "88 kB"
    assert units.metric_value("data_received", "rate", 22_000, None) == "22 kB/s"
    assert units.metric_value("wait", "med", 0.5, custom) == "500µs"
    assert units.metric_value("score", "max", 12345.6, custom) == "12,346"
    assert units.metric_value("vus", "value", 8, None) == "8"
