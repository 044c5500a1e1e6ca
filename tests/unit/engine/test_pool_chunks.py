"""Pre-allocating many VUs hands the event loop back between chunks (100k VUs take seconds to
create: the REST API, signals and the progress display are served meanwhile), and ends with the
same VUs, ids and order as creating them in one go."""

from __future__ import annotations

import asyncio

from loadpy.engine.pool import VUPool
from loadpy.segments import as_stripe
from tests.unit.engine.fakes import FakeRuntime


def test_preallocation_yields_between_chunks() -> None:
    runtime = FakeRuntime()
    pool = VUPool(runtime)
    seen: list[int] = []

    async def watch() -> None:
        while pool.initialized < 4_500:
            seen.append(pool.initialized)
            await asyncio.sleep(0)

    async def main() -> None:
        watcher = asyncio.ensure_future(watch())
        await asyncio.sleep(0)  # the watcher sees the empty pool first
        await pool.preallocate_in_chunks(4_500, chunk=1_000)
        await asyncio.wait_for(watcher, 1)

    asyncio.run(main())
    assert sorted(set(seen)) == [0, 1_000, 2_000, 3_000, 4_000]
    assert [vu.id_in_instance for vu in runtime.vus] == list(range(1, 4_501))
    assert pool.take(4_500) == runtime.vus  # all free, in creation order


def test_chunked_ids_follow_the_segment_stripe_as_before() -> None:
    stripe = as_stripe("1/3:2/3")
    one, chunked = FakeRuntime(), FakeRuntime()
    VUPool(one, stripe).preallocate(2_500)
    asyncio.run(VUPool(chunked, stripe).preallocate_in_chunks(2_500, chunk=700))
    ids = [(v.id_in_instance, v.id_in_test) for v in chunked.vus]
    assert ids == [(v.id_in_instance, v.id_in_test) for v in one.vus]
    assert ids[:3] == [(1, 2), (2, 5), (3, 8)]  # the second third of every 3: 1-based ids 2, 5, 8 ...
