"""Validation as a schema (issue #16): the values whose checks moved into base/ are accepted and refused
as k6 v1.1.0 does. Every case was first run on k6 (`CONFORMANCE_K6_ONLY=1`)."""

from __future__ import annotations

from typing import Any

from tests.conformance.model import Case, Expect, m, served


def _get(path: str) -> dict[str, Any]:
    return {"request": {"method": "GET", "url": "${BASE_URL}" + path}}


def _exact(label: str, getter: Any, value: float) -> Expect:
    return Expect(label, getter, lo=value, hi=value)


NOTHING_SENT = (_exact("served", served("/"), 0),)

SCHEMA: list[Case] = [
    Case(
        "trend_stat_unknown_format",
        "summaryTrendStats 'mean' is not a trend stat: an error before any request",
        {"default": [_get("/")]},
        {"iterations": 1, "summaryTrendStats": ["avg", "mean"]},
        exit_code=255,
        known_difference="k6 v1.1.0 exits 255 (a generic error: it checks summaryTrendStats when it builds the "
        "summary output); loadpy exits 104 as for every invalid option (tests/badinput holds it to 104)",
        expect=NOTHING_SENT,
    ),
    Case(
        "trend_stat_percentile_go_float",
        "p(1e1) is a percentile Go's ParseFloat reads: accepted, and the export names it as written",
        {"default": [_get("/")]},
        {"iterations": 2, "summaryTrendStats": ["avg", "p(1e1)", "max"]},
        expect=(_exact("served", served("/"), 2), _exact("iterations", m("iterations"), 2)),
    ),
    Case(
        "trend_stat_percentile_not_a_number",
        "p(x) is refused as a percentile out of 0..100",
        {"default": [_get("/")]},
        {"iterations": 1, "summaryTrendStats": ["p(x)"]},
        exit_code=255,
        known_difference="k6 v1.1.0 exits 255 (a generic error: it checks summaryTrendStats when it builds the "
        "summary output); loadpy exits 104 as for every invalid option (tests/badinput holds it to 104)",
        expect=NOTHING_SENT,
    ),
    Case(
        "scenario_stage_target_string",
        "a scenario stage's target must be a number",
        {"default": [_get("/")]},
        {"scenarios": {"s": {"executor": "ramping-vus", "stages": [{"duration": "1s", "target": "ten"}]}}},
        exit_code=104,
        expect=NOTHING_SENT,
    ),
    Case(
        "scenario_combined_validation_errors",
        "several invalid fields of one executor: one error",
        {"default": [_get("/")]},
        {"scenarios": {"s": {"executor": "constant-arrival-rate", "rate": 0, "duration": "500ms"}}},
        exit_code=104,
        expect=NOTHING_SENT,
    ),
]
