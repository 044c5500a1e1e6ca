"""`--out experimental-opentelemetry` (also `opentelemetry`, its name from k6 v1.4): OTLP metrics
over gRPC (default) or HTTP/protobuf, as k6's output built on the OpenTelemetry Go SDK sends them.

Instruments, named `K6_OTEL_METRIC_PREFIX` + the k6 metric name, with unit "ms" (time), "By" (data):
- Counter -> monotonic Sum of doubles,
- Gauge -> Gauge (last value),
- Trend -> Histogram with the SDK's default bounds (below), count, sum, min and max,
- Rate -> two monotonic integer Sums: `<name>.occurred` (non-zero samples) and `<name>.total`.
Attributes are the sample's tags with a value. Temporality is cumulative: every export (each
`K6_OTEL_EXPORT_INTERVAL`, 10 s by default, and once at the end) carries every stream since the
start. The resource holds service.name (`K6_OTEL_SERVICE_NAME`/`OTEL_SERVICE_NAME`, default k6)
and service.version; the instrumentation scope is "k6".
"""

from __future__ import annotations

import math
import os
import ssl
import time
import urllib.parse
from bisect import bisect_left
from collections.abc import Mapping
from typing import Any

from loadpy import __version__
from loadpy.metrics.metric import Contains, Metric, MetricType
from loadpy.metrics.tags import TagSet
from loadpy.outputs.base import Sample
from loadpy.outputs.grpc_unary import grpc_unary
from loadpy.outputs.http_push import HttpPusher, tls_context
from loadpy.outputs.protobuf import (
    field_bytes,
    field_double,
    field_fixed64,
    field_string,
    field_varint,
    packed_doubles,
    packed_fixed64,
)
from loadpy.outputs.push import PushOutput, log
from loadpy.outputs.settings import Settings, bad_argument, bad_setting

# go.opentelemetry.io/otel/sdk/metric's default explicit bucket boundaries
HISTOGRAM_BOUNDS = [
    0.0,
    5.0,
    10.0,
    25.0,
    50.0,
    75.0,
    100.0,
    250.0,
    500.0,
    750.0,
    1000.0,
    2500.0,
    5000.0,
    7500.0,
    10000.0,
]
EXPORT_PATH = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
CUMULATIVE = 2  # AggregationTemporality
REQUEST_TIMEOUT = 10.0  # the OTLP exporters' default
_UNITS = {Contains.TIME: "ms", Contains.DATA: "By"}


class OtelConfig:
    def __init__(self, env: Mapping[str, str]) -> None:
        s = Settings(env)
        self.service_name = s.text("K6_OTEL_SERVICE_NAME", s.text("OTEL_SERVICE_NAME", "k6"))
        self.service_version = s.text("K6_OTEL_SERVICE_VERSION", __version__)
        self.metric_prefix = s.text("K6_OTEL_METRIC_PREFIX", "")
        # FLUSH_INTERVAL is how often k6 moves samples into the SDK: loadpy does it every 200 ms
        s.seconds("K6_OTEL_FLUSH_INTERVAL", 1.0)
        self.exporter_type = s.text("K6_OTEL_EXPORTER_TYPE", "grpc")
        self.export_interval = s.seconds("K6_OTEL_EXPORT_INTERVAL", 10.0)
        self.headers = self._headers(env.get("K6_OTEL_HEADERS"))
        self.tls_insecure_skip_verify = s.flag("K6_OTEL_TLS_INSECURE_SKIP_VERIFY", False)
        self.tls_certificate = env.get("K6_OTEL_TLS_CERTIFICATE")
        self.tls_client_certificate = env.get("K6_OTEL_TLS_CLIENT_CERTIFICATE")
        self.tls_client_key = env.get("K6_OTEL_TLS_CLIENT_KEY")
        self.http_insecure = s.flag("K6_OTEL_HTTP_EXPORTER_INSECURE", False)
        self.http_endpoint = s.text("K6_OTEL_HTTP_EXPORTER_ENDPOINT", "localhost:4318")
        self.http_path = s.text("K6_OTEL_HTTP_EXPORTER_URL_PATH", "/v1/metrics")
        self.grpc_endpoint = s.text("K6_OTEL_GRPC_EXPORTER_ENDPOINT", "localhost:4317")
        self.grpc_insecure = s.flag("K6_OTEL_GRPC_EXPORTER_INSECURE", False)
        self._validate()

    @staticmethod
    def _headers(raw: str | None) -> dict[str, str]:
        headers: dict[str, str] = {}
        if raw is None:
            return headers
        for header in raw.split(","):
            key, sep, value = header.partition("=")
            if not sep:
                raise bad_setting("K6_OTEL_HEADERS", f'invalid header "{header}", expected format key=value')
            headers[urllib.parse.unquote(key)] = urllib.parse.unquote(value)
        return headers

    def _validate(self) -> None:
        def invalid(key: str, text: str) -> Exception:
            return bad_setting(key, f"error validating OpenTelemetry output config: {text}")

        if not self.service_name:
            raise invalid("K6_OTEL_SERVICE_NAME", "providing service name is required")
        if not self.service_version:
            raise invalid("K6_OTEL_SERVICE_VERSION", "providing service version is required")
        if self.exporter_type not in ("grpc", "http"):
            raise invalid(
                "K6_OTEL_EXPORTER_TYPE",
                f'unsupported exporter type "{self.exporter_type}", currently only "grpc" and "http" are supported',
            )
        endpoint_key = (
            "K6_OTEL_GRPC_EXPORTER_ENDPOINT" if self.exporter_type == "grpc" else "K6_OTEL_HTTP_EXPORTER_ENDPOINT"
        )
        endpoint = self.grpc_endpoint if self.exporter_type == "grpc" else self.http_endpoint
        if not endpoint:
            kind = "gRPC" if self.exporter_type == "grpc" else "HTTP"
            raise invalid(endpoint_key, f"{kind} exporter endpoint is required")
        if self.exporter_type == "http" and endpoint.startswith(("http://", "https://")):
            raise invalid(endpoint_key, "HTTP exporter endpoint must only be host and port, no scheme")
        host, sep, port = endpoint.rpartition(":")
        if not sep or not port.isdigit():
            raise invalid(endpoint_key, f"endpoint {endpoint!r} must be host:port")
        self.host = host.strip("[]") or "localhost"
        self.port = int(port)

    def describe(self) -> str:
        if self.exporter_type == "http":
            scheme = "http" if self.http_insecure else "https"
            return f"http, {scheme}://{self.http_endpoint}{self.http_path}"
        return f"grpc{' (insecure)' if self.grpc_insecure else ''}, {self.grpc_endpoint}"


