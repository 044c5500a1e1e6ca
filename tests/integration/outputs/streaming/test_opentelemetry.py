"""`--out experimental-opentelemetry` / `--out opentelemetry` into a real OTLP receiver (grpcio for
gRPC, http.server for HTTP/protobuf, both decoding with opentelemetry-proto): k6 v1.1.0 and loadpy
push the same workload, and the receivers must hold the same metric names, types, units,
temporality, attribute sets, histogram bounds and cumulative totals."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from loadpy.demo import DemoServer
from tests.integration.http.tls_servers import make_cert
from tests.integration.outputs.streaming.servers import (
    LINGERING_JS,
    LINGERING_YAML,
    TIMED_YAML,
    OtlpReceiver,
    dropped_pushes,
    run,
    silent_tcp_server,
)

# Emitted once per second: present or not in a short run depending on timing.
TIMED_GAUGES = {"vus", "vus_max"}
# k6 shuts the OpenTelemetry SDK down before its last flush, so the teardown's own samples (data_sent
# and data_received of 0, group ::teardown) never leave k6; loadpy sends them. Compared without them.
TEARDOWN = ("group", "::teardown")
FAST = {"K6_OTEL_FLUSH_INTERVAL": "100ms", "K6_OTEL_EXPORT_INTERVAL": "500ms"}


def received(tool: str, kind: str, tmp: Path, base: str, out: str = "experimental-opentelemetry") -> dict[str, Any]:
    rx = OtlpReceiver(kind)
    try:
        work = tmp / tool
        work.mkdir()
        proc = run(tool, work, base, "--out", out, env={**rx.env(), **FAST}, js=LINGERING_JS, yaml=LINGERING_YAML)
    finally:
        rx.close()
    assert proc.returncode == 0, f"{tool}: {proc.stderr[-2000:]}"
    got = rx.last_points()
    for entry in got.values():
        entry["points"] = {attrs: p for attrs, p in entry["points"].items() if TEARDOWN not in attrs}
    return {name: entry for name, entry in got.items() if name not in TIMED_GAUGES and entry["points"]}


def shape(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: entry[k] for k in ("type", "unit", "temporality", "monotonic", "scope")} | {
        "attributes": sorted(entry["points"])
    }


@pytest.mark.parametrize("kind", ["grpc", "http"])
def test_same_metrics_and_totals_as_k6(tmp_path: Path, demo_server: DemoServer, kind: str) -> None:
    k6 = received("k6", kind, tmp_path, demo_server.base_url)
    lp = received("loadpy", kind, tmp_path, demo_server.base_url, out="opentelemetry")
    assert sorted(lp) == sorted(k6)
    assert {"http_reqs", "checks.occurred", "checks.total", "http_req_failed.total", "http_req_duration"} <= set(lp)
    for name in k6:
        assert shape(lp[name]) == shape(k6[name]), name
    assert shape(lp["http_reqs"])["type"] == "sum" and lp["http_reqs"]["monotonic"] is True
    assert lp["http_req_duration"]["type"] == "histogram" and lp["http_req_duration"]["unit"] == "ms"
    assert lp["data_sent"]["unit"] == "By"

    def only(name: str, tool: dict[str, Any]) -> Any:
        (point,) = tool[name]["points"].values()
        return point

    for name in ("http_reqs", "iterations"):
        assert only(name, lp).as_double == only(name, k6).as_double == 6
    assert only("checks.occurred", lp).as_int == only("checks.occurred", k6).as_int == 6
    assert only("checks.total", lp).as_int == only("checks.total", k6).as_int == 6
    assert only("http_req_failed.total", lp).as_int == only("http_req_failed.total", k6).as_int == 6
    hist, k6_hist = only("http_req_duration", lp), only("http_req_duration", k6)
    assert list(hist.explicit_bounds) == list(k6_hist.explicit_bounds)
    assert hist.count == k6_hist.count == 6 == sum(hist.bucket_counts)
    assert len(hist.bucket_counts) == len(k6_hist.bucket_counts) == 16
    assert 0 < hist.min <= hist.max and hist.sum >= hist.max


@pytest.mark.parametrize("kind", ["grpc", "http"])
def test_tls_with_the_receivers_certificate(tmp_path: Path, demo_server: DemoServer, kind: str) -> None:
    """TLS is the default for both exporters; K6_OTEL_TLS_CERTIFICATE names the CA to trust."""
    rx = OtlpReceiver(kind, tls=make_cert(tmp_path))
    try:
        env = {**rx.env(), **FAST}
        proc = run("loadpy", tmp_path, demo_server.base_url, "--out", "experimental-opentelemetry", env=env)
    finally:
        rx.close()
    assert proc.returncode == 0, proc.stderr[-2000:]
    (point,) = rx.last_points()["http_reqs"]["points"].values()
    assert point.as_double == 6


def test_untrusted_certificate_is_an_error_not_a_crash(tmp_path: Path, demo_server: DemoServer) -> None:
    rx = OtlpReceiver("grpc", tls=make_cert(tmp_path))
    try:
        env = {k: v for k, v in rx.env().items() if k != "K6_OTEL_TLS_CERTIFICATE"}
        proc = run("loadpy", tmp_path, demo_server.base_url, "--out", "experimental-opentelemetry", env=env)
    finally:
        rx.close()
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "failed to upload metrics (output=opentelemetry)" in proc.stderr
    assert "CERTIFICATE_VERIFY_FAILED" in proc.stderr
    assert rx.requests == []


def test_metric_prefix_and_service_name(tmp_path: Path, demo_server: DemoServer) -> None:
    rx = OtlpReceiver("http")
    try:
        env = {**rx.env(), "K6_OTEL_METRIC_PREFIX": "lp_", "OTEL_SERVICE_NAME": "checkout", **FAST}
        proc = run("loadpy", tmp_path, demo_server.base_url, "--out", "experimental-opentelemetry", env=env)
    finally:
        rx.close()
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = rx.last_points()
    assert "lp_http_reqs" in got and "lp_checks.occurred" in got and "http_reqs" not in got
    assert got["lp_http_reqs"]["service"] == [("service.name", "checkout")]


def test_hung_receiver_run_ends_on_time(tmp_path: Path, demo_server: DemoServer) -> None:
    with silent_tcp_server() as port:
        env = {
            "K6_OTEL_EXPORTER_TYPE": "grpc",
            "K6_OTEL_GRPC_EXPORTER_ENDPOINT": f"127.0.0.1:{port}",
            "K6_OTEL_GRPC_EXPORTER_INSECURE": "true",
            "K6_OTEL_EXPORT_INTERVAL": "200ms",
        }
        started = time.monotonic()
        proc = run(
            "loadpy", tmp_path, demo_server.base_url, "-o", "experimental-opentelemetry", env=env, yaml=TIMED_YAML
        )
        took = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-2000:]
    drops = dropped_pushes(proc.stderr)
    assert drops[0] == 1 and len(drops) <= 2 and sum(drops) >= 2, proc.stderr[-2000:]
    assert took < 30, took


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"K6_OTEL_EXPORTER_TYPE": "zipkin"}, 'unsupported exporter type "zipkin"'),
        (
            {"K6_OTEL_EXPORTER_TYPE": "http", "K6_OTEL_HTTP_EXPORTER_ENDPOINT": "http://127.0.0.1:4318"},
            "HTTP exporter endpoint must only be host and port, no scheme",
        ),
        ({"K6_OTEL_HEADERS": "novalue"}, 'invalid header "novalue", expected format key=value'),
        ({"K6_OTEL_EXPORT_INTERVAL": "often"}, "K6_OTEL_EXPORT_INTERVAL"),
    ],
)
def test_bad_settings_exit_104_before_any_request(
    tmp_path: Path, demo_server: DemoServer, env: dict[str, str], needle: str
) -> None:
    before = demo_server.stats()["total"]
    proc = run("loadpy", tmp_path, demo_server.base_url, "--out", "experimental-opentelemetry", env=env)
    assert proc.returncode == 104, proc.stderr[-2000:]
    assert needle in proc.stderr
    assert f"environment variables, key '{next(reversed(env))}'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert demo_server.stats()["total"] == before
