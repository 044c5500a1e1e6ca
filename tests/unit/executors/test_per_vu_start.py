"""per-vu-iterations starts its VUs in batches of START_BATCH with a turn of the event loop between
two (100k VUs: the REST API, signals and the progress display are served meanwhile), in VU order,
every VU counted active from the start (the `vus` samples are those of starting them at once)."""

from __future__ import annotations

import asyncio
import gc

from loadpy.engine.scheduler import Engine
from loadpy.errors import ExitCode
from loadpy.executors.per_vu_iterations import START_BATCH
from loadpy.pipeline.results import RunState
from tests.unit.engine.fakes import FakeRuntime, counter, run, scenario

VUS = 2 * START_BATCH + START_BATCH // 2


def test_vus_start_in_batches_in_id_order_all_active_from_the_start() -> None:
    rt = FakeRuntime(sleep=0.05)
    engine = Engine(
        scenarios={"p": scenario("p", executor="per-vu-iterations", vus=VUS, iterations=1)},
        runtime=rt,
        registry=rt.registry,
    )
    seen: dict[int, int] = {}  # VUs running -> active VUs the scheduler reported then

    async def watch() -> None:
        while len(rt.calls) < VUS:
            seen.setdefault(len(rt.calls), engine.active_vus())
            await asyncio.sleep(0)

    async def main() -> RunState:
        watcher = asyncio.ensure_future(watch())
        result = await engine.run()
        await watcher
        return result

    result = run(main())
    assert result.exit_code is ExitCode.OK
    assert sorted(seen) == [0, START_BATCH, 2 * START_BATCH]
    assert seen[START_BATCH] == seen[2 * START_BATCH] == VUS
    assert [c.vu for c in rt.calls] == list(range(1, VUS + 1))
    assert counter(rt.registry, "iterations") == VUS and engine.active_vus() == 0
    assert gc.isenabled() and gc.get_freeze_count() == 0  # the run's frozen objects were handed back


def test_a_stop_while_starting_leaves_no_vu_counted_and_drops_nothing() -> None:
    rt = FakeRuntime(sleep=5.0)
    engine = Engine(
        scenarios={"p": scenario("p", executor="per-vu-iterations", vus=VUS, iterations=1)},
        runtime=rt,
        registry=rt.registry,
    )

    async def stop_after_first_batch() -> None:
        while len(rt.calls) < START_BATCH:
            await asyncio.sleep(0)
        engine.interrupt()
        engine.interrupt()  # the second: everything stops now

    async def main() -> RunState:
        stopper = asyncio.ensure_future(stop_after_first_batch())
        result = await engine.run()
        await stopper
        return result

    result = run(main())
    assert result.exit_code is ExitCode.INTERRUPTED
    assert START_BATCH <= len(rt.calls) < VUS
    assert engine.active_vus() == 0
    assert "dropped_iterations" not in {m.name for m, _, _ in rt.registry.all_series()}