def _attributes(number: int, tags: TagSet) -> bytes:
    """KeyValue fields (string values) for the tags that have a value."""
    return b"".join(
        field_bytes(number, field_string(1, k) + field_bytes(2, field_string(1, v))) for k, v in tags if k and v
    )


class _Stream:
    """The cumulative aggregate of one (instrument, attributes) stream."""

    __slots__ = ("buckets", "count", "max", "min", "occurred", "sum", "value")

    def __init__(self) -> None:
        self.value = 0.0
        self.count = 0
        self.occurred = 0
        self.sum = 0.0
        self.min = math.inf
        self.max = -math.inf
        self.buckets: list[int] | None = None


class OpenTelemetryOutput(PushOutput):
    name = "opentelemetry"

    def __init__(self, arg: str = "", env: Mapping[str, str] | None = None) -> None:
        if arg:
            raise bad_argument(
                f"--out experimental-opentelemetry takes no argument (got {arg!r}): use the K6_OTEL_* settings"
            )
        self.config = c = OtelConfig(os.environ if env is None else env)
        self.push_interval = c.export_interval
        self.stop_timeout = REQUEST_TIMEOUT + 1.0
        super().__init__()
        self._start_ns = time.time_ns()
        # metric name -> (metric, {tags: stream}); insertion order is the instrument creation order
        self._streams: dict[str, tuple[Metric, dict[TagSet, _Stream]]] = {}
        self._changed = False
        self._context: ssl.SSLContext | None = None
        secure = not (c.http_insecure if c.exporter_type == "http" else c.grpc_insecure)
        if secure:
            self._context = tls_context(
                c.tls_insecure_skip_verify, c.tls_certificate, c.tls_client_certificate, c.tls_client_key
            )
        if c.exporter_type == "http":
            self._url = f"{'https' if secure else 'http'}://{c.http_endpoint}{c.http_path}"
            headers = {**c.headers, "Content-Type": "application/x-protobuf", "User-Agent": f"loadpy/{__version__}"}
            self._http = HttpPusher(REQUEST_TIMEOUT, headers, context=self._context)
        self._resource = field_bytes(
            1,
            _attributes(
                1,
                (
                    ("service.name", c.service_name),
                    ("service.version", c.service_version),
                    ("telemetry.sdk.language", "python"),
                    ("telemetry.sdk.name", "loadpy"),
                    ("telemetry.sdk.version", __version__),
                ),
            ),
        )

    def describe(self) -> str:
        return f"opentelemetry ({self.config.describe()})"

    # -- aggregation (manager's flush thread) -------------------------------------------
    def _encode(self, batch: list[Sample]) -> None:
        streams = self._streams
        for metric, tags, value, _when, _metadata in batch:
            entry = streams.get(metric.name)
            if entry is None:
                entry = streams[metric.name] = (metric, {})
            stream = entry[1].get(tags)
            if stream is None:
                stream = entry[1][tags] = _Stream()
            kind = metric.type
            if kind is MetricType.COUNTER:
                if value >= 0:  # the SDK drops a negative add to a counter
                    stream.value += value
            elif kind is MetricType.GAUGE:
                stream.value = value
            elif kind is MetricType.RATE:
                stream.count += 1
                if value != 0:
                    stream.occurred += 1
            else:
                if stream.buckets is None:
                    stream.buckets = [0] * (len(HISTOGRAM_BOUNDS) + 1)
                # a bucket holds values <= its upper bound
                stream.buckets[bisect_left(HISTOGRAM_BOUNDS, value)] += 1
                stream.count += 1
                stream.sum += value
                stream.min = min(stream.min, value)
                stream.max = max(stream.max, value)
        if batch:
            self._changed = True

    def _take(self) -> Any:
        if not self._changed:
            return None
        self._changed = False
        now = time.time_ns()
        metrics = b"".join(self._metric_messages(now))
        scope = field_bytes(1, field_string(1, "k6")) + metrics
        return field_bytes(1, self._resource + field_bytes(2, scope))

    def _lost(self, payload: Any) -> None:
        self._changed = True  # every export is cumulative: the next one carries it all

    def _metric_messages(self, now: int) -> list[bytes]:
        prefix = self.config.metric_prefix
        times = field_fixed64(2, self._start_ns) + field_fixed64(3, now)
        out = []
        for name, (metric, streams) in self._streams.items():
            masked = self._masked(streams)
            unit = _UNITS.get(metric.contains, "")
            head = field_string(1, prefix + name) + (field_string(3, unit) if unit else b"")
            kind = metric.type
            if kind is MetricType.RATE:
                for suffix, read in ((".occurred", "occurred"), (".total", "count")):
                    points = [
                        _number_point(tags, times, as_int=getattr(s, read))
                        for tags, s in masked
                        if getattr(s, read) > 0
                    ]
                    if points:
                        out.append(_sum_metric(field_string(1, prefix + name + suffix), points))
            elif kind is MetricType.COUNTER:
                out.append(_sum_metric(head, [_number_point(tags, times, as_double=s.value) for tags, s in masked]))
            elif kind is MetricType.GAUGE:
                gauge = b"".join(field_bytes(1, _number_point(tags, times, as_double=s.value)) for tags, s in masked)
                out.append(field_bytes(2, head + field_bytes(5, gauge)))
            else:
                histogram = b"".join(field_bytes(1, _histogram_point(tags, times, s)) for tags, s in masked)
                out.append(field_bytes(2, head + field_bytes(9, histogram + field_varint(2, CUMULATIVE))))
        return out

    def _masked(self, streams: dict[TagSet, _Stream]) -> list[tuple[TagSet, _Stream]]:
        if self.masker is None:
            return list(streams.items())
        return [(tuple(self.masker.mask_pairs(tags)), s) for tags, s in streams.items()]

    # -- sending (sender thread) ----------------------------------------------------------
    def _send(self, payload: Any) -> None:
        c = self.config
        if c.exporter_type == "http":
            self._http.post(self._url, payload)
            return
        grpc_unary(
            c.host,
            c.port,
            EXPORT_PATH,
            payload,
            context=self._context,
            timeout=REQUEST_TIMEOUT,
            metadata=c.headers,
            user_agent=f"loadpy/{__version__}",
        )

    def _log_send_error(self, exc: Exception) -> None:
        log.error("failed to upload metrics (output=opentelemetry): %s", exc)


def _number_point(tags: TagSet, times: bytes, *, as_double: float | None = None, as_int: int | None = None) -> bytes:
    value = field_double(4, as_double) if as_double is not None else field_fixed64(6, as_int or 0)
    return _attributes(7, tags) + times + value


def _sum_metric(head: bytes, points: list[bytes]) -> bytes:
    body = b"".join(field_bytes(1, p) for p in points) + field_varint(2, CUMULATIVE) + field_varint(3, 1)
    return field_bytes(2, head + field_bytes(7, body))


def _histogram_point(tags: TagSet, times: bytes, s: _Stream) -> bytes:
    return (
        _attributes(9, tags)
        + times
        + field_fixed64(4, s.count)
        + field_double(5, s.sum)
        + packed_fixed64(6, s.buckets or [])
        + packed_doubles(7, HISTOGRAM_BOUNDS)
        + field_double(11, s.min)
        + field_double(12, s.max)
    )
