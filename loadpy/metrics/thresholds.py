"""Thresholds: k6's grammar, validation messages and evaluation semantics (k6 v1.x).

    thresholds:
      http_req_duration: ["p(95)<500", "avg<400"]
      "http_reqs{status:404}": ["count==0"]
      http_req_failed: [{threshold: "rate<0.01", abortOnFail: true, delayAbortEval: "10s"}]

Values are read from the registry at evaluation time (every 2 s and at the end), so a
threshold costs nothing per sample.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from loadpy.base.durations import parse_duration
from loadpy.base.go_values import parse_go_float
from loadpy.base.schema import described
from loadpy.errors import ConfigError, did_you_mean
from loadpy.metrics.metric import Metric, MetricType
from loadpy.metrics.registry import Registry
from loadpy.metrics.selectors import MetricKey, SeriesView, SinkView, parse_metric_key
from loadpy.metrics.sinks import CounterSink, GaugeSink, RateSink, Sink, TrendSink

# k6 scans for operators in this order; the first one found splits the expression.
OPERATORS: tuple[str, ...] = ("<=", "<", ">=", ">", "===", "==", "!=")
AGGREGATIONS: tuple[str, ...] = ("value", "count", "rate", "avg", "min", "med", "max", "p")
SUPPORTED: dict[MetricType, tuple[str, ...]] = {
    MetricType.COUNTER: ("count", "rate"),
    MetricType.GAUGE: ("value",),
    MetricType.RATE: ("rate",),
    MetricType.TREND: ("avg", "min", "max", "med", "p"),
}
OBJECT_KEYS = ("threshold", "abortOnFail", "delayAbortEval")


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed `<aggregation> <op> <number>`; `percentile` is set for `p(N)`."""

    method: str
    percentile: float | None
    operator: str
    value: float

    def compare(self, lhs: float) -> bool:
        op, rhs = self.operator, self.value
        if op == "<":
            return lhs < rhs
        if op == "<=":
            return lhs <= rhs
        if op == ">":
            return lhs > rhs
        if op == ">=":
            return lhs >= rhs
        if op == "!=":
            return lhs != rhs
        return lhs == rhs  # "==" and "===" are the same numeric comparison


def parse_expression(source: str) -> Expression:
    """Parse one threshold expression with k6's rules and error messages."""
    for op in OPERATORS:
        left, _, right = source.partition(op)
        if right != "":
            break
    else:
        raise ConfigError(f'failed parsing threshold expression "{source}"; reason: malformed threshold expression')
    left, right = left.strip(), right.strip()
    percentile: float | None = None
    if left in AGGREGATIONS:
        method = left
    elif left.startswith("p(") and left.endswith(")"):
        method = "p"
        inner = left[2:-1]
        try:
            percentile = parse_go_float(inner)
        except ValueError as exc:
            raise ConfigError(
                f'failed parsing threshold expression\'s "{source}" left hand side; '
                f"reason: malformed percentile value; reason: {exc}"
            ) from None
    else:
        raise ConfigError(
            f'failed parsing threshold expression\'s "{source}" left hand side; '
            "reason: failed parsing method from expression"
        )
    try:
        value = parse_go_float(right)
    except ValueError as exc:
        # "expresion" is k6's spelling; kept so messages match.
        raise ConfigError(f'failed parsing threshold expresion\'s "{source}" right hand side; reason: {exc}') from None
    return Expression(method, percentile, op, value)


