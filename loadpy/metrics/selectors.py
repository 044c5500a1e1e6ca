"""Submetric selectors (`metric{tag:value,...}`) parsed exactly as k6 v1.x does, and the
read-time views that merge the series a selector matches.

k6 validates a threshold key twice: `ParseMetricName` (braces, every part needs a `:value`)
and then `AddSubmetric` (split on `,`, each part on the first `:`, trim spaces and quotes).
The display name is `metric{` + the trimmed inner text + `}`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Protocol

from loadpy.errors import ConfigError
from loadpy.metrics.metric import Metric
from loadpy.metrics.registry import Registry
from loadpy.metrics.sinks import Sink, merge_all
from loadpy.metrics.tags import TagSet, matches

EXPECTED_RESPONSE_KEY = "http_req_duration{expected_response:true}"

log = logging.getLogger("loadpy.metrics")


@dataclass(frozen=True, slots=True)
class MetricKey:
    """A parsed threshold key: the metric, and for a submetric its selector and inner text."""

    metric: str
    inner: str | None  # trimmed text between the braces; None for the whole metric
    selector: TagSet

    @property
    def display_name(self) -> str:
        return self.metric if self.inner is None else f"{self.metric}{{{self.inner}}}"


def _unmatched(name: str, why: str) -> ConfigError:
    return ConfigError(
        f'unable to validate threshold expressions; reason: parsing metric name failed, metric "{name}" {why}'
    )


def _trim_quotes(text: str) -> str:
    return text.strip().strip("\"'")


def split_metric_name(name: str) -> tuple[str, str]:
    """A summary or threshold key's metric and submetric suffix, without validation (parse_metric_key
    validates): "http_req_duration{status:200}" → ("http_req_duration", "{status:200}"), "checks" → ("checks", "")."""
    metric, brace, selector = name.partition("{")
    return metric, brace + selector


def parse_metric_key(name: str) -> MetricKey:
    """Parse a thresholds key with k6's rules and messages (raises ConfigError)."""
    opening = name.find("{")
    closing = name.rfind("}")
    if opening == -1 and closing == -1:
        return MetricKey(name, None, ())
    if (opening == -1) != (closing == -1):
        raise _unmatched(name, "has unmatched opening/close curly brace")
    if closing < opening:
        raise _unmatched(name, "closing curly brace appears before opening one")
    if closing != len(name) - 1:
        raise _unmatched(name, "lacks a closing curly brace in its last position")
    inner_raw = name[opening + 1 : closing]
    for part in inner_raw.split(","):
        _, sep, value = part.partition(":")
        if not sep or value == "":
            raise ConfigError(
                "unable to validate threshold expressions; reason: parsing metric name failed, "
                f'metric "{part}" tag expression is malformed'
            )
    inner = inner_raw.strip()
    pairs: dict[str, str] = {}
    for part in inner.split(","):
        if part == "":
            continue
        key, _, value = part.partition(":")
        pairs[_trim_quotes(key)] = _trim_quotes(value)
    return MetricKey(name[:opening], inner, tuple(sorted(pairs.items())))


def unevaluated_submetric_keys(keys: Iterable[str], registry: Registry) -> list[MetricKey]:
    """The submetrics named by threshold keys that are not evaluated (--no-thresholds): k6 still
    creates and exports them, and only warns about a key it cannot use."""
    out: list[MetricKey] = []
    for name in keys:
        try:
            key = parse_metric_key(name)
        except ConfigError as exc:
            log.warning("Invalid metric '%s' in threshold definitions: %s", name, exc.message)
            continue
        if key.metric not in registry.metrics:
            log.warning(
                "Invalid metric '%s' in threshold definitions: metric '%s' does not exist in the script",
                name,
                key.metric,
            )
        elif key.inner is not None:
            out.append(key)
    return out


class SinkView(Protocol):
    """What a threshold reads: the merged values of its (sub)metric (SeriesView; loadpy.metrics.live)."""

    def sink(self) -> Sink: ...

    def has_series(self) -> bool: ...


class SeriesView:
    """The merged sink of every series of `metric` whose tags contain `selector`.

    Series are only ever added to a registry, so the matching ones are cached and only
    new series are scanned on each read; nothing happens on the hot path.
    """

    __slots__ = ("_matched", "_registry", "_scanned", "_where", "metric", "selector")

    def __init__(
        self,
        registry: Registry,
        metric: Metric,
        selector: TagSet = (),
        where: Callable[[TagSet], bool] | None = None,
    ) -> None:
        self._registry = registry
        self.metric = metric
        self.selector = selector
        self._where = where
        self._matched: list[Sink] = []
        self._scanned = 0

    def _refresh(self) -> None:
        series = self._registry.series(self.metric)
        if len(series) == self._scanned:
            return
        for tags, sink in islice(series.items(), self._scanned, None):
            if matches(tags, self.selector) and (self._where is None or self._where(tags)):
                self._matched.append(sink)
        self._scanned = len(series)

    def sink(self) -> Sink:
        """A new sink holding the merge of every matching series (read time only)."""
        self._refresh()
        return merge_all(self.metric.type, self._matched)

    def has_series(self) -> bool:
        self._refresh()
        return bool(self._matched)
