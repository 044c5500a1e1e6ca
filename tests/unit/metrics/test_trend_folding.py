"""Trend values folded while the run goes on: bounded memory per series, the same figures as one fold."""

from __future__ import annotations

import random
import tracemalloc

import pytest

from loadpy.metrics.registry import FOLD_BATCH, Registry
from loadpy.metrics.sinks import EXACT_LIMIT, TrendSink

BATCH = 20_000  # about one second of samples of one series at 20k requests/s


def _values(n: int, seed: int = 7) -> list[float]:
    rng = random.Random(seed)
    return [rng.lognormvariate(0, 1.5) for _ in range(n)]


@pytest.mark.slow
def test_registry_fold_keeps_memory_flat_past_the_exact_limit() -> None:
    registry = Registry()
    sink = registry.sink(registry.metrics["http_req_duration"], ())
    values = _values(BATCH)
    tracemalloc.start()
    try:
        for _ in range(3):  # warm-up: past the exact limit, into the histogram
            for v in values:
                sink.add(v)
            registry.fold()
        settled, _ = tracemalloc.get_traced_memory()
        for _ in range(20):  # 400,000 more values
            for v in values:
                sink.add(v)
            registry.fold(FOLD_BATCH)
        grown = tracemalloc.get_traced_memory()[0] - settled
    finally:
        tracemalloc.stop()
    # unfolded, 400,000 values are 3.2 MB of array; folded, only new histogram buckets may appear
    assert grown < 64 * 1024, grown
    assert not sink.exact
    assert sink.stat("count") == 23 * BATCH


def test_the_running_fold_leaves_sparse_series_for_later() -> None:
    registry = Registry()
    busy = registry.sink(registry.metrics["http_req_duration"], (("url", "busy"),))
    sparse = registry.sink(registry.metrics["http_req_duration"], (("url", "sparse"),))
    for v in range(FOLD_BATCH):
        busy.add(float(v))
    for v in range(FOLD_BATCH - 1):
        sparse.add(float(v))
    registry.fold(FOLD_BATCH)
    assert (busy.buffered, sparse.buffered) == (0, FOLD_BATCH - 1)
    registry.fold()  # before reading: everything
    assert sparse.buffered == 0 and sparse.stat("count") == FOLD_BATCH - 1


def test_folding_every_batch_gives_the_figures_of_one_fold_at_the_end() -> None:
    values = _values(5 * EXACT_LIMIT, seed=11)
    periodic, once = TrendSink(), TrendSink()
    for start in range(0, len(values), 3_000):
        for v in values[start : start + 3_000]:
            periodic.add(v)
        periodic.fold()
    for v in values:
        once.add(v)
    for stat in ("count", "min", "max", "med", "p(90)", "p(95)", "p(99.9)"):
        assert periodic.stat(stat) == once.stat(stat), stat
    assert abs(periodic.stat("avg") - once.stat("avg")) <= 1e-12 * once.stat("avg")


def test_folding_below_the_exact_limit_stays_exact() -> None:
    sink = TrendSink()
    for v in range(1, EXACT_LIMIT + 1):
        sink.add(float(v))
        if v % 1_000 == 0:
            sink.fold()
    assert sink.exact
    assert sink.stat("med") == (EXACT_LIMIT + 1) / 2
    assert sink.stat("p(90)") == 0.9 * (EXACT_LIMIT - 1) + 1
