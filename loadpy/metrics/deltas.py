"""Registry deltas between processes: what a worker's registry gained since its previous report,
and its merge into another registry (the coordinator's one running registry).

A delta holds new metric definitions, new group/check results and, per series, what its sink
gained (`Sink.delta`: new trend values, counter/rate increments, gauge last/min/max). A series is
named (metric, tags) once, in the first delta that carries it; after that it travels as its index
in the sender's order, so a delta costs neither the tags' bytes nor their hashing per second.
Merging every delta in turn is exact: the figures equal one registry that recorded every sample.

Two parts of a delta travel at different rates. What the coordinator reads while the run goes on
— one aggregate per threshold (sub)metric, `live` — is in every delta: the sender computes it from
its series' deltas, as k6 dispatches samples to submetrics when they are added, so the receiver
merges one state per threshold, not one per series. The per-series detail, read at the end
(summary, export, handleSummary) and by the few live readers that want series, may be sent every
`n`-th delta only (`take(detail=False)` in between): the sender then gathers what its series
gained in a `SeriesBatch` and sends it as one state per series. A Ray node agent merges its
workers' deltas into one the same way (`DeltaMerger`), one a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from loadpy.metrics.groups import GroupTree
from loadpy.metrics.metric import MetricType
from loadpy.metrics.registry import Registry
from loadpy.metrics.sinks import EXACT_LIMIT, Sink, TrendSink, bucketed_state, merge_states
from loadpy.metrics.tags import TagSet, matches

# a threshold's (sub)metric as the sender and the receiver name it: (metric name, tag selector)
LiveKey = tuple[str, TagSet]

SeriesState = tuple[int, Any]  # (series index, state of what it gained)


class SeriesBatch:
    """Series deltas gathered into one state per series (`merge_states`: values stay raw, bucket
    keys uncounted), named in the order their series were first seen: what `DeltaSender` sends
    when detail is due."""

    def __init__(self) -> None:
        self._states: dict[int, tuple[MetricType, list[Any]]] = {}
        self._unnamed: list[tuple[str, TagSet, int]] = []  # series first seen since the last `flush`

    def __bool__(self) -> bool:
        return bool(self._states)

    def add(self, index: int, kind: MetricType, state: Any) -> None:
        have = self._states.get(index)
        if have is None:
            self._states[index] = (kind, [state])
        else:
            have[1].append(state)

    def name(self, metric: str, tags: TagSet, index: int) -> None:
        self._unnamed.append((metric, tags, index))

    def flush(self) -> tuple[list[SeriesState], list[tuple[str, TagSet, Any]]]:
        """(series, new) of a delta: the gathered state of every series, the new ones named."""
        states = self._states
        new = [(metric, tags, merge_states(*states.pop(index))) for metric, tags, index in self._unnamed]
        series = [(index, merge_states(kind, gathered)) for index, (kind, gathered) in states.items()]
        self._states, self._unnamed = {}, []
        return series, new


class DeltaSender:
    """The sending side: `take()` once a report, `bucket(indexes)` when the receiver asks.

    `live`: the threshold (sub)metrics the receiver evaluates while the run goes on; every delta
    carries what each gained, as `(position in live, state)`."""

    def __init__(self, registry: Registry, skip: Iterable[str] = (), live: Sequence[LiveKey] = ()) -> None:
        self.registry = registry
        self.skip = frozenset(skip)  # metrics never sent (a worker's own vus/vus_max)
        self.live = list(live)
        self._metrics_sent = 0
        self._series: list[Sink] = []  # index = how the receiver knows the series
        self._feeds: list[tuple[int, ...]] = []  # per series: the live keys it belongs to
        self._live_counts = [0] * len(self.live)  # values each live key had so far (trends)
        self._known: set[int] = set()  # id() of every sink already named (or skipped)
        self._scanned = 0  # the registry's series count at the last scan for new series
        self._batch = SeriesBatch()  # detail not sent yet (take(detail=False))

    def take(self, detail: bool = True) -> dict[str, Any]:
        """What changed since the previous call (the first: everything). Without `detail`, the
        series' part waits for the next call with it (the live aggregates go at once)."""
        reg = self.registry
        metrics = list(reg.metrics.values())
        defined = metrics[self._metrics_sent :]
        self._metrics_sent = len(metrics)
        changed: list[SeriesState] = []
        for index, sink in enumerate(self._series):
            change = sink.delta()
            if change is not None:
                changed.append((index, change))
        new: list[tuple[str, TagSet, Any]] = []
        first = len(self._series)
        if reg.series_count != self._scanned:
            self._scanned = reg.series_count
            for metric, tags, sink in reg.all_series():
                if id(sink) in self._known:
                    continue
                self._known.add(id(sink))
                if metric.name not in self.skip:
                    new.append((metric.name, tags, sink.delta()))
                    self._series.append(sink)
                    self._feeds.append(self._keys_of(metric.name, tags))
        live = self._live(changed, new, first)
        batch = self._batch
        if not detail or batch:
            for index, state in changed:
                batch.add(index, self._series[index].type, state)
            for offset, (name, tags, state) in enumerate(new):
                batch.add(first + offset, self._series[first + offset].type, state)
                batch.name(name, tags, first + offset)
            changed, new = batch.flush() if detail else ([], [])
        return {
            "metrics": [(m.name, m.type.value, m.contains.value) for m in defined],
            "series": changed,
            "new": new,
            "groups": reg.groups.root.delta_state(),
            "live": live,
        }

    def _keys_of(self, metric: str, tags: TagSet) -> tuple[int, ...]:
        return tuple(k for k, (name, selector) in enumerate(self.live) if name == metric and matches(tags, selector))

    def _live(self, changed: list[SeriesState], new: list[tuple[str, TagSet, Any]], first: int) -> list[SeriesState]:
        """Per live key, the merge of what its series gained: one state per key."""
        if not self.live:
            return []
        gathered: dict[int, list[Any]] = {}
        kinds: dict[int, MetricType] = {}
        feeds, series = self._feeds, self._series
        fresh = ((first + offset, state) for offset, (_, _, state) in enumerate(new))
        for index, state in (*changed, *fresh):
            for key in feeds[index]:
                have = gathered.get(key)
                if have is None:
                    gathered[key] = [state]
                    kinds[key] = series[index].type
                else:
                    have.append(state)
        out: list[SeriesState] = []
        for key, states in gathered.items():
            kind = kinds[key]
            state = merge_states(kind, states)
            if kind is MetricType.TREND:
                self._live_counts[key] += state[0]
                # past the exact limit here, the receiver's aggregate (which holds at least this
                # sender's values) is a histogram: bucketing costs this sender, not the receiver
                if self._live_counts[key] > EXACT_LIMIT:
                    state = bucketed_state(state)
            out.append((key, state))
        return out

    def bucket(self, indexes: Iterable[int]) -> None:
        """These trend series are histograms at the receiver: send their values as buckets from now on
        (bucketing them costs this process, not the one receiver of every worker)."""
        for index in indexes:
            sink = self._series[index]
            if isinstance(sink, TrendSink):
                sink.bucketed_deltas = True


