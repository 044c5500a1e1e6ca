"""The registry: metric definitions, one sink per time series (metric + tag set), and the
fan-out of individual samples to streaming outputs when one is enabled.

Hot-path use (cache the sink; it is valid for the whole run):

    sink = registry.sink(registry.metrics["http_reqs"], tags)
    sink.add(1.0)

Aggregate views (the whole metric, or a k6 submetric `metric{tag:value}`) are merged from
the series at read time, so submetrics cost nothing per sample.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from loadpy.clock import now
from loadpy.errors import ScriptError
from loadpy.metrics.builtin import BUILTIN_METRICS
from loadpy.metrics.groups import GroupTree
from loadpy.metrics.metric import METRIC_NAME, Contains, Metric, MetricType
from loadpy.metrics.sinks import BatchedSink, RowBatch, Sink, TrendSink, merge_all, new_sink
from loadpy.metrics.tags import TagSet, matches

log = logging.getLogger("loadpy.metrics")

# k6 warns once when a metric grows past this many time series (usually an unnamed dynamic URL).
SERIES_WARNING_LIMIT = 100_000

# values a trend series may hold unfolded between the engine's once-a-second folds (8 bytes each)
FOLD_BATCH = 64

# (metric, tags, value, mono_time, metadata) -> None
SampleListener = Callable[[Metric, TagSet, float, float, "dict[str, str] | None"], None]
# samples sharing tags and time (one request's) as one tuple (key, tags, values, mono_time, metadata) -> None, the
# key an int naming the metrics tuple in `Registry.shapes`: a file output's is its buffer's `list.append` (C), so a
# group costs the hot path no Python call, and the buffered tuple holds only atomic values (see `emit_many`)
GroupListener = Callable[[tuple[int, TagSet, tuple[float, ...], float, "dict[str, str] | None"]], None]


class Registry:
    def __init__(self) -> None:
        self.metrics: dict[str, Metric] = {}
        self._series: dict[Metric, dict[TagSet, Sink]] = {}
        self.groups = GroupTree()
        self.listeners: list[SampleListener] = []
        # a listener's form taking a whole group of samples at once (`emit_many`), when it has one
        self.grouped: dict[SampleListener, GroupListener] = {}
        # id -> the metrics tuple (or Metric) a buffered entry names by that id; holding the object keeps its id
        # its own for the whole run
        self.shapes: dict[int, tuple[Metric, ...] | Metric] = {}
        self._series_count = 0
        self._warned_cardinality = False
        self._batches: dict[tuple[tuple[Metric, ...], TagSet], RowBatch] = {}
        for name, (mtype, contains) in BUILTIN_METRICS.items():
            self.define(name, mtype, contains)

    # -- definitions ---------------------------------------------------------------
    def define(self, name: str, mtype: MetricType | str, contains: Contains | str = Contains.DEFAULT) -> Metric:
        """Define (or return the existing identical) metric; k6 rejects bad names and redefinitions."""
        mtype = MetricType(mtype)
        contains = Contains(contains)
        if not METRIC_NAME.match(name):
            raise ScriptError(
                f"invalid metric name '{name}': a metric name must be 2-129 characters, "
                "letters, digits and underscores, not starting with a digit"
            )
        existing = self.metrics.get(name)
        if existing is not None:
            if existing.type != mtype or existing.contains != contains:
                raise ScriptError(
                    f"metric '{name}' already exists as a {existing.type.value} ({existing.contains.value}); "
                    f"it can't be redefined as a {mtype.value} ({contains.value})"
                )
            return existing
        metric = Metric(name, mtype, contains)
        self.metrics[name] = metric
        self._series[metric] = {}
        return metric

    # -- the hot path ----------------------------------------------------------------
    def sink(self, metric: Metric, tags: TagSet) -> Sink:
        """The sink of one time series, created on first use. Cache the result."""
        series = self._series[metric]
        sink = series.get(tags)
        if sink is None:
            sink = series[tags] = new_sink(metric.type)
            self._series_count += 1
            if self._series_count > SERIES_WARNING_LIMIT and not self._warned_cardinality:
                self._warned_cardinality = True
                log.warning(
                    "The test has generated metrics with %d unique time series, which is higher than the "
                    "suggested limit of %d and could cause high memory usage. Consider not using "
                    "high-cardinality values like unique IDs as metric tags or, if you need them in the URL, "
                    "use the name metric tag or URL grouping.",
                    self._series_count,
                    SERIES_WARNING_LIMIT,
                )
        return sink

    def row_batch(self, metrics: tuple[Metric, ...], tags: TagSet) -> RowBatch:
        """The batch of the series `metrics` under `tags` (counters, rates and trends: one row of
        values per sample group, `RowBatch`), created on first use. Cache the result."""
        key = (metrics, tags)
        batch = self._batches.get(key)
        if batch is None:
            sinks = tuple(self.sink(m, tags) for m in metrics)
            batched = tuple(s for s in sinks if isinstance(s, BatchedSink))
            assert len(batched) == len(sinks), "a batch holds no gauge"
            batch = self._batches[key] = RowBatch(batched)
        return batch

    @property
    def series_count(self) -> int:
        """Time series created so far (they are never removed)."""
        return self._series_count

    @property
    def streaming(self) -> bool:
        """True when some output wants individual samples (json, csv ...)."""
        return bool(self.listeners)

    def emit(
        self, metric: Metric, tags: TagSet, value: float, when: float, metadata: dict[str, str] | None = None
    ) -> None:
        """Hand one sample to the streaming outputs. Callers check `streaming` first."""
        for listener in self.listeners:
            listener(metric, tags, value, when, metadata)

    def emit_many(
        self,
        metrics: tuple[Metric, ...],
        tags: TagSet,
        values: tuple[float, ...],
        when: float,
        metadata: dict[str, str] | None = None,
    ) -> None:
        """Hand samples that share tags and time (one request's) to the streaming outputs: one call
        per output that takes them as a group (`grouped`), else one per sample. Callers check
        `streaming` first; `metrics` is a long-lived tuple (outputs cache per tuple).

        A group names its metrics by `id` (resolved through `shapes` at flush): a buffered tuple holding
        only ints, strings and floats is untracked by the garbage collector at its first pass, where one
        holding the Metric objects survived it and made the full collections of a big heap more frequent
        (benchmarks/README.md, "Outputs, round 5")."""
        grouped = self.grouped
        key = 0
        for listener in self.listeners:
            many = grouped.get(listener)
            if many is not None:
                if not key:
                    key = id(metrics)
                    if key not in self.shapes:
                        self.shapes[key] = metrics
                many((key, tags, values, when, metadata))
            else:
                for metric, value in zip(metrics, values, strict=True):
                    listener(metric, tags, value, when, metadata)

    def add(
        self,
        metric: Metric,
        tags: TagSet,
        value: float,
        when: float | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        """Record one sample the slow, simple way (off the hot path: custom metrics, gauges)."""
        self.sink(metric, tags).add(value)
        if self.listeners:
            self.emit(metric, tags, value, now() if when is None else when, metadata)

    # -- reading ---------------------------------------------------------------------
    def series(self, metric: Metric) -> dict[TagSet, Sink]:
        return self._series[metric]

    def all_series(self) -> Iterator[tuple[Metric, TagSet, Sink]]:
        for metric, series in self._series.items():
            for tags, sink in series.items():
                yield metric, tags, sink

    def has_samples(self, metric: Metric) -> bool:
        return any(not sink.empty or sink.type.value == "counter" for sink in self._series[metric].values())

    def aggregate(self, metric: Metric, selector: TagSet = (), where: Callable[[TagSet], bool] | None = None) -> Sink:
        """A new sink merging every series of `metric` whose tags contain `selector` (and pass `where`)."""
        series = self._series[metric].items()
        return merge_all(
            metric.type, (sink for tags, sink in series if matches(tags, selector) and (where is None or where(tags)))
        )

    def fold(self, min_values: int = 1) -> None:
        """Fold buffered trend values into their bounded stores (off the hot path). The engine calls
        `fold(FOLD_BATCH)` once a second, so memory stays flat in a long run; series with fewer
        values waiting are left for later, as a fold costs a few microseconds per series. Every batch
        is flushed first: rows of counters and rates would otherwise wait for a read."""
        for batch in self._batches.values():
            batch.flush()
        for metric, series in self._series.items():
            if metric.type is MetricType.TREND:
                for sink in series.values():
                    assert isinstance(sink, TrendSink)
                    if sink.buffered >= min_values:
                        sink.fold()

    # -- worker processes ----------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """A picklable copy of every definition, series and the group tree."""
        return {
            "metrics": [(m.name, m.type.value, m.contains.value) for m in self.metrics.values()],
            "series": [(m.name, tags, sink.state()) for m, tags, sink in self.all_series()],
            "groups": self.groups.root.state(),
        }

    def merge_snapshot(self, snap: dict[str, Any]) -> None:
        """Add another process's snapshot into this registry (exact: sums, merged trends)."""
        for name, mtype, contains in snap["metrics"]:
            self.define(name, mtype, contains)
        metrics = self.metrics
        for name, tags, state in snap["series"]:
            self.sink(metrics[name], tags).merge_state(state)
        self.groups.root.merge_state(snap["groups"])
