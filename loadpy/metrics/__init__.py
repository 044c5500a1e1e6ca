"""Metrics: identities, per-series sinks, the registry, groups/checks, thresholds."""

from loadpy.metrics.metric import Contains, Metric, MetricType
from loadpy.metrics.registry import Registry
from loadpy.metrics.sinks import CounterSink, GaugeSink, RateSink, Sink, TrendSink
from loadpy.metrics.tags import EMPTY, TagSet, tagset, with_tags

__all__ = [
    "EMPTY",
    "Contains",
    "CounterSink",
    "GaugeSink",
    "Metric",
    "MetricType",
    "RateSink",
    "Registry",
    "Sink",
    "TagSet",
    "TrendSink",
    "tagset",
    "with_tags",
]
