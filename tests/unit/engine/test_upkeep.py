"""The run's upkeep beside the VUs: trend folding in slices (one series per loop turn) and the
collector kept off the objects that exist when the scenarios start."""

from __future__ import annotations

import asyncio

import pytest

from loadpy.engine import upkeep
from loadpy.engine.upkeep import fold_in_slices
from loadpy.metrics.registry import FOLD_BATCH, Registry
from loadpy.metrics.sinks import TrendSink


def test_busy_series_are_folded_one_per_loop_turn_and_sparse_ones_left_for_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = Registry()
    busy = [
        registry.sink(registry.metrics[name], (("url", "u"),))
        for name in ("http_req_duration", "http_req_waiting", "iteration_duration")
    ]
    sparse = registry.sink(registry.metrics["http_req_duration"], (("url", "sparse"),))
    for sink in busy:
        for v in range(FOLD_BATCH):
            sink.add(float(v))
    for v in range(FOLD_BATCH - 1):
        sparse.add(float(v))
    folded_at: list[int] = []
    turns = 0
    fold = TrendSink.fold

    def fold_and_note(sink: TrendSink) -> None:
        folded_at.append(turns)
        fold(sink)

    monkeypatch.setattr(TrendSink, "fold", fold_and_note)

    async def scenario() -> None:
        nonlocal turns
        folder = asyncio.ensure_future(fold_in_slices(registry, every=0.005))
        try:
            while len(folded_at) < len(busy) and turns < 100_000:
                turns += 1
                await asyncio.sleep(0)
            for _ in range(20):  # several more periods: nothing else is due
                await asyncio.sleep(0.005)
        finally:
            folder.cancel()

    asyncio.run(scenario())
    assert len(folded_at) == 3 and len(set(folded_at)) == 3, folded_at  # three series, three loop turns
    monkeypatch.undo()
    assert [sink.buffered for sink in busy] == [0, 0, 0]
    assert [sink.stat("count") for sink in busy] == [FOLD_BATCH] * 3
    assert sparse.buffered == FOLD_BATCH - 1  # under FOLD_BATCH: waits for more (or for a read)
    assert sparse.stat("count") == FOLD_BATCH - 1  # a read folds everything


def test_the_scan_hands_the_loop_back_every_chunk_of_series(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = Registry()
    for url in range(5):  # none needs folding: only looked at
        registry.sink(registry.metrics["http_req_duration"], (("url", str(url)),)).add(1.0)
    monkeypatch.setattr(upkeep, "SCAN_CHUNK", 2)
    looked_at: list[int] = []
    turns = 0
    monkeypatch.setattr(TrendSink, "buffered", property(lambda sink: looked_at.append(turns) or 0))

    async def scenario() -> None:
        nonlocal turns
        folder = asyncio.ensure_future(fold_in_slices(registry, every=0.001))
        try:
            while len(looked_at) < 5 and turns < 100_000:
                turns += 1
                await asyncio.sleep(0)
        finally:
            folder.cancel()

    asyncio.run(scenario())
    first = looked_at[0]
    assert looked_at[:5] == [first, first, first + 1, first + 1, first + 2]  # 2 series a turn
