"""Registry deltas between processes: what a worker's registry gained since its previous report,
and its merge into another registry (the coordinator's one running registry).

A delta holds new metric definitions, new group/check results and, per series, what its sink
gained (`Sink.delta`: new trend values, counter/rate increments, gauge last/min/max). A series is
named (metric, tags) once, in the first delta that carries it; after that it travels as its index
in the sender's order, so a delta costs neither the tags' bytes nor their hashing per second.
Merging every delta in turn is exact: the figures equal one registry that recorded every sample.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from loadpy.metrics.registry import Registry
from loadpy.metrics.sinks import Sink, TrendSink


class DeltaSender:
    """The sending side: `take()` once a report, `bucket(indexes)` when the receiver asks."""

    def __init__(self, registry: Registry, skip: Iterable[str] = ()) -> None:
        self.registry = registry
        self.skip = frozenset(skip)  # metrics never sent (a worker's own vus/vus_max)
        self._metrics_sent = 0
        self._series: list[Sink] = []  # index = how the receiver knows the series
        self._known: set[int] = set()  # id() of every sink already named (or skipped)
        self._scanned = 0  # the registry's series count at the last scan for new series

    def take(self) -> dict[str, Any]:
        """What changed since the previous call (the first: everything)."""
        reg = self.registry
        metrics = list(reg.metrics.values())
        defined = metrics[self._metrics_sent :]
        self._metrics_sent = len(metrics)
        changed = []
        for index, sink in enumerate(self._series):
            change = sink.delta()
            if change is not None:
                changed.append((index, change))
        new = []
        if reg.series_count != self._scanned:
            self._scanned = reg.series_count
            for metric, tags, sink in reg.all_series():
                if id(sink) in self._known:
                    continue
                self._known.add(id(sink))
                if metric.name not in self.skip:
                    new.append((metric.name, tags, sink.delta()))
                    self._series.append(sink)
        return {
            "metrics": [(m.name, m.type.value, m.contains.value) for m in defined],
            "series": changed,
            "new": new,
            "groups": reg.groups.root.delta_state(),
        }

    def bucket(self, indexes: Iterable[int]) -> None:
        """These trend series are histograms at the receiver: send their values as buckets from now on
        (bucketing them costs this process, not the one receiver of every worker)."""
        for index in indexes:
            sink = self._series[index]
            if isinstance(sink, TrendSink):
                sink.bucketed_deltas = True


class DeltaReceiver:
    """The receiving side of one sender: merges its deltas, in order, into `registry`."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._sinks: list[Sink] = []  # the sender's series, by index

    def merge(self, delta: dict[str, Any]) -> list[int]:
        """Merge one delta; returns the indexes of trend series that came as raw values although
        they are histograms here (tell the sender: `DeltaSender.bucket`)."""
        reg = self.registry
        for name, mtype, contains in delta["metrics"]:
            reg.define(name, mtype, contains)
        sinks = self._sinks
        histograms = [index for index, state in delta["series"] if sinks[index].merge_state(state)]
        for name, tags, state in delta["new"]:
            sink = reg.sink(reg.metrics[name], tags)
            if sink.merge_state(state):
                histograms.append(len(sinks))
            sinks.append(sink)
        reg.groups.root.merge_state(delta["groups"])
        return histograms
