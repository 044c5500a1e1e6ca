"""HTTP metric recording: k6's tags exactly (§7.1), cached sinks, streaming samples."""

from __future__ import annotations

from typing import Any

from loadpy.metrics.builtin import HTTP_METRICS
from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import DEFAULT_SYSTEM_TAGS
from loadpy.protocols.http.model import Response, Timings
from loadpy.vu.recording import ExpectedStatuses, Recorder

BASE = (("scenario", "main"),)
URL = "http://127.0.0.1:18080/status/404"


def resp(status: int = 404, **kw: Any) -> Response:
    fields: dict[str, Any] = {"proto": "HTTP/1.1", "error_code": 1000 + status if status >= 400 else 0}
    fields.update(kw)
    return Response("GET", URL, status=status, timings=Timings(1.0, 0, 0.5, 0, 0.25, 2.0, 0.75), **fields)


def test_k6_404_tags_and_values() -> None:
    registry = Registry()
    rec = Recorder(registry)
    rec.record_http(resp(), rec.context(BASE), rec.default_site, None, None)
    expected_tags = (
        ("error_code", "1404"),
        ("expected_response", "false"),
        ("group", ""),
        ("method", "GET"),
        ("name", URL),
        ("proto", "HTTP/1.1"),
        ("scenario", "main"),
        ("status", "404"),
        ("url", URL),
    )
    for name in HTTP_METRICS:
        assert list(registry.series(registry.metrics[name])) == [expected_tags], name
    trend = registry.series(registry.metrics["http_req_duration"])[expected_tags]
    assert trend.values(stats=("count", "max")) == {"count": 1.0, "max": 3.0}  # 0.25 + 2.0 + 0.75
    failed = registry.series(registry.metrics["http_req_failed"])[expected_tags]
    assert (failed.trues, failed.total) == (1, 1)


def test_network_error_and_no_callback() -> None:
    registry = Registry()
    rec = Recorder(registry, expected=None)
    err = Response("GET", URL, status=0, error="dial: connection refused", error_code=1212)
    rec.record_http(err, rec.context(BASE, "::g"), rec.default_site, "named", None)
    tags = list(registry.series(registry.metrics["http_reqs"]))
    assert tags == [
        (
            ("error", "dial: connection refused"),
            ("error_code", "1212"),
            ("group", "::g"),
            ("method", "GET"),
            ("name", "named"),
            ("scenario", "main"),
            ("status", "0"),
            ("url", "named"),
        )
    ]
    assert registry.series(registry.metrics["http_req_failed"]) == {}  # responseCallback null: not emitted


def test_system_tags_filter_and_request_tags_and_expected_statuses() -> None:
    registry = Registry()
    rec = Recorder(registry, system_tags={"status", "method"})
    site = rec.site((("team", "a"),), ExpectedStatuses([404]))
    rec.record_http(resp(), rec.context(BASE), site, None, None)
    assert list(registry.series(registry.metrics["http_reqs"])) == [
        (("method", "GET"), ("scenario", "main"), ("status", "404"), ("team", "a"))
    ]
    failed = next(iter(registry.series(registry.metrics["http_req_failed"]).values()))
    assert (failed.trues, failed.total) == (0, 1)  # 404 expected here


def test_cache_reuses_sinks_and_streams_when_asked() -> None:
    registry = Registry()
    rec = Recorder(registry, system_tags=DEFAULT_SYSTEM_TAGS | {"vu", "iter"})
    ctx = rec.context(BASE)
    for _ in range(3):
        rec.record_http(resp(200), ctx, rec.default_site, None, None)
    assert [s.total for s in registry.series(registry.metrics["http_reqs"]).values()] == [3.0]
    seen: list[tuple[str, float, Any]] = []
    registry.listeners.append(lambda m, tags, value, when, meta: seen.append((m.name, value, meta)))
    rec.record_http(resp(200, end_time=5.0), ctx, rec.default_site, None, {"vu": "1", "iter": "0"})
    assert [name for name, _, _ in seen] == list(HTTP_METRICS)
    assert seen[1] == ("http_req_duration", 3.0, {"vu": "1", "iter": "0"})
    assert seen[-1][1] == 0.0  # 200 is expected: http_req_failed 0