class Threshold:
    """One threshold expression on one metric or submetric."""

    __slots__ = ("abort_on_fail", "delay_abort_eval", "expression", "last_failed", "source")

    def __init__(
        self, source: str, expression: Expression, abort_on_fail: bool, delay_abort_eval: float | None
    ) -> None:
        self.source = source
        self.expression = expression
        self.abort_on_fail = abort_on_fail
        self.delay_abort_eval = delay_abort_eval  # seconds, None when not set
        self.last_failed = False

    @property
    def ok(self) -> bool:
        return not self.last_failed

    def run(self, values: Mapping[str, float]) -> bool:
        """Evaluate against a sink's threshold values; a missing value passes (k6: empty Rate)."""
        lhs = values.get(self.key)
        passes = True if lhs is None else self.expression.compare(lhs)
        self.last_failed = not passes
        return passes

    @property
    def key(self) -> str:
        expr = self.expression
        return expr.method if expr.percentile is None else f"p({expr.percentile!r})"

    def __repr__(self) -> str:
        return f"Threshold({self.source!r}, ok={self.ok})"


def sink_values(sink: Sink, thresholds: list[Threshold], duration_s: float) -> dict[str, float]:
    """The aggregation values k6 computes for a sink before running its thresholds."""
    if isinstance(sink, CounterSink):
        return {"count": sink.total, "rate": _divide(sink.total, duration_s)}
    if isinstance(sink, GaugeSink):
        return {"value": sink.last}
    if isinstance(sink, RateSink):
        return {"rate": sink.trues / sink.total} if sink.total else {}
    assert isinstance(sink, TrendSink)
    out = {"min": sink.minimum(), "max": sink.maximum(), "avg": sink.avg(), "med": sink.percentile(50)}
    for threshold in thresholds:
        pct = threshold.expression.percentile
        if pct is not None:
            out[threshold.key] = sink.percentile(pct)
    return out


def _divide(count: float, duration_s: float) -> float:
    """Go float division semantics (x/0 = ±Inf, 0/0 = NaN) instead of ZeroDivisionError."""
    if duration_s > 0:
        return count / duration_s
    if count == 0:
        return math.nan
    return math.copysign(math.inf, count)


class MetricThresholds:
    """The thresholds on one metric or submetric, and the view its values are read from."""

    __slots__ = ("abort", "key", "metric", "thresholds", "view")

    def __init__(self, key: MetricKey, metric: Metric, view: SinkView) -> None:
        self.key = key
        self.metric = metric
        self.view: SinkView = view
        self.thresholds: list[Threshold] = []
        self.abort = False  # sticky, like k6's Thresholds.Abort

    @property
    def name(self) -> str:
        return self.key.display_name

    def run(self, duration_s: float, *, skip_empty: bool) -> bool | None:
        """True/False = all passed / some failed; None when skipped (empty sink, periodic run)."""
        sink = self.view.sink()
        # A merged CounterSink never reports empty; a counter with no series has no samples.
        if skip_empty and (sink.empty or not self.view.has_series()):
            return None
        values = sink_values(sink, self.thresholds, duration_s)
        succeeded = True
        for threshold in self.thresholds:
            if threshold.run(values):
                continue
            succeeded = False
            if self.abort or not threshold.abort_on_fail:
                continue
            delay = threshold.delay_abort_eval
            self.abort = delay is None or delay < duration_s
        return succeeded


