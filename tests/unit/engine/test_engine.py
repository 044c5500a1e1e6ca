"""The run lifecycle: setup/teardown, exit codes, stops, tickers and the VU pool plan."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from loadpy.engine.pool import planned_pool_size
from loadpy.engine.scheduler import Engine
from loadpy.errors import ExitCode, ScriptError, SetupTimeoutError, TestAbort
from loadpy.pipeline.results import RunState
from loadpy.segments import FULL
from tests.unit.engine.fakes import FakeRuntime, counter, run, scenario

LONG = {"executor": "constant-vus", "vus": 2, "duration": "10s"}


async def run_with(engine: Engine, *at: tuple[float, str]) -> RunState:
    """Run while calling engine methods at given times (seconds)."""
    loop = asyncio.get_running_loop()
    for delay, method in at:
        loop.call_later(delay, getattr(engine, method))
    return await engine.run()


def make(rt: FakeRuntime, raw: dict[str, Any] | None = None, **kw: Any) -> Engine:
    return Engine(scenarios={"default": scenario(**(raw or LONG))}, runtime=rt, registry=rt.registry, **kw)


def test_setup_data_reaches_teardown_and_the_result() -> None:
    async def setup() -> Any:
        return {"n": 5}

    rt = FakeRuntime(setup=setup)
    result = run(make(rt, {"executor": "per-vu-iterations"}).run())
    assert result.exit_code is ExitCode.OK and result.setup_data == {"n": 5}
    assert rt.teardown_calls == [{"n": 5}]
    rt = FakeRuntime(setup=setup)
    result = run(make(rt, {"executor": "per-vu-iterations"}, no_setup=True, no_teardown=True).run())
    assert result.setup_data is None and rt.teardown_calls == [] and len(rt.completed_calls()) == 1


def test_setup_timeout_exits_100_without_running_scenarios() -> None:
    async def slow() -> None:
        await asyncio.sleep(2)

    rt = FakeRuntime(setup=slow)
    result = run(make(rt, setup_timeout=0.3).run())
    assert result.exit_code is ExitCode.SETUP_TIMEOUT
    assert isinstance(result.error, SetupTimeoutError)
    assert str(result.error) == "setup() execution timed out after 0.3 seconds"
    assert rt.calls == [] and rt.teardown_calls == []
    assert result.test_run_duration_s < 1.0


def test_setup_exception_exits_107() -> None:
    async def boom() -> None:
        raise ValueError("nope")

    result = run(make(FakeRuntime(setup=boom)).run())
    assert result.exit_code is ExitCode.SCRIPT_EXCEPTION
    assert isinstance(result.error, ScriptError) and str(result.error) == "setup() failed: nope"


@pytest.mark.slow
def test_threshold_abort_stops_at_the_two_second_tick_and_runs_teardown() -> None:
    ticks: list[float] = []

    def tick(elapsed: float) -> bool:
        ticks.append(elapsed)
        return True

    rt = FakeRuntime(sleep=0.1)
    result = run(make(rt, threshold_tick=tick).run())
    assert result.exit_code is ExitCode.THRESHOLDS_FAILED and result.aborted_by_thresholds
    assert len(ticks) == 1 and 1.95 < ticks[0] < 2.3
    assert 1.95 < result.test_run_duration_s < 2.5
    assert rt.teardown_calls == [None]


def test_test_abort_exits_108_and_counts_the_aborting_iteration() -> None:
    rt = FakeRuntime(sleep=0.05, abort_at=3)
    result = run(make(rt, {"executor": "constant-vus", "vus": 1, "duration": "5s"}).run())
    assert result.exit_code is ExitCode.SCRIPT_ABORTED and isinstance(result.error, TestAbort)
    assert len(rt.completed_calls()) == 3 and counter(rt.registry, "iterations") == 3
    assert rt.teardown_calls == [None] and result.test_run_duration_s < 1.0


def test_interrupt_lets_iterations_finish_then_exits_105() -> None:
    rt = FakeRuntime(sleep=0.3)
    engine = make(rt)
    result = run(run_with(engine, (0.45, "interrupt")))
    assert result.exit_code is ExitCode.INTERRUPTED and result.interrupted
    assert len(rt.completed_calls()) == 4 and len(rt.calls) == 4  # 2 per VU: the 2nd finished gracefully
    assert rt.teardown_calls == [None]
    assert engine.status()["status"] == 10


def test_second_interrupt_hard_stops() -> None:
    rt = FakeRuntime(sleep=5.0)
    engine = make(rt)
    result = run(run_with(engine, (0.2, "interrupt"), (0.4, "interrupt")))
    assert result.exit_code is ExitCode.INTERRUPTED
    assert rt.completed_calls() == [] and engine.progress()[0].interrupted == 2
    assert result.test_run_duration_s < 1.0


def test_interrupt_before_a_later_scenario_starts_skips_it() -> None:
    rt = FakeRuntime(sleep=0.05)
    engine = Engine(
        scenarios={
            "a": scenario("a", executor="per-vu-iterations"),
            "b": scenario("b", executor="per-vu-iterations", startTime="5s"),
        },
        runtime=rt,
        registry=rt.registry,
    )
    result = run(run_with(engine, (0.3, "interrupt")))
    assert result.exit_code is ExitCode.INTERRUPTED and {c.scenario for c in rt.calls} == {"a"}
    assert result.test_run_duration_s < 1.0


def test_test_failed_exits_110() -> None:
    rt = FakeRuntime()
    rt.test_failed = True
    assert run(make(rt, {"executor": "per-vu-iterations"}).run()).exit_code is ExitCode.TEST_FAILED


@pytest.mark.slow
def test_vus_gauges_every_second_with_run_tags_only() -> None:
    rt = FakeRuntime(sleep=0.1)
    run(make(rt, {"executor": "constant-vus", "vus": 2, "duration": "1500ms"}, run_tags=(("env", "t"),)).run())
    series = {(m.name, tags): sink for m, tags, sink in rt.registry.all_series() if m.name in ("vus", "vus_max")}
    assert set(series) == {("vus", (("env", "t"),)), ("vus_max", (("env", "t"),))}
    vus = series[("vus", (("env", "t"),))]
    assert vus.samples == 1 and vus.last == 2.0  # type: ignore[attr-defined]
    assert series[("vus_max", (("env", "t"),))].last == 2.0  # type: ignore[attr-defined]


@pytest.mark.slow
def test_short_runs_have_no_vus_samples_and_warn_without_iterations(caplog: Any) -> None:
    rt = FakeRuntime(sleep=0.8)
    run(make(rt, {"executor": "constant-vus", "vus": 1, "duration": "1s", "gracefulStop": "0s"}).run())
    assert "No script iterations fully finished" not in caplog.text  # one iteration finished
    rt = FakeRuntime(sleep=2.0)
    run(make(rt, {"executor": "per-vu-iterations", "maxDuration": "1s", "gracefulStop": "0s"}).run())
    assert "No script iterations fully finished, consider making the test duration longer" in caplog.text
    rt = FakeRuntime()
    run(make(rt, {"executor": "per-vu-iterations"}).run())  # a run shorter than 1s has no vus samples
    assert rt.registry.has_samples(rt.registry.metrics["vus"]) is False
    assert rt.registry.has_samples(rt.registry.metrics["vus_max"]) is False


def test_pool_is_shared_only_between_plans_that_do_not_overlap() -> None:
    a = scenario("a", executor="per-vu-iterations", vus=2, maxDuration="1s", gracefulStop="0s")
    b_later = scenario("b", executor="per-vu-iterations", vus=3, startTime="1s")
    b_overlap = scenario("b", executor="per-vu-iterations", vus=3, startTime="999ms")
    assert planned_pool_size([a, b_later], FULL) == 3
    assert planned_pool_size([a, b_overlap], FULL) == 5
    car = scenario("c", executor="constant-arrival-rate", rate=1, duration="1s", preAllocatedVUs=2, maxVUs=9)
    assert planned_pool_size([car], FULL) == 2  # maxVUs beyond preAllocatedVUs are created on demand


def test_segmented_vu_ids_follow_the_stripe() -> None:
    rt = FakeRuntime()
    engine = Engine(
        scenarios={"default": scenario(executor="per-vu-iterations", vus=10)},
        runtime=rt,
        registry=rt.registry,
        segment="1/3:2/3",
        segment_sequence="0,1/3,2/3,1",
    )
    run(engine.run())
    assert [v.id_in_test for v in rt.vus] == [2, 5, 8]
    assert sorted(c.iteration_in_test for c in rt.calls) == [1, 4, 7]


def test_externally_controlled_cannot_be_segmented() -> None:
    import pytest

    from loadpy.errors import ConfigError

    rt = FakeRuntime()
    with pytest.raises(ConfigError, match="can't be used with execution segments") as info:
        Engine(
            scenarios={"e": scenario("e", executor="externally-controlled", vus=1, duration="1s")},
            runtime=rt,
            registry=rt.registry,
            segment="0:1/2",
        )
    assert info.value.key == "--execution-segment"
