"""Which plans import numpy for the trend fold before their scenarios start (loadpy.engine.numpy_choice):
long ones only, by time (constant-vus, ramping-vus, externally-controlled) or by planned iterations
(each process's share of them), never a one-iteration run or the sleeping-VU figures."""

from __future__ import annotations

from typing import Any

import pytest

from loadpy.engine.numpy_choice import LONG_RUN_S, MANY_ITERATIONS, fold_pays_for_numpy
from loadpy.engine.scheduler import Engine
from loadpy.errors import ExitCode
from loadpy.executors import parse_scenario
from loadpy.executors.arrival_rate import ArrivalRateConfig
from loadpy.metrics import histogram
from loadpy.segments import FULL, Stripe, resolve
from tests.unit.engine.fakes import FakeRuntime, run

STAGE_DOWN = {"target": 0, "duration": "3s"}


def pays(*raws: dict[str, Any], stripe: Stripe = FULL) -> bool:
    return fold_pays_for_numpy([parse_scenario(f"s{i}", raw) for i, raw in enumerate(raws)], stripe)


def test_the_thresholds_are_the_documented_ones() -> None:
    assert (LONG_RUN_S, MANY_ITERATIONS) == (5.0, 200_000)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"executor": "shared-iterations", "vus": 1, "iterations": 1}, False),  # k6's default plan
        ({"executor": "shared-iterations", "vus": 50, "iterations": 199_999}, False),
        ({"executor": "shared-iterations", "vus": 50, "iterations": 200_000}, True),
        ({"executor": "per-vu-iterations", "vus": 100_000, "iterations": 1}, False),  # sleeping VUs
        ({"executor": "per-vu-iterations", "vus": 100, "iterations": 2_000}, True),
        ({"executor": "per-vu-iterations", "vus": 100, "iterations": 1_999}, False),
        ({"executor": "constant-vus", "vus": 50, "duration": "5s"}, True),  # figure 1
        ({"executor": "constant-vus", "vus": 50, "duration": "4.999s"}, False),
        ({"executor": "constant-vus", "vus": 1, "duration": "10m"}, True),
        ({"executor": "ramping-vus", "stages": [{"target": 10, "duration": "2s"}, STAGE_DOWN]}, True),  # 2 + 3 s
        ({"executor": "ramping-vus", "stages": [{"target": 9, "duration": "1s"}, STAGE_DOWN]}, False),
        ({"executor": "externally-controlled", "vus": 1, "maxVUs": 5, "duration": "1m"}, True),
        # arrival rate: the planned arrivals count, not the time (ab.py's 50,000 at 5k/s: not long)
        (
            {"executor": "constant-arrival-rate", "rate": 5000, "duration": "10s", "preAllocatedVUs": 100},
            False,
        ),
        (
            {"executor": "constant-arrival-rate", "rate": 5000, "duration": "40s", "preAllocatedVUs": 100},
            True,
        ),
        (
            {"executor": "constant-arrival-rate", "rate": 1, "duration": "1h", "preAllocatedVUs": 1},
            False,
        ),
        (
            {"executor": "constant-arrival-rate", "rate": 400, "timeUnit": "100ms", "duration": "50s"}
            | {"preAllocatedVUs": 100},
            True,  # 4,000/s for 50 s
        ),
        (
            {"executor": "ramping-arrival-rate", "startRate": 0, "preAllocatedVUs": 10}
            | {"stages": [{"target": 1000, "duration": "100s"}, {"target": 1000, "duration": "149s"}]},
            False,  # 50,000 + 149,000
        ),
        (
            {"executor": "ramping-arrival-rate", "startRate": 0, "preAllocatedVUs": 10}
            | {"stages": [{"target": 1000, "duration": "100s"}, {"target": 1000, "duration": "150s"}]},
            True,  # 50,000 + 150,000
        ),
    ],
)
def test_one_scenario(raw: dict[str, Any], expected: bool) -> None:
    assert pays(raw) is expected


def test_iterations_add_up_over_scenarios_and_a_long_scenario_is_enough_alone() -> None:
    half = {"executor": "shared-iterations", "vus": 10, "iterations": 100_000}
    assert not pays(half)
    assert pays(half, half)
    short = {"executor": "constant-vus", "vus": 10, "duration": "4s"}
    assert not pays(short, half)
    assert pays(short, {"executor": "constant-vus", "vus": 1, "duration": "6s"})


def test_a_worker_decides_on_its_own_share() -> None:
    half = resolve("0:1/2", "0,1/2,1")
    many = {"executor": "shared-iterations", "vus": 10, "iterations": 300_000}
    assert pays(many) and not pays(many, stripe=half)  # 150,000 in each of two workers
    assert pays({"executor": "per-vu-iterations", "vus": 400, "iterations": 1_000}, stripe=half)
    assert not pays({"executor": "per-vu-iterations", "vus": 200, "iterations": 1_000}, stripe=half)
    long = {"executor": "constant-vus", "vus": 2, "duration": "1m"}
    assert pays(long, stripe=half)
    # a time-bounded scenario of which this worker runs no VU folds nothing here
    assert not pays({"executor": "constant-vus", "vus": 1, "duration": "1m"}, stripe=resolve("1/2:1", "0,1/2,1"))


@pytest.mark.parametrize(
    "raw",
    [
        {"executor": "constant-arrival-rate", "rate": 7, "timeUnit": "3s", "duration": "20s", "preAllocatedVUs": 1},
        {"executor": "ramping-arrival-rate", "startRate": 3, "timeUnit": "1s", "preAllocatedVUs": 1}
        | {"stages": [{"target": 40, "duration": "5s"}, {"target": 40, "duration": "2s"}, STAGE_DOWN]},
    ],
)
def test_planned_arrivals_are_the_schedules_count(raw: dict[str, Any]) -> None:
    config = parse_scenario("s", raw)
    assert isinstance(config, ArrivalRateConfig)
    scheduled = len(list(config.arrivals(FULL)))
    assert abs(config.planned_iterations(FULL) - scheduled) <= 1  # type: ignore[operator]


def test_the_engine_imports_numpy_before_the_scenarios_start_only_for_a_long_plan() -> None:
    seen: list[bool] = []

    async def setup() -> None:  # after the VUs are created, before any iteration
        seen.append(histogram.counting_with_numpy())

    for raw in (
        {"executor": "per-vu-iterations", "vus": 2, "iterations": 1},
        {"executor": "constant-vus", "vus": 1, "duration": "5s"},
    ):
        histogram.use_numpy(False)
        rt = FakeRuntime(setup=setup, sleep=0.0, abort_at=1)  # the first iteration ends the test
        result = run(Engine(scenarios={"s": parse_scenario("s", raw)}, runtime=rt, registry=rt.registry).run())
        assert len(rt.calls) >= 1 and result.exit_code is not ExitCode.OK
    assert seen == [False, True]
