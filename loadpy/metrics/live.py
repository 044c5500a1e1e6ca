"""The thresholds' view of a run whose samples are recorded in other processes (`--workers`, Ray).

Every threshold is evaluated every 2 s on its (sub)metric's values so far. In one process that is
a merge of the matching series (loadpy.metrics.selectors.SeriesView). When workers record, each of
their deltas carries one aggregate per threshold (sub)metric (`live` in loadpy.metrics.deltas), so
while they run each threshold reads one running sink those aggregates merge into, started from what
the coordinator recorded itself (setup()): a tick costs thresholds x workers merges, not series x
workers, and no evaluation re-merges the series. Once the workers ended and their per-series detail
is in the registry, the thresholds read the series again (`LiveThresholds.remove`): the final
evaluation is the one-process one, on the same registry as the summary.

Not live: gauges (a merge of gauges keeps the last value merged, which depends on the order of
arrival, not of recording) and the VU gauges, which the coordinator records itself.
"""

from __future__ import annotations

from typing import Any

from loadpy.metrics.deltas import LiveKey
from loadpy.metrics.metric import MetricType
from loadpy.metrics.selectors import SeriesView
from loadpy.metrics.sinks import Sink
from loadpy.metrics.thresholds import MetricThresholds, Thresholds

NOT_LIVE = frozenset({"vus", "vus_max"})  # recorded by the coordinator, never sent by a worker


def live_keys(thresholds: Thresholds | None) -> list[LiveKey]:
    """The (metric, selector) of every threshold group the workers aggregate for, in a fixed order."""
    return [(group.metric.name, group.key.selector) for group in _live_groups(thresholds)]


def _live_groups(thresholds: Thresholds | None) -> list[MetricThresholds]:
    if thresholds is None:
        return []
    return [
        group
        for group in thresholds.metrics.values()
        if group.thresholds and group.metric.type is not MetricType.GAUGE and group.metric.name not in NOT_LIVE
    ]


class LiveView:
    """One threshold group's running sink: what the registry held when the run started, plus every
    live aggregate merged since."""

    __slots__ = ("_seen", "_sink", "base")

    def __init__(self, base: SeriesView) -> None:
        self.base = base
        self._sink = base.sink()
        self._seen = base.has_series()

    def merge(self, state: Any) -> None:
        self._sink.merge_state(state)
        self._seen = True

    def sink(self) -> Sink:
        return self._sink

    def has_series(self) -> bool:
        return self._seen


class LiveThresholds:
    """The live views of `thresholds`, in `live_keys` order, while installed."""

    def __init__(self, thresholds: Thresholds | None) -> None:
        self._groups = _live_groups(thresholds)
        self._views: list[LiveView] = []  # while installed, one per group

    def install(self) -> None:
        """From now on the thresholds read the running sinks (call when the workers start)."""
        for group in self._groups:
            assert isinstance(group.view, SeriesView)
            view = LiveView(group.view)
            self._views.append(view)
            group.view = view

    def merge(self, live: list[tuple[int, Any]]) -> None:
        """One delta's `live` part: (position in live_keys, state)."""
        views = self._views
        if views:
            for key, state in live:
                views[key].merge(state)

    def remove(self) -> None:
        """Back to the registry's series (the workers' detail is all there); nothing if never installed."""
        if not self._views:  # never installed: the run stopped before the workers started
            return
        for group, view in zip(self._groups, self._views, strict=True):
            group.view = view.base
        self._views = []