class Thresholds:
    """Every threshold of a test, grouped by metric display name."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.metrics: dict[str, MetricThresholds] = {}  # display name -> thresholds (definition order)
        self.by_metric: dict[str, list[Threshold]] = {}

    @classmethod
    def parse(cls, spec: Mapping[str, object], registry: Registry) -> Thresholds:
        """Parse and validate `thresholds` (k6's messages); raises ConfigError with key=thresholds.<name>."""
        out = cls(registry)
        if not isinstance(spec, Mapping):
            raise ConfigError(
                f"thresholds must be a mapping of metric name to a list of expressions, got {described(spec)}",
                key="thresholds",
            )
        by_selector: dict[tuple[str, tuple[tuple[str, str], ...]], MetricThresholds] = {}
        for name, items in spec.items():
            where = f"thresholds.{name}"
            try:
                out._add(str(name), items, by_selector)
            except ConfigError as exc:
                raise exc.located(key=where) from None
        return out

    def _add(
        self,
        name: str,
        items: object,
        by_selector: dict[tuple[str, tuple[tuple[str, str], ...]], MetricThresholds],
    ) -> None:
        if not isinstance(items, list | tuple):
            raise ConfigError(
                f"the thresholds of {name} must be a list of expressions or "
                f"{{threshold, abortOnFail, delayAbortEval}} objects, got {described(items)}"
            )
        parsed = [_parse_item(item) for item in items]
        key = parse_metric_key(name)
        metric = self.registry.metrics.get(key.metric)
        if metric is None:
            raise ConfigError(f'invalid threshold defined on {name}; reason: no metric name "{name}" found')
        supported = SUPPORTED[metric.type]
        for threshold in parsed:
            if threshold.expression.method not in supported:
                raise ConfigError(
                    f'invalid threshold "{threshold.source}" applied on metric {name}; reason: unsupported '
                    f"aggregation method {threshold.expression.method} on metric of type {metric.type.value}. "
                    f"supported aggregation methods for this metric are: {', '.join(supported)}"
                )
        # Keys that select the same tags share one submetric (k6: AddSubmetric dedupes by tags).
        group = by_selector.get((key.metric, key.selector)) if key.inner is not None else None
        if group is None:
            group = MetricThresholds(key, metric, SeriesView(self.registry, metric, key.selector))
            by_selector[(key.metric, key.selector)] = group
            self.metrics[group.name] = group
            self.by_metric[group.name] = group.thresholds
        group.thresholds.extend(parsed)

    # -- evaluation -------------------------------------------------------------------
    def evaluate(self, test_run_duration_s: float, *, final: bool = False) -> bool:
        """Run every threshold; True when the test must abort (an abortOnFail threshold failed
        past its delayAbortEval). Periodic runs skip empty sinks; the final run includes them."""
        should_abort = False
        for group in self.metrics.values():
            if not group.thresholds:
                continue
            result = group.run(test_run_duration_s, skip_empty=not final)
            if result is False and group.abort:
                should_abort = True
        return should_abort and not final

    def failed_metric_names(self) -> list[str]:
        """Sorted display names of metrics with a failed threshold (for k6's log line)."""
        return sorted(name for name, group in self.metrics.items() if any(t.last_failed for t in group.thresholds))

    def aborting_metric_names(self) -> list[str]:
        """Failed metrics whose abortOnFail fired (for k6's 'stopping test prematurely' message)."""
        return sorted(
            name for name, group in self.metrics.items() if group.abort and any(t.last_failed for t in group.thresholds)
        )

    @property
    def failed(self) -> bool:
        return any(t.last_failed for ts in self.by_metric.values() for t in ts)


def _parse_item(item: object) -> Threshold:
    if isinstance(item, str):
        return Threshold(item, parse_expression(item), False, None)
    if isinstance(item, Mapping):
        unknown = [k for k in item if k not in OBJECT_KEYS]
        if unknown:
            hint = did_you_mean(str(unknown[0]), OBJECT_KEYS)
            raise ConfigError(
                f"unknown threshold field {unknown[0]!r}; a threshold object has the fields "
                f"threshold, abortOnFail and delayAbortEval",
                hint=hint,
            )
        source = item.get("threshold")
        if not isinstance(source, str):
            raise ConfigError(f"a threshold object needs a 'threshold' expression string, got {described(source)}")
        abort = item.get("abortOnFail", False)
        if not isinstance(abort, bool):
            raise ConfigError(f"abortOnFail must be true or false, got {described(abort)}")
        delay_raw = item.get("delayAbortEval")
        delay = None if delay_raw is None else parse_duration(delay_raw)
        return Threshold(source, parse_expression(source), abort, delay)
    raise ConfigError(
        f"a threshold must be an expression string or a {{threshold, abortOnFail, delayAbortEval}} "
        f"object, got {described(item)}"
    )
