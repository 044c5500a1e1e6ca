"""Trend sums past the largest double (issue #17, session 8): k6 adds float64s, so a custom trend's sum
overflows to +-Inf (avg Infinity in the summary, null in the export) and the other figures stay
finite; loadpy's exact sum (math.fsum) falls back to the same float sum instead of raising."""

from __future__ import annotations

from typing import Any

from tests.conformance.model import Case, Expect, m


def exact(label: str, getter: Any, value: float) -> Expect:
    return Expect(label, getter, lo=value, hi=value)


FOLD: list[Case] = [
    Case(
        "trend_sum_overflows",
        "a custom trend's values sum past 1.8e308 (both signs): the summary and export as k6's",
        {
            "default": [
                {"metric": {"name": "big", "value": 1e308}},
                {"metric": {"name": "big", "value": 1e308}},
                {"metric": {"name": "low", "value": -1e308}},
                {"metric": {"name": "low", "value": -1e308}},
            ]
        },
        {"vus": 1, "iterations": 2},
        metrics={"big": "trend", "low": "trend"},
        expect=(
            exact("big min", m("big", "min"), 1e308),
            exact("big max", m("big", "max"), 1e308),
            exact("big med", m("big", "med"), 1e308),
            exact("low min", m("low", "min"), -1e308),
            exact("low p(95)", m("low", "p(95)"), -1e308),
        ),
    ),
]
