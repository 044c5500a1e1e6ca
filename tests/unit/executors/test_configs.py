"""Executor configs: parsing, k6's validation messages, descriptions and plans (pure)."""

from __future__ import annotations

from fractions import Fraction
from itertools import islice

import pytest

from loadpy.errors import ConfigError
from loadpy.executors import parse_scenario
from loadpy.executors.base import to_ns
from loadpy.executors.constant_arrival_rate import ConstantArrivalRateConfig
from loadpy.executors.ramping_arrival_rate import RampingArrivalRateConfig
from loadpy.executors.ramping_vus import RampingVUsConfig, local_steps, raw_steps
from loadpy.segments import FULL, resolve


def error_of(raw: dict[str, object], name: str = "s") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_scenario(name, raw)
    return info.value


@pytest.mark.parametrize(
    ("raw", "message", "field"),
    [
        (
            {"executor": "constant-arrival-rate", "rate": 0, "duration": "500ms"},
            "the iteration rate must be more than 0, the duration must be at least 1s, but is 500ms, "
            "the number of preAllocatedVUs isn't specified",
            "rate",
        ),
        (
            {"executor": "externally-controlled", "gracefulStop": "1s"},
            "the duration must be specified, for infinite duration use 0, "
            "gracefulStop is not supported by the externally controlled executor",
            "duration",
        ),
        ({"executor": "ramping-vus"}, "at least one stage has to be specified", "stages"),
        (
            {"executor": "shared-iterations", "vus": 5, "iterations": 3},
            "the number of iterations (3) can't be less than the number of VUs (5)",
            "iterations",
        ),
        (
            {"executor": "constant-vus", "vus": 0},
            "the number of VUs must be more than 0, the duration is unspecified",
            "vus",
        ),
        (
            {"executor": "per-vu-iterations", "iterations": 0, "maxDuration": "0.5s"},
            "the number of iterations must be more than 0, the maxDuration must be at least 1s, but is 500ms",
            "iterations",
        ),
        (
            {"executor": "ramping-vus", "startVUs": 0, "stages": [{"duration": "1s", "target": 0}, {"target": 1}]},
            "stage 2 doesn't have a duration",
            "stages",
        ),
        (
            {"executor": "ramping-vus", "startVUs": 0, "stages": [{"duration": "1s", "target": 0}]},
            "either startVUs or one of the stages' target values must be greater than 0",
            "stages",
        ),
        (
            {
                "executor": "ramping-arrival-rate",
                "stages": [{"duration": "1s", "target": 1}],
                "preAllocatedVUs": 2,
                "maxVUs": 1,
            },
            "maxVUs can't be less than preAllocatedVUs",
            "maxVUs",
        ),
        (
            {"executor": "externally-controlled", "vus": 9, "maxVUs": 5, "duration": "1s"},
            "the number of active VUs (9) must be less than or equal to the number of maxVUs (5)",
            "vus",
        ),
    ],
)
def test_validation_messages_are_k6s(raw: dict[str, object], message: str, field: str) -> None:
    """k6 joins the messages into one; the error points at the field of the first."""
    err = error_of(raw)
    assert err.message == message
    assert err.key == f"options.scenarios.s.{field}"


def test_bad_names_fields_and_executors() -> None:
    assert error_of({"executor": "per-vu-iterations"}, name="a b").message == (
        "the scenario name should contain only numbers, latin letters, underscores, and dashes"
    )
    unknown = error_of({"executor": "per-vu-iterations", "vu": 1})
    assert (unknown.message, unknown.key, unknown.hint) == (
        'json: unknown field "vu"',
        "options.scenarios.s.vu",
        "did you mean vus?",
    )
    assert error_of({"executor": "constant-arrival-rate", "preAlocatedVUs": 1}).hint == "did you mean preAllocatedVUs?"
    bad = error_of({"executor": "x"})
    assert (bad.message, bad.key) == ("unknown executor type 'x'", "options.scenarios.s.executor")
    assert error_of({"executor": "per-vu-iterations", "exec": ""}).message == "exec value cannot be empty"
    assert "unmarshal string" in error_of({"executor": "per-vu-iterations", "vus": "2"}).message
    assert error_of({"executor": "per-vu-iterations", "maxDuration": "10 s"}).key == "options.scenarios.s.maxDuration"


