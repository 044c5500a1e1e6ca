"""Executors driven for real (short runs) over the fake runtime: counts, drops, deadlines."""

from __future__ import annotations

import asyncio
from statistics import median

import pytest

from loadpy.engine.scheduler import Engine
from loadpy.errors import ExitCode
from loadpy.executors.base import ExecutorConfig
from loadpy.pipeline.results import RunState
from tests.unit.engine.fakes import FakeRuntime, counter, run, scenario


def run_engine(rt: FakeRuntime, **scenarios: ExecutorConfig) -> tuple[Engine, RunState]:
    engine = Engine(scenarios=scenarios, runtime=rt, registry=rt.registry, run_tags=(("env", "t"),))
    return engine, run(engine.run())


def test_per_vu_iterations_runs_exactly_vus_times_iterations() -> None:
    rt = FakeRuntime(sleep=0.005)
    engine, result = run_engine(rt, default=scenario(executor="per-vu-iterations", vus=3, iterations=4))
    assert result.exit_code is ExitCode.OK
    assert len(rt.completed_calls()) == 12 and counter(rt.registry, "iterations") == 12
    assert sorted(c.iteration_in_test for c in rt.calls) == list(range(12))
    assert sorted(c.iteration_in_instance for c in rt.calls) == list(range(12))
    assert {c.vu for c in rt.calls} == {1, 2, 3} and [v.id_in_test for v in rt.vus] == [1, 2, 3]
    assert all(v.closed for v in rt.vus)
    assert engine.progress()[0].iterations_done == 12 and engine.progress()[0].done


def test_shared_iterations_runs_the_shared_count() -> None:
    rt = FakeRuntime(sleep=0.002)
    _, result = run_engine(rt, s=scenario("s", executor="shared-iterations", vus=5, iterations=23))
    assert result.exit_code is ExitCode.OK
    assert sorted(c.iteration_in_test for c in rt.completed_calls()) == list(range(23))
    assert "dropped_iterations" not in {m.name for m, _, _ in rt.registry.all_series()}


@pytest.mark.slow
def test_constant_arrival_rate_is_evenly_spaced_from_zero() -> None:
    rt = FakeRuntime(sleep=0.0)
    engine, _ = run_engine(
        rt, c=scenario("c", executor="constant-arrival-rate", rate=40, duration="3s", preAllocatedVUs=2)
    )
    calls = rt.completed_calls()
    assert len(calls) in (120, 121)
    start = engine.runners["c"].started_at - rt.t0  # type: ignore[operator]
    lateness = [c.start - start - c.iteration_in_test / 40 for c in calls]
    assert sorted(c.iteration_in_test for c in calls) == list(range(len(calls)))
    assert min(lateness) > -0.0005  # never early
    assert median(lateness) < 0.01 and max(lateness) < 0.2  # noisy shared machine: loose bounds
    assert counter(rt.registry, "dropped_iterations") == 0


# k6's sleep(0.5) iteration lasts a little longer than 0.5 s; uvloop timers may fire up to
# 1 ms early, which would free the VU just in time for the tick at 0.5 s (5 iterations).
C09_ITERATION_S = 0.505


@pytest.mark.slow
def test_c09_drops_arrivals_when_no_vu_is_free() -> None:
    rt = FakeRuntime(sleep=C09_ITERATION_S)
    run_engine(
        rt, c=scenario("c", executor="constant-arrival-rate", rate=20, duration="2s", preAllocatedVUs=1, maxVUs=1)
    )
    done, dropped = len(rt.completed_calls()), counter(rt.registry, "dropped_iterations")
    assert done == 4 and done + dropped in (40, 41)
    assert len(rt.vus) == 1
    tags = {tags for m, tags, _ in rt.registry.all_series() if m.name == "dropped_iterations"}
    assert tags == {(("env", "t"), ("scenario", "c"))}


@pytest.mark.slow
def test_c10_grows_vus_one_at_a_time_up_to_max() -> None:
    rt = FakeRuntime(sleep=C09_ITERATION_S)
    run_engine(
        rt, c=scenario("c", executor="constant-arrival-rate", rate=20, duration="2s", preAllocatedVUs=1, maxVUs=50)
    )
    done, dropped = len(rt.completed_calls()), counter(rt.registry, "dropped_iterations")
    assert done + dropped in (40, 41)
    assert 8 <= dropped <= 12 and 9 <= len(rt.vus) <= 13


@pytest.mark.slow
def test_c12_per_vu_max_duration_drops_the_rest_per_vu() -> None:
    rt = FakeRuntime(sleep=0.4)
    run_engine(rt, p=scenario("p", executor="per-vu-iterations", vus=2, iterations=10, maxDuration="1s"))
    assert len(rt.completed_calls()) == 6
    assert counter(rt.registry, "dropped_iterations") == 14
    assert [s.total for m, _, s in rt.registry.all_series() if m.name == "dropped_iterations"] == [14.0]


@pytest.mark.slow
def test_per_vu_hard_cut_drops_what_each_vu_never_started() -> None:
    """gracefulStop 0s: the third iteration of each VU is cut at 1 s; the 7 it never started are dropped."""
    rt = FakeRuntime(sleep=0.4)
    engine, _ = run_engine(
        rt, p=scenario("p", executor="per-vu-iterations", vus=2, iterations=10, maxDuration="1s", gracefulStop="0s")
    )
    assert len(rt.completed_calls()) == 4 and len(rt.calls) == 6
    assert engine.progress()[0].interrupted == 2
    assert counter(rt.registry, "dropped_iterations") == 14


