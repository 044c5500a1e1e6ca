"""`--out experimental-prometheus-rw`: k6's Prometheus remote-write output (protobuf + snappy).

As k6 (internal/output/prometheusrw): every time series keeps one aggregate for the whole run,
and each push sends the series that got a newer sample, at the time of that sample (ms):
- Counter -> `k6_<name>_total` (the running sum),
- Gauge -> `k6_<name>` (the last value),
- Rate -> `k6_<name>_rate` (the running ratio of non-zero samples),
- Trend -> one gauge per `K6_PROMETHEUS_RW_TREND_STATS` entry (default `p(99)`), named
  `k6_<name>_<stat>` with `p(99)` -> `p99`, `p(99.9)` -> `p999`; time values in seconds (k6 divides
  every stat of a time trend by 1000, `count` included).
Labels are the sample's tags with a value (metadata such as vu and iter are not labels).
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Callable, Mapping
from typing import Any

import cramjam

from loadpy.base.schema import trend_stat_problem
from loadpy.clock import wall_ns
from loadpy.metrics.metric import Contains, Metric
from loadpy.metrics.sinks import CounterSink, GaugeSink, RateSink, TrendSink, new_sink
from loadpy.metrics.tags import TagSet
from loadpy.outputs.base import Sample
from loadpy.outputs.http_push import HttpPusher, basic_auth, tls_context
from loadpy.outputs.protobuf import field_bytes, field_double, field_string, field_varint
from loadpy.outputs.push import PushOutput, log
from loadpy.outputs.settings import Settings, bad_argument, bad_setting

DEFAULT_URL = "http://localhost:9090/api/v1/write"
PREFIX = "k6_"
REQUEST_TIMEOUT = 5.0
# Prometheus' staleness marker, a NaN with this exact bit pattern
STALE_MARKER = struct.unpack("<d", struct.pack("<Q", 0x7FF0000000000002))[0]
NATIVE_HISTOGRAM = "K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM"
SIGV4 = ("K6_PROMETHEUS_RW_SIGV4_REGION", "K6_PROMETHEUS_RW_SIGV4_ACCESS_KEY", "K6_PROMETHEUS_RW_SIGV4_SECRET_KEY")

StatFn = Callable[[TrendSink], float]


def _reader(stat: str) -> StatFn:
    def read(sink: TrendSink) -> float:
        return sink.stat(stat)

    return read


def _total(sink: TrendSink) -> float:
    sink.fold()  # values wait in a buffer until folded; `sum` does not fold by itself
    return sink.sum


def trend_stat_resolvers(stats: list[str]) -> dict[str, StatFn]:
    """Series suffix -> how to read it, for K6_PROMETHEUS_RW_TREND_STATS (k6's names and checks)."""
    key = "K6_PROMETHEUS_RW_TREND_STATS"
    resolvers: dict[str, StatFn] = {}
    for stat in stats:
        if stat == "sum":
            resolvers["sum"] = _total
            continue
        problem = trend_stat_problem(stat)
        if problem is not None:
            raise bad_setting(key, problem)
        # p(99) -> p99, p(99.9) -> p999, p(0.95) -> p095
        suffix = "p" + stat[2:-1].replace(".", "") if stat.startswith("p(") else stat
        resolvers[suffix] = _reader(stat)
    return resolvers


def label(name: str, value: str) -> bytes:
    return field_string(1, name) + field_string(2, value)


def time_series(labels: bytes, value: float, timestamp_ms: int) -> bytes:
    """One prompb.TimeSeries with one sample; `labels` holds the encoded Label fields."""
    return labels + field_bytes(2, field_double(1, value) + field_varint(2, timestamp_ms))


class PrometheusConfig:
    def __init__(self, env: Mapping[str, str]) -> None:
        s = Settings(env)
        # refused rather than ignored: loadpy implements neither
        if s.flag(NATIVE_HISTOGRAM, False):
            raise bad_setting(
                NATIVE_HISTOGRAM, "loadpy's Prometheus remote-write output does not support native histograms"
            )
        for key in SIGV4:
            if key in env:
                raise bad_setting(key, "loadpy's Prometheus remote-write output does not support AWS SigV4 signing")
        self.url = s.text("K6_PROMETHEUS_RW_SERVER_URL", DEFAULT_URL)
        self.insecure = s.flag("K6_PROMETHEUS_RW_INSECURE_SKIP_TLS_VERIFY", False)
        self.username: str | None = env.get("K6_PROMETHEUS_RW_USERNAME")
        self.password = s.text("K6_PROMETHEUS_RW_PASSWORD", "")
        self.client_cert = env.get("K6_PROMETHEUS_RW_CLIENT_CERTIFICATE")
        self.client_key = env.get("K6_PROMETHEUS_RW_CLIENT_CERTIFICATE_KEY")
        self.bearer_token = s.text("K6_PROMETHEUS_RW_BEARER_TOKEN", "")
        self.push_interval = s.seconds("K6_PROMETHEUS_RW_PUSH_INTERVAL", 5.0)
        self.stale_markers = s.flag("K6_PROMETHEUS_RW_STALE_MARKERS", False)
        stats = env.get("K6_PROMETHEUS_RW_TREND_STATS")
        self.trend_stats = stats.split(",") if stats is not None else ["p(99)"]
        self.headers: dict[str, str] = {}
        for key, value in env.items():
            if key.startswith("K6_PROMETHEUS_RW_HEADERS_"):
                self.headers[key[len("K6_PROMETHEUS_RW_HEADERS_") :]] = value
        if "K6_PROMETHEUS_RW_HTTP_HEADERS" in env:
            for pair in env["K6_PROMETHEUS_RW_HTTP_HEADERS"].split(","):
                parts = pair.split(":")
                if len(parts) != 2:
                    raise bad_setting(
                        "K6_PROMETHEUS_RW_HTTP_HEADERS",
                        f"the provided header ({pair}) does not respect the expected format <header key>:<value>",
                    )
                self.headers[parts[0]] = parts[1]
        if self.bearer_token:
            self.headers["Authorization"] = "Bearer " + self.bearer_token
        if not self.url.startswith(("http://", "https://")):
            raise bad_setting("K6_PROMETHEUS_RW_SERVER_URL", f"invalid remote-write URL {self.url!r}")


class _Series:
    """The aggregate of one k6 time series and its labels, encoded once per suffix."""

    __slots__ = ("latest_ms", "metric", "sink", "tags")

    def __init__(self, metric: Metric, tags: TagSet, latest_ms: int) -> None:
        self.metric = metric
        self.tags = tags
        self.sink = new_sink(metric.type)
        self.latest_ms = latest_ms


class PrometheusRemoteWriteOutput(PushOutput):
    name = "Prometheus remote write"
    stop_timeout = REQUEST_TIMEOUT + 1.0

    def __init__(self, arg: str = "", env: Mapping[str, str] | None = None) -> None:
        if arg:
            raise bad_argument(
                f"--out experimental-prometheus-rw takes no argument (got {arg!r}): "
                "set the endpoint with K6_PROMETHEUS_RW_SERVER_URL"
            )
        self.config = PrometheusConfig(os.environ if env is None else env)
        self.push_interval = self.config.push_interval
        self.resolvers = trend_stat_resolvers(self.config.trend_stats)
        super().__init__()
        c = self.config
        headers = dict(c.headers)
        if c.username is not None:
            headers["Authorization"] = basic_auth(c.username, c.password)
        headers.update(
            {
                "User-Agent": "k6-prometheus-rw-output",
                "Content-Encoding": "snappy",
                "Content-Type": "application/x-protobuf",
                "X-Prometheus-Remote-Write-Version": "0.1.0",
            }
        )
        context = None
        if c.url.startswith("https://"):
            context = tls_context(c.insecure, cert=c.client_cert, key=c.client_key)
        self._http = HttpPusher(REQUEST_TIMEOUT, headers, context=context)
        self._tsdb: dict[tuple[str, TagSet], _Series] = {}
        self._seen: dict[tuple[str, TagSet], _Series] = {}
        self._labels: dict[tuple[str, TagSet, str], bytes] = {}

    def describe(self) -> str:
        return f"Prometheus remote write ({self.config.url})"

    # -- aggregation (manager's flush thread) -------------------------------------------
    def _encode(self, batch: list[Sample]) -> None:
        tsdb = self._tsdb
        seen = self._seen
        for metric, tags, value, when, _metadata in batch:
            ms = wall_ns(when) // 1_000_000
            key = (metric.name, tags)
            series = tsdb.get(key)
            if series is None:
                series = tsdb[key] = _Series(metric, tags, ms)
                seen[key] = series
            elif ms > series.latest_ms:
                # a sample in an already-sent millisecond is aggregated but not re-sent at that time
                series.latest_ms = ms
                seen[key] = series
            series.sink.add(value)

    def _label_bytes(self, series: _Series, suffix: str) -> bytes:
        key = (series.metric.name, series.tags, suffix)
        cached = self._labels.get(key)
        if cached is None:
            name = PREFIX + series.metric.name + ("_" + suffix if suffix else "")
            tags = series.tags if self.masker is None else tuple(self.masker.mask_pairs(series.tags))
            pairs = sorted([("__name__", name), *((k, v) for k, v in tags if k and v)])
            cached = self._labels[key] = b"".join(field_bytes(1, label(k, v)) for k, v in pairs)
        return cached

    def _series_values(self, series: _Series) -> list[tuple[str, float]]:
        """(suffix, value) of each Prometheus series one k6 series maps to."""
        sink = series.sink
        if isinstance(sink, CounterSink):
            return [("total", sink.total)]
        if isinstance(sink, GaugeSink):
            return [("", sink.last)]
        if isinstance(sink, RateSink):
            return [("rate", sink.rate)]
        assert isinstance(sink, TrendSink)
        scale = 1000.0 if series.metric.contains is Contains.TIME else 1.0
        return [(suffix, fn(sink) / scale) for suffix, fn in self.resolvers.items()]

    def _write_request(self, series_list: list[_Series], stale_ms: int | None = None) -> bytes:
        parts = []
        for series in series_list:
            for suffix, value in self._series_values(series):
                if stale_ms is None:
                    ts = time_series(self._label_bytes(series, suffix), value, series.latest_ms)
                else:
                    ts = time_series(self._label_bytes(series, suffix), STALE_MARKER, stale_ms)
                parts.append(field_bytes(1, ts))
        return b"".join(parts)

    def _take(self) -> Any:
        if not self._seen:
            return None
        series, self._seen = list(self._seen.values()), {}
        return series, self._write_request(series)

    def _lost(self, payload: Any) -> None:
        # the next push sends these series again, with their aggregates as they are then
        for series in payload[0]:
            self._seen.setdefault((series.metric.name, series.tags), series)

    def _final_payloads(self) -> list[Any]:
        if not self.config.stale_markers or not self._tsdb:
            return []
        # 1 ms after now, so the marker never lands on the last sample's millisecond
        with self._state_lock:
            stale_ms = time.time_ns() // 1_000_000 + 1
            return [([], self._write_request(list(self._tsdb.values()), stale_ms=stale_ms))]

    # -- sending (sender thread) ----------------------------------------------------------
    def _send(self, payload: Any) -> None:
        body = bytes(cramjam.snappy.compress_raw(payload[1]))
        self._http.post(self.config.url, body)

    def _log_send_error(self, exc: Exception) -> None:
        log.error("Failed to send the time series data to the endpoint (output=Prometheus remote write): %s", exc)