def test_descriptions_and_max_durations() -> None:
    pvi = parse_scenario("default", {"executor": "per-vu-iterations", "vus": 2, "iterations": 3})
    assert pvi.describe() == "3 iterations for each of 2 VUs (maxDuration: 10m0s, gracefulStop: 30s)"
    assert pvi.max_duration() == 630.0 and pvi.max_vus() == 2
    shared = parse_scenario(
        "default", {"executor": "shared-iterations", "vus": 2, "iterations": 1000, "maxDuration": "1s"}
    )
    assert shared.describe() == "1000 iterations shared among 2 VUs (maxDuration: 1s, gracefulStop: 30s)"
    cv = parse_scenario(
        "a",
        {"executor": "constant-vus", "vus": 2, "duration": "2s", "exec": "fa", "startTime": "1s", "gracefulStop": "0s"},
    )
    assert cv.describe() == "2 looping VUs for 2s (exec: fa, startTime: 1s)"
    rv = parse_scenario("r", {"executor": "ramping-vus", "stages": [{"duration": "2s", "target": 4}]})
    assert rv.describe() == "Up to 4 looping VUs for 2s over 1 stages (gracefulRampDown: 30s, gracefulStop: 30s)"
    car = parse_scenario(
        "c", {"executor": "constant-arrival-rate", "rate": 10, "duration": "2s", "preAllocatedVUs": 2, "maxVUs": 50}
    )
    assert car.describe() == "10.00 iterations/s for 2s (maxVUs: 2-50, gracefulStop: 30s)"
    assert car.max_vus() == 50 and car.planned_vus(FULL) == 2
    rar = parse_scenario(
        "r",
        {
            "executor": "ramping-arrival-rate",
            "startRate": 5,
            "timeUnit": "2s",
            "stages": [{"duration": "1m", "target": 30}],
            "preAllocatedVUs": 3,
        },
    )
    assert rar.describe() == "Up to 15.00 iterations/s for 1m0s over 1 stages (maxVUs: 3, gracefulStop: 30s)"
    ec = parse_scenario("e", {"executor": "externally-controlled", "vus": 1, "maxVUs": 5, "duration": 0})
    assert ec.describe() == "Externally controlled execution with 1 VUs, 5 max VUs, infinite duration"
    assert ec.max_vus() == 5 and ec.graceful_stop == 0.0


def test_to_dict_is_camel_case_with_k6_durations() -> None:
    car = parse_scenario(
        "c",
        {"executor": "constant-arrival-rate", "rate": 10, "duration": 90000, "preAllocatedVUs": 2, "tags": {"k": 1}},
    )
    assert car.to_dict() == {
        "executor": "constant-arrival-rate",
        "gracefulStop": "30s",
        "rate": 10,
        "timeUnit": "1s",
        "duration": "1m30s",
        "preAllocatedVUs": 2,
        "maxVUs": 2,
        "exec": "default",
        "tags": {"k": "1"},
    }