def test_per_vu_external_stop_drops_nothing() -> None:
    rt = FakeRuntime(sleep=0.2)
    engine = Engine(
        scenarios={"p": scenario("p", executor="per-vu-iterations", vus=2, iterations=50)},
        runtime=rt,
        registry=rt.registry,
    )

    async def stop_soon() -> RunState:
        asyncio.get_running_loop().call_later(0.3, engine.interrupt)
        return await engine.run()

    result = run(stop_soon())
    assert result.exit_code is ExitCode.INTERRUPTED
    assert len(rt.calls) < 100
    assert "dropped_iterations" not in {m.name for m, _, _ in rt.registry.all_series()}


@pytest.mark.slow
def test_c13_c14_graceful_stop_decides_if_running_iterations_count() -> None:
    rt = FakeRuntime(sleep=0.7)
    engine, result = run_engine(rt, c=scenario("c", executor="constant-vus", vus=2, duration="1s", gracefulStop="0s"))
    assert len(rt.completed_calls()) == 2 and len(rt.calls) == 4
    assert engine.progress()[0].interrupted == 2
    assert result.test_run_duration_s < 1.3
    rt = FakeRuntime(sleep=0.7)
    _, result = run_engine(rt, c=scenario("c", executor="constant-vus", vus=2, duration="1s", gracefulStop="2s"))
    assert len(rt.completed_calls()) == 4
    assert 1.35 < result.test_run_duration_s < 1.9


@pytest.mark.slow
def test_c57_graceful_ramp_down() -> None:
    stages = [{"duration": "500ms", "target": 2}, {"duration": "500ms", "target": 0}]
    rt = FakeRuntime(sleep=1.5)
    _, result = run_engine(
        rt, r=scenario("r", executor="ramping-vus", startVUs=0, stages=stages, gracefulRampDown="0s")
    )
    assert len(rt.calls) == 2 and rt.completed_calls() == []
    assert result.test_run_duration_s < 1.3
    rt = FakeRuntime(sleep=1.5)
    _, result = run_engine(rt, r=scenario("r", executor="ramping-vus", startVUs=0, stages=stages))
    assert len(rt.completed_calls()) == 2
    assert 1.9 < result.test_run_duration_s < 2.5


@pytest.mark.slow
def test_c11_c56_ramping_vus_start_times() -> None:
    rt = FakeRuntime(sleep=0.1)
    engine, _ = run_engine(
        rt,
        r=scenario(
            "r", executor="ramping-vus", startVUs=0, stages=[{"duration": "1s", "target": 2}], gracefulRampDown="0s"
        ),
    )
    start = engine.runners["r"].started_at - rt.t0  # type: ignore[operator]
    assert {c.vu for c in rt.calls} == {1}  # VU 2 is due exactly at the end: it runs nothing
    assert abs(rt.calls[0].start - start - 0.5) < 0.05
    assert 4 <= len(rt.completed_calls()) <= 5


@pytest.mark.slow
def test_c43_start_time_env_tags_and_shared_pool() -> None:
    rt = FakeRuntime(sleep=0.2)
    engine, _ = run_engine(
        rt,
        a=scenario("a", executor="constant-vus", vus=1, duration="1500ms", exec="fa"),
        b=scenario("b", executor="per-vu-iterations", startTime="1s", env={"MYVAR": "hello"}, tags={"k": "v"}),
    )
    (b_call,) = [c for c in rt.calls if c.scenario == "b"]
    a_first = min(c.start for c in rt.calls if c.scenario == "a")
    assert abs(b_call.start - a_first - 1.0) < 0.05
    assert b_call.env == {"MYVAR": "hello"}
    assert b_call.tags == (("env", "t"), ("k", "v"), ("scenario", "b"))
    assert len(rt.vus) == 2 and engine.status()["vus-max"] == 2


@pytest.mark.slow
def test_externally_controlled_runs_its_vus_for_the_duration() -> None:
    rt = FakeRuntime(sleep=0.1)
    _, result = run_engine(rt, e=scenario("e", executor="externally-controlled", vus=2, maxVUs=4, duration="1s"))
    assert result.exit_code is ExitCode.OK
    assert {c.vu for c in rt.calls} == {1, 2} and len(rt.vus) == 4
    assert 16 <= len(rt.completed_calls()) <= 22


@pytest.mark.slow
def test_c07_ramping_arrival_rate_runs_the_area_under_the_curve() -> None:
    rt = FakeRuntime(sleep=0.0)
    engine, _ = run_engine(
        rt,
        r=scenario("r", executor="ramping-arrival-rate", stages=[{"duration": "2s", "target": 20}], preAllocatedVUs=5),
    )
    calls = rt.completed_calls()
    assert len(calls) in (19, 20) and counter(rt.registry, "dropped_iterations") == 0
    start = engine.runners["r"].started_at - rt.t0  # type: ignore[operator]
    first = min(calls, key=lambda c: c.iteration_in_test)
    assert first.iteration_in_test == 0 and abs(first.start - start - 0.4472) < 0.03  # sqrt(2·1/20) s


def test_endless_externally_controlled_stops_on_interrupt() -> None:
    import asyncio

    rt = FakeRuntime(sleep=0.05)
    engine = Engine(
        scenarios={"e": scenario("e", executor="externally-controlled", vus=1, duration=0)},
        runtime=rt,
        registry=rt.registry,
    )
    assert engine.scenarios["e"].max_duration() == 0.0

    async def main() -> RunState:
        asyncio.get_running_loop().call_later(0.5, engine.interrupt)
        return await engine.run()

    result = run(main())
    assert result.exit_code is ExitCode.INTERRUPTED and 0.45 < result.test_run_duration_s < 1.0
    assert 5 <= len(rt.completed_calls()) <= 10
