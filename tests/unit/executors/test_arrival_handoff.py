"""The arrival-rate starter hands arrivals to parked VU loops (one task per VU, not per arrival)
and waits on the timerfd alarm: the counts stay k6's (drops, growth, interrupted iterations)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

from loadpy.clock import Alarm, now
from loadpy.executors.base import ExecutorRunner
from tests.unit.engine.fakes import FakeRuntime, counter, run
from tests.unit.executors.test_runs import run_engine, scenario


@pytest.mark.slow
def test_each_vu_runs_one_task_for_all_its_arrivals_in_fifo_order(monkeypatch: pytest.MonkeyPatch) -> None:
    spawned: list[Any] = []
    spawn = ExecutorRunner.spawn

    def counting(self: ExecutorRunner, coro: Any) -> asyncio.Task[Any]:
        spawned.append(coro)
        return spawn(self, coro)

    monkeypatch.setattr(ExecutorRunner, "spawn", counting)
    rt = FakeRuntime(sleep=0.0)
    engine, _ = run_engine(
        rt, c=scenario("c", executor="constant-arrival-rate", rate=10, duration="2s", preAllocatedVUs=3)
    )
    calls = sorted(rt.completed_calls(), key=lambda c: c.iteration_in_test)
    assert [c.iteration_in_test for c in calls] == list(range(21))
    assert len(spawned) == 3  # one loop per VU, not one task per arrival
    assert [c.vu for c in calls] == [i % 3 + 1 for i in range(21)]  # the VU idle longest goes first
    runner = engine.runners["c"]
    assert not runner._tasks and runner.active_vus == 0 and runner.interrupted == 0
    assert counter(rt.registry, "dropped_iterations") == 0


@pytest.mark.slow
def test_the_hard_end_interrupts_running_iterations_and_not_parked_vus() -> None:
    # arrivals at 0, 0.2, ..., 1.0 s; each lasts 0.5 s; the hard end is at 1.2 s: the ones started
    # at 0-0.6 s complete, the ones at 0.8 and 1.0 s are cut, the third VU is parked then
    rt = FakeRuntime(sleep=0.5)
    engine, _ = run_engine(
        rt,
        c=scenario(
            "c", executor="constant-arrival-rate", rate=5, duration="1s", preAllocatedVUs=3, gracefulStop="0.2s"
        ),
    )
    runner = engine.runners["c"]
    assert (runner.completed, runner.interrupted) == (4, 2)
    assert sorted(c.iteration_in_test for c in rt.completed_calls()) == [0, 1, 2, 3]
    assert len(rt.calls) == 6 and counter(rt.registry, "dropped_iterations") == 0
    assert not runner._tasks and runner.active_vus == 0


@pytest.mark.slow
def test_a_grown_vu_takes_the_next_arrival() -> None:
    # one VU busy for 0.25 s, arrivals every 0.1 s: each drop adds a VU (maxVUs 3), which is free at once
    rt = FakeRuntime(sleep=0.25)
    engine, _ = run_engine(
        rt,
        c=scenario("c", executor="constant-arrival-rate", rate=10, duration="1s", preAllocatedVUs=1, maxVUs=3),
    )
    runner = engine.runners["c"]
    dropped = counter(rt.registry, "dropped_iterations")
    assert len(rt.vus) == 3 and dropped == 2  # at 0.1 s (grows to 2) and 0.2 s (grows to 3)
    assert runner.completed + dropped == 11 and runner.interrupted == 0


def test_the_alarm_never_wakes_before_its_time() -> None:
    async def waits() -> list[float]:
        alarm = Alarm.open()
        if alarm is None:
            pytest.skip("no timerfd on this platform")  # loadpy then sleeps on the loop's timers
        early = []
        try:
            for delay in (0.0003, 0.002, 0.0001, 0.004, -0.001):
                when = now() + delay
                await alarm.until(when)
                early.append(when - now())
        finally:
            alarm.close()
        return early

    early = run(waits())
    assert len(early) == 5 and max(early) <= 0.0  # awake at or after the time asked for


def test_a_closed_alarm_releases_its_descriptor() -> None:
    async def open_and_close() -> int:
        alarm = Alarm.open()
        assert alarm is not None
        fd = alarm._fd
        await alarm.until(now() + 0.001)
        alarm.close()
        return fd

    fd = run(open_and_close())
    with pytest.raises(OSError):
        os.fstat(fd)
