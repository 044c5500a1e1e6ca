"""The HTML report's time series: one point per interval, read from the registry off the hot path.

Each tick reads running totals (http_reqs, iterations, http_req_failed, vus) and the
histogram bucket counts of every http_req_duration series, and keeps the difference with
the previous tick, so a point's percentiles are those of the requests that finished in
that interval only. Memory is bounded: when `max_points` are held, neighbouring points are
merged pairwise and the interval doubles (ticks then come half as often), so the whole run
always fits in at most `max_points` points of even width.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, fields
from typing import Any

from loadpy import clock
from loadpy.metrics.registry import Registry
from loadpy.metrics.sinks import CounterSink, GaugeSink, RateSink, TrendSink, percentiles_from_buckets
from loadpy.metrics.tags import TagSet

PERCENTILES: tuple[tuple[str, float], ...] = (("p50", 50.0), ("p90", 90.0), ("p95", 95.0), ("p99", 99.0))


@dataclass(slots=True)
class Point:
    """One interval ending `t` seconds after the start and lasting `dt` seconds.

    Counts are per interval (rates are count / dt); `vus` is the last reading. Latency
    percentiles are in ms, None when no request finished in the interval. A point merged
    by downsampling sums the counts and keeps the larger of each percentile (the worse one:
    percentiles of two intervals cannot be combined exactly without their histograms)."""

    t: float
    dt: float
    reqs: float = 0.0
    iters: float = 0.0
    failed: float = 0.0  # http_req_failed true samples
    errored: float = 0.0  # http_reqs with an error_code tag
    vus: float = 0.0
    p50: float | None = None
    p90: float | None = None
    p95: float | None = None
    p99: float | None = None

    def merged(self, later: Point) -> Point:
        def worse(a: float | None, b: float | None) -> float | None:
            return b if a is None else a if b is None else max(a, b)

        return Point(
            t=later.t,
            dt=self.dt + later.dt,
            reqs=self.reqs + later.reqs,
            iters=self.iters + later.iters,
            failed=self.failed + later.failed,
            errored=self.errored + later.errored,
            vus=max(self.vus, later.vus),
            p50=worse(self.p50, later.p50),
            p90=worse(self.p90, later.p90),
            p95=worse(self.p95, later.p95),
            p99=worse(self.p99, later.p99),
        )


POINT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Point))


@dataclass(slots=True)
class _Totals:
    reqs: float = 0.0
    iters: float = 0.0
    failed: float = 0.0
    errored: float = 0.0


class TimeSeriesRecorder:
    """Samples `registry` every `interval_s` seconds into at most `max_points` points."""

    def __init__(self, registry: Registry, interval_s: float = 1.0, max_points: int = 3600) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        if max_points < 2:
            raise ValueError("max_points must be at least 2")
        self.registry = registry
        self.interval_s = interval_s  # doubles each time the points are downsampled
        self.max_points = max_points
        self.points: list[Point] = []
        self.started_mono: float | None = None
        self.started_wall_ns: int | None = None
        self._last_mono = 0.0
        self._prev = _Totals()
        # Per http_req_duration series: its count and bucket counts at the previous tick.
        self._prev_trends: dict[TrendSink, tuple[int, Counter[int]]] = {}
        self._errored_series: dict[TagSet, bool] = {}  # http_reqs series: has an error_code tag?
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------
    def begin(self) -> None:
        """Mark the start of the run (start() calls it; tests may drive `tick()` by hand)."""
        if self.started_mono is None:
            self.started_mono = self._last_mono = clock.now()
            self.started_wall_ns = time.time_ns()

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Begin recording: a task on `loop` takes one point per interval."""
        self.begin()
        if self._task is None:
            self._task = loop.create_task(self._run(), name="loadpy-report-timeseries")

    def stop(self) -> None:
        """Stop the task and take a final point covering the time since the last tick."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self.started_mono is not None and clock.now() - self._last_mono > 1e-3:
            self.tick()

    async def _run(self) -> None:
        while True:
            # Sleep to the next boundary, so ticks do not drift by their own cost.
            assert self.started_mono is not None
            due = self._last_mono + self.interval_s
            await asyncio.sleep(max(0.0, due - clock.now()))
            self.tick()

    # -- sampling --------------------------------------------------------------------
    def tick(self, when: float | None = None) -> Point:
        """Read the registry and append the point for the interval ending now (or `when`)."""
        self.begin()
        assert self.started_mono is not None
        mono = clock.now() if when is None else when
        totals = self._read()
        interval = self._interval_buckets()
        prev = self._prev
        point = Point(
            t=mono - self.started_mono,
            dt=max(mono - self._last_mono, 0.0),
            reqs=totals.reqs - prev.reqs,
            iters=totals.iters - prev.iters,
            failed=totals.failed - prev.failed,
            errored=totals.errored - prev.errored,
            vus=self._vus(),
        )
        if interval:
            point.p50, point.p90, point.p95, point.p99 = percentiles_from_buckets(interval, (p for _, p in PERCENTILES))
        self._prev = totals
        self._last_mono = mono
        self._append(point)
        return point

    def _append(self, point: Point) -> None:
        pts = self.points
        # After downsampling, ticks shorter than the interval (hand-driven, or the final one)
        # fill the last point up to the new width, so resolution stays even across the run.
        if pts and pts[-1].dt + point.dt <= self.interval_s * 1.01:
            pts[-1] = pts[-1].merged(point)
            return
        pts.append(point)
        if len(pts) >= self.max_points:
            halved = [pts[i].merged(pts[i + 1]) for i in range(0, len(pts) - 1, 2)]
            if len(pts) % 2:
                halved.append(pts[-1])
            self.points = halved
            self.interval_s *= 2

    def _read(self) -> _Totals:
        reg = self.registry
        metrics = reg.metrics
        totals = _Totals()
        errored = self._errored_series
        for tags, sink in reg.series(metrics["http_reqs"]).items():
            assert isinstance(sink, CounterSink)
            totals.reqs += sink.total
            has_code = errored.get(tags)
            if has_code is None:  # looked up once per series, not once per tick
                has_code = errored[tags] = any(key == "error_code" for key, _ in tags)
            if has_code:
                totals.errored += sink.total
        for sink in reg.series(metrics["iterations"]).values():
            assert isinstance(sink, CounterSink)
            totals.iters += sink.total
        for sink in reg.series(metrics["http_req_failed"]).values():
            assert isinstance(sink, RateSink)
            totals.failed += sink.trues
        return totals

    def _interval_buckets(self) -> Counter[int]:
        """Bucket counts of the http_req_duration values recorded since the previous tick.
        Series with no new value are skipped, so an idle series costs one comparison."""
        interval: Counter[int] = Counter()
        prev_trends = self._prev_trends
        for sink in self.registry.series(self.registry.metrics["http_req_duration"]).values():
            assert isinstance(sink, TrendSink)
            sink.fold()
            before = prev_trends.get(sink)
            if before is not None and before[0] == sink.count:
                continue
            now = sink.bucket_counts()
            # Counter subtraction keeps positive counts only: the buckets that grew.
            interval.update(now if before is None else now - before[1])
            prev_trends[sink] = (sink.count, now)
        return interval

    def _vus(self) -> float:
        total = 0.0
        for sink in self.registry.series(self.registry.metrics["vus"]).values():
            assert isinstance(sink, GaugeSink)
            if not sink.empty:
                total += sink.last
        return total

    # -- export ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable, column-wise: {"interval_s", "started_wall_ns", "columns": {field: [...]}}."""
        points = self.points
        return {
            "interval_s": self.interval_s,
            "started_wall_ns": self.started_wall_ns,
            "columns": {name: [getattr(p, name) for p in points] for name in POINT_FIELDS},
        }
