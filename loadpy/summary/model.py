"""The end-of-test summary model: built once from the registry and the thresholds, then
rendered as text (compact/full/legacy), --summary-export JSON or handle_summary data.

Which metrics are listed (k6's "observed" metrics): every metric with a sample, every
metric or submetric referenced by a threshold (and a submetric's parent), and the
automatic `http_req_duration{expected_response:true}` once it has samples.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from loadpy.base.schema import trend_stat_problem
from loadpy.errors import ConfigError
from loadpy.metrics.groups import SEPARATOR, GroupNode
from loadpy.metrics.metric import Contains, Metric, MetricType
from loadpy.metrics.registry import Registry
from loadpy.metrics.selectors import EXPECTED_RESPONSE_KEY, MetricKey, SeriesView, parse_metric_key
from loadpy.metrics.sinks import CounterSink, GaugeSink, RateSink, Sink, TrendSink, new_sink
from loadpy.metrics.tags import TagSet
from loadpy.metrics.thresholds import Thresholds, sink_values
from loadpy.summary.failures import Failures, collect_failures
from loadpy.summary.results import CheckResult, ThresholdResult, check_results, observed_text, stat_name

DEFAULT_TREND_STATS: tuple[str, ...] = ("avg", "min", "med", "max", "p(90)", "p(95)")
# k6 lists a percentile threshold's value for display when it is not a summary column.
_PERCENTILE_SOURCE = re.compile(r"^p\((\d+(?:\.\d+)?)\)\s*[<>=]")
_SETUP_GROUPS = frozenset({"setup", "teardown"})


def validate_trend_stats(stats: list[str] | tuple[str, ...]) -> list[str]:
    """k6's summaryTrendStats validation; ConfigError with k6's message on a bad entry."""
    for stat in stats:
        problem = trend_stat_problem(stat)
        if problem is not None:
            raise ConfigError(problem, key="summaryTrendStats")
    return list(stats)


@dataclass(slots=True)
class MetricSummary:
    """One metric (or submetric, keyed by its display name) with its summary values."""

    name: str
    type: MetricType
    contains: Contains
    values: dict[str, float]
    thresholds: list[ThresholdResult] | None = None
    # Percentiles named by thresholds but not in summaryTrendStats (text THRESHOLDS section only).
    threshold_values: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class Section:
    """TOTAL RESULTS, a scenario or a group: its checks (by name) and metrics, nested groups."""

    metrics: dict[str, MetricSummary] = field(default_factory=dict)
    checks: list[CheckResult] | None = None  # None when no check ran in this section
    groups: dict[str, Section] = field(default_factory=dict)


@dataclass(slots=True)
class Summary:
    metrics: dict[str, MetricSummary]  # every listed metric, JSON/legacy order
    total: Section  # TOTAL RESULTS
    groups: dict[str, Section]  # full mode: groups of the `default` scenario (and untagged samples)
    scenarios: dict[str, Section]  # full mode: every other scenario
    thresholds: dict[str, MetricSummary]  # metrics that have thresholds, by display name
    root_group: GroupNode
    summary_trend_stats: list[str]
    summary_time_unit: str | None
    test_run_duration_s: float
    setup_data: object = None
    failures: Failures | None = None  # failed requests by reason (not part of k6's summary; see failures.py)
    no_color: bool = True
    is_stdout_tty: bool = False
    is_stderr_tty: bool = False

    @property
    def enable_colors(self) -> bool:
        return not self.no_color and self.is_stdout_tty

    def threshold_results(self) -> list[ThresholdResult]:
        """Every threshold's verdict, metrics in the thresholds' order."""
        return [t for m in self.thresholds.values() for t in m.thresholds or ()]

    def check_results(self) -> list[CheckResult]:
        """Every check of root_group with its path, depth first."""
        return check_results(self.root_group)


def sink_summary_values(sink: Sink, duration_s: float, trend_stats: list[str]) -> dict[str, float]:
    """The `values` object k6 reports for a sink (handleSummary data shape)."""
    if isinstance(sink, CounterSink):
        return {"count": sink.total, "rate": sink.total / duration_s if duration_s > 0 else 0.0}
    if isinstance(sink, GaugeSink):
        return {"value": sink.last, "min": sink.min if sink.samples else 0.0, "max": sink.max}
    if isinstance(sink, RateSink):
        return {"rate": sink.rate, "passes": float(sink.trues), "fails": float(sink.total - sink.trues)}
    assert isinstance(sink, TrendSink)
    return {stat: sink.stat(stat) for stat in trend_stats}


def build_summary(
    registry: Registry,
    thresholds: Thresholds | None,
    *,
    test_run_duration_s: float,
    summary_trend_stats: list[str] | None,
    summary_time_unit: str | None,
    setup_data: object = None,
    no_color: bool = True,
    is_stdout_tty: bool = False,
    is_stderr_tty: bool = False,
    system_tags: Collection[str] | None = None,
    submetric_keys: Iterable[MetricKey] = (),
) -> Summary:
    """`system_tags` (None: k6's default set) shapes root_group; `submetric_keys` are submetrics
    k6 created from threshold keys that are not evaluated (--no-thresholds): listed once they
    have samples, like the automatic `http_req_duration{expected_response:true}`."""
    # an empty list is honoured: k6 then exports every trend with no values at all
    stats = validate_trend_stats(DEFAULT_TREND_STATS if summary_trend_stats is None else list(summary_trend_stats))
    registry.fold()
    duration = test_run_duration_s

    def summarize(name: str, metric: Metric, sink: Sink) -> MetricSummary:
        return MetricSummary(name, metric.type, metric.contains, sink_summary_values(sink, duration, stats))

    # Observed metrics: whole metrics first (definition order), each followed by its submetrics.
    listed: dict[str, MetricSummary] = {}
    subs: dict[str, list[tuple[str, Sink]]] = {}
    threshold_names: set[str] = set()
    if thresholds is not None:
        for name, group in thresholds.metrics.items():
            threshold_names.add(name)
            if group.key.inner is not None:
                threshold_names.add(group.key.metric)
                subs.setdefault(group.key.metric, []).append((name, group.view.sink()))
    for key in (parse_metric_key(EXPECTED_RESPONSE_KEY), *submetric_keys):
        if key.metric not in registry.metrics or _has_selector(thresholds, key.metric, key.selector):
            continue
        if any(name == key.display_name for name, _ in subs.get(key.metric, ())):
            continue
        view = SeriesView(registry, registry.metrics[key.metric], key.selector)
        sink = view.sink()
        if view.has_series() and not sink.empty:  # observed: a counter's sink is never `empty`
            subs.setdefault(key.metric, []).append((key.display_name, sink))
    for metric in registry.metrics.values():
        if registry.has_samples(metric) or metric.name in threshold_names:
            listed[metric.name] = summarize(metric.name, metric, registry.aggregate(metric))
        for sub_name, sink in subs.get(metric.name, ()):
            # A submetric with samples is observed even when its parent's listing is implicit.
            if not sink.empty or sub_name in threshold_names:
                listed[sub_name] = summarize(sub_name, metric, sink)

    by_threshold: dict[str, MetricSummary] = {}
    if thresholds is not None:
        for name, group in thresholds.metrics.items():
            entry = listed[name]
            sink = group.view.sink()
            entry.thresholds = _threshold_results(name, group, sink, duration)
            if isinstance(sink, TrendSink):
                for t in group.thresholds:
                    match = _PERCENTILE_SOURCE.match(t.source.strip())
                    if match and f"p({match.group(1)})" not in entry.values:
                        entry.threshold_values[f"p({match.group(1)})"] = sink.percentile(float(match.group(1)))
            by_threshold[name] = entry

    total = Section(metrics=listed, checks=_checks(registry) if "checks" in listed else None)
    groups, scenarios = _partial_sections(registry, duration, stats)
    return Summary(
        metrics=listed,
        total=total,
        groups=groups,
        scenarios=scenarios,
        thresholds=by_threshold,
        root_group=_root_group(registry, system_tags),
        summary_trend_stats=stats,
        summary_time_unit=summary_time_unit or None,
        test_run_duration_s=duration,
        setup_data=setup_data,
        failures=collect_failures(registry),
        no_color=no_color,
        is_stdout_tty=is_stdout_tty,
        is_stderr_tty=is_stderr_tty,
    )


def _threshold_results(name: str, group: Any, sink: Sink, duration_s: float) -> list[ThresholdResult]:
    """The verdicts of one metric's thresholds (after their last evaluation) with the values compared."""
    values = sink_values(sink, group.thresholds, duration_s)
    contains, kind = group.metric.contains.value, group.metric.type.value
    out = []
    for t in group.thresholds:
        pct = t.expression.percentile
        label = t.key if pct is None else f"p({pct:g})"  # "p(95)", as the summary prints it
        value = values.get(t.key)
        compared = value if not sink.empty and value is not None and math.isfinite(value) else None
        out.append(
            ThresholdResult(
                metric=name,
                source=t.source,
                ok=bool(t.ok),
                observed=observed_text(label, value, kind, contains),
                stat=stat_name(t.key),
                value=compared,
            )
        )
    return out


def _root_group(registry: Registry, system_tags: Collection[str] | None) -> GroupNode:
    """k6 builds root_group from the samples' `group` and `check` tags: without the `group` tag
    it is empty, without `check` it has no checks."""
    root = registry.groups.root
    if system_tags is None:
        return root
    if "group" not in system_tags:
        return root.copy(groups=False, checks=False)
    return root if "check" in system_tags else root.copy(checks=False)


def _has_selector(thresholds: Thresholds | None, metric: str, selector: TagSet) -> bool:
    if thresholds is None:
        return False
    return any(
        g.key.metric == metric and g.key.inner is not None and g.key.selector == selector
        for g in thresholds.metrics.values()
    )


def _checks(registry: Registry) -> list[CheckResult]:
    """Check results by name in first-seen order (series order), merged across groups."""
    out: dict[str, CheckResult] = {}
    for tags, sink in registry.series(registry.metrics["checks"]).items():
        name = dict(tags).get("check")
        if name is None or not isinstance(sink, RateSink):
            continue
        result = out.setdefault(name, CheckResult(name))
        result.passes += sink.trues
        result.fails += sink.total - sink.trues
    return list(out.values())


class _Partial:
    """A scenario/group section being filled from the series (full mode)."""

    def __init__(self) -> None:
        self.sinks: dict[str, Sink] = {}
        self.checks: dict[str, CheckResult] = {}
        self.groups: dict[str, _Partial] = {}

    def add(self, metric: Metric, tags: dict[str, str], sink: Sink) -> None:
        merged = self.sinks.get(metric.name)
        if merged is None:
            merged = self.sinks[metric.name] = new_sink(metric.type)
        merged.merge(sink)  # type: ignore[arg-type]
        check = tags.get("check")
        if metric.name == "checks" and check is not None and isinstance(sink, RateSink):
            result = self.checks.setdefault(check, CheckResult(check))
            result.passes += sink.trues
            result.fails += sink.total - sink.trues

    def child(self, name: str) -> _Partial:
        node = self.groups.get(name)
        if node is None:
            node = self.groups[name] = _Partial()
        return node

    def build(self, registry: Registry, duration: float, stats: list[str], order: dict[str, int], path: str) -> Section:
        metrics = {
            name: MetricSummary(
                name,
                registry.metrics[name].type,
                registry.metrics[name].contains,
                sink_summary_values(sink, duration, stats),
            )
            for name, sink in self.sinks.items()
        }
        ordered = sorted(self.groups, key=lambda g: order.get(f"{path}{SEPARATOR}{g}", len(order)))
        return Section(
            metrics=metrics,
            checks=list(self.checks.values()) if "checks" in self.sinks else None,
            groups={
                g: self.groups[g].build(registry, duration, stats, order, f"{path}{SEPARATOR}{g}") for g in ordered
            },
        )


def _partial_sections(
    registry: Registry, duration: float, stats: list[str]
) -> tuple[dict[str, Section], dict[str, Section]]:
    """k6's full-mode routing: samples of a scenario other than `default` feed that scenario's
    section; a sample's group path then selects the (nested) group section below it."""
    root = _Partial()
    scenarios: dict[str, _Partial] = {}
    for metric, tags_tuple, sink in registry.all_series():
        if sink.empty and not isinstance(sink, CounterSink):
            continue
        tags = dict(tags_tuple)
        target = root
        scenario = tags.get("scenario")
        if scenario is not None and scenario != "default":
            target = scenarios.setdefault(scenario, _Partial())
            target.add(metric, tags, sink)
        group = tags.get("group", "")
        if group:
            normalized = group.removeprefix(SEPARATOR)
            if normalized in _SETUP_GROUPS:
                continue
            for name in normalized.split(SEPARATOR):
                target = target.child(name)
            target.add(metric, tags, sink)
    order = {node.path: i for i, node in enumerate(registry.groups.root.walk())}
    groups = root.build(registry, duration, stats, order, "").groups
    return groups, {name: part.build(registry, duration, stats, order, "") for name, part in scenarios.items()}
