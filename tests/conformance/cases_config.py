"""Config fidelity (issue #13): how k6 reads option keys, durations and `${NAME}` in option keys.
Every case was first run on k6 v1.1.0 (`CONFORMANCE_K6_ONLY=1`)."""

from __future__ import annotations

from typing import Any

from tests.conformance.model import Case, Expect, m, served, span_ms, threshold_failed

ITER = m("iterations")


def _get(path: str, **extra: Any) -> dict[str, Any]:
    return {"request": {"method": "GET", "url": "${BASE_URL}" + path, **extra}}


def _exact(label: str, getter: Any, value: float) -> Expect:
    return Expect(label, getter, lo=value, hi=value)


def _one(**fields: Any) -> dict[str, Any]:
    return {"scenarios": {"s": fields}}


CONFIG: list[Case] = [
    Case(
        "option_keys_any_case",
        "top-level keys match case-insensitively: VUs/Iterations are honoured",
        {"default": [_get("/delay/300")]},
        {"VUs": 2, "Iterations": 4},
        timing=True,
        expect=(
            _exact("iterations", ITER, 4),
            _exact("served", served("/delay/300"), 4),
            Expect(
                "arrival span ms",
                span_ms("/delay/300"),
                tol=150,
                lo=200,
                hi=650,
                why="2 VUs: two rounds of 300ms (1 VU would take 900ms); scheduler noise",
            ),
        ),
    ),
    Case(
        "scenario_keys_any_case",
        "scenario and stage fields match case-insensitively",
        {"default": [_get("/items/pvu")], "ramp": [_get("/delay/250")]},
        {
            "scenarios": {
                "s": {"Executor": "per-vu-iterations", "VUs": 2, "Iterations": 3},
                "r": {
                    "executor": "ramping-vus",
                    "StartVUs": 1,
                    "gracefulRampDown": "0s",
                    "Exec": "ramp",
                    "Stages": [{"Duration": "1s", "Target": 1}],
                },
            }
        },
        timing=True,
        structure=False,
        expect=(
            _exact("per-vu-iterations", served("/items/pvu"), 6),
            Expect(
                "ramping-vus",
                served("/delay/250"),
                tol=1,
                lo=3,
                hi=5,
                why="250ms iterations for 1s on 1 VU; the last one may or may not start",
            ),
        ),
    ),
    Case(
        "spellings_collide",
        "{iterations: 2, Iterations: 3}: the last in byte order (iterations) wins",
        {"default": [_get("/")]},
        _one(executor="shared-iterations", iterations=2, Iterations=3),
        expect=(_exact("iterations", ITER, 2),),
    ),
    Case(
        "threshold_object_any_case",
        "{Threshold, AbortOnFail} in a threshold object",
        {"default": [_get("/")]},
        {"iterations": 2, "thresholds": {"iterations": [{"Threshold": "count<1", "AbortOnFail": False}]}},
        exit_code=99,
        expect=(_exact("iterations", ITER, 2), _exact("verdict", threshold_failed("iterations", "count<1"), 1)),
    ),
    Case(
        "duration_unitless_is_ms",
        'maxDuration "1_500" (Go float syntax, no unit) is 1.5s',
        {"default": [_get("/delay/400")]},
        _one(executor="shared-iterations", iterations=100, maxDuration="1_500", gracefulStop="0s"),
        timing=True,
        structure=False,
        exact_checks=False,
        expect=(
            Expect(
                "iterations", ITER, tol=1, lo=2, hi=4, why="~400ms iterations inside a 1.5s window; the last may be cut"
            ),
        ),
    ),
    Case(
        "duration_leading_space",
        'k6 does not trim durations: " 2s" is an error',
        {"default": [_get("/")]},
        {"vus": 1, "duration": " 2s"},
        exit_code=104,
        expect=(_exact("served", served("/"), 0),),
    ),
    Case(
        "duration_beyond_int64",
        "99999999999999999h overflows Go's Duration: an error",
        {"default": [_get("/")]},
        {"vus": 1, "duration": "99999999999999999h"},
        exit_code=104,
        expect=(_exact("served", served("/"), 0),),
    ),
    Case(
        "iterations_beyond_int64",
        "iterations 1e20 does not fit an int64: an error",
        {"default": [_get("/")]},
        {"iterations": 1e20},
        exit_code=104,
        expect=(_exact("served", served("/"), 0),),
    ),
    Case(
        "stage_without_target",
        "a stage without target is a configuration error",
        {"default": [_get("/")]},
        {"stages": [{"duration": "1s"}]},
        exit_code=104,
        expect=(_exact("served", served("/"), 0),),
    ),
    Case(
        "scenario_tag_number",
        "scenario tags hold strings only",
        {"default": [_get("/")]},
        _one(executor="shared-iterations", iterations=1, tags={"shard": 1}),
        exit_code=104,
        expect=(_exact("served", served("/"), 0),),
    ),
    Case(
        "scenario_env_number",
        "scenario env holds strings only",
        {"default": [_get("/")]},
        _one(executor="shared-iterations", iterations=1, env={"N": 1}),
        exit_code=104,
        expect=(_exact("served", served("/"), 0),),
    ),
    Case(
        "top_level_tag_number",
        "top-level tags hold strings only",
        {"default": [_get("/")]},
        {"iterations": 1, "tags": {"shard": 1}},
        exit_code=104,
        expect=(_exact("served", served("/"), 0),),
    ),
    Case(
        "threshold_key_env",
        "${NAME} in a threshold key; submetrics without samples read 0",
        {"default": [_get("/items/1", name="${ROUTE}")]},
        {
            "iterations": 2,
            "thresholds": {
                "http_reqs{name:${ROUTE}}": ["count==2"],
                "http_req_duration{name:nothing}": ["p(95)<200"],
                "http_reqs{name:nothing}": ["count>0"],
            },
        },
        env={"ROUTE": "items-one"},
        exit_code=99,
        expect=(
            _exact("watched", m("http_reqs{name:items-one}"), 2),
            _exact("watched verdict", threshold_failed("http_reqs{name:items-one}", "count==2"), 0),
            _exact("empty trend verdict", threshold_failed("http_req_duration{name:nothing}", "p(95)<200"), 0),
            _exact("empty counter verdict", threshold_failed("http_reqs{name:nothing}", "count>0"), 1),
        ),
    ),
]