def test_ramping_vus_steps_are_integer_ceil_steps() -> None:
    cfg = parse_scenario(
        "r",
        {
            "executor": "ramping-vus",
            "startVUs": 0,
            "stages": [{"duration": "2s", "target": 4}, {"duration": "2s", "target": 0}],
        },
    )
    assert isinstance(cfg, RampingVUsConfig)
    s = 1_000_000_000
    assert raw_steps(cfg.start_vus, cfg.stages) == [
        (0, 0),
        (s // 2, 1),
        (s, 2),
        (3 * s // 2, 3),
        (2 * s, 4),
        (5 * s // 2, 3),
        (3 * s, 2),
        (7 * s // 2, 1),
        (4 * s, 0),
    ]
    # 0→2 over 2s: the 2nd VU is due exactly at the end (so it never runs)
    assert raw_steps(
        0,
        parse_scenario(
            "x", {"executor": "ramping-vus", "startVUs": 0, "stages": [{"duration": "2s", "target": 2}]}
        ).stages,
    ) == [(0, 0), (s, 1), (2 * s, 2)]  # type: ignore[attr-defined]
    # 0 → 3 over 1s: ceil(D·k/n) in ns
    assert [
        t
        for t, _ in raw_steps(
            0,
            parse_scenario(
                "y", {"executor": "ramping-vus", "startVUs": 0, "stages": [{"duration": "1s", "target": 3}]}
            ).stages,
        )
    ] == [0, 333_333_334, 666_666_667, s]  # type: ignore[attr-defined]
    # a zero-duration stage jumps; a segment runs its owned VUs among the global count
    jump = parse_scenario(
        "j",
        {
            "executor": "ramping-vus",
            "startVUs": 1,
            "stages": [{"duration": 0, "target": 10}, {"duration": "1s", "target": 10}],
        },
    )
    assert raw_steps(1, jump.stages) == [(0, 1), (0, 10)]  # type: ignore[attr-defined]
    third = resolve("1/3:2/3", "0,1/3,2/3,1")
    assert local_steps(1, jump.stages, third) == [(0, 0), (0, 3)]  # type: ignore[attr-defined]
    assert jump.max_vus(third) == 3


@pytest.mark.parametrize(("rate", "unit", "duration"), [(7, "13s", "40s"), (5000, "1s", "3s"), (3, "1ms", "2s")])
def test_constant_arrival_rate_offsets_are_the_exact_fraction_rounded_once(rate: int, unit: str, duration: str) -> None:
    """The starter computes each offset with integers (no Fraction per arrival): bit for bit the
    float of the exact planned time, whole stripe and a segment's alike."""
    fields = {"rate": rate, "timeUnit": unit, "duration": duration, "preAllocatedVUs": 3}
    cfg = parse_scenario("c", {"executor": "constant-arrival-rate", **fields})
    assert isinstance(cfg, ConstantArrivalRateConfig)
    period = Fraction(to_ns(cfg.time_unit), rate)
    for stripe in (FULL, cfg.arrival_stripe(resolve("1/3:2/3", "0,1/3,2/3,1"))):
        assert stripe is not None
        got = list(cfg.arrivals(stripe))
        assert got == [(i, float(i * period) / 1e9) for i in stripe.owned(cfg.total_ticks())]
        assert [i for i, _ in got] == [i for i in range(cfg.total_ticks()) if stripe.owns(i)]
    assert len(list(cfg.arrivals(FULL))) == cfg.total_ticks()


def test_constant_arrival_rate_ticks_from_zero_including_the_end() -> None:
    cfg = parse_scenario("c", {"executor": "constant-arrival-rate", "rate": 10, "duration": "2s", "preAllocatedVUs": 4})
    assert isinstance(cfg, ConstantArrivalRateConfig)
    ticks = list(cfg.arrivals(FULL))
    assert len(ticks) == 21
    assert [round(t, 9) for _, t in ticks[:3]] == [0.0, 0.1, 0.2] and ticks[-1] == (20, 2.0)
    unit = parse_scenario(
        "u",
        {"executor": "constant-arrival-rate", "rate": 5, "timeUnit": "500ms", "duration": "3s", "preAllocatedVUs": 1},
    )
    assert len(list(unit.arrivals(FULL))) == 31  # type: ignore[attr-defined]
    # segments split the ticks like maxVUs: 11 / 5 / 5 (C46)
    parts = [resolve(s, "0,1/3,2/3,1") for s in ("0:1/3", "1/3:2/3", "2/3:1")]
    split = [[i for i, _ in cfg.arrivals(cfg.arrival_stripe(p))] for p in parts]  # type: ignore[arg-type]
    assert split == [list(range(0, 21, 2)), [1, 5, 9, 13, 17], [3, 7, 11, 15, 19]]
    assert [cfg.describe(p) for p in parts] == [
        "5.00 iterations/s for 2s (maxVUs: 2, gracefulStop: 30s)",
        "2.50 iterations/s for 2s (maxVUs: 1, gracefulStop: 30s)",
        "2.50 iterations/s for 2s (maxVUs: 1, gracefulStop: 30s)",
    ]


def test_ramping_arrival_rate_closed_form_times() -> None:
    flat = parse_scenario(
        "f",
        {
            "executor": "ramping-arrival-rate",
            "startRate": 10,
            "stages": [{"duration": "2s", "target": 10}],
            "preAllocatedVUs": 1,
        },
    )
    assert isinstance(flat, RampingArrivalRateConfig)
    times = [t for _, t in flat.arrivals(FULL)]
    assert len(times) == 20 and abs(times[0] - 0.1) < 1e-9 and abs(times[-1] - 2.0) < 1e-9
    ramp = parse_scenario(
        "r", {"executor": "ramping-arrival-rate", "stages": [{"duration": "2s", "target": 10}], "preAllocatedVUs": 1}
    )
    got = [round(t * 1000) for _, t in islice(ramp.arrivals(FULL), 9)]  # type: ignore[attr-defined]
    assert got == [632, 894, 1095, 1265, 1414, 1549, 1673, 1789, 1897]  # sqrt(0.4·i) s
    big = parse_scenario(
        "b", {"executor": "ramping-arrival-rate", "stages": [{"duration": "10s", "target": 100}], "preAllocatedVUs": 10}
    )
    assert len(list(big.arrivals(FULL))) == 500  # type: ignore[attr-defined]
    # C46b: 0→20/s over 2s with preAllocatedVUs 4 on 0,1/4,1/2,1 → 5 / 5 / 10
    c46b = parse_scenario(
        "c", {"executor": "ramping-arrival-rate", "stages": [{"duration": "2s", "target": 20}], "preAllocatedVUs": 4}
    )
    parts = [resolve(s, "0,1/4,1/2,1") for s in ("0:1/4", "1/4:1/2", "1/2:1")]
    split = [[i for i, _ in c46b.arrivals(c46b.arrival_stripe(p))] for p in parts]  # type: ignore[attr-defined]
    assert split == [[1, 5, 9, 13, 17], [3, 7, 11, 15, 19], list(range(0, 20, 2))]


def test_shared_iterations_split_follows_the_vus() -> None:
    cfg = parse_scenario("s", {"executor": "shared-iterations", "vus": 10, "iterations": 100})
    parts = [resolve(s, "0,1/3,2/3,1") for s in ("0:1/3", "1/3:2/3", "2/3:1")]
    assert [cfg.iterations_for(p)[1] for p in parts] == [40, 30, 30]  # type: ignore[attr-defined]
    assert [cfg.max_vus(p) for p in parts] == [4, 3, 3]
    small = parse_scenario("s", {"executor": "shared-iterations", "vus": 1, "iterations": 5})
    assert [small.has_work(p) for p in parts] == [True, False, False]