class DeltaReceiver:
    """The receiving side of one sender: merges its deltas' series, in order, into `registry` (the
    `live` part is the reader's: loadpy.metrics.live)."""

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


class DeltaMerger:
    """Several senders' deltas merged into one, as one sender holding all their series would send
    it (a Ray node agent forwards its workers' deltas as one a second): their series renamed into
    one index space and gathered like deferred detail (`SeriesBatch`), the live aggregates per key,
    check results summed, every definition once. Merging its deltas gives what merging every
    sender's would."""

    def __init__(self, live: Sequence[LiveKey] = ()) -> None:
        self._live_names = [name for name, _ in live]
        self._types: dict[str, MetricType] = {}  # every metric defined so far
        self._undefined: list[tuple[str, str, str]] = []  # definitions not forwarded yet
        self._index: dict[tuple[str, TagSet], int] = {}  # a series' merged index
        self._kinds: list[MetricType] = []  # per merged index
        self._counts: list[int] = []  # values forwarded so far, per merged index (trends)
        self._renamed: dict[int, list[int]] = {}  # per sender: its series index -> the merged one
        self._batch = SeriesBatch()
        self._live: dict[int, list[Any]] = {}
        self._groups = GroupTree()
        self.pending = False  # something to take

    def add(self, sender: int, delta: dict[str, Any]) -> None:
        for name, mtype, contains in delta["metrics"]:
            if name not in self._types:
                self._types[name] = MetricType(mtype)
                self._undefined.append((name, mtype, contains))
        renamed = self._renamed.setdefault(sender, [])
        batch, kinds = self._batch, self._kinds
        for index, state in delta["series"]:
            merged = renamed[index]
            batch.add(merged, kinds[merged], state)
        for name, tags, state in delta["new"]:
            merged = self._index.get((name, tags))
            if merged is None:
                merged = self._index[name, tags] = len(kinds)
                kinds.append(self._types[name])
                self._counts.append(0)
                batch.name(name, tags, merged)
            renamed.append(merged)
            batch.add(merged, kinds[merged], state)
        self._groups.root.merge_state(delta["groups"])
        for key, state in delta["live"]:
            self._live.setdefault(key, []).append(state)
        self.pending = True

    def take(self) -> dict[str, Any]:
        """Everything added since the previous call, as one delta."""
        series, new = self._batch.flush()
        series = [(index, self._bucketed(index, state)) for index, state in series]
        new = [(name, tags, self._bucketed(self._index[name, tags], state)) for name, tags, state in new]
        live = [(key, merge_states(self._types[self._live_names[key]], states)) for key, states in self._live.items()]
        defined, self._undefined, self._live, self.pending = self._undefined, [], {}, False
        return {
            "metrics": defined,
            "series": series,
            "new": new,
            "groups": self._groups.root.delta_state(),
            "live": live,
        }

    def _bucketed(self, index: int, state: Any) -> Any:
        """Past the exact limit here, the receiver's series (which holds at least what this merger
        forwarded) is a histogram: bucketing the values costs this process, not the receiver."""
        if self._kinds[index] is not MetricType.TREND:
            return state
        self._counts[index] += state[0]
        return bucketed_state(state) if self._counts[index] > EXACT_LIMIT else state
